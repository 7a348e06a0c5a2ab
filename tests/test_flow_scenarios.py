"""Origin -> destination queries under a scenario equal a dense solve of the changed system by hand."""

import itertools
from dataclasses import replace

import numpy as np
import pytest

from app.engine import Query
from app.engine.analysis import answer_any, parse_query
from app.engine.flowmath import AXES
from app.engine.flows import FIELDS, FlowQuery, answer_flows, flow_query
from app.engine.interventions import Intervention

from .test_flows import SELECTIONS, fy_engine, reference  # noqa: F401 (fy_engine: a fixture)


def iv(product, origin, consumer, consumer_region, change):
    return Intervention(product, origin, consumer, consumer_region, float(change))


CASES = {
    "demo": {
        1: [iv("electricity", "reg1", "manufactoring", "reg2", -20)],
        3: [iv("electricity", "TOTAL", "manufactoring", "reg3", -35), iv("food", "reg2", "FD", "TOTAL", 50),
            iv("mining", "reg4", "electricity", "reg4", 20)],
        5: [iv("mining", "reg4", "electricity", "reg4", -20), iv("mining", "TOTAL", "electricity", "TOTAL", 10),
            iv("mining", "reg4", "electricity", "reg4", -20), iv("trade", "reg1", "FD", "reg1", 30),
            iv("construction", "TOTAL", "TOTAL", "reg6", -100)],
    },
    "fy": {
        1: [iv("A", "Europe", "FD", "JP", 40)],
        3: [iv("C", "TOTAL", "D", "AT", -30), iv("p01.a", "JP", "FD", "TOTAL", -50), iv("A", "Asia", "C", "TOTAL", 15)],
        5: [iv("D", "Europe", "TOTAL", "Europe", -25), iv("A", "TOTAL", "FD", "Asia", 20),
            iv("C", "FR", "A", "JP", 300), iv("D", "Europe", "TOTAL", "Europe", 10),
            iv("TOTAL", "JP", "FD", "JP", -10)],
    },
}


def cells(dataset, region, product):
    P = dataset.products.size
    return np.array(sorted(r * P + p for r in dataset.regions[region].leaves for p in dataset.products[product].leaves))


def changed_system(dataset, year, interventions):
    """A' and Y' by hand from dense copies, in the order given."""
    A, Y = np.array(dataset.technical_coefficients(year, dense=True)), np.array(dataset.array(year, "Y"))
    for i in interventions:
        rows = cells(dataset, i.origin, i.product)
        if i.consumer == "FD":
            Y[np.ix_(rows, dataset.regions[i.consumer_region].leaves)] *= i.factor
        else:
            A[np.ix_(rows, cells(dataset, i.consumer_region, i.consumer))] *= i.factor
    return A, Y


def scenario_tensor(dataset, year, indicator, interventions):
    """s_i L'_ij Y'_jc summed over j's region: [origin region, origin product (+ direct), consumer region,
    final product (+ direct)], with F_Y unchanged at [c, direct, c, direct]."""
    row = dataset.indicator_row[indicator]
    A, Y = changed_system(dataset, year, interventions)
    s = np.array(dataset.array(year, "S"))[row]
    L = np.linalg.solve(np.eye(len(A)) - A, np.eye(len(A)))  # L' column by column: F keeps the final cell j
    R, P = dataset.regions.size, dataset.products.size
    F = (s[:, None, None] * L[:, :, None] * Y[None, :, :]).reshape(R, P, R, P, R).sum(axis=2)
    tensor = np.zeros((R, P + 1, R, P + 1))
    tensor[:, :P, :, :P] = F.transpose(0, 1, 3, 2)
    if dataset.has_array(year, "F_Y"):
        tensor[np.arange(R), P, np.arange(R), P] = np.array(dataset.array(year, "F_Y"))[row]
    return tensor


def scenario_queries(name, indicator, year, interventions):
    """Every axis and every pair, filters drawn from the selections, direct on and off."""
    rng = np.random.default_rng(23)
    sel = SELECTIONS[name]
    for k, by in enumerate([(a,) for a in AXES] + list(itertools.permutations(AXES, 2))):
        fields = {FIELDS[a]: tuple(sel["region" if "region" in a else "product"][rng.integers(3)]) for a in AXES}
        yield FlowQuery(dataset=name, indicator=indicator, by=by, year=year, direct=k % 2 == 0,
                        interventions=tuple(interventions), **fields)


def figures(result):
    if result.matrix is None:
        return [r.value for r in result.rows]
    return result.matrix["values"]


@pytest.mark.parametrize("name, indicator", [("demo", "emission_type1_air"), ("fy", "ghg")])
@pytest.mark.parametrize("count", [1, 3, 5])
def test_every_axis_and_matrix_under_a_scenario_equals_a_dense_solve(request, engine, name, indicator, count):
    eng = engine if name == "demo" else request.getfixturevalue("fy_engine")  # small, with direct emissions F_Y
    dataset = eng.dataset(name)
    year = dataset.years[-1]
    interventions = CASES[name][count]
    tensor = scenario_tensor(dataset, year, indicator, interventions)
    base_tensor = scenario_tensor(dataset, year, indicator, [])
    moved = False
    for query in scenario_queries(name, indicator, year, interventions):
        result = answer_flows(eng, query)
        want, total, with_direct = reference(dataset, tensor, query)
        np.testing.assert_allclose(figures(result), want, rtol=1e-9, atol=1e-9 * abs(total), err_msg=str(query))
        assert result.total == pytest.approx(total, rel=1e-9)
        assert result.direct == with_direct
        # the baseline beside it is the same query on the dataset's own system
        base_want, base_total, _ = reference(dataset, base_tensor, query.baseline)
        np.testing.assert_allclose(figures(result.baseline), base_want, rtol=1e-9, atol=1e-9 * abs(base_total))
        assert result.baseline.total == pytest.approx(base_total, rel=1e-9)
        data = result.to_dict()
        assert data["baseline"]["total"] == result.baseline.total
        assert ("matrix" in data["baseline"]) == (len(query.by) == 2)
        assert data["solver"]["method"] == "woodbury" and data["solver"]["rank"] >= 0
        assert data.get("direct_unchanged", False) == with_direct
        moved = moved or abs(total - base_total) > 1e-6 * abs(base_total)
    assert moved  # the scenario changes the figures: the comparison above is not with the baseline


def test_a_final_demand_change_alone_changes_only_what_it_drives(engine):
    """A rank-0 scenario (final demand only): the figures are s L Y' with Y' by hand."""
    dataset = engine.dataset("demo")
    interventions = (iv("food", "reg2", "FD", "reg3", 80),)
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=("origin-region", "consumer-region"),
                      year=2011, direct=False, interventions=interventions, origin_regions=("reg1", "reg2", "TOTAL"),
                      consumer_regions=("reg1", "reg3", "reg5"))
    result = answer_flows(engine, query)
    assert result.solver["rank"] == 0
    tensor = scenario_tensor(dataset, 2011, "emission_type1_air", interventions)
    want, total, _ = reference(dataset, tensor, query)
    np.testing.assert_allclose(result.matrix["values"], want, rtol=1e-9)
    # only consumer region reg3's column moves
    moved = np.array(result.matrix["values"]) - np.array(result.baseline.matrix["values"])
    others = [k for k, h in enumerate(result.matrix["columns"]) if h.code != "reg3"]
    assert np.abs(moved[:, others]).max() == 0 and np.abs(moved).max() > 0


@pytest.mark.parametrize("count", [1, 3, 5])
def test_a_flow_query_that_is_a_classic_view_gives_the_classic_scenario(engine, count):
    interventions = tuple(CASES["demo"][count])
    for perspective, by in [("consumption", "product"), ("consumption", "region"), ("production", "region"),
                            ("production", "product")]:
        for direct in (False, True):
            classic = Query("demo", "emission_type1_air", perspective, by, products=("food", "TOTAL"),
                            regions=("reg2", "reg5"), interventions=interventions, direct=direct)
            view = engine.answer(classic)
            flows = answer_flows(engine, flow_query(classic, direct=direct))
            got = [r.value for r in flows.rows]
            np.testing.assert_allclose(got, [r.value for r in view.rows], rtol=1e-9)
            assert flows.total == pytest.approx(view.total, rel=1e-9)
            np.testing.assert_allclose([r.value for r in flows.baseline.rows],
                                       [r.value for r in view.baseline.rows], rtol=1e-9)
            assert flows.direct == view.direct


def test_empty_interventions_give_the_baseline_exactly(engine):
    for by in [("origin-region",), ("final-product", "consumer-region")]:
        plain = FlowQuery(dataset="demo", indicator="emission_type1_air", by=by, origin_products=("food", "TOTAL"))
        same = answer_flows(engine, replace(plain, interventions=()))
        assert same.to_dict() == answer_flows(engine, plain).to_dict()
        assert same.baseline is None and "baseline" not in same.to_dict()
    # a query's dict keeps no empty interventions, and reads back as what it was
    data = FlowQuery.from_dict({"dataset": "demo", "indicator": "x", "by": "origin-region", "interventions": []})
    assert "interventions" not in data.to_dict()
    spec = CASES["demo"][3]
    back = parse_query(replace(data, interventions=tuple(spec)).to_dict())
    assert isinstance(back, FlowQuery) and back.interventions == tuple(spec)


@pytest.mark.parametrize("bad, field", [
    ({"interventions": 3}, "interventions"),
    ({"interventions": [{"product": "food"}]}, "interventions[0].origin"),
    ({"interventions": [{**CASES["demo"][1][0].to_dict(), "change_pct": -150}]}, "interventions[0].change_pct"),
    ({"interventions": [{**CASES["demo"][1][0].to_dict(), "origin": "Mars"}]}, "interventions[0].origin"),
    ({"interventions": [{**CASES["demo"][1][0].to_dict(), "consumer": "reg1"}]}, "interventions[0].consumer"),
])
def test_bad_interventions_name_their_field(engine, bad, field):
    from app.engine import QueryError

    with pytest.raises(QueryError) as caught:
        answer_any(engine, parse_query({"dataset": "demo", "indicator": "emission_type1_air",
                                        "by": "origin-region", **bad}))
    assert caught.value.field == field


WEB_INTERVENTIONS = [iv("electricity", "TOTAL", "manufactoring", "reg1", -20), iv("food", "reg2", "FD", "TOTAL", 50),
                     iv("mining", "reg3", "TOTAL", "reg3", 25)]


@pytest.mark.parametrize("by", [["origin-region"], ["origin-region", "consumer-region"]])
def test_a_saved_scenario_applied_to_a_finished_flow_job(shared_app, engine, by):
    import csv
    import io
    import re

    from .test_scenario_web import builder_form

    client = shared_app.test_client()
    client.get("/")
    rows = [dict(i.to_dict(), change_pct=f"{i.change_pct:g}") for i in WEB_INTERVENTIONS]
    saved = client.post("/scenarios/builder", data=builder_form("Three changes", rows, "save"))
    sid = re.fullmatch(r"/scenarios\?saved=([0-9a-f]{32})", saved.headers["Location"]).group(1)
    query = {"dataset": "demo", "year": 2011, "indicator": "emission_type1_air", "by": by,
             "origin_regions": ["reg1", "reg4", "TOTAL"], "consumer_regions": ["reg2", "reg3"],
             "final_products": ["TOTAL"]}
    job = client.post("/api/v1/analyses", json=query).get_json()["id"]
    page = client.get(f"/analyses/{job}").get_data(as_text=True)
    assert "Run this analysis under a scenario" in page and "Three changes" in page
    run = client.post(f"/analyses/{job}/scenario", data={"scenario_id": sid})
    assert run.status_code == 303
    new_id = run.headers["Location"].rsplit("/", 1)[1]
    done = client.get(f"/api/v1/analyses/{new_id}").get_json()
    assert done["status"] == "done"
    assert done["query"]["interventions"] == [i.to_dict() for i in WEB_INTERVENTIONS]
    flow = FlowQuery.from_dict(done["query"])
    dataset = engine.dataset("demo")
    want, total, _ = reference(dataset, scenario_tensor(dataset, 2011, "emission_type1_air", WEB_INTERVENTIONS), flow)
    base, base_total, _ = reference(dataset, scenario_tensor(dataset, 2011, "emission_type1_air", []), flow)
    result = done["result"]
    got = result["matrix"]["values"] if len(by) == 2 else [r["value"] for r in result["rows"]]
    got_base = (result["baseline"]["matrix"]["values"] if len(by) == 2
                else [r["value"] for r in result["baseline"]["rows"]])
    np.testing.assert_allclose(got, want, rtol=1e-9)
    np.testing.assert_allclose(got_base, base, rtol=1e-9)
    assert result["total"] == pytest.approx(total, rel=1e-9) and result["baseline"]["total"] == pytest.approx(
        base_total, rel=1e-9)
    assert abs(total - base_total) > 1e-6 * abs(base_total)
    assert result["direct_unchanged"] is True and result["solver"]["method"] == "woodbury"
    page = client.get(f"/analyses/{new_id}").get_data(as_text=True)
    assert "Under a scenario of 3 interventions" in page and "checked by its residual" in page
    if len(by) == 1:
        assert "Baseline and scenario" in page
    else:
        assert "Baseline and scenario" not in page and "has every cell of both" in page
    lines = list(csv.DictReader(io.StringIO(client.get(f"/analyses/{new_id}.csv").get_data(as_text=True))))
    assert lines[0]["interventions"].startswith("product=electricity,origin=TOTAL,consumer=manufactoring")
    np.testing.assert_allclose([float(line["baseline_value"]) for line in lines[:-1]], np.ravel(base), rtol=1e-9)
    for line in lines:
        assert float(line["difference"]) == pytest.approx(float(line["value"]) - float(line["baseline_value"]))


def test_the_api_takes_interventions_on_a_flow_query(client, engine):
    query = {"dataset": "demo", "year": 2011, "indicator": "emission_type1_air", "by": "final-product",
             "final_products": ["food", "mining", "TOTAL"], "consumer_regions": ["reg2"], "direct": False,
             "interventions": [i.to_dict() for i in CASES["demo"][3]]}
    body = client.post("/api/v1/analyses", json=query).get_json()
    job = client.get(body["url"]).get_json()
    assert job["status"] == "done" and job["query"]["interventions"] == query["interventions"]
    dataset = engine.dataset("demo")
    want, total, _ = reference(dataset, scenario_tensor(dataset, 2011, "emission_type1_air", CASES["demo"][3]),
                               FlowQuery.from_dict(query))
    np.testing.assert_allclose([r["value"] for r in job["result"]["rows"]], want, rtol=1e-9)
    assert job["result"]["total"] == pytest.approx(total, rel=1e-9) and "baseline" in job["result"]
    bad = client.post("/api/v1/analyses", json={**query, "interventions": [{**query["interventions"][0],
                                                                             "origin": "Mars"}]})
    assert bad.status_code == 422 and bad.get_json()["field"] == "interventions[0].origin"


def test_a_high_rank_scenario_solved_by_gmres_equals_the_dense_solve(monkeypatch, engine):
    from app.engine import scenario

    monkeypatch.setattr(scenario, "WOODBURY_MAX_RANK", 0)
    dataset = engine.dataset("demo")
    interventions = CASES["demo"][5]
    tensor = scenario_tensor(dataset, 2011, "emission_type1_air", interventions)
    for by in [("origin-region", "consumer-region"), ("origin-product",), ("final-product", "origin-region")]:
        query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=by, year=2011, direct=False,
                          origin_regions=("reg1", "TOTAL"), final_products=("food", "mining"),
                          interventions=tuple(interventions))
        result = answer_flows(engine, query)
        assert result.solver["method"] == "gmres"
        want, total, _ = reference(dataset, tensor, query)
        np.testing.assert_allclose(figures(result), want, rtol=1e-9, atol=1e-12 * abs(total))
        assert result.total == pytest.approx(total, rel=1e-9)
