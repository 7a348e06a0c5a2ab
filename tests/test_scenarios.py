"""Scenarios equal a direct dense solve of the changed system; invalid ones are refused with a reason."""

import json

import numpy as np
import pytest

from app.engine import Query, QueryError
from app.engine.interventions import Intervention
from app.engine.scenario import ScenarioError

VIEWS = [("consumption", "product"), ("consumption", "region"), ("production", "region"),
         ("production", "product")]


def iv(product, origin, consumer, consumer_region, change):
    return Intervention(product, origin, consumer, consumer_region, float(change))


def cells(dataset, region, product):
    P = dataset.products.size
    return np.array(sorted(r * P + p for r in dataset.regions[region].leaves for p in dataset.products[product].leaves))


def dense_reference(dataset, year, interventions, indicator, perspective, by, products, regions):
    """Apply the interventions to dense copies of A and Y, solve (I - A') directly, sum the cells."""
    A = np.array(dataset.technical_coefficients(year, dense=True))
    Y = np.array(dataset.array(year, "Y"))
    for i in interventions:
        rows = cells(dataset, i.origin, i.product)
        if i.consumer == "FD":
            Y[np.ix_(rows, dataset.regions[i.consumer_region].leaves)] *= 1 + i.change_pct / 100
        else:
            A[np.ix_(rows, cells(dataset, i.consumer_region, i.consumer))] *= 1 + i.change_pct / 100
    s = np.array(dataset.array(year, "S"))[dataset.indicator_row[indicator]]
    I_minus = np.eye(len(A)) - A
    R, P = dataset.regions.size, dataset.products.size
    if perspective == "consumption":
        m = np.linalg.solve(I_minus.T, s)
        # cell (consumer region c, product p): sum over origins r of m[(r, p)] Y[(r, p), c]
        table = np.einsum("rp,rpc->cp", m.reshape(R, P), Y.reshape(R, P, R))
    else:
        x = np.linalg.solve(I_minus, Y.sum(axis=1))
        table = (s * x).reshape(R, P)
    trees = (dataset.products, dataset.regions)
    by_tree, other_tree = trees if by == "product" else trees[::-1]
    by_codes, other_codes = (products, regions) if by == "product" else (regions, products)
    other = other_tree.union(other_codes)
    out = []
    for code in by_codes:
        leaves = by_tree[code].leaves
        block = table[np.ix_(other, leaves)] if by == "product" else table[np.ix_(leaves, other)]
        out.append(block.sum())
    return out


CASES = {
    "one cell of A": [iv("electricity", "reg1", "manufactoring", "reg2", -20)],
    "one product from all origins to one sector": [iv("electricity", "TOTAL", "manufactoring", "reg3", -35)],
    "final demand": [iv("food", "reg2", "FD", "TOTAL", 50)],
    "several, compounding on one cell": [iv("mining", "reg4", "electricity", "reg4", -20),
                                         iv("mining", "TOTAL", "electricity", "TOTAL", 10),
                                         iv("mining", "reg4", "electricity", "reg4", -20),
                                         iv("trade", "reg1", "FD", "reg1", 30),
                                         iv("trade", "reg1", "FD", "reg1", -10)],
    "whole sector removed": [iv("construction", "TOTAL", "TOTAL", "TOTAL", -100)],
}


@pytest.mark.parametrize("case", CASES)
def test_demo_scenarios_equal_a_dense_solve(engine, case):
    dataset = engine.dataset("demo")
    selections = [(("TOTAL",), ("TOTAL",)), (("food", "electricity", "TOTAL"), ("reg2", "reg5")),
                  (("manufactoring",), ("reg1", "TOTAL", "reg3"))]
    for indicator in ("value_added", "emission_type1_air"):
        for perspective, by in VIEWS:
            for products, regions in selections:
                # the dense reference has no direct emissions of final demand (tests/test_classic_direct.py)
                query = Query("demo", indicator, perspective, by, products=products, regions=regions,
                              interventions=tuple(CASES[case]), direct=False)
                result = engine.answer(query)
                want = dense_reference(dataset, 2011, CASES[case], indicator, perspective, by, products, regions)
                assert [r.value for r in result.rows] == pytest.approx(want, rel=1e-9)
                base = engine.answer(query.baseline)
                assert [r.value for r in result.baseline.rows] == [r.value for r in base.rows]


SMALL_CASES = {
    "a section from a continent to a division": [iv("D", "Europe", "p40", "Asia", -25)],
    "five of the benchmark's kind": [iv(p, "TOTAL", c, r, -20) for p, c, r in (
        ("p40.11.d", "p27", "AT"), ("p23.20.d", "p60.1", "JP"), ("p24.b", "p01.a", "FR"),
        ("p10.h", "p40.3", "CH"))] + [iv("p15.b", "TOTAL", "FD", "Europe", -30)],
    "all inputs of one region's industries": [iv("TOTAL", "TOTAL", "TOTAL", "MT", -10)],
    "all of A (solved by GMRES)": [iv("TOTAL", "TOTAL", "TOTAL", "TOTAL", -20)],
    "all of A up, and final demand": [iv("TOTAL", "TOTAL", "TOTAL", "TOTAL", 15), iv("A", "Asia", "FD", "TOTAL", 40)],
}


@pytest.mark.parametrize("case", SMALL_CASES)
def test_synthetic_scenarios_equal_a_dense_solve(engine, case, monkeypatch):
    from app.engine import scenario

    if "GMRES" in case or "all of A up" in case:
        # the small set has rank-144 changes only; force the high-rank path
        monkeypatch.setattr(scenario, "WOODBURY_MAX_RANK", 10)
    dataset = engine.dataset("small")
    for perspective, by in VIEWS:
        products, regions = ("A", "p01", "D", "TOTAL"), ("Europe", "JP", "TOTAL")
        query = Query("small", "ghg", perspective, by, year=2012, products=products, regions=regions,
                      interventions=tuple(SMALL_CASES[case]))
        result = engine.answer(query)
        want = dense_reference(dataset, 2012, SMALL_CASES[case], "ghg", perspective, by, products, regions)
        assert [r.value for r in result.rows] == pytest.approx(want, rel=1e-9)
        assert result.solver["method"] == ("gmres" if "GMRES" in case or "up" in case else "woodbury")


def test_a_scenario_without_change_equals_the_baseline(engine):
    query = Query("small", "co2", "production", "region", interventions=(iv("D", "TOTAL", "FD", "TOTAL", 0),))
    result = engine.answer(query)
    assert [r.value for r in result.rows] == pytest.approx([r.value for r in result.baseline.rows], rel=1e-12)


def test_a_system_without_valid_solution_is_refused(engine):
    dataset = engine.dataset("small")
    rho = max(abs(np.linalg.eigvals(np.array(dataset.technical_coefficients(2012, dense=True)))))
    change = 100 * (1.05 / rho - 1)  # scales the spectral radius to 1.05
    query = Query("small", "co2", "production", "region",
                  interventions=(iv("TOTAL", "TOTAL", "TOTAL", "TOTAL", change),))
    with pytest.raises(ScenarioError) as caught:
        engine.answer(query)
    assert "spectral radius" in str(caught.value) or "no solution" in str(caught.value)
    # just below one is still a valid (if extreme) economy
    ok = Query("small", "co2", "production", "region",
               interventions=(iv("TOTAL", "TOTAL", "TOTAL", "TOTAL", 100 * (0.95 / rho - 1)),))
    assert engine.answer(ok).total > 0


@pytest.mark.parametrize("data, field, message", [
    ({"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": -150},
     "interventions[0].change_pct", "negative"),
    ({"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": float("nan")},
     "interventions[0].change_pct", "finite"),
    ({"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": "10"},
     "interventions[0].change_pct", "number"),
    ({"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1"},
     "interventions[0].change_pct", "number"),
    ({"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": 1, "x": 1},
     "interventions[0].x", "unknown field"),
    ("food", "interventions[0]", "must be an object"),
])
def test_bad_interventions_name_the_field(data, field, message):
    with pytest.raises(QueryError) as caught:
        Query.from_dict({"dataset": "demo", "indicator": "value_added", "perspective": "consumption",
                         "by": "product", "interventions": [data]})
    assert caught.value.field == field and message in str(caught.value)


@pytest.mark.parametrize("intervention, field", [
    (iv("steel", "reg1", "FD", "reg1", 10), "interventions[0].product"),
    (iv("food", "reg9", "FD", "reg1", 10), "interventions[0].origin"),
    (iv("food", "reg1", "households", "reg1", 10), "interventions[0].consumer"),
    (iv("food", "reg1", "FD", "Mars", 10), "interventions[0].consumer_region"),
])
def test_unknown_codes_in_interventions(engine, intervention, field):
    with pytest.raises(QueryError) as caught:
        engine.answer(Query("demo", "value_added", "consumption", "product", interventions=(intervention,)))
    assert caught.value.field == field


def test_at_most_twenty_interventions(engine):
    many = [{"product": "food", "origin": "reg1", "consumer": "FD", "consumer_region": "reg1", "change_pct": 1}] * 21
    with pytest.raises(QueryError) as caught:
        Query.from_dict({"dataset": "demo", "indicator": "value_added", "perspective": "consumption",
                         "by": "product", "interventions": many})
    assert caught.value.field == "interventions"
    twenty = Query.from_dict({"dataset": "demo", "indicator": "value_added", "perspective": "consumption",
                              "by": "product", "interventions": many[:20]})
    assert engine.answer(twenty).total == pytest.approx(
        dense_reference(engine.dataset("demo"), 2011, twenty.interventions, "value_added", "consumption",
                        "product", ("TOTAL",), ("TOTAL",))[0], rel=1e-9)


def test_cli_interventions(shared_app, engine):
    cli = shared_app.test_cli_runner()
    args = ["query", "--dataset", "demo", "--indicator", "value_added", "--perspective", "production", "--by",
            "region", "--regions", "reg1", "--format", "json",
            "--intervention", "product=food,origin=reg2,consumer=FD,consumer_region=TOTAL,change=50",
            "--intervention", "product=electricity,origin=TOTAL,consumer=manufactoring,consumer_region=reg1,change=-20"]
    result = cli.invoke(args=args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    want = dense_reference(engine.dataset("demo"), 2011, [iv("food", "reg2", "FD", "TOTAL", 50),
                                                          iv("electricity", "TOTAL", "manufactoring", "reg1", -20)],
                           "value_added", "production", "region", ("TOTAL",), ("reg1",))
    assert data["rows"][0]["value"] == pytest.approx(want[0], rel=1e-9)
    assert data["baseline"]["rows"][0]["value"] != data["rows"][0]["value"]
    bad = cli.invoke(args=args[:-2] + ["--intervention", "product=food,origin=reg2,change=5"])
    assert bad.exit_code == 1 and "missing consumer, consumer_region" in bad.stderr
    spec = "product=food,origin=reg2,consumer=FD,consumer_region=reg1,change=lots"
    bad = cli.invoke(args=args[:-2] + ["--intervention", spec])
    assert bad.exit_code == 1 and "change 'lots' is not a number" in bad.stderr
