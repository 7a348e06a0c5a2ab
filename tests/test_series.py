"""Any view over a range of years (app/engine/series.py): each year's figures equal the one-year view,
the years a dataset lacks are named, and bad ranges are refused naming the field."""

import csv
import io
import json

import pytest

from app.engine import Engine, FlowQuery, Query, QueryError, Store, answer_any, parse_query
from app.engine.series import MAX_YEARS, SeriesQuery, growth, years_from_text
from app.engine.synth import synthetic_source
from app.exports import series_rows


@pytest.fixture(scope="module")
def gappy(tmp_path_factory) -> Engine:
    """A small synthetic set with 2011, 2012 and 2014: 2013 is a gap."""
    store = Store(tmp_path_factory.mktemp("gappy"))
    store.write("gappy", synthetic_source(years=[2011, 2012, 2014], n_regions=4, n_products=12, seed=7))
    return Engine(store)


def views(dataset):
    indicator = dataset.indicators[0]["code"]
    regions = tuple(dataset.regions.leaf_codes()[:3])
    products = ("TOTAL",) + tuple(dataset.products.leaf_codes()[:2])
    return [Query(dataset.name, indicator, "consumption", "region", regions=regions + ("TOTAL",)),
            Query(dataset.name, indicator, "production", "product", products=products),
            FlowQuery(dataset.name, indicator, ("origin-region",), origin_regions=regions,
                      consumer_regions=regions[:1]),
            FlowQuery(dataset.name, indicator, ("consumer-region",), consumer_regions=regions, per="capita")]


@pytest.mark.parametrize("k", range(4))
def test_each_year_equals_the_one_year_view_and_gaps_are_named(gappy, k):
    dataset = gappy.dataset("gappy")
    view = views(dataset)[k]
    result = answer_any(gappy, parse_query({**view.to_dict(), "year": None, "years": [2011, 2012, 2013, 2014]}))
    out = result.to_dict()
    assert out["years"] == [2011, 2012, 2014] and out["missing"] == [2013]
    singles = [answer_any(gappy, type(view)(**{**vars(view), "year": y})) for y in out["years"]]
    assert out["unit"] == singles[0].unit
    assert [r["code"] for r in out["rows"]] == [r.code for r in singles[0].rows]
    for t, single in enumerate(singles):
        assert [r["values"][t] for r in out["rows"]] == [r.value for r in single.rows]
        assert out["totals"][t] == single.total
    for r in out["rows"]:
        first, last = r["values"][0], r["values"][-1]
        assert (r["first"], r["last"], r["change"]) == (first, last, last - first)
        assert r["cagr"] == pytest.approx((last / first) ** (1 / 3) - 1, rel=1e-12)
    header, lines = series_rows(out)
    assert len(lines) == (len(out["rows"]) + 1) * 3 and header[:5] == ["code", "name", "level", "year", "value"]
    firsts = [line for line in lines if line[3] == 2011]
    assert all(line[5] == pytest.approx(100.0) for line in firsts if line[4])


def test_growth_has_no_meaning_across_zero_or_signs():
    assert growth(100.0, 121.0, 2) == pytest.approx(0.1)
    assert growth(0.0, 5.0, 3) is None and growth(-1.0, 5.0, 3) is None and growth(5.0, 0.0, 3) is None
    assert growth(5.0, 6.0, 0) is None


def test_a_scenario_series_carries_its_baseline(engine):
    small = engine.dataset("small")
    indicator = small.indicators[0]["code"]
    iv = {"product": small.products.leaf_codes()[0], "origin": "TOTAL", "consumer": "FD",
          "consumer_region": "TOTAL", "change_pct": -50}
    data = {"dataset": "small", "indicator": indicator, "perspective": "consumption", "by": "region",
            "regions": ["TOTAL"], "interventions": [iv], "years": [2011, 2012]}
    out = answer_any(engine, parse_query(data)).to_dict()
    for t, year in enumerate((2011, 2012)):
        single = answer_any(engine, parse_query({k: v for k, v in data.items() if k != "years"} | {"year": year}))
        assert out["totals"][t] == pytest.approx(single.total, rel=1e-12)
        assert out["baseline"]["totals"][t] == pytest.approx(single.baseline.total, rel=1e-12)
    assert out["totals"][0] < out["baseline"]["totals"][0]


@pytest.mark.parametrize("text, years", [("2011-2014", [2011, 2012, 2013, 2014]), (" 2011 - 2012 ", [2011, 2012]),
                                         ("2014,2011", [2014, 2011]), ("1995-2044", list(range(1995, 2045)))])
def test_year_ranges_and_lists_are_read(text, years):
    assert years_from_text(text) == years


@pytest.mark.parametrize("text, message", [("2014-2011", "runs backwards: write 2011-2014"), ("", "give a range"),
                                           ("1990-2040", f"at most {MAX_YEARS} years"), ("2011;2012", "give a range"),
                                           ("２０１１,2012", "give a range"), ("2011-", "give a range")])
def test_bad_year_texts_are_refused(text, message):
    with pytest.raises(QueryError, match=message) as caught:
        years_from_text(text)
    assert caught.value.field == "years"


@pytest.mark.parametrize("years, field, message", [
    ([], "years", "at least two years"), ([2011], "years", "at least two years"),
    ([2011, 2011], "years", "given twice"), (list(range(1950, 2001)), "years", f"at most {MAX_YEARS}"),
    ("2011-2012", "years", "must be a list"), ([2011, "2012"], "years", "whole year"),
    ([2011, 2012.5], "years", "whole year"), ([2010, 2011, 2015], "years", "2010, 2015 are outside dataset"),
    ([2011, 2012, None], "years", "whole year"),
])
def test_bad_series_are_refused_naming_the_field(gappy, years, field, message):
    query = {"dataset": "gappy", "indicator": "co2", "by": ["consumer-region"], "years": years}
    with pytest.raises(QueryError, match=message) as caught:
        answer_any(gappy, parse_query(query))
    assert caught.value.field == field


def test_a_series_with_none_of_its_years_or_a_matrix_or_a_year_is_refused(gappy):
    base = {"dataset": "gappy", "indicator": "co2", "by": ["consumer-region"]}
    with pytest.raises(QueryError, match="has none of these years"):
        answer_any(gappy, SeriesQuery(FlowQuery("gappy", "co2", ("consumer-region",)), (2013,)))
    with pytest.raises(QueryError) as caught:
        answer_any(gappy, parse_query({**base, "by": ["origin-region", "consumer-region"], "years": [2011, 2012]}))
    assert caught.value.field == "by"
    with pytest.raises(QueryError) as caught:
        parse_query({**base, "year": 2011, "years": [2011, 2012]})
    assert caught.value.field == "year"


def test_a_stored_series_reads_back_as_itself(gappy):
    query = parse_query({"dataset": "gappy", "indicator": "co2", "by": "consumer-region", "years": [2014, 2011]})
    assert isinstance(query, SeriesQuery) and query.years == (2011, 2014)
    stored = query.to_dict()
    assert stored["years"] == [2011, 2014] and "year" not in stored
    assert parse_query(json.loads(json.dumps(stored))) == query


def test_the_query_command_prints_a_series(shared_app, engine):
    small = engine.dataset("small")
    indicator = small.indicators[0]["code"]
    runner = shared_app.test_cli_runner()
    base = ["query", "--dataset", "small", "--indicator", indicator, "--perspective", "consumption", "--by",
            "region", "--regions", "TOTAL"]
    out = runner.invoke(args=[*base, "--years", "2011-2012", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    want = engine.answer(Query("small", indicator, "consumption", "region", year=2012))
    assert data["years"] == [2011, 2012] and data["totals"][1] == want.total
    table = runner.invoke(args=[*base, "--years", "2011,2012"])
    assert table.exit_code == 0 and "CAGR" in table.stdout
    lines = list(csv.reader(io.StringIO(runner.invoke(args=[*base, "--years", "2011-2012", "--format", "csv"]).stdout)))
    assert lines[0][:5] == ["code", "name", "level", "year", "value"] and len(lines) == 1 + 2 * 2
    backwards = runner.invoke(args=[*base, "--years", "2012-2011"])
    assert backwards.exit_code == 1 and "--years: the range 2012-2011 runs backwards" in backwards.output
    both = runner.invoke(args=[*base, "--years", "2011-2012", "--year", "2011"])
    assert both.exit_code == 2 and "not both" in both.output
