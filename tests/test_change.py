"""What drove a footprint's change (app/engine/change.py) on the small synthetic set: the footprints of
both years equal the classic view's, the contributions equal every ordering computed densely, and they
add up to the change."""

import json

import numpy as np
import pytest

from app.engine import Query, QueryError
from app.engine.change import by_consumer_region

from .test_flows import fy_engine  # noqa: F401 (a fixture)
from .test_sda import by_orderings


def test_each_region_s_change_is_explained_exactly(engine):
    small = engine.dataset("small")
    y0, y1 = small.years[:2]
    indicator = small.indicators[0]["code"]
    regions = small.regions.leaf_codes()[:3] + ["TOTAL"]
    out = by_consumer_region(engine, "small", indicator, [y0, y1], regions)
    assert out["years"] == [y0, y1] and [r["code"] for r in out["rows"]] == regions
    for t, year in enumerate((y0, y1)):
        view = engine.answer(Query("small", indicator, "consumption", "region", year=year, regions=tuple(regions)))
        assert [r["start" if t == 0 else "end"] for r in out["rows"]] == pytest.approx(
            [r.value for r in view.rows], rel=1e-9)
    row = small.indicator_row[indicator]
    names = tuple(k for k in out["rows"][0]["contributions"] if k != "direct")
    for k, code in enumerate(regions):
        r = out["rows"][k]
        assert sum(r["contributions"].values()) == pytest.approx(r["end"] - r["start"], rel=1e-9)
        leaves = small.regions[code].leaves
        years = []
        for year in (y0, y1):
            people = small.population(year)
            years.append({"s": np.asarray(small.array(year, "S")[row]), "L": np.asarray(small.array(year, "L")),
                          "y": np.asarray(small.array(year, "Y"))[:, leaves].sum(axis=1)[:, None],
                          "people": np.array([people[leaves].sum()]) if people is not None else None})
        reference = by_orderings(years, names)
        for name in names:
            assert r["contributions"][name] == pytest.approx(float(reference[name][0]), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("years, message", [([2011, 2011], "two different years"), ([2011], "two years"),
                                            ([2011, 1990], "year 1990 is not in dataset"), ("2011", "two years")])
def test_bad_years_name_the_field(engine, years, message):
    with pytest.raises(QueryError, match=message) as caught:
        by_consumer_region(engine, "small", engine.dataset("small").indicators[0]["code"], years)
    assert caught.value.field == "decompose"


def test_direct_emissions_of_final_demand_are_their_own_contribution(fy_engine):  # noqa: F811
    fy = fy_engine.dataset("fy")
    y0, y1 = fy.years[:2]
    indicator = fy.indicators[0]["code"]
    regions = fy.regions.leaf_codes()[:2]
    out = by_consumer_region(fy_engine, "fy", indicator, [y0, y1], regions)
    assert out["direct"] is True
    row = fy.indicator_row[indicator]
    for t, year in enumerate((y0, y1)):
        view = fy_engine.answer(Query("fy", indicator, "consumption", "region", year=year, regions=tuple(regions)))
        assert view.direct  # the classic view includes them too
        assert [r["start" if t == 0 else "end"] for r in out["rows"]] == pytest.approx(
            [r.value for r in view.rows], rel=1e-9)
    for k, code in enumerate(regions):
        r = out["rows"][k]
        leaf = fy.regions[code].leaves
        direct = [float(np.asarray(fy.array(year, "F_Y")[row])[leaf].sum()) for year in (y0, y1)]
        change = direct[1] - direct[0]
        assert r["contributions"]["direct"] == pytest.approx(change, rel=1e-12)
        assert sum(r["contributions"].values()) == pytest.approx(r["end"] - r["start"], rel=1e-9)
    # a product selection cannot hold them: left out, and said
    assert by_consumer_region(fy_engine, "fy", indicator, [y0, y1], regions,
                              products=(fy.products.leaf_codes()[0],))["direct"] is False


def test_the_query_command_decomposes_by_consuming_region(shared_app, engine):
    small = engine.dataset("small")
    indicator = small.indicators[0]["code"]
    region = small.regions.leaf_codes()[0]
    runner = shared_app.test_cli_runner()
    base = ["query", "--dataset", "small", "--indicator", indicator, "--decompose", "2011", "2012"]
    classic = runner.invoke(args=[*base, "--perspective", "consumption", "--by", "region", "--regions", region,
                                  "--format", "json"])
    flows = runner.invoke(args=[*base, "--by", "consumer-region", "--consumer-regions", region, "--format", "json"])
    assert classic.exit_code == 0 and flows.exit_code == 0, classic.output + flows.output
    want = by_consumer_region(engine, "small", indicator, [2011, 2012], (region,))
    assert json.loads(classic.stdout) == json.loads(flows.stdout) == want
    csv_out = runner.invoke(args=[*base, "--by", "consumer-region", "--consumer-regions", region, "--format", "csv"])
    assert csv_out.stdout.splitlines()[0].startswith('"code","name","level","start","intensity"')
    same = runner.invoke(args=["query", "--dataset", "small", "--indicator", indicator, "--decompose", "2011",
                               "2011", "--by", "consumer-region"])
    assert same.exit_code == 1 and "--decompose: a decomposition needs two different years" in same.output
    wrong = runner.invoke(args=[*base, "--by", "origin-region"])
    assert wrong.exit_code == 2 and "--decompose explains footprints by consuming region" in wrong.output
