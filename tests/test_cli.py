"""The command line: data list/show/verify/delete, query in three formats, errors on stderr."""

import csv
import io
import json

import pytest


@pytest.fixture()
def cli(shared_app):
    return shared_app.test_cli_runner()


def test_query_json_matches_the_engine(cli, engine):
    result = cli.invoke(args=["query", "--dataset", "small", "--indicator", "ghg", "--perspective",
                              "consumption", "--by", "region", "--regions", "Europe", "--regions", "JP",
                              "--regions", "TOTAL", "--products", "D", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"unit", "total", "direct", "rows"}
    assert data["direct"] is False  # the synthetic set has no direct emissions of final demand
    assert data["unit"] == "kg CO2-eq"
    assert [r["code"] for r in data["rows"]] == ["Europe", "JP", "TOTAL"]
    assert [r["level"] for r in data["rows"]] == [1, 2, 0]
    assert all(set(r) == {"code", "name", "level", "value"} for r in data["rows"])
    from app.engine import Query
    want = engine.answer(Query("small", "ghg", "consumption", "region", year=2012, products=("D",),
                               regions=("Europe", "JP", "TOTAL")))
    assert [r["value"] for r in data["rows"]] == [r.value for r in want.rows]
    assert data["total"] == want.total == data["rows"][2]["value"]


def test_query_defaults_to_total_and_the_latest_year(cli):
    result = cli.invoke(args=["query", "--dataset", "small", "--indicator", "co2", "--perspective",
                              "production", "--by", "product", "--format", "json"])
    data = json.loads(result.stdout)
    assert [r["code"] for r in data["rows"]] == ["TOTAL"]
    explicit = cli.invoke(args=["query", "--dataset", "small", "--indicator", "co2", "--perspective",
                                "production", "--by", "product", "--year", "2012", "--format", "json",
                                "--products", "TOTAL", "--regions", "TOTAL"])
    assert json.loads(explicit.stdout) == data
    older = cli.invoke(args=["query", "--dataset", "small", "--indicator", "co2", "--perspective",
                             "production", "--by", "product", "--year", "2011", "--format", "json"])
    assert json.loads(older.stdout)["total"] != data["total"]


def test_query_csv_and_table(cli):
    args = ["query", "--dataset", "demo", "--indicator", "value_added", "--perspective", "production",
            "--by", "region", "--regions", "reg1", "--regions", "reg2"]
    rows = list(csv.DictReader(io.StringIO(cli.invoke(args=args + ["--format", "csv"]).stdout)))
    assert [r["code"] for r in rows] == ["reg1", "reg2", ""]
    assert rows[0]["unit"] == "Mill USD"
    assert float(rows[2]["value"]) == pytest.approx(float(rows[0]["value"]) + float(rows[1]["value"]), rel=1e-12)
    table = cli.invoke(args=args + ["--format", "table"]).stdout
    assert "reg1" in table and "Mill USD" in table and table.splitlines()[-1].startswith("total")


@pytest.mark.parametrize("change, message", [
    ({"--dataset": "nope"}, "no dataset named 'nope'"),
    ({"--indicator": "co2"}, "indicator: no indicator 'co2'"),
    ({"--regions": "reg9"}, "regions: unknown region code 'reg9'"),
    ({"--year": "1999"}, "year: year 1999 is not in dataset 'demo'"),
])
def test_query_errors_exit_nonzero_with_the_message_on_stderr(cli, change, message):
    options = {"--dataset": "demo", "--indicator": "value_added", "--perspective": "consumption",
               "--by": "product", **change}
    result = cli.invoke(args=["query"] + [part for pair in options.items() for part in pair])
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stdout == ""


def test_data_list_json_has_exactly_the_documented_keys(cli, shared_store):
    data = json.loads(cli.invoke(args=["data", "list", "--format", "json"]).stdout)
    assert [d["name"] for d in data] == ["demo", "small"]
    for d in data:
        assert set(d) == {"name", "years", "regions", "products", "indicators", "bytes", "bytes_per_year"}
    demo, small = data
    assert (demo["years"], demo["regions"], demo["products"]) == ([2011], 6, 8)
    assert (small["years"], small["regions"], small["products"]) == ([2011, 2012], 6, 24)
    assert demo["indicators"][0] == {"code": "value_added", "name": "Value Added", "unit": "Mill USD"}
    on_disk = sum(p.stat().st_size for p in shared_store.path("small").rglob("*") if p.is_file())
    assert small["bytes"] == on_disk > 0


def test_data_show_json(cli):
    data = json.loads(cli.invoke(args=["data", "show", "small", "--format", "json"]).stdout)
    assert set(data) == {"years", "products", "regions", "indicators", "bytes", "provenance"}
    assert data["years"] == [2011, 2012]
    # a synthetic set has no database behind it: its description, no format or licence, each year's compile time
    source = data["provenance"]
    assert source["database"].startswith("synthetic") and (source["format"], source["licence"]) == ("", "")
    assert set(source["years"]) == {"2011", "2012"} and all(y["imported"][:2] == "20" for y in source["years"].values())
    assert data["products"][0] == {"code": "TOTAL", "name": "Total", "level": 0, "parent": None}
    assert {"code": "p01.a", "name": "Paddy rice", "level": 3, "parent": "p01"} in data["products"]
    assert {"code": "JP", "name": "Japan", "level": 2, "parent": "Asia"} in data["regions"]
    ghg = [i for i in data["indicators"] if i["parent"] == "ghg"]
    assert [i["code"] for i in ghg] == ["ghg_co2", "ghg_ch4", "ghg_n2o"]
    assert all(set(i) == {"code", "name", "unit", "parent"} for i in data["indicators"])


def test_data_demo_synth_verify_delete(runner):
    assert runner.invoke(args=["data", "demo"]).exit_code == 0
    again = runner.invoke(args=["data", "demo", "--if-missing"])
    assert again.exit_code == 0 and "exists" in again.stderr
    result = runner.invoke(args=["data", "synth", "--name", "tiny", "--years", "2020,2021",
                                 "--regions", "3", "--products", "5"])
    assert result.exit_code == 0, result.stderr
    verified = runner.invoke(args=["data", "verify", "tiny"])
    assert verified.exit_code == 0 and "checksums and identities hold" in verified.stdout
    listed = json.loads(runner.invoke(args=["data", "list", "--format", "json"]).stdout)
    assert [(d["name"], d["regions"], d["products"], d["years"]) for d in listed] == [
        ("demo", 6, 8, [2011]), ("tiny", 3, 5, [2020, 2021])]
    assert runner.invoke(args=["data", "delete", "tiny"]).exit_code == 0
    assert [d["name"] for d in json.loads(runner.invoke(args=["data", "list", "--format", "json"]).stdout)] == ["demo"]
    gone = runner.invoke(args=["data", "delete", "tiny"])
    assert gone.exit_code == 1 and "no dataset named 'tiny'" in gone.stderr


@pytest.mark.parametrize("args, message", [
    (["data", "synth", "--name", "../evil", "--years", "2011", "--regions", "2", "--products", "2"], "dataset name"),
    (["data", "synth", "--name", "ok", "--years", "20x1"], "not a comma-separated list of years"),
    (["data", "synth", "--name", "ok", "--years", "2011", "--regions", "165"], "regions must be between 1 and 164"),
    (["data", "synth", "--name", "ok", "--years", "2011", "--products", "0"], "products must be between 1 and 200"),
    (["data", "show", "nope"], "no dataset named 'nope'"),
    (["data", "verify", "../etc"], "dataset name"),
])
def test_data_commands_refuse_bad_input(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.stderr
    store = runner.app.extensions["engine"].store
    assert store.names() == []


def test_bench_prints_one_json_object_with_every_view(cli):
    result = cli.invoke(args=["bench", "--dataset", "small", "--queries", "40", "--vs-pymrio"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dataset"] == "small" and report["queries"] == 40
    assert set(report["views"]) == {"consumption/product", "consumption/region", "production/region",
                                    "production/product"}
    for view in report["views"].values():
        assert 0 < view["median_ms"] <= view["p95_ms"] and view["queries"] == 10
    assert set(report["selections"]) == {"everything", "one region", "a sector node", "one product"}
    assert report["l_matvec_ms"] > 0 and report["peak_rss_mb"] > 0
    sizes = report["store_bytes_per_year"]
    assert set(sizes["years"]) == {"2011", "2012"} and sizes["max"] == max(sizes["years"].values()) > 0
    assert min(sizes["years"].values()) <= sizes["median"] <= sizes["max"]
    # pymrio's calc_all on the same year agrees with the engine to round-off
    assert report["pymrio"]["max_rel_err"] < 1e-9 and report["pymrio"]["calc_all_ms"] > 0
    # through time: the small set has two years, so series and decompositions are timed over both
    for key in ("series", "od_series", "decomposition"):
        assert report[key]["years"] == [2011, 2012] and 0 < report[key]["median_ms"] <= report[key]["p95_ms"]
    assert report["od_series"]["over_one_year"] > 0
    # supply chains, each over three selections twice, in the data and under a scenario of five interventions
    for key in ("layers", "paths", "sensitivity", "layers_scenario", "paths_scenario", "sensitivity_scenario"):
        assert 0 < report[key]["median_ms"] <= report[key]["max_ms"] and report[key]["queries"] == 6
    assert report["paths"]["expanded_max"] > 0 and report["paths_scenario"]["expanded_max"] > 0
    memory = report["supply_chains_rss_anon_mb"]
    assert 0 < memory["before"] <= memory["peak"] < 2000


def test_bench_without_dense_checks_checks_scenarios_iteratively_and_reports_rss_anon(cli):
    """What bench runs at GLORIA's size (above 8,000 sectors, or --dense-checks no): scenarios against the
    power series on the sparse A', no re-inversion, no change of every cell, no pymrio; --no-chains."""
    result = cli.invoke(args=["bench", "--dataset", "small", "--queries", "8", "--scenarios", "2", "--vs-pymrio",
                              "--dense-checks", "no", "--no-chains"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dense_checks"] is False and "--dense-checks yes" in report["pymrio"]["skipped"]
    assert set(report["scenarios"]) == {"1", "5", "region"} and "skipped" in report["reinversion_ms"]
    for kind in report["scenarios"].values():
        assert kind["max_rel_err"] < 1e-9 and kind["median_ms"] > 0
    assert report["supply_chains"] == {"skipped": "--no-chains"} and "layers" not in report
    memory = report["rss_anon_mb"]
    assert 0 < memory["before"] <= memory["peak"] < 2000 and memory["queries"] == 32
    # the same scenarios against the dense LU agree as closely
    dense = json.loads(cli.invoke(args=["bench", "--dataset", "small", "--queries", "4", "--scenarios", "2",
                                        "--no-chains"]).stdout)
    assert dense["dense_checks"] is True and set(dense["scenarios"]) == {"1", "5", "region", "total"}
    assert dense["reinversion_ms"] > 0 and all(k["max_rel_err"] < 1e-9 for k in dense["scenarios"].values())


def test_the_iterative_scenario_reference_is_the_dense_solve(shared_app):
    """The reference bench uses above 8,000 sectors, against a dense solve of the changed system."""
    import numpy as np
    import scipy.linalg

    from app.engine import Query
    from app.engine.hierarchy import ROOT
    from app.engine.interventions import Intervention
    from app.perf.bench import _changed_a, _dense_reference
    from app.perf.references import changed_a_sparse, iterative_reference

    dataset = shared_app.extensions["engine"].dataset("small")
    interventions = (Intervention("D", ROOT, ROOT, dataset.regions.leaf_codes()[1], -40.0),
                     Intervention(dataset.products.leaf_codes()[3], ROOT, "FD", ROOT, 25.0))
    dense_a = _changed_a(dataset, 2012, interventions)
    assert np.abs(changed_a_sparse(dataset, 2012, interventions).toarray() - dense_a).max() == 0
    n = len(dense_a)
    for perspective in ("consumption", "production"):
        query = Query("small", "ghg", perspective, "product", year=2012, products=tuple(dataset.products.leaf_codes()),
                      interventions=interventions, direct=False)
        got = iterative_reference(dataset, 2012, query, changed_a_sparse(dataset, 2012, interventions))
        lu = scipy.linalg.lu_factor(np.eye(n) - dense_a)
        want = _dense_reference(dataset, 2012, query, lu)
        assert np.abs(got - want).max() <= 1e-12 * np.abs(want).max()


def test_bench_skips_what_needs_two_years_on_a_one_year_dataset(cli):
    result = cli.invoke(args=["bench", "--dataset", "demo", "--queries", "8"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert "has one year (2011)" in report["series"]["skipped"] and "need two" in report["decomposition"]["skipped"]


def test_the_memory_check_across_years_reports_rss_anon(cli):
    result = cli.invoke(args=["bench-time-memory", "--dataset", "small", "--queries", "40"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["years"] == [2011, 2012] and report["queries"] == 40
    assert 0 < report["rss_anon_before_mb"] <= report["rss_anon_peak_mb"] and report["within_limit"] is True
    tight = cli.invoke(args=["bench-time-memory", "--dataset", "small", "--queries", "4", "--limit-mb", "1"])
    assert tight.exit_code == 1 and "--limit-mb: peak RssAnon" in tight.stderr
