"""Every standard view equals pymrio's own D_cba / D_pba, on demo and on a small synthetic set."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pymrio
import pytest

from app.engine import Query, nace
from app.engine.synth import synthetic_year

from .conftest import SMALL_SYNTH

VIEWS = [("consumption", "product"), ("consumption", "region"),
         ("production", "region"), ("production", "product")]


def reference_value(D_row: pd.Series, dataset, by: str, by_code: str, others: list[str]) -> float:
    """Sum of pymrio's account over (region, product) cells of a node and the other selection."""
    product_leaves = set(dataset.products.leaf_codes()[i] for i in
                         (dataset.products[by_code].leaves if by == "product"
                          else dataset.products.union(others)))
    region_leaves = set(dataset.regions.leaf_codes()[i] for i in
                        (dataset.regions[by_code].leaves if by == "region"
                         else dataset.regions.union(others)))
    cells = [r in region_leaves and p in product_leaves for r, p in D_row.index]
    return float(D_row[np.array(cells)].sum())


def check_views(engine, name, indicator, D_cba_row, D_pba_row, selections):
    dataset = engine.dataset(name)
    for perspective, by in VIEWS:
        D_row = D_cba_row if perspective == "consumption" else D_pba_row
        for products, regions in selections:
            result = engine.answer(Query(dataset=name, indicator=indicator, perspective=perspective,
                                         by=by, products=tuple(products), regions=tuple(regions),
                                         direct=False))  # pymrio adds F_Y only to the *_reg accounts
            by_codes, others = (products, regions) if by == "product" else (regions, products)
            assert [r.code for r in result.rows] == list(by_codes)
            for row in result.rows:
                want = reference_value(D_row, dataset, by, row.code, others)
                assert row.value == pytest.approx(want, rel=1e-9, abs=1e-300), (perspective, by, row.code)
            # the total covers the union of the selected nodes, each leaf once
            leaves = (dataset.products if by == "product" else dataset.regions).union(by_codes)
            codes = (dataset.products if by == "product" else dataset.regions).leaf_codes()
            want_total = sum(reference_value(D_row, dataset, by, codes[i], others) for i in leaves)
            assert result.total == pytest.approx(want_total, rel=1e-9)


@pytest.fixture(scope="module")
def pymrio_demo():
    io = pymrio.load_test()
    io.calc_all()
    return io


DEMO_SELECTIONS = [
    (["TOTAL"], ["TOTAL"]),
    (["food", "TOTAL", "electricity"], ["reg2"]),
    (["construction"], ["reg1", "reg4", "TOTAL"]),
    (["mining", "trade", "other"], ["reg6", "reg3"]),
]


@pytest.mark.parametrize("indicator, extension, label", [
    ("value_added", "factor_inputs", "Value Added"),
    ("emission_type1_air", "emissions", ("emission_type1", "air")),
    ("emission_type2_water", "emissions", ("emission_type2", "water")),
])
def test_demo_views_match_pymrio(engine, pymrio_demo, indicator, extension, label):
    ext = getattr(pymrio_demo, extension)
    check_views(engine, "demo", indicator, ext.D_cba.loc[label], ext.D_pba.loc[label], DEMO_SELECTIONS)


def test_demo_leontief_inverse_is_exact(engine):
    dataset = engine.dataset("demo")
    A, L = np.array(dataset.technical_coefficients(2011, dense=True)), np.array(dataset.array(2011, "L"))
    assert np.abs((np.eye(len(A)) - A) @ L - np.eye(len(A))).max() <= 1e-10


def test_demo_totals_equal_sum_of_leaves(engine):
    for perspective, by in VIEWS:
        leaves = (engine.dataset("demo").products if by == "product"
                  else engine.dataset("demo").regions).leaf_codes()
        whole = engine.answer(Query("demo", "emission_type1_air", perspective, by, direct=False))
        parts = engine.answer(Query("demo", "emission_type1_air", perspective, by, direct=False,
                                    **{"products" if by == "product" else "regions": tuple(leaves)}))
        assert whole.rows[0].value == pytest.approx(sum(r.value for r in parts.rows), rel=1e-12)
        assert parts.total == pytest.approx(whole.total, rel=1e-12)
        assert whole.total > 0


def test_consumption_and_production_totals_agree_worldwide(engine):
    """All impacts of all final demand = all impacts of all production, when x = L y."""
    cons = engine.answer(Query("demo", "value_added", "consumption", "region"))
    prod = engine.answer(Query("demo", "value_added", "production", "region"))
    assert cons.total == pytest.approx(prod.total, rel=1e-10)


@pytest.fixture(scope="module")
def pymrio_small(engine):
    """pymrio run on the synthetic generator's own arrays (not on our compiled store)."""
    dataset = engine.dataset("small")
    regions, products = dataset.regions.leaf_codes(), dataset.products.leaf_codes()
    sections = [nace.section_of(c) for c in products]
    src = synthetic_year(2012, SMALL_SYNTH["n_regions"], sections, SMALL_SYNTH["seed"])
    cells = pd.MultiIndex.from_product([regions, products], names=["region", "sector"])
    io = pymrio.IOSystem(
        A=pd.DataFrame(src.A, index=cells, columns=cells),
        Y=pd.DataFrame(src.Y, index=cells,
                       columns=pd.MultiIndex.from_product([regions, ["fd"]], names=["region", "category"])))
    io.ext = pymrio.Extension(name="ext", S=pd.DataFrame(src.S, index=[i["code"] for i in dataset.indicators],
                                                         columns=cells))
    io.calc_all()
    return io


SMALL_SELECTIONS = [
    (["TOTAL"], ["TOTAL"]),
    (["A", "p01", "TOTAL", "D"], ["Europe", "JP"]),
    (["p01.a"], ["TOTAL", "Asia"]),
]


@pytest.mark.parametrize("indicator", ["ghg", "employment", "value_added", "ch4"])
def test_synthetic_views_match_pymrio(engine, pymrio_small, indicator):
    dataset = engine.dataset("small")
    products = dataset.products
    # the selections mix levels: TOTAL, a section, a division and a single product
    for code in ("A", "p01", "p01.a", "D"):
        assert code in products
    check_views(engine, "small", indicator, pymrio_small.ext.D_cba.loc[indicator],
                pymrio_small.ext.D_pba.loc[indicator],
                [(p, r) for p, r in SMALL_SELECTIONS] + [(["TOTAL"], dataset.regions.leaf_codes()[:2])])


def test_synthetic_identities(engine):
    dataset = engine.dataset("small")
    for year in dataset.years:
        A, L = np.array(dataset.technical_coefficients(year, dense=True)), np.array(dataset.array(year, "L"))
        assert np.abs((np.eye(len(A)) - A) @ L - np.eye(len(A))).max() <= 1e-10
        assert (A >= 0).all() and A.sum(axis=0).max() < 1
        assert (np.array(dataset.array(year, "Y")) >= 0).all()


def test_synthetic_ghg_is_the_sum_of_its_parts(engine):
    dataset = engine.dataset("small")
    parts = [i["code"] for i in dataset.indicators if i["parent"] == "ghg"]
    assert parts == ["ghg_co2", "ghg_ch4", "ghg_n2o"]
    for perspective, by in VIEWS:
        total = engine.answer(Query("small", "ghg", perspective, by, year=2011, products=("A", "D")))
        summed = [engine.answer(Query("small", p, perspective, by, year=2011, products=("A", "D")))
                  for p in parts]
        for i, row in enumerate(total.rows):
            assert row.value == pytest.approx(sum(s.rows[i].value for s in summed), rel=1e-12)


def test_standard_views_never_read_A_or_L(tmp_path, shared_store):
    """Answered from M, S, x and Y alone: a copy of the dataset without A and L answers every view."""
    import shutil

    from app.engine import Engine, Store

    store = Store(tmp_path)
    target = tmp_path / ".versions" / "copy.1"
    shutil.copytree(shared_store.path("small"), target)
    (tmp_path / "copy").symlink_to(Path(".versions") / "copy.1")
    for year in (2011, 2012):
        for path in [*(target / str(year)).glob("A*.npy"), target / str(year) / "L.npy"]:
            path.unlink()  # A in whichever form it is stored
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["name"] = "copy"
    (target / "manifest.json").write_text(json.dumps(manifest))
    engine = Engine(store)
    reference = Engine(shared_store)
    for perspective, by in VIEWS:
        for year in (2011, 2012):
            query = dict(indicator="ghg", perspective=perspective, by=by, year=year, products=("A", "D", "TOTAL"))
            assert engine.answer(Query("copy", **query)).rows == reference.answer(Query("small", **query)).rows
