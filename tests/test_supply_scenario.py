"""Supply chains under a scenario: layers, paths and elasticities of the changed system A', Y', against the
same analyses on a dense changed system built here independently (the interventions applied with numpy,
every product with L' a dense solve), and the footprint against the scenario view's own total."""

import numpy as np
import pytest

from app.engine import Engine, QueryError, Source, SourceYear, Store, answer_any, parse_query
from app.engine import scenario as scenario_module
from app.engine.chains import ChainQuery
from app.engine.interventions import Intervention
from app.engine.scenario import ScenarioSystem
from app.engine.supply import layers, paths, sensitivity

from .test_supply import _assert_same_paths, _brute

YEAR = 2011
REGIONS = ["R0", "R1", "R2"]
PRODUCTS = ["P0", "P1", "P2", "P3"]
GROUPS = {"G1": ["P0", "P1"], "G2": ["P2", "P3"]}
N = len(REGIONS) * len(PRODUCTS)


def _product_tree() -> list[dict]:
    records = [{"code": "TOTAL", "name": "Total", "parent": None, "leaf": None}]
    for group, members in GROUPS.items():
        records.append({"code": group, "name": group, "parent": "TOTAL", "leaf": None})
        records += [{"code": p, "name": p, "parent": group, "leaf": PRODUCTS.index(p)} for p in members]
    return records


def _system(seed: int, density: float):
    """A random A with column sums at most 0.7 (spectral radius below one), Y of three consumer regions
    with some zeros, and two indicators."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.01, 1.0, (N, N)) * (rng.uniform(size=(N, N)) < density)
    A[np.arange(N), (np.arange(N) + 1) % N] += 0.05  # every sector has a supplier
    A *= rng.uniform(0.3, 0.7, N) / A.sum(axis=0)
    Y = rng.uniform(0.5, 3.0, (N, len(REGIONS))) * (rng.uniform(size=(N, len(REGIONS))) < 0.8)
    S = rng.uniform(0.0, 2.0, (2, N)) * (rng.uniform(size=(2, N)) < 0.85)
    return A, Y, S


@pytest.fixture(scope="module")
def chain_engine(tmp_path_factory):
    """sparse: A about a third non-zero (stored as CSR); dense: most of A non-zero (stored dense)."""
    store = Store(tmp_path_factory.mktemp("supply_scenario"))
    region_tree = [{"code": "TOTAL", "name": "Total", "parent": None, "leaf": None}] + [
        {"code": r, "name": r, "parent": "TOTAL", "leaf": k} for k, r in enumerate(REGIONS)]
    indicators = [{"code": code, "name": code, "unit": "kg", "parent": None, "group": "air"} for code in ("co2", "ch4")]
    for name, seed, density in (("sparse", 3, 0.3), ("dense", 4, 0.9)):
        A, Y, S = _system(seed, density)
        store.write(name, Source(regions=REGIONS, products=PRODUCTS, region_tree=region_tree,
                                 product_tree=_product_tree(), indicators=indicators,
                                 years=[(YEAR, lambda A=A, Y=Y, S=S: SourceYear(YEAR, A=A, Y=Y, S=S))]))
    return Engine(store)


def _iv(product, origin, consumer, consumer_region, change_pct) -> dict:
    return {"product": product, "origin": origin, "consumer": consumer, "consumer_region": consumer_region,
            "change_pct": change_pct}


SCENARIOS = {
    "mixed": [_iv("P1", "R0", "P2", "R1", 50), _iv("G2", "R2", "P0", "TOTAL", -40), _iv("P3", "TOTAL", "FD", "R1", 30),
              _iv("P2", "R1", "TOTAL", "R0", -100), _iv("P1", "R0", "G2", "R1", 20)],  # the last compounds the first
    "every cell": [_iv("TOTAL", "TOTAL", "TOTAL", "TOTAL", -20), _iv("G1", "R1", "FD", "TOTAL", -100)],
    "final demand only": [_iv("TOTAL", "R2", "FD", "R0", 60), _iv("P0", "TOTAL", "FD", "TOTAL", -100)],
    "a whole row gone": [_iv("P2", "TOTAL", "TOTAL", "TOTAL", -100), _iv("TOTAL", "R0", "G1", "R2", 200)],
}


def _cells(regions, products) -> np.ndarray:
    """Region-major positions of the leaves of the given region and product codes (TOTAL and groups)."""
    regions = range(len(REGIONS)) if regions == "TOTAL" else [REGIONS.index(regions)]
    products = [PRODUCTS.index(p) for p in GROUPS.get(products, PRODUCTS if products == "TOTAL" else [products])]
    return np.array([r * len(PRODUCTS) + p for r in regions for p in products])


def _changed(dataset, interventions) -> tuple[np.ndarray, np.ndarray]:
    """A' and Y', every intervention applied in turn to the dense tables."""
    A = dataset.technical_coefficients(YEAR, dense=True).copy()
    Y = np.array(dataset.array(YEAR, "Y"))
    for iv in interventions:
        rows, factor = _cells(iv["origin"], iv["product"]), 1 + iv["change_pct"] / 100
        if iv["consumer"] == "FD":
            cols = range(len(REGIONS)) if iv["consumer_region"] == "TOTAL" else [REGIONS.index(iv["consumer_region"])]
            Y[np.ix_(rows, list(cols))] *= factor
        else:
            A[np.ix_(rows, _cells(iv["consumer_region"], iv["consumer"]))] *= factor
    return A, Y


SELECTIONS = {  # (origin regions, consumer regions, final products) as leaf positions; None: all
    "everything": (None, (0, 1, 2), None),
    "one consumer, some products": (None, (1,), (0, 2, 3)),
    "one origin": ((2,), (0, 2), None),
}


def _selection(dataset, name, indicator="co2", Y=None):
    origins, consumers, products = SELECTIONS[name]
    s = np.array(dataset.array(YEAR, "S")[dataset.indicator_row[indicator]])
    if origins is not None:
        s *= np.isin(np.arange(N) // len(PRODUCTS), origins)
    Y = np.asarray(dataset.array(YEAR, "Y")) if Y is None else Y
    y = Y[:, list(consumers)].sum(axis=1)
    if products is not None:
        y = y * np.isin(np.arange(N) % len(PRODUCTS), products)
    return s, y


def _system_of(dataset, interventions) -> ScenarioSystem:
    return ScenarioSystem(dataset, YEAR, tuple(Intervention.from_dict(iv, k) for k, iv in enumerate(interventions)))


def _footprint(s, A, y) -> float:
    return float(s @ np.linalg.solve(np.eye(N) - A, y))


CASES = [(d, sc, sel) for d in ("sparse", "dense") for sc in SCENARIOS for sel in SELECTIONS]


@pytest.fixture(params=["woodbury", "gmres"])
def method(request, monkeypatch):
    """Both solvers of the changed system (GMRES forced by a Woodbury limit of zero), and the relative
    accuracy of what is solved with L' (F', m', L' y'): Woodbury's is the dense solve's; GMRES stops at a
    residual of 1e-11 of the right-hand side, so its figures agree to about 1e-12 and are held to 1e-10.
    Products with A' alone (tiers, path values) are held to 1e-12 either way."""
    if request.param == "gmres":
        monkeypatch.setattr(scenario_module, "WOODBURY_MAX_RANK", 0)
    return request.param, 1e-12 if request.param == "woodbury" else 1e-10


# layers


@pytest.mark.parametrize("name, scenario, selection", CASES)
def test_layers_under_a_scenario_are_those_of_the_dense_changed_system(chain_engine, method, name, scenario, selection):
    dataset = chain_engine.dataset(name)
    A1, Y1 = _changed(dataset, SCENARIOS[scenario])
    system = _system_of(dataset, SCENARIOS[scenario])
    solver, solved = method
    assert system.method == ("gmres" if solver == "gmres" and system.rank else "woodbury")
    s, y1 = _selection(dataset, selection, Y=Y1)
    F = _footprint(s, A1, y1)
    result = layers(dataset, YEAR, s, y1, 8, "origin-region", top=2, scenario=system)
    assert result["total"] == pytest.approx(F, rel=solved)
    v = y1.copy()
    for tier in result["layers"]:
        want = s * v
        assert tier["value"] == pytest.approx(want.sum(), rel=1e-12, abs=1e-14 * F)
        by_region = want.reshape(len(REGIONS), -1).sum(axis=1)
        got = {r["code"]: r["value"] for r in tier["rows"]}
        for code, value in zip(REGIONS, by_region):
            if code in got:
                assert got[code] == pytest.approx(value, rel=1e-12, abs=1e-14 * F)
        assert sum(got.values()) == pytest.approx(tier["value"], rel=1e-12, abs=1e-14 * F)
        v = A1 @ v
    assert result["remainder"] == pytest.approx(_footprint(s, A1, v), rel=1e-9, abs=solved * F)
    assert sum(t["value"] for t in result["layers"]) + result["remainder"] == pytest.approx(result["total"], rel=1e-12)


# paths


@pytest.mark.parametrize("name, scenario, selection", CASES)
def test_paths_under_a_scenario_equal_the_brute_force_over_a_prime(chain_engine, method, name, scenario, selection):
    dataset = chain_engine.dataset(name)
    A1, Y1 = _changed(dataset, SCENARIOS[scenario])
    s, y1 = _selection(dataset, selection, Y=Y1)
    system = _system_of(dataset, SCENARIOS[scenario])
    result = paths(dataset, YEAR, s, y1, count=150, depth=4, threshold=1e-6, scenario=system)
    F, solved = _footprint(s, A1, y1), method[1]
    assert result["total"] == pytest.approx(F, rel=solved) and result["exact"]
    _assert_same_paths(dataset, result, _brute(s, A1, y1, 4), 150, 1e-6 * result["total"])
    m1 = s @ np.linalg.inv(np.eye(N) - A1)
    assert result["coverage"] == pytest.approx(sum(p["value"] for p in result["paths"]) / F, rel=solved)
    for p in result["paths"]:
        cells = _path_cells(p)
        q = y1[cells[0]] * np.prod([A1[b, a] for a, b in zip(cells, cells[1:])])
        assert p["upstream"] == pytest.approx(m1[cells[-1]] * q, rel=solved)
        assert p["value"] <= p["upstream"] * (1 + 1e-12) and p["share"] == pytest.approx(p["value"] / F, rel=1e-12)


def _path_cells(path) -> list[int]:
    return [REGIONS.index(st["region"]) * len(PRODUCTS) + PRODUCTS.index(st["product"]) for st in path["stages"]]


def test_a_removed_coefficient_lies_on_no_path(chain_engine):
    dataset = chain_engine.dataset("sparse")
    system = _system_of(dataset, SCENARIOS["a whole row gone"])
    s, y1 = _selection(dataset, "everything", Y=system.Y)
    result = paths(dataset, YEAR, s, y1, count=1000, depth=5, threshold=1e-9, scenario=system)
    gone = set(_cells("TOTAL", "P2").tolist())
    assert result["paths"] and not any(set(_path_cells(p)[1:]) & gone for p in result["paths"])


# elasticities


@pytest.mark.parametrize("name, scenario, selection", CASES)
def test_elasticities_under_a_scenario_equal_finite_differences_of_the_changed_model(chain_engine, method, name,
                                                                                    scenario, selection):
    dataset = chain_engine.dataset(name)
    A1, Y1 = _changed(dataset, SCENARIOS[scenario])
    s, y1 = _selection(dataset, selection, Y=Y1)
    system = _system_of(dataset, SCENARIOS[scenario])
    result = sensitivity(dataset, YEAR, s, y1, top=30, scenario=system)
    F = _footprint(s, A1, y1)
    assert result["total"] == pytest.approx(F, rel=method[1])
    full = A1 * np.outer(s @ np.linalg.inv(np.eye(N) - A1), np.linalg.solve(np.eye(N) - A1, y1)) / F
    order = sorted(zip(*np.nonzero(full)), key=lambda ij: (-abs(full[ij]), ij))[:30]
    got = [(_path_cells({"stages": [c["origin"]]})[0], _path_cells({"stages": [c["consumer"]]})[0])
           for c in result["cells"]]
    assert got == [tuple(map(int, o)) for o in order]
    h = 1e-6
    for c, (i, j) in zip(result["cells"], got):
        up, down = A1.copy(), A1.copy()
        up[i, j] *= 1 + h
        down[i, j] *= 1 - h
        assert (_footprint(s, up, y1) - _footprint(s, down, y1)) / F / (2 * h) == pytest.approx(c["elasticity"],
                                                                                               rel=1e-6)
    for c in result["intensities"]:
        i = _path_cells({"stages": [c]})[0]
        up = s.copy()
        up[i] *= 1 + h
        assert (_footprint(up, A1, y1) - F) / F / h == pytest.approx(c["elasticity"], rel=1e-6)
    # every intensity is listed (at most n), and theirs sum to the whole footprint
    assert sum(c["elasticity"] for c in result["intensities"]) == pytest.approx(1.0, rel=1e-12)


# the whole stack


@pytest.mark.parametrize("kind", [{"layers": 5}, {"paths": 40, "depth": 4, "threshold": 1e-6}, {"sensitivity": 8}])
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("view", [
    {"indicator": "co2", "perspective": "consumption", "by": "region", "regions": ["R1"], "products": ["G2"]},
    {"indicator": "ch4", "by": "origin-region", "origin_regions": ["R0", "R2"], "consumer_regions": ["R1"]},
])
def test_a_chain_query_under_a_scenario_traces_the_scenario_views_footprint(chain_engine, method, kind, scenario, view):
    data = {"dataset": "sparse", **view, "interventions": SCENARIOS[scenario]}
    query = parse_query({**data, **kind})
    assert isinstance(query, ChainQuery) and query.base.interventions
    assert parse_query(query.to_dict()) == query  # a job's query reads back as itself
    said = []
    out = answer_any(chain_engine, query, progress=said.append).to_dict()
    view_total = answer_any(chain_engine, parse_query({**data, "direct": False})).total
    assert out["total"] == pytest.approx(view_total, rel=1e-9)
    plain_data = {k: v for k, v in data.items() if k != "interventions"}
    baseline = answer_any(chain_engine, parse_query({**plain_data, "direct": False})).total
    assert out["baseline_total"] == pytest.approx(baseline, rel=1e-12)
    plain = answer_any(chain_engine, parse_query({**plain_data, **kind}))
    assert plain.to_dict()["total"] == pytest.approx(out["baseline_total"], rel=1e-12)
    assert "baseline_total" not in plain.to_dict() and "solver" not in plain.to_dict()
    system = _system_of(chain_engine.dataset("sparse"), SCENARIOS[scenario])
    assert out["solver"]["method"] == system.method and out["solver"]["rank"] == system.rank
    # the scenario's own solver reports through the query's progress
    assert any(m.startswith(("output: residual", "multipliers: residual")) for m in said), said


def test_the_dense_storage_answers_a_scenario_the_same_way(chain_engine):
    for name in ("sparse", "dense"):
        dataset = chain_engine.dataset(name)
        A1, Y1 = _changed(dataset, SCENARIOS["mixed"])
        s, y1 = _selection(dataset, "everything", Y=Y1)
        out = answer_any(chain_engine, parse_query({"dataset": name, "indicator": "co2", "by": "origin-region",
                                              "interventions": SCENARIOS["mixed"], "layers": 3})).to_dict()
        assert out["total"] == pytest.approx(_footprint(s, A1, y1), rel=1e-12)
        assert [t["value"] for t in out["layers"]] == pytest.approx([s @ y1, s @ A1 @ y1, s @ A1 @ A1 @ y1], rel=1e-12)


def test_a_scenario_that_removes_the_selections_final_demand_is_refused_naming_the_interventions(chain_engine):
    data = {"dataset": "sparse", "indicator": "co2", "by": "consumer-region", "consumer_regions": ["R1"],
            "interventions": [_iv("TOTAL", "TOTAL", "FD", "R1", -100)]}
    for kind in ({"layers": 3}, {"paths": 5}, {"sensitivity": 5}):
        with pytest.raises(QueryError, match="no final demand left") as caught:
            answer_any(chain_engine, parse_query({**data, **kind}))
        assert caught.value.field == "interventions"
    assert answer_any(chain_engine, parse_query(data)).total == 0.0  # the scenario view itself: zero
