"""The memory check of origin -> destination queries runs as a command and reports RssAnon."""

import json

from app.engine import Store
from app.engine.synth import synthetic_source

from .conftest import make_app


def test_the_memory_check_reports_rss_anon_and_fails_above_its_limit(tmp_path):
    store = Store(tmp_path / "store")
    store.write("three", synthetic_source([2010, 2011, 2012], 4, 12, seed=1))
    runner = make_app(store.root, tmp_path).test_cli_runner()
    result = runner.invoke(args=["bench-flows-memory", "--dataset", "three", "--queries", "40"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["years"] == [2010, 2011, 2012] and report["queries"] == 40
    memory = report["rss_anon_mb"]
    assert 0 < memory["before"] <= memory["peak"] and memory["after"] <= memory["peak"]
    assert report["within_limit"] is True and report["limit_mb"] == 500 and report["median_ms"] > 0
    over = runner.invoke(args=["bench-flows-memory", "--dataset", "three", "--queries", "3", "--limit-mb", "1"])
    assert over.exit_code == 1 and "--limit-mb: peak RssAnon" in over.stderr
    missing = runner.invoke(args=["bench-flows-memory", "--dataset", "nope"])
    assert missing.exit_code == 1 and "no dataset named 'nope'" in missing.stderr
