"""What drove a footprint's change (app/engine/change.py) on the small synthetic set: for every one-axis
view, each row's footprints in both years equal the view's own figures, the contributions equal every
ordering of the factors computed densely, and they add up to the change."""

import json

import numpy as np
import pytest

from app.engine import FlowQuery, Query, QueryError, answer_any, parse_query
from app.engine.change import DecompositionQuery, answer_decomposition
from app.engine.flows import FIELDS

from .test_flows import fy_engine  # noqa: F401 (a fixture)
from .test_sda import by_orderings

YEARS = (2011, 2012)


def cells(dataset, regions, products) -> np.ndarray:
    r = np.isin(np.arange(dataset.regions.size), regions)
    p = np.isin(np.arange(dataset.products.size), products)
    return (r[:, None] & p[None, :]).ravel().astype(float)


def dense_rows(dataset, flow: FlowQuery, year: int) -> list[dict]:
    """Each row of a one-axis view as (s masked to its origin cells, its final demand), from the arrays."""
    row = dataset.indicator_row[flow.indicator]
    s, Y = np.array(dataset.array(year, "S")[row]), np.array(dataset.array(year, "Y"))
    L = np.array(dataset.array(year, "L"))
    people = dataset.population(year)
    trees = {a: dataset.regions if "region" in a else dataset.products for a in FIELDS}
    union = {a: trees[a].union(getattr(flow, FIELDS[a])) for a in FIELDS}
    axis = flow.by[0]
    out = []
    for code in getattr(flow, FIELDS[axis]):
        sel = dict(union, **{axis: trees[axis][code].leaves})
        origin = cells(dataset, sel["origin-region"], sel["origin-product"])
        final = cells(dataset, np.arange(dataset.regions.size), sel["final-product"])
        y = Y[:, sel["consumer-region"]].sum(axis=1) * final
        out.append({"s": s * origin, "L": L, "y": y[:, None],
                    "people": None if people is None else np.array([people[sel["consumer-region"]].sum()])})
    return out


VIEWS = [
    FlowQuery("small", "co2", by=("consumer-region",), consumer_regions=("TOTAL", "R1", "R2")),
    FlowQuery("small", "co2", by=("final-product",), final_products=("TOTAL", "C", "D"),
              consumer_regions=("R1",)),
    FlowQuery("small", "ghg", by=("origin-region",), origin_regions=("R0", "R3"), final_products=("C",)),
    FlowQuery("small", "co2", by=("origin-product",), origin_products=("C", "D"), consumer_regions=("R2",)),
    FlowQuery("small", "co2", by=("consumer-region",), consumer_regions=("R1",), origin_regions=("R0",)),
]


def concrete(view: FlowQuery, engine) -> FlowQuery:
    small = engine.dataset("small")
    regions = dict(zip(("R0", "R1", "R2", "R3"), small.regions.leaf_codes()))
    top = [c for c, node in small.products.nodes.items() if node.level == 1][:2]
    products = dict(zip(("C", "D"), top))
    indicator = {i["code"] for i in small.indicators}
    fields = {}
    for key in FIELDS.values():
        fields[key] = tuple(regions.get(c, products.get(c, c)) for c in getattr(view, key))
    assert view.indicator in indicator
    return FlowQuery(view.dataset, view.indicator, view.by, **fields)


@pytest.mark.parametrize("k", range(len(VIEWS)))
def test_every_row_of_every_axis_is_explained_exactly(engine, k):
    flow = concrete(VIEWS[k], engine)
    small = engine.dataset("small")
    out = answer_decomposition(engine, DecompositionQuery(flow, YEARS)).to_dict()
    assert out["years"] == list(YEARS) and out["direct"] is False  # the small set has no F_Y
    codes = list(getattr(flow, FIELDS[flow.by[0]]))
    assert [r["code"] for r in out["rows"]] == codes
    for t, year in enumerate(YEARS):
        view = answer_any(engine, FlowQuery(**{**vars(flow), "year": year}))
        key = "start" if t == 0 else "end"
        assert [r[key] for r in out["rows"]] == pytest.approx([r.value for r in view.rows], rel=1e-9)
        assert out["total"][key] == pytest.approx(view.total, rel=1e-9)
    names = tuple(out["rows"][0]["contributions"])
    assert names[:4] == ("intensity", "structure", "mix", "level")
    assert ("population" in names) == out["population"]
    references = [dense_rows(small, flow, year) for year in YEARS]
    for i, r in enumerate(out["rows"]):
        assert sum(r["contributions"].values()) == pytest.approx(r["end"] - r["start"], rel=1e-9, abs=1e-6)
        reference = by_orderings([references[0][i], references[1][i]], names)
        for name in names:
            assert r["contributions"][name] == pytest.approx(float(reference[name][0]), rel=1e-9, abs=1e-6)
    total = out["total"]
    assert sum(total["contributions"].values()) == pytest.approx(total["end"] - total["start"], rel=1e-9)


def test_a_classic_view_is_decomposed_as_its_origin_destination_form(engine):
    small = engine.dataset("small")
    indicator = small.indicators[0]["code"]
    regions = tuple(small.regions.leaf_codes()[:3]) + ("TOTAL",)
    for perspective in ("consumption", "production"):
        for by in ("region", "product"):
            codes = regions if by == "region" else ("TOTAL",) + tuple(small.products.leaf_codes()[:2])
            query = Query("small", indicator, perspective, by, **{f"{by}s": codes})
            out = answer_any(engine, DecompositionQuery(query, YEARS)).to_dict()
            for t, year in enumerate(YEARS):
                view = engine.answer(Query("small", indicator, perspective, by, year=year, **{f"{by}s": codes}))
                assert [r["start" if t == 0 else "end"] for r in out["rows"]] == pytest.approx(
                    [r.value for r in view.rows], rel=1e-9), (perspective, by)
            for r in out["rows"]:
                assert sum(r["contributions"].values()) == pytest.approx(r["end"] - r["start"], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("data, field, message", [
    ({"decompose": [2011, 2011]}, "decompose", "two different years"),
    ({"decompose": [2011]}, "decompose", "two years"),
    ({"decompose": "2011"}, "decompose", "two years"),
    ({"decompose": [2011, True]}, "decompose", "two years"),
    ({"decompose": [2011, 1990]}, "decompose", "year 1990 is not in dataset"),
    ({"decompose": [2011, 2012], "year": 2011}, "year", "not both"),
    ({"decompose": [2011.5, 2012]}, "decompose", "two years"),
    ({"decompose": [2011, 2012], "years": [2011, 2012]}, "decompose", "not both"),
    ({"decompose": [2011, 2012], "by": ["origin-region", "consumer-region"]}, "by", "one breakdown"),
    ({"decompose": [2011, 2012], "per": "capita"}, "per", "normalisation"),
    ({"decompose": [2011, 2012], "interventions": [{"product": "TOTAL", "origin": "TOTAL", "consumer": "FD",
                                                    "consumer_region": "TOTAL", "change_pct": 10}]},
     "interventions", "without a scenario"),
])
def test_bad_decompositions_name_the_field(engine, data, field, message):
    small = engine.dataset("small")
    query = {"dataset": "small", "indicator": small.indicators[0]["code"], "by": ["consumer-region"], **data}
    with pytest.raises(QueryError, match=message) as caught:
        answer_any(engine, parse_query(query))
    assert caught.value.field == field


def test_direct_emissions_of_final_demand_are_their_own_contribution(fy_engine):  # noqa: F811
    fy = fy_engine.dataset("fy")
    y0, y1 = fy.years[:2]
    indicator = fy.indicators[0]["code"]
    regions = tuple(fy.regions.leaf_codes()[:2])
    row = fy.indicator_row[indicator]
    f_y = [np.asarray(fy.array(year, "F_Y")[row]) for year in (y0, y1)]
    for by, field in (("consumer-region", "consumer_regions"), ("origin-region", "origin_regions")):
        flow = FlowQuery("fy", indicator, (by,), **{field: regions})
        out = answer_decomposition(fy_engine, DecompositionQuery(flow, (y0, y1))).to_dict()
        assert out["direct"] is True
        for t, year in enumerate((y0, y1)):
            view = answer_any(fy_engine, FlowQuery(**{**vars(flow), "year": year}))
            assert view.direct
            assert [r["start" if t == 0 else "end"] for r in out["rows"]] == pytest.approx(
                [r.value for r in view.rows], rel=1e-9)
        for k, code in enumerate(regions):
            r = out["rows"][k]
            leaf = fy.regions[code].leaves
            assert r["contributions"]["direct"] == pytest.approx(float(f_y[1][leaf].sum() - f_y[0][leaf].sum()),
                                                                 rel=1e-12)
            assert sum(r["contributions"].values()) == pytest.approx(r["end"] - r["start"], rel=1e-9)
    # a product breakdown: direct emissions are a row of their own, all of its change "direct"
    products = ("TOTAL",) + tuple(fy.products.leaf_codes()[:2])
    flow = FlowQuery("fy", indicator, ("final-product",), final_products=products)
    out = answer_decomposition(fy_engine, DecompositionQuery(flow, (y0, y1))).to_dict()
    last = out["rows"][-1]
    assert last["code"] == "DIRECT" and last["end"] - last["start"] == pytest.approx(
        float(f_y[1].sum() - f_y[0].sum()), rel=1e-12)
    assert [v for k, v in last["contributions"].items() if k != "direct"] == [0.0] * (len(last["contributions"]) - 1)
    view = answer_any(fy_engine, FlowQuery(**{**vars(flow), "year": y1}))
    assert [r["end"] for r in out["rows"]] == pytest.approx([r.value for r in view.rows], rel=1e-9)
    assert out["total"]["end"] == pytest.approx(view.total, rel=1e-9)
    # a product selection other than everything cannot hold them: left out, and said
    flow = FlowQuery("fy", indicator, ("consumer-region",), consumer_regions=regions,
                     final_products=(fy.products.leaf_codes()[0],))
    assert answer_decomposition(fy_engine, DecompositionQuery(flow, (y0, y1))).direct is False


def test_the_query_command_decomposes_any_one_axis_view(shared_app, engine):
    small = engine.dataset("small")
    indicator = small.indicators[0]["code"]
    region = small.regions.leaf_codes()[0]
    runner = shared_app.test_cli_runner()
    base = ["query", "--dataset", "small", "--indicator", indicator, "--decompose", "2011", "2012"]
    classic = runner.invoke(args=[*base, "--perspective", "consumption", "--by", "region", "--regions", region,
                                  "--format", "json"])
    flows = runner.invoke(args=[*base, "--by", "consumer-region", "--consumer-regions", region, "--format", "json"])
    assert classic.exit_code == 0 and flows.exit_code == 0, classic.output + flows.output
    want = answer_any(engine, DecompositionQuery(FlowQuery("small", indicator, ("consumer-region",),
                                                           consumer_regions=(region,)), YEARS)).to_dict()
    assert json.loads(classic.stdout) == json.loads(flows.stdout) == want
    origin = runner.invoke(args=[*base, "--by", "origin-region", "--origin-regions", region, "--format", "json"])
    assert origin.exit_code == 0, origin.output
    assert json.loads(origin.stdout)["rows"][0]["code"] == region
    csv_out = runner.invoke(args=[*base, "--by", "consumer-region", "--consumer-regions", region, "--format", "csv"])
    assert csv_out.stdout.splitlines()[0].startswith('"code","name","level","start","intensity"')
    same = runner.invoke(args=["query", "--dataset", "small", "--indicator", indicator, "--decompose", "2011",
                               "2011", "--by", "consumer-region"])
    assert same.exit_code == 1 and "--decompose: a decomposition needs two different years" in same.output
    matrix = runner.invoke(args=[*base, "--by", "origin-region", "--by", "consumer-region"])
    assert matrix.exit_code == 1 and "--by: a decomposition explains one breakdown" in matrix.output
