"""Supply chains (issue 13): layers, structural paths and elasticities against dense references."""

import json

import numpy as np
import pytest

from app.engine import QueryError, Source, SourceYear, Store
from app.engine.hierarchy import flat_tree
from app.engine.supply import OTHER, layers, paths, sensitivity

YEAR = 2011


def _dense(dataset, year=YEAR) -> np.ndarray:
    A = dataset.technical_coefficients(year)
    return A.toarray() if hasattr(A, "toarray") else np.array(A)


def _footprint(s, A, y) -> float:
    return float(s @ np.linalg.solve(np.eye(len(y)) - A, y))


def _hand_made(store: Store, name: str, n_regions: int, n_products: int, A, Y, s) -> object:
    regions = [f"R{k}" for k in range(n_regions)]
    products = [f"P{k}" for k in range(n_products)]
    source = Source(regions=regions, products=products, region_tree=flat_tree(regions),
                    product_tree=flat_tree(products),
                    indicators=[{"code": "co2", "name": "CO2", "unit": "kg", "parent": None, "group": "air"}],
                    years=[(YEAR, lambda: SourceYear(YEAR, A=np.array(A), Y=np.array(Y), S=np.array(s)[None, :]))])
    return store.write(name, source)


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """ties: A = 0.1 everywhere (dense: only A is stored), so every path of a depth ties with the others;
    mixed: coefficients, intensities and demand from a few values (sparse: CSR is stored), many ties."""
    store = Store(tmp_path_factory.mktemp("supply"))
    ties = _hand_made(store, "ties", 2, 3, np.full((6, 6), 0.1), np.column_stack([np.ones(6), 2 * np.ones(6)]),
                      np.ones(6))
    rng = np.random.default_rng(7)
    A = rng.choice([0.0] * 14 + [0.05, 0.1, 0.15], size=(8, 8))
    A[np.arange(8), (np.arange(8) + 1) % 8] = 0.1  # every sector has a supplier
    assert np.count_nonzero(A) <= 0.4 * A.size and A.sum(axis=0).max() < 1
    Y = rng.choice([0.0, 1.0, 2.0], size=(8, 2))
    mixed = _hand_made(store, "mixed", 2, 4, A, Y, rng.choice([0.0, 1.0, 2.0], size=8))
    # cut: paths 3 <- 0 and 4 <- 5 are worth 0.2 each; 0 has no suppliers, so the branch of 3 is bounded
    # by exactly 0.2, while 4 <- 5 (bound 0.25) is found first: the search must not stop at a bound equal
    # to the count-th value, or the tie 3 <- 0, first in stage order, is lost
    A = np.zeros((6, 6))
    A[0, 3], A[5, 4], A[1, 5] = 0.2, 0.5, 0.1
    Y = np.zeros((6, 2))
    Y[[3, 4], 0] = 1.0
    cut = _hand_made(store, "cut", 2, 3, A, Y, [1.0, 1.0, 0.0, 0.0, 0.0, 0.4])
    return {"ties": ties, "mixed": mixed, "cut": cut}


@pytest.fixture(scope="module")
def small(engine):
    return engine.dataset("small")


def _selection(dataset, origin_regions=None, consumers=(0,), products=None):
    """s_o of co2 restricted to some origin regions, y of some consumer regions and final products."""
    n_regions, n_products = dataset.regions.size, dataset.products.size
    s = np.array(dataset.array(YEAR, "S")[dataset.indicator_row["co2"]])
    if origin_regions is not None:
        mask = np.zeros((n_regions, n_products))
        mask[list(origin_regions)] = 1
        s = s * mask.ravel()
    y = np.asarray(dataset.array(YEAR, "Y"))[:, list(consumers)].sum(axis=1)
    if products is not None:
        keep = np.zeros(n_products)
        keep[list(products)] = 1
        y = y * np.tile(keep, n_regions)
    return s, y


def _brute(s, A, y, depth) -> list[tuple[float, tuple]]:
    """Every path to depth with a positive value, its flow multiplied from the final product upwards as
    the search does: (value, cells from stage 0), largest first, ties by cells."""
    out, Q = [], y.copy()
    for t in range(depth + 1):
        if t:
            Q = A.reshape(A.shape + (1,) * (t - 1)) * Q[None]
        V = s.reshape((-1,) + (1,) * t) * Q
        for index in zip(*np.nonzero(V > 0)):
            out.append((float(V[index]), tuple(int(i) for i in reversed(index))))
    out.sort(key=lambda p: (-p[0], p[1]))
    return out


def _cells(dataset, path) -> tuple:
    regions, products = dataset.regions.leaf_codes(), dataset.products.leaf_codes()
    return tuple(regions.index(st["region"]) * len(products) + products.index(st["product"])
                 for st in path["stages"])


def _assert_same_paths(dataset, result, expected, count, floor):
    expected = [p for p in expected if p[0] >= floor][:count]
    got = [(p["value"], _cells(dataset, p)) for p in result["paths"]]
    assert [c for _, c in got] == [c for _, c in expected]
    assert np.allclose([v for v, _ in got], [v for v, _ in expected], rtol=1e-12, atol=0)


# layers


@pytest.mark.parametrize("by", ["origin-region", "origin-product"])
@pytest.mark.parametrize("origins", [None, (1, 4)])
def test_each_tier_is_s_a_to_the_k_y_and_the_remainder_closes_the_footprint(small, by, origins):
    s, y = _selection(small, origins, consumers=(0, 3), products=range(0, 24, 2))
    A = _dense(small)
    F = _footprint(s, A, y)
    result = layers(small, YEAR, s, y, 7, by, top=4)
    assert result["total"] == pytest.approx(F, rel=1e-12)
    v = y.copy()
    for k, tier in enumerate(result["layers"]):
        assert tier["tier"] == k
        assert tier["value"] == pytest.approx(s @ v, rel=1e-12, abs=1e-13 * F)
        assert sum(r["value"] for r in tier["rows"]) == pytest.approx(tier["value"], rel=1e-12, abs=1e-13 * F)
        assert len(tier["rows"]) <= 5 and all(set(r) == {"code", "name", "level", "value"} for r in tier["rows"])
        v = A @ v
    deeper = s @ np.linalg.solve(np.eye(len(y)) - A, v)
    assert abs(result["remainder"] - deeper) <= 1e-9 * F
    assert abs(sum(t["value"] for t in result["layers"]) + result["remainder"] - result["total"]) <= 1e-9 * F


def test_layer_rows_are_the_top_groups_and_the_rest_summed(small):
    s, y = _selection(small)
    result = layers(small, YEAR, s, y, 3, "origin-product", top=5)
    tier = result["layers"][1]
    values = (s * (_dense(small) @ y)).reshape(small.regions.size, -1).sum(axis=0)
    order = np.argsort(-np.abs(values), kind="stable")
    codes = small.products.leaf_codes()
    assert [r["code"] for r in tier["rows"][:5]] == [codes[k] for k in order[:5]]
    assert tier["rows"][5]["code"] == OTHER
    assert tier["rows"][5]["value"] == pytest.approx(values[order[5:]].sum(), rel=1e-12)


def test_layers_with_l_y_given_and_on_a_dense_a(small, hand):
    s, y = _selection(small, consumers=(2,))
    ly = np.asarray(small.array(YEAR, "LY"))[:, 2]
    assert layers(small, YEAR, s, y, 4, "origin-region", ly=ly)["total"] == pytest.approx(
        layers(small, YEAR, s, y, 4, "origin-region")["total"], rel=1e-12)
    ties = hand["ties"]
    assert not ties.has_array(YEAR, "A_indptr")
    s, y = np.ones(6), np.ones(6)
    result = layers(ties, YEAR, s, y, 3, "origin-region")
    assert [t["value"] for t in result["layers"]] == pytest.approx([6.0, 3.6, 2.16])
    assert result["total"] == pytest.approx(6 / (1 - 0.6)) and result["remainder"] == pytest.approx(15 - 11.76)


# structural paths


@pytest.mark.parametrize("count", [5, 6, 7, 42, 50, 200])
def test_paths_on_a_tied_system_equal_the_brute_force_in_value_and_tie_order(hand, count):
    ties = hand["ties"]
    s, y = np.ones(6), np.ones(6)
    result = paths(ties, YEAR, s, y, count=count, depth=3, threshold=1e-9)
    expected = _brute(s, _dense(ties), y, 3)
    _assert_same_paths(ties, result, expected, count, 1e-9 * result["total"])
    assert len(result["paths"]) == count and result["exact"] and not result["stopped_by_limit"]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_a_tie_whose_branch_is_bounded_by_exactly_the_cut_is_kept(hand, count):
    cut = hand["cut"]
    s = np.array(cut.array(YEAR, "S")[0])
    y = np.asarray(cut.array(YEAR, "Y"))[:, 0]
    result = paths(cut, YEAR, s, y, count=count, depth=4, threshold=1e-9)
    assert [_cells(cut, p) for p in result["paths"]] == [(3, 0), (4, 5), (4, 5, 1)][:count]
    assert [p["value"] for p in result["paths"]] == [0.2, 0.2, 0.05][:count]
    assert result["total"] == pytest.approx(0.45, rel=1e-12)


@pytest.mark.parametrize("count, depth, threshold", [(100, 6, 1e-9), (1000, 5, 1e-9), (30, 6, 1e-3), (10, 0, 1e-9)])
def test_paths_on_a_sparse_system_with_ties_equal_the_brute_force(hand, count, depth, threshold):
    mixed = hand["mixed"]
    s = np.array(mixed.array(YEAR, "S")[0])
    y = np.asarray(mixed.array(YEAR, "Y")).sum(axis=1)
    assert mixed.has_array(YEAR, "A_indptr")
    result = paths(mixed, YEAR, s, y, count=count, depth=depth, threshold=threshold)
    expected = _brute(s, _dense(mixed), y, depth)
    _assert_same_paths(mixed, result, expected, count, threshold * result["total"])
    values = [v for v, _ in expected]
    assert len(set(values[:count])) < len(values[:count])  # ties among the top ones


@pytest.mark.parametrize("origins, consumers, products", [(None, (0,), None), ((1, 4), (1, 3), range(0, 24, 3))])
def test_paths_on_the_small_dataset_equal_the_brute_force_to_depth_two(small, origins, consumers, products):
    s, y = _selection(small, origins, consumers, products)
    result = paths(small, YEAR, s, y, count=300, depth=2, threshold=1e-9)
    F = result["total"]
    assert F == pytest.approx(_footprint(s, _dense(small), y), rel=1e-12)
    _assert_same_paths(small, result, _brute(s, _dense(small), y, 2), 300, 1e-9 * F)
    values = [p["value"] for p in result["paths"]]
    assert max(values) <= F and values == sorted(values, reverse=True)
    assert result["coverage"] == pytest.approx(sum(values) / F, rel=1e-12)
    for p in result["paths"]:
        assert p["share"] == pytest.approx(p["value"] / F, rel=1e-12)
        assert p["upstream"] >= p["value"] * (1 - 1e-12)


def test_a_higher_threshold_keeps_exactly_the_paths_above_it(small):
    s, y = _selection(small, consumers=(5,))
    expected = _brute(s, _dense(small), y, 2)
    for threshold in (1e-4, 1e-2):
        result = paths(small, YEAR, s, y, count=1000, depth=2, threshold=threshold)
        floor = threshold * result["total"]
        _assert_same_paths(small, result, expected, 1000, floor)
        assert len(result["paths"]) == sum(v >= floor for v, _ in expected)


def test_a_node_limit_stops_the_search_and_says_so(small):
    s, y = _selection(small)
    result = paths(small, YEAR, s, y, count=100, depth=8, threshold=1e-9, node_limit=25)
    assert result["stopped_by_limit"] and result["expanded"] == 25
    full = paths(small, YEAR, s, y, count=100, depth=8, threshold=1e-9)
    assert not full["stopped_by_limit"] and full["expanded"] > 25
    assert all(y[_cells(small, p)[0]] > 0 for p in full["paths"])


def test_negative_final_demand_starts_no_path(hand):
    mixed = hand["mixed"]
    s = np.array(mixed.array(YEAR, "S")[0])
    y = np.asarray(mixed.array(YEAR, "Y")).sum(axis=1)
    y[np.flatnonzero(y)[0]] = -0.5
    result = paths(mixed, YEAR, s, y, count=50, depth=4, threshold=1e-9)
    expected = _brute(s, _dense(mixed), np.maximum(y, 0), 4)
    _assert_same_paths(mixed, result, expected, 50, 1e-9 * result["total"])


def test_results_are_plain_json_and_a_negative_intensity_is_not_called_exact(small):
    s, y = _selection(small, consumers=(1,))
    for result in (layers(small, YEAR, s, y, 3, "origin-region"), paths(small, YEAR, s, y, count=20),
                   sensitivity(small, YEAR, s, y, top=5)):
        assert json.loads(json.dumps(result, allow_nan=False)) == result
    assert paths(small, YEAR, s, y, count=5)["exact"]
    s[np.flatnonzero(s)[0]] *= -1
    assert not paths(small, YEAR, s, y, count=5)["exact"]


# elasticities


def test_cell_elasticities_equal_finite_differences_of_the_full_model(small):
    s, y = _selection(small, (2,), consumers=(0, 1))
    A = _dense(small)
    F = _footprint(s, A, y)
    result = sensitivity(small, YEAR, s, y, top=50)
    index = {c: k for k, c in enumerate(small.regions.leaf_codes())}
    products = {c: k for k, c in enumerate(small.products.leaf_codes())}
    n_products = len(products)
    cell = lambda d: index[d["region"]] * n_products + products[d["product"]]  # noqa: E731
    m = s @ np.linalg.inv(np.eye(len(y)) - A)
    full = A * np.outer(m, np.linalg.solve(np.eye(len(y)) - A, y)) / F
    order = sorted(zip(*np.nonzero(full)), key=lambda ij: (-abs(full[ij]), ij))[:50]
    assert [(cell(c["origin"]), cell(c["consumer"])) for c in result["cells"]] == [tuple(map(int, o)) for o in order]
    h = 1e-6
    for c in result["cells"]:
        i, j = cell(c["origin"]), cell(c["consumer"])
        up, down = A.copy(), A.copy()
        up[i, j] *= 1 + h
        down[i, j] *= 1 - h
        fd = (_footprint(s, up, y) - _footprint(s, down, y)) / F / (2 * h)
        assert fd == pytest.approx(c["elasticity"], rel=1e-6)
    for c in result["intensities"][:20]:
        i = cell(c)
        up = s.copy()
        up[i] *= 1 + h
        assert (_footprint(up, A, y) - F) / F / h == pytest.approx(c["elasticity"], rel=1e-6)
    assert {index[c["region"]] for c in result["intensities"]} == {2}  # only the origin cells


def test_elasticities_on_a_dense_a(hand):
    ties = hand["ties"]
    result = sensitivity(ties, YEAR, np.ones(6), np.ones(6), top=3)
    # m = 2.5 everywhere, L y = 2.5 everywhere, F = 15: every cell 0.1 x 2.5 x 2.5 / 15, ties by position
    assert [c["elasticity"] for c in result["cells"]] == pytest.approx([0.625 / 15] * 3)
    assert [(c["origin"], c["consumer"]) for c in result["cells"]] == [
        ({"region": "R0", "product": "P0"}, {"region": "R0", "product": f"P{k}"}) for k in range(3)]
    assert [c["elasticity"] for c in result["intensities"]] == pytest.approx([2.5 / 15] * 3)


# bad input


@pytest.mark.parametrize("call, field", [
    (lambda d, s, y: paths(d, YEAR, s, y, count=0), "count"),
    (lambda d, s, y: paths(d, YEAR, s, y, count=1001), "count"),
    (lambda d, s, y: paths(d, YEAR, s, y, count=True), "count"),
    (lambda d, s, y: paths(d, YEAR, s, y, count=2.0), "count"),
    (lambda d, s, y: paths(d, YEAR, s, y, depth=-1), "depth"),
    (lambda d, s, y: paths(d, YEAR, s, y, depth=13), "depth"),
    (lambda d, s, y: paths(d, YEAR, s, y, threshold=0), "threshold"),
    (lambda d, s, y: paths(d, YEAR, s, y, threshold=1e-10), "threshold"),
    (lambda d, s, y: paths(d, YEAR, s, y, threshold=0.2), "threshold"),
    (lambda d, s, y: paths(d, YEAR, s, y, threshold=float("nan")), "threshold"),
    (lambda d, s, y: paths(d, YEAR, s, y, threshold="0.01"), "threshold"),
    (lambda d, s, y: paths(d, YEAR, s, y, node_limit=0), "node_limit"),
    (lambda d, s, y: layers(d, YEAR, s, y, 0, "origin-region"), "tiers"),
    (lambda d, s, y: layers(d, YEAR, s, y, 13, "origin-region"), "tiers"),
    (lambda d, s, y: layers(d, YEAR, s, y, 3, "consumer-region"), "by"),
    (lambda d, s, y: layers(d, YEAR, s, y, 3, "origin-region", top=0), "top"),
    (lambda d, s, y: sensitivity(d, YEAR, s, y, top=1001), "top"),
])
def test_out_of_range_settings_name_their_field(small, call, field):
    s, y = _selection(small)
    with pytest.raises(QueryError) as raised:
        call(small, s, y)
    assert raised.value.field == field


@pytest.mark.parametrize("function", [
    lambda d, s, y: layers(d, YEAR, s, y, 3, "origin-region"), lambda d, s, y: paths(d, YEAR, s, y),
    lambda d, s, y: sensitivity(d, YEAR, s, y)])
def test_zero_footprints_and_non_finite_inputs_name_the_selection(small, function):
    s, y = _selection(small)
    bad_s, bad_y = s.copy(), y.copy()
    bad_s[3], bad_y[5] = np.nan, np.inf
    for args in ((np.zeros_like(s), y), (s, np.zeros_like(y)), (bad_s, y), (s, bad_y)):
        with pytest.raises(QueryError) as raised:
            function(small, *args)
        assert raised.value.field == "selection"
