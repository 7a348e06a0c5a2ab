"""Labels: what would break the trees (the root code, duplicates, empty, control characters) is refused
before anything is written; labels that merely look like formulas or markup import as they are."""

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pymrio
import pytest

from app.engine import DatasetError, Engine, Query, Store
from app.engine.compiling import Source, SourceYear
from app.engine.hierarchy import ROOT, Tree, flat_tree
from app.engine.sources import from_pymrio, import_source
from app.engine.synth import INDICATORS, synthetic_source

PROJECT = Path(__file__).resolve().parent.parent


def saved_test_system(folder: Path, regions=None, sectors=None) -> Path:
    """pymrio's test system, relabelled, saved as a pymrio folder that `data import` reads."""
    io = pymrio.load_test()
    if regions:
        io.rename_regions(regions)
    if sectors:
        io.rename_sectors(sectors)
    io.save_all(folder, float_format="%.17g")
    return folder


def flask(store_root: Path, *args, timeout=120) -> subprocess.CompletedProcess:
    """A `flask --app wsgi` command in its own process: a hang fails the test instead of stalling the run."""
    env = {**os.environ, "RAMASCENE_STORE_PATH": str(store_root)}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout)


def test_a_region_labelled_total_is_refused_quickly_and_the_old_dataset_stays(tmp_path):
    root = tmp_path / "store"
    good = flask(root, "data", "import", str(saved_test_system(tmp_path / "good")), "--name", "mrio",
                 "--years", "2011")
    assert good.returncode == 0, good.stderr
    store = Store(root)
    before = store.open("mrio")
    bad = saved_test_system(tmp_path / "bad", regions={"reg1": ROOT})
    for name in ("mrio", "fresh"):
        started = time.perf_counter()
        result = flask(root, "data", "import", str(bad), "--name", name, "--years", "2011", timeout=60)
        assert result.returncode == 1
        assert "region label 'TOTAL' (number 1) is the code of the root of every tree; rename it" in result.stderr
        assert "Traceback" not in result.stderr
        assert time.perf_counter() - started < 30
    # nothing switched in: the dataset of that name is the one it was, whole; no new one appeared
    assert store.names() == ["mrio"] and store.damaged() == {}
    assert store.path("mrio") == before.path and store.open("mrio").manifest == before.manifest
    assert store.verify("mrio") == []
    assert [p.name for p in (root / ".versions").iterdir()] == [before.path.name]
    listed = flask(root, "data", "list", timeout=60)
    assert listed.returncode == 0 and listed.stdout.startswith("mrio: years 2011; 6 regions x 8 products")


@pytest.mark.parametrize("regions, sectors, message", [
    ({"reg2": "reg1"}, None, "two regions share the label 'reg1'"),
    (None, {"mining": "food"}, "two products of region 'reg1' share the label 'food'"),
    ({"reg2": ""}, None, "region label '' (number 2 of 6) is empty"),
    ({"reg2": "   "}, None, "region label '   ' (number 2 of 6) is empty"),
    (None, {"mining": "\t"}, "product label '\\t' (number 2 of 8) is empty"),
    (None, {"mining": "ore\x00"}, "product label 'ore\\x00' (number 2 of 8) holds the control character U+0000"),
    (None, {"mining": "ore\u202e"}, "holds the control character U+202E"),
    (None, {"mining": ROOT}, "product label 'TOTAL' (number 2) is the code of the root of every tree"),
    (None, {"mining": "FD"}, "product label 'FD' (number 2) is the code scenarios use for final demand"),
    (None, {"mining": "x" * 201}, "is longer than 200 characters"),
])
def test_labels_that_break_the_trees_are_refused_with_a_message(tmp_path, regions, sectors, message):
    io = pymrio.load_test()
    if regions:
        io.rename_regions(regions)
    if sectors:
        io.rename_sectors(sectors)
    with pytest.raises(DatasetError) as caught:
        from_pymrio(io, 2011, "mrio.zip")
    assert message in caught.value.message and caught.value.message.startswith("mrio.zip: ")


def test_duplicate_labels_through_the_command_line_give_a_message_not_a_traceback(tmp_path, runner):
    path = saved_test_system(tmp_path / "dup", sectors={"mining": "food"})
    result = runner.invoke(args=["data", "import", str(path), "--name", "mrio", "--years", "2011"])
    assert result.exit_code == 1
    assert "two products of region 'reg1' share the label 'food' (in Z)" in result.stderr
    assert runner.app.extensions["engine"].store.names() == []


def test_formula_and_markup_labels_import_as_they_are(tmp_path):
    formula, markup, region = '=HYPERLINK("http://x.test","a")', "<script>alert(1)</script>", "@SUM(A1:A2)"
    # a leading tab or space is data too (the issue's own examples): escaped where shown, neutralised in CSV
    path = saved_test_system(tmp_path / "odd", regions={"reg2": region, "reg3": "\tlead"},
                             sectors={"food": formula, "mining": markup, "electricity": " =cmd|' /C calc'!A0"})
    store = Store(tmp_path / "store")
    store.write("odd", import_source([path], [2011]))
    dataset = store.open("odd")
    assert dataset.products.leaf_codes()[:2] == [formula, markup] and dataset.regions.leaf_codes()[1] == region
    assert dataset.regions.leaf_codes()[2] == "\tlead" and " =cmd|' /C calc'!A0" in dataset.products.leaf_codes()
    assert dataset.products[formula].name == formula
    result = Engine(store).answer(Query("odd", "value_added", "consumption", "product",
                                        products=(formula, markup), regions=(region,), direct=False))
    assert [r.code for r in result.rows] == [formula, markup] and result.total > 0
    assert store.verify("odd") == []


def test_an_extension_row_given_twice_is_named(tmp_path):
    io = pymrio.load_test()
    F = io.emissions.F
    F.index = pd.MultiIndex.from_tuples([F.index[0], F.index[0]], names=F.index.names)
    with pytest.raises(DatasetError) as caught:
        from_pymrio(io, 2011, "mrio.zip")
    assert "the rows of extension Emissions holds 'emission_type1 - air' twice" in caught.value.message


def _source(regions, products, region_tree=None, product_tree=None, indicators=None, years=(2011,)):
    n = len(regions) * len(products)
    if indicators is None:
        indicators = [{"code": "v", "name": "Value", "unit": "kg", "parent": None}]

    def year(y):
        return SourceYear(y, np.full((n, n), 0.1 / n), np.ones((n, len(regions))),
                          S=np.ones((len(indicators), n)))
    return Source(regions=list(regions), products=list(products),
                  region_tree=region_tree if region_tree is not None else flat_tree(list(regions)),
                  product_tree=product_tree if product_tree is not None else flat_tree(list(products)),
                  indicators=indicators, years=[(y, lambda y=y: year(y)) for y in years])


@pytest.mark.parametrize("make, message", [
    (lambda: _source(["r", ROOT], ["a"]), "region label 'TOTAL' (number 2) is the code of the root"),
    (lambda: _source(["r"], ["a", "a"]), "product label 'a' is used twice (numbers 1 and 2)"),
    (lambda: _source(["r"], []), "the dataset has no products"),
    (lambda: _source(["r"], ["a"], indicators=[]), "the dataset has no indicators"),
    (lambda: _source(["r"], ["a"], indicators=[{"code": "v", "name": "V", "unit": "", "parent": None}] * 2),
     "indicator code 'v' is used twice"),
    (lambda: _source(["r"], ["a"], indicators=[{"code": "", "name": "V", "unit": "", "parent": None}]),
     "indicator code '' (number 1) is empty"),
    (lambda: _source(["r"], ["a"], indicators=[{"code": "v", "name": "V\x00", "unit": "", "parent": None}]),
     "the name of indicator 'v' holds the control character U+0000"),
    (lambda: _source(["r"], ["a"], indicators=[{"code": "v", "name": "V", "unit": "", "parent": "w"}]),
     "the parent 'w' of indicator 'v' is not an indicator listed before it"),
    # a leaf named like a group of its tree
    (lambda: _source(["Europe"], ["a"], region_tree=[
        {"code": ROOT, "name": "World", "parent": None, "leaf": None},
        {"code": "Europe", "name": "Europe", "parent": ROOT, "leaf": None},
        {"code": "Europe", "name": "Somewhere", "parent": "Europe", "leaf": 0}]),
     "region label 'Europe' is also the code of a group of the region tree ('Europe'); rename it"),
    (lambda: _source(["r"], ["a"], years=()), "give at least one year"),
    (lambda: _source(["r"], ["a"], years=(2011, 2011)), "a year is given twice"),
    (lambda: _source(["r", "s"], ["a"], region_tree=flat_tree(["s", "r"])),
     "the leaves of the region tree are not the regions in their order"),
])
def test_a_source_that_breaks_the_rules_writes_nothing(tmp_path, make, message):
    store = Store(tmp_path / "store")
    with pytest.raises(DatasetError) as caught:
        store.write("bad", make())
    assert message in caught.value.message
    assert store.names() == [] and not (tmp_path / "store").exists()


def records(*rows):
    """Tree records from (code, parent, leaf), below a root TOTAL unless the first row is a root."""
    head = [] if rows and rows[0][1] is None else [{"code": ROOT, "name": "World", "parent": None, "leaf": None}]
    return head + [{"code": code, "name": code.upper(), "parent": parent, "leaf": leaf} for code, parent, leaf in rows]


@pytest.mark.parametrize("records, message", [
    # what flat_tree made of a leaf labelled TOTAL: its own parent, which looped forever
    (flat_tree(["reg0", ROOT]), "region label 'TOTAL' is also the code of a group of the region tree"),
    (records(("a", "b", 0), ("b", "a", None)), "the parent 'b' of 'a' is not a group listed before it"),
    (records(("a", "a", 0)), "the parent 'a' of 'a' is not a group listed before it"),
    (records(("a", None, 0)), "its first entry must be the root 'TOTAL'"),
    (records(("a", ROOT, 0), ("b", "a", 1)), "'a' is a region, not a group, yet 'b' names it as parent"),
    (records(("a", ROOT, 1)), "the positions of its regions are not 0 to 0"),
    (records(("a", ROOT, 0), ("b", ROOT, 0)), "'b' has the position 0, not a new whole number"),
    (records(("a", ROOT, True)), "'a' has the position True, not a new whole number"),
    ([], "is empty"),
])
def test_a_tree_that_would_loop_or_lose_leaves_is_refused(records, message):
    started = time.perf_counter()
    with pytest.raises(DatasetError) as caught:
        Tree(records, "regions")
    assert message in caught.value.message and caught.value.field == "regions"
    assert time.perf_counter() - started < 1


def test_synthetic_labels_pass_the_same_rules(tmp_path):
    store = Store(tmp_path)
    dataset = store.write("s", synthetic_source([2011], 4, 9, seed=2))
    assert dataset.regions.size == 4 and dataset.products.size == 9
    assert [i["code"] for i in dataset.indicators] == [i["code"] for i in INDICATORS]


def test_a_year_given_twice_is_refused_before_anything_is_written(runner):
    result = runner.invoke(args=["data", "synth", "--name", "s", "--years", "2011,2011", "--regions", "2",
                                 "--products", "3"])
    assert result.exit_code == 1 and "years: a year is given twice" in result.stderr
    assert "Traceback" not in result.stderr and runner.app.extensions["engine"].store.names() == []


def test_long_extension_row_names_get_codes_within_the_limit(tmp_path):
    io = pymrio.load_test()
    F = io.emissions.F
    long = "emission " + "very " * 60
    F.index = pd.MultiIndex.from_tuples([(long + "a", "air"), (long + "b", "air")], names=F.index.names)
    io.emissions.unit.index = F.index
    labels, _ = from_pymrio(io, 2011, "mrio.zip")
    codes = [i["code"] for i in labels["indicators"]]
    assert all(len(c) <= 200 for c in codes) and len(set(codes)) == len(codes) == 3
    assert [i["name"] for i in labels["indicators"]][1:] == [long + "a - air", long + "b - air"]
