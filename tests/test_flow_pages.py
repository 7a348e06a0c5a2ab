"""Origin -> destination analyses on the page: the form's four axes and presets, and the results (map,
treemap with the direct row, heatmap and matrix table, embodied trade, per capita, CSV, comparison)."""

import csv
import io
import re
from html import unescape

import numpy as np
import pytest
from werkzeug.datastructures import MultiDict

from app.engine.flows import DIRECT, FlowQuery, answer_flows
from app.engine.trade import embodied_trade

FLOW_FORM = [("dataset", "demo"), ("year", "2011"), ("indicator", "emission_type1_air"), ("by", "origin-region"),
             ("by2", ""), ("per", ""), ("direct", "on"), ("origin_regions", "reg1"), ("origin_regions", "reg2"),
             ("origin_regions", "TOTAL"), ("origin_products", "TOTAL"), ("consumer_regions", "reg3"),
             ("final_products", "TOTAL")]


def done_job(app, client, query: FlowQuery) -> str:
    """A finished job of this client's session holding the engine's answer to the query; its public id."""
    from app.extensions import db
    from app.models import Job, utcnow
    from app.ownership import OWNER_KEY

    client.get("/")
    with client.session_transaction() as session:
        owner = session[OWNER_KEY]
    with app.app_context():
        engine = app.extensions["engine"]
        result = answer_flows(engine, query)
        number = 1 + db.session.scalar(db.select(db.func.count()).select_from(Job).where(Job.owner == owner))
        job = Job(owner=owner, number=number, status="done", query=result.query.to_dict(), result=result.to_dict(),
                  finished_at=utcnow())
        db.session.add(job)
        db.session.commit()
        return job.public_id


def cells(html: str, attribute: str = "value") -> list[float]:
    return [float(v) for v in re.findall(rf'data-{attribute}="([^"]+)"', html)]


def job_count(app) -> int:
    from app.extensions import db
    from app.models import Job

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Job))


def test_the_form_asks_where_impacts_occur_and_whose_demand_causes_them(client):
    html = client.get("/").get_data(as_text=True)
    assert "<summary>Where the impacts occur: anywhere, in making any product</summary>" in html
    assert "<legend>Whose final demand causes the impacts</legend>" in html
    for field in ("origin_regions", "origin_products", "consumer_regions", "final_products"):
        assert f'id="f-{field}"' in html and f'name="{field}" value="TOTAL" id="{field}-TOTAL" checked' in html
    assert re.findall(r'name="preset" value="([^"]+)"', html) == [
        "consumption-product", "consumption-region", "production-region", "production-product"]
    assert '<input type="checkbox" id="f-direct" name="direct" checked' in html
    assert '<option value="capita">Per person</option>' in html


def test_a_preset_sets_the_rows_and_clears_the_summed_side_and_queues_nothing(shared_app):
    client = shared_app.test_client()
    fields = [f for f in FLOW_FORM if f[0] != "by"] + [("by", "final-product"), ("preset", "production-region")]
    response = client.post("/analyses", data=MultiDict(fields))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and job_count(shared_app) == 0
    assert '<option value="origin-region" selected>' in html.replace("\n", "")
    # production by region sums over every consumer and product bought: those pickers are back at TOTAL
    assert re.findall(r'name="consumer_regions" value="([^"]+)" id="[^"]+" checked', html) == ["TOTAL"]
    # the origin side (what the view breaks down) keeps what was ticked
    assert re.findall(r'name="origin_regions" value="([^"]+)" id="[^"]+" checked', html) == ["TOTAL", "reg1", "reg2"]


def test_a_bad_axis_or_node_is_a_422_naming_the_field_and_queues_nothing(shared_app):
    client = shared_app.test_client()
    cases = [([("by", "origin-country")], "f-by"), ([("consumer_regions", "mining")], "f-consumer_regions"),
             ([("per", "household")], "f-per"), ([("by2", "origin-region")], "f-by")]
    for change, anchor in cases:
        keys = {k for k, _ in change}
        fields = [f for f in FLOW_FORM if f[0] not in keys] + change
        response = client.post("/analyses", data=MultiDict(fields))
        html = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert f'href="#{anchor}"' in html, (change, re.findall(r'href="#f-[^"]+"', html))
    assert job_count(shared_app) == 0


def test_by_origin_region_shows_the_map_the_rows_and_the_trade_embodied(shared_app):
    client = shared_app.test_client()
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=("origin-region",),
                      origin_regions=("reg1", "reg2", "TOTAL"))
    public_id = done_job(shared_app, client, query)
    html = client.get(f"/analyses/{public_id}").get_data(as_text=True)
    with shared_app.app_context():
        expected = answer_flows(shared_app.extensions["engine"], query)
        _, trade = embodied_trade(shared_app.extensions["engine"], "demo", "emission_type1_air",
                                  ["reg1", "reg2", "TOTAL"])
    assert "Origin and destination:" in html and "occurring in" in html
    assert "Direct emissions of final demand (households" in html  # the demo has F_Y: included
    assert "Bar chart of 3 rows" in html  # the demo's regions are not EXIOBASE's: bars, not a map
    assert cells(html)[:3] == pytest.approx([r.value for r in expected.rows], rel=1e-12)
    assert cells(html, "imports") == pytest.approx([t.imports for t in trade], rel=1e-12)
    for consumption, production, imports, exports, balance in zip(
            cells(html, "consumption"), cells(html, "production"), cells(html, "imports"), cells(html, "exports"),
            cells(html, "balance")):
        assert consumption - production == pytest.approx(imports - exports, rel=1e-9, abs=1e-9 * abs(consumption))
        assert balance == pytest.approx(imports - exports, rel=1e-12, abs=1e-12)
    # the whole world trades nothing with itself: no imports, no exports
    assert cells(html, "imports")[-1] == pytest.approx(0, abs=1e-9 * cells(html, "consumption")[-1])


def test_by_final_product_shows_the_treemap_and_direct_emissions_as_their_own_row(shared_app):
    client = shared_app.test_client()
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=("final-product",),
                      final_products=("food", "mining", "TOTAL"), consumer_regions=("reg2",))
    public_id = done_job(shared_app, client, query)
    html = unescape(client.get(f"/analyses/{public_id}").get_data(as_text=True))
    with shared_app.app_context():
        expected = answer_flows(shared_app.extensions["engine"], query)
    codes = [r.code for r in expected.rows]
    assert DIRECT in codes and f"<td>{DIRECT}</td><td>direct, by final demand</td>" in html
    assert 'class="chart treemap' in html or "treemap" in html.lower()
    assert sorted(cells(html)[:4]) == pytest.approx(sorted(r.value for r in expected.rows), rel=1e-12)
    # direct emissions have no product: TOTAL (every product) and the direct row add up to the total
    values = {r.code: r.value for r in expected.rows}
    assert values[DIRECT] > 0
    assert values["TOTAL"] + values[DIRECT] == pytest.approx(expected.total, rel=1e-12)


def test_a_matrix_shows_a_heatmap_and_every_cell_in_its_table_and_csv(shared_app):
    client = shared_app.test_client()
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=("origin-region", "consumer-region"),
                      origin_regions=("reg1", "reg2", "reg3", "reg4", "reg5", "reg6"),
                      consumer_regions=("reg1", "reg2", "reg3", "reg4", "reg5", "reg6"))
    public_id = done_job(shared_app, client, query)
    html = client.get(f"/analyses/{public_id}").get_data(as_text=True)
    with shared_app.app_context():
        expected = np.array(answer_flows(shared_app.extensions["engine"], query).matrix["values"])
    assert "Heatmap of 6 producing regions by 6 consuming regions" in html
    assert html.count('class="chart-q') >= 36  # one coloured cell per pair, plus the legend
    assert np.allclose(np.array(cells(html)).reshape(6, 6), expected, rtol=1e-12, atol=0)
    assert "Embodied in trade" not in html  # a matrix is the trade itself
    text = client.get(f"/analyses/{public_id}.csv").get_data(as_text=True)
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == 36 + 1
    assert float(lines[1]["value"]) == pytest.approx(expected[0, 1], rel=1e-12)
    assert lines[1]["row_code"] == "reg1" and lines[1]["column_code"] == "reg2"
    assert lines[0]["breakdown"] == "origin-region x consumer-region" and lines[0]["unit"] == "kg"
    assert float(lines[-1]["value"]) == pytest.approx(expected.sum(), rel=1e-9)


def test_per_capita_figures_say_so_and_divide_by_the_population(shared_app):
    client = shared_app.test_client()
    base = dict(dataset="demo", indicator="emission_type1_air", by=("consumer-region",),
                consumer_regions=("reg1", "reg2"))
    public_id = done_job(shared_app, client, FlowQuery(**base, per="capita"))
    html = client.get(f"/analyses/{public_id}").get_data(as_text=True)
    with shared_app.app_context():
        engine = shared_app.extensions["engine"]
        totals = answer_flows(engine, FlowQuery(**base))
        dataset = engine.dataset("demo")
        population = dataset.population(totals.query.year)
    assert "per person living in the consuming region" in html
    index = dataset.regions.leaf_codes()
    expected = [r.value / population[index.index(r.code)] for r in totals.rows]
    assert cells(html)[:2] == pytest.approx(expected, rel=1e-12)
    assert "Embodied in trade" not in html  # trade is in absolute figures only


def small_set(app, n_regions: int):
    """The small synthetic set's years, first indicator and first regions."""
    with app.app_context():
        small = app.extensions["engine"].dataset("small")
        return small.years, small.indicators[0]["code"], tuple(small.regions.leaf_codes()[:n_regions])


def test_two_years_of_one_flow_view_are_compared_row_by_row(shared_app):
    client = shared_app.test_client()
    years, indicator, regions = small_set(shared_app, 2)
    base = dict(dataset="small", indicator=indicator, by=("origin-region",), origin_regions=regions)
    if len(years) < 2:
        pytest.fail("the small dataset must have two years for this test")
    a = done_job(shared_app, client, FlowQuery(**base, year=years[0]))
    b = done_job(shared_app, client, FlowQuery(**base, year=years[1]))
    html = client.get(f"/analyses/{b}?side=b&against={a}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Difference: analysis 2" in html


@pytest.mark.parametrize("by, other", [("final-product", "consumer_regions"), ("consumer-region", "final_products"),
                                       ("origin-region", "origin_products"), ("origin-product", "origin_regions")])
@pytest.mark.parametrize("direct", [True, False])
def test_a_flow_query_that_is_a_classic_view_runs_as_one_with_the_same_numbers(engine, by, other, direct):
    from app.engine.analysis import answer_any
    from app.engine.classic import classic_of

    axis_field = {"final-product": "final_products", "consumer-region": "consumer_regions",
                  "origin-region": "origin_regions", "origin-product": "origin_products"}[by]
    nodes = ("reg1", "reg2", "TOTAL") if "region" in by else ("food", "mining", "TOTAL")
    filter_nodes = ("reg3",) if "region" in other else ("food",)
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=(by,), direct=direct,
                      **{axis_field: nodes, other: filter_nodes})
    classic = classic_of(query)
    assert hasattr(classic, "perspective") and classic.direct == direct
    flows, view = answer_flows(engine, query), answer_any(engine, classic)
    assert [r.code for r in view.rows] == [r.code for r in flows.rows]
    assert [r.value for r in view.rows] == pytest.approx([r.value for r in flows.rows], rel=1e-9)
    assert view.total == pytest.approx(flows.total, rel=1e-9)
    # anything more than a classic view stays an origin -> destination query
    for extra in ({"per": "capita"}, {"by": (by, "consumer-region" if by != "consumer-region" else "origin-region")}):
        assert not hasattr(classic_of(FlowQuery(**{**vars(query), **extra})), "perspective")


def test_the_form_runs_a_matrix_and_a_preset_through_the_queue(shared_app):
    client = shared_app.test_client()
    fields = [f for f in FLOW_FORM if f[0] not in ("by2", "consumer_regions")] + [
        ("by2", "consumer-region"), ("consumer_regions", "reg1"), ("consumer_regions", "reg2")]
    response = client.post("/analyses", data=MultiDict(fields))
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    with shared_app.app_context():
        expected = answer_flows(shared_app.extensions["engine"], FlowQuery(
            dataset="demo", indicator="emission_type1_air", year=2011, by=("origin-region", "consumer-region"),
            origin_regions=("reg1", "reg2", "TOTAL"), consumer_regions=("reg1", "reg2")))
    assert np.allclose(cells(html), np.array(expected.matrix["values"]).ravel(), rtol=1e-12, atol=0)
    assert "Heatmap of 3 producing regions by 2 consuming regions" in html
    # territorial by region, as the preset leaves it, runs as the classic view (scenarios apply)
    fields = [f for f in FLOW_FORM if f[0] != "consumer_regions"] + [("consumer_regions", "TOTAL")]
    response = client.post("/analyses", data=MultiDict(fields))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Production-based:" in html and "Build a scenario to run this analysis under" in html


def test_under_a_scenario_a_flow_result_shows_baseline_and_scenario_and_no_trade(shared_app):
    from app.engine.interventions import Intervention

    client = shared_app.test_client()
    cut = Intervention("electricity", "TOTAL", "manufactoring", "reg1", -20.0)
    query = FlowQuery(dataset="demo", indicator="emission_type1_air", by=("origin-region",),
                      origin_regions=("reg1", "reg2"), interventions=(cut,))
    public_id = done_job(shared_app, client, query)
    html = client.get(f"/analyses/{public_id}").get_data(as_text=True)
    with shared_app.app_context():
        result = answer_flows(shared_app.extensions["engine"], query)
    assert cells(html, "baseline") == pytest.approx([r["value"] for r in result.to_dict()["baseline"]["rows"]],
                                                    rel=1e-12)
    assert cells(html)[:2] == pytest.approx([r.value for r in result.rows], rel=1e-12)
    # embodied trade is for the tables as they are: not shown beside a scenario's figures
    assert "Embodied in trade" not in html


def test_two_years_of_one_matrix_are_compared_cell_by_cell(shared_app):
    client = shared_app.test_client()
    years, indicator, regions = small_set(shared_app, 3)
    base = dict(dataset="small", indicator=indicator, by=("origin-region", "consumer-region"),
                origin_regions=regions, consumer_regions=regions)
    a = done_job(shared_app, client, FlowQuery(**base, year=years[0]))
    b = done_job(shared_app, client, FlowQuery(**base, year=years[1]))
    html = client.get(f"/analyses/{b}?side=b&against={a}", headers={"HX-Request": "true"}).get_data(as_text=True)
    with shared_app.app_context():
        engine = shared_app.extensions["engine"]
        first = np.array(answer_flows(engine, FlowQuery(**base, year=years[0])).matrix["values"])
        second = np.array(answer_flows(engine, FlowQuery(**base, year=years[1])).matrix["values"])
    assert "cell by cell" in html
    assert np.allclose(np.array(cells(html, "difference")).reshape(3, 3), second - first, rtol=1e-12, atol=0)
    assert np.abs(second - first).max() > 0  # the years differ


def test_a_whole_axis_reads_as_anywhere_or_any_product():
    from app.flowviews import describe

    query = FlowQuery(dataset="demo", indicator="x", by=("final-product",), year=2011,
                      consumer_regions=("reg1",)).to_dict()

    def names(axis, codes):
        return ", ".join(codes)

    words = describe(query, None, {"name": "CO2", "unit": "kg"}, names, direct=True)
    assert words.startswith("Origin and destination: CO2 [kg] occurring anywhere, in making any product, caused "
                            "by the final demand of consumers in reg1 for any product; by product bought by final "
                            "consumers.")
