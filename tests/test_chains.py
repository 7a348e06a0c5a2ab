"""A supply-chain analysis as a query (app/engine/chains.py): read from JSON and the command line, checked
before anything is queued, answered through the job queue and the API, the selection's footprint equal to
the view's own total without direct emissions, and printed as JSON, CSV or a table."""

import csv
import io
import json

import numpy as np
import pytest
from jsonschema import Draft202012Validator

from app.engine import FlowQuery, Query, QueryError, answer_any, parse_query, resolve_any
from app.engine.chains import ChainQuery
from app.engine.synth import synthetic_source

from .conftest import engine_of
from .test_flow_api import answered, result_schema

BASE = {"dataset": "small", "indicator": "co2", "perspective": "consumption", "by": "region"}
IV = {"product": "TOTAL", "origin": "TOTAL", "consumer": "FD", "consumer_region": "TOTAL", "change_pct": 5}


def view_total(engine, data: dict) -> float:
    """The view's own total, without direct emissions (supply chains leave them out)."""
    plain = {k: v for k, v in data.items() if k not in ("layers", "layers_by", "paths", "depth", "threshold",
                                                        "sensitivity")}
    return answer_any(engine, parse_query({**plain, "direct": False})).total


@pytest.mark.parametrize("extra", [
    {"layers": 6}, {"layers": 3, "layers_by": "origin-product"}, {"paths": 20, "depth": 5, "threshold": 1e-6},
    {"sensitivity": 10},
])
@pytest.mark.parametrize("view", [
    {"regions": ["R1"]},
    {"perspective": None, "by": "origin-region", "origin_regions": ["R0", "R2"], "final_products": ["C"]},
])
def test_each_kind_traces_the_views_own_footprint(engine, extra, view):
    small = engine.dataset("small")
    names = dict(zip(("R0", "R1", "R2"), small.regions.leaf_codes()))
    names["C"] = next(c for c, n in small.products.nodes.items() if n.level == 1)
    view = {k: ([names.get(c, c) for c in v] if isinstance(v, list) else v) for k, v in view.items()}
    data = {k: v for k, v in {**BASE, **view, **extra}.items() if v is not None}
    query = parse_query(data)
    assert isinstance(query, ChainQuery)
    stored = resolve_any(engine, query).to_dict()
    assert parse_query(stored) == resolve_any(engine, query)  # a job's query reads back as itself
    out = answer_any(engine, query).to_dict()
    assert out["total"] == pytest.approx(view_total(engine, data), rel=1e-9)
    assert out["unit"] == "kg" and out["direct_left_out"] is False  # the small set has no F_Y
    if "layers" in extra:
        assert len(out["layers"]) == extra["layers"]
        assert sum(t["value"] for t in out["layers"]) + out["remainder"] == pytest.approx(out["total"], rel=1e-9)
    elif "paths" in extra:
        values = [p["value"] for p in out["paths"]]
        assert values == sorted(values, reverse=True) and values[0] <= out["total"]
        assert out["coverage"] == pytest.approx(sum(values) / out["total"], rel=1e-12)
        assert all(len(p["stages"]) <= 6 for p in out["paths"])
    else:
        assert len(out["cells"]) == 10 and len(out["intensities"]) == 10


def test_direct_emissions_are_left_out_and_said(fy_engine):  # noqa: F811
    fy = fy_engine.dataset("fy")
    data = {"dataset": "fy", "indicator": fy.indicators[0]["code"], "perspective": "consumption", "by": "region",
            "layers": 4}
    out = answer_any(fy_engine, parse_query(data)).to_dict()
    assert out["direct_left_out"] is True
    with_direct = answer_any(fy_engine, parse_query({k: v for k, v in data.items() if k != "layers"})).total
    row = fy.indicator_row[fy.indicators[0]["code"]]
    f_y = float(np.asarray(fy.array(fy.years[-1], "F_Y")[row]).sum())
    assert out["total"] == pytest.approx(with_direct - f_y, rel=1e-9)


@pytest.mark.parametrize("extra, field", [
    ({"layers": 0}, "layers"), ({"layers": 13}, "layers"), ({"layers": 2.5}, "layers"), ({"layers": True}, "layers"),
    ({"layers": 3, "layers_by": "consumer-region"}, "layers_by"), ({"paths": 0}, "paths"),
    ({"paths": 1001}, "paths"), ({"paths": 10, "depth": 13}, "depth"), ({"paths": 10, "depth": -1}, "depth"),
    ({"paths": 10, "threshold": 0.5}, "threshold"), ({"paths": 10, "threshold": 1e-12}, "threshold"),
    ({"sensitivity": 0}, "sensitivity"), ({"depth": 3}, "depth"), ({"layers": 3, "depth": 3}, "depth"),
    ({"layers": 3, "paths": 3}, "paths"), ({"layers": 3, "years": [2011, 2012]}, "years"),
    ({"paths": 5, "per": "capita", "perspective": None, "by": "consumer-region"}, "per"),
    ({"layers": 5, "per": "value-added", "perspective": None, "by": "origin-region",
      "interventions": [{**IV, "change_pct": 5}]}, "per"),
    ({"sensitivity": 5, "regions": ["TOTAL"], "interventions": [{**IV, "origin": "XX"}]}, "interventions[0].origin"),
    ({"paths": 5, "interventions": [{**IV, "change_pct": -101}]}, "interventions[0].change_pct"),
])
def test_bad_options_are_refused_naming_the_field(engine, extra, field):
    data = {k: v for k, v in {**BASE, **extra}.items() if v is not None}
    with pytest.raises(QueryError) as caught:
        resolve_any(engine, parse_query(data))
    assert caught.value.field == field, caught.value


@pytest.fixture(scope="module")
def zero_engine(tmp_path_factory):
    """A small synthetic year whose first product emits nothing anywhere."""
    source = synthetic_source(years=[2011], n_regions=3, n_products=8, seed=1)
    n_products = len(source.products)

    def silenced(year):
        for key in ("F", "S"):
            values = getattr(year, key)
            if values is not None:
                values.reshape(values.shape[0], -1, n_products)[:, :, 0] = 0.0

    return engine_of(tmp_path_factory, "zero", source, silenced)


def test_a_selection_without_footprint_is_refused_before_anything_runs(zero_engine):
    dataset = zero_engine.dataset("zero")
    silent = dataset.products.leaf_codes()[0]
    data = {"dataset": "zero", "indicator": "co2", "by": "origin-product", "origin_products": [silent]}
    assert answer_any(zero_engine, parse_query(data)).total == 0.0  # the view itself: zero
    for extra in ({"layers": 3}, {"paths": 5}, {"sensitivity": 5}):
        with pytest.raises(QueryError, match="footprint is zero") as caught:
            resolve_any(zero_engine, parse_query({**data, **extra}))
        assert caught.value.field == "selection"


def test_the_api_queues_and_documents_each_kind(client, engine):
    for extra in ({"layers": 3}, {"paths": 5, "depth": 3}, {"sensitivity": 4}):
        job = answered(client, {**BASE, "regions": ["TOTAL"], **extra})
        assert set(extra) <= set(job["query"])
        Draft202012Validator(result_schema(client)).validate(job["result"])
        want = answer_any(engine, parse_query({**BASE, "regions": ["TOTAL"], **extra})).to_dict()
        assert job["result"]["total"] == want["total"]


def test_the_query_command_prints_each_kind(shared_app, engine):
    runner = shared_app.test_cli_runner()
    base = ["query", "--dataset", "small", "--indicator", "co2", "--perspective", "consumption", "--by", "region"]
    for args, kind in ((["--layers", "4"], "layers"), (["--paths", "6", "--depth", "4"], "paths"),
                       (["--sensitivity", "3"], "sensitivity")):
        out = runner.invoke(args=[*base, *args, "--format", "json"])
        assert out.exit_code == 0, out.output
        want = answer_any(engine, parse_query({**BASE, kind: int(args[1]), **({"depth": 4} if kind == "paths"
                                                                                 else {})})).to_dict()
        assert json.loads(out.stdout) == want
        lines = list(csv.reader(io.StringIO(runner.invoke(args=[*base, *args, "--format", "csv"]).stdout)))
        assert lines[0][0] == {"layers": "tier", "paths": "rank", "sensitivity": "kind"}[kind] and len(lines) > 2
        table = runner.invoke(args=[*base, *args])
        assert table.exit_code == 0 and "footprint" in table.stdout
    deep = runner.invoke(args=[*base, "--paths", "5", "--depth", "13"])
    assert deep.exit_code == 1 and "--depth: depth must be a whole number from 0 to 12" in deep.output
    alone = runner.invoke(args=[*base, "--threshold", "0.01"])
    assert alone.exit_code == 1 and "--threshold" in alone.output


def _scenario(small) -> list[dict]:
    """A change of A (one product group of one region, to every industry of another) and of final demand."""
    regions = small.regions.leaf_codes()
    group = next(c for c, n in small.products.nodes.items() if n.level == 1)
    return [{"product": group, "origin": regions[0], "consumer": "TOTAL", "consumer_region": regions[1],
             "change_pct": -50},
            {"product": "TOTAL", "origin": "TOTAL", "consumer": "FD", "consumer_region": regions[1], "change_pct": 20}]


def _timeless(result: dict) -> dict:
    return {**result, "solver": {k: v for k, v in result["solver"].items() if k != "seconds"}}


def test_the_api_answers_each_kind_under_a_scenario(client, engine):
    small = engine.dataset("small")
    view = {**BASE, "regions": [small.regions.leaf_codes()[1]], "interventions": _scenario(small)}
    scenario_total = view_total(engine, view)
    baseline_total = view_total(engine, {k: v for k, v in view.items() if k != "interventions"})
    assert abs(scenario_total - baseline_total) > 1e-3 * baseline_total  # the scenario changes the footprint
    for extra in ({"layers": 5}, {"paths": 8, "depth": 4}, {"sensitivity": 6}):
        job = answered(client, {**view, **extra})
        assert job["query"]["interventions"] == view["interventions"] and set(extra) <= set(job["query"])
        Draft202012Validator(result_schema(client)).validate(job["result"])
        result = job["result"]
        assert result["total"] == pytest.approx(scenario_total, rel=1e-9)
        assert result["baseline_total"] == pytest.approx(baseline_total, rel=1e-12)
        assert _timeless(result) == _timeless(answer_any(engine, parse_query({**view, **extra})).to_dict())


def test_the_query_command_answers_under_a_scenario(shared_app, engine):
    small = engine.dataset("small")
    region = small.regions.leaf_codes()[1]
    ivs = _scenario(small)
    specs = [",".join(f"{'change' if k == 'change_pct' else k}={v}" for k, v in iv.items()) for iv in ivs]
    args = ["query", "--dataset", "small", "--indicator", "co2", "--perspective", "consumption", "--by", "region",
            "--regions", region, "--layers", "5", *[a for spec in specs for a in ("--intervention", spec)]]
    runner = shared_app.test_cli_runner()
    out = runner.invoke(args=[*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    want = answer_any(engine, parse_query({**BASE, "regions": [region], "interventions": ivs, "layers": 5})).to_dict()
    assert _timeless(json.loads(out.stdout)) == _timeless(want)
    assert want["total"] != pytest.approx(want["baseline_total"], rel=1e-3)
    table = runner.invoke(args=args)
    assert table.exit_code == 0
    change = (want["total"] - want["baseline_total"]) / want["baseline_total"]
    assert (f"footprint {want['total']:.6g} kg under the scenario (baseline {want['baseline_total']:.6g} kg, "
            f"{change:+.2%})") in table.stdout


def test_a_flow_view_and_its_classic_form_trace_the_same_footprint(engine):
    small = engine.dataset("small")
    region = small.regions.leaf_codes()[2]
    classic = answer_any(engine, parse_query({**BASE, "regions": [region], "layers": 5})).to_dict()
    flow = answer_any(engine, parse_query({"dataset": "small", "indicator": "co2", "by": "consumer-region",
                                           "consumer_regions": [region], "layers": 5})).to_dict()
    assert classic == flow
    assert isinstance(parse_query({"dataset": "small", "indicator": "co2", "by": "origin-region", "paths": 3}).base,
                      FlowQuery)
    assert isinstance(parse_query({**BASE, "sensitivity": 3}).base, Query)


from .test_flows import fy_engine  # noqa: E402, F401 (a fixture)


def test_each_kind_shows_on_the_page_and_downloads_as_csv(shared_app):
    client = shared_app.test_client()
    client.get("/")
    ids = []
    for extra, words in (({"layers": 4}, "by production layer"), ({"paths": 5, "depth": 3}, "These 5 paths"),
                         ({"sensitivity": 3}, "The intensities that matter most")):
        created = client.post("/api/v1/analyses", json={**BASE, "regions": ["TOTAL"], **extra}).get_json()
        ids.append(created["id"])
        html = client.get(f"/analyses/{created['id']}").get_data(as_text=True)
        assert words in html and "Footprint of the selection" in html
        lines = list(csv.reader(io.StringIO(client.get(f"/analyses/{created['id']}.csv").get_data(as_text=True))))
        assert len(lines) > 2 and lines[0][-4:] == ["dataset", "year", "indicator", "query"]
        assert client.get(f"/analyses/{created['id']}.svg").status_code == 200  # the chart (test_chain_charts.py)
    # beside another result, and in the workspace with the queue, nothing breaks
    plain = client.post("/api/v1/analyses", json={**BASE, "regions": ["TOTAL"]}).get_json()["id"]
    for a, b in ((ids[0], plain), (plain, ids[1])):
        assert client.get(f"/?a={a}&b={b}").status_code == 200
        panel = client.get(f"/analyses/{b}?side=b&against={a}", headers={"HX-Request": "true"})
        assert panel.status_code == 200


def test_the_supply_chain_tab_queues_each_kind_from_a_result(shared_app):
    client = shared_app.test_client()
    client.get("/")
    plain = client.post("/api/v1/analyses", json={**BASE, "regions": ["TOTAL"]}).get_json()["id"]
    html = client.get(f"/analyses/{plain}").get_data(as_text=True)
    assert "<summary>Supply chain</summary>" in html and 'name="kind" value="paths"' in html
    form = {"tiers": "5", "count": "7", "depth": "4", "threshold": "0.001", "top": "6"}
    for kind, words in (("layers", "by production layer"), ("paths", "These 7 paths"),
                        ("sensitivity", "coefficients whose change")):
        response = client.post(f"/analyses/{plain}/chain", data={**form, "kind": kind})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        assert words in client.get(response.headers["Location"]).get_data(as_text=True)
    count = len(client.get("/").get_data(as_text=True).split('class="job status-')) - 1
    for bad, field in (({"kind": "layers", "tiers": "13"}, "layers"), ({"kind": "paths", "depth": "x"}, "depth"),
                       ({"kind": "paths", "threshold": "1"}, "threshold"), ({"kind": "tree"}, "kind"),
                       ({"kind": "sensitivity", "top": "٥"}, "top")):
        response = client.post(f"/analyses/{plain}/chain", data={**form, **bad})
        assert response.status_code in (400, 422), (bad, response.status_code)
        assert field in response.get_data(as_text=True).casefold(), bad
    assert len(client.get("/").get_data(as_text=True).split('class="job status-')) - 1 == count


def test_progress_is_reported_while_layers_and_paths_are_traced(engine):
    for extra, first, last in (({"layers": 4}, "tracing the production layers", "tier 3 of 3"),
                               ({"paths": 5, "depth": 3}, "searching the supply chains", "paths found")):
        said = []
        answer_any(engine, parse_query({**BASE, **extra}), progress=said.append)
        assert said[0] == first and last in said[-1], said
