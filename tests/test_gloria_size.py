"""GLORIA's size: the synthetic GLORIA-like labels and trees, and the compile's in-place Leontief inverse,
checked at small sizes (a 19,680-sector year is built by hand: `data synth --like gloria`)."""

import json

import numpy as np
import pytest

from app.engine.compiling import _save, check_source, leontief_inverse
from app.engine.hierarchy import Tree
from app.engine.synth import GLORIA_DENSITY, synthetic_source


def test_gloria_like_labels_are_164_regions_and_120_sectors_in_groups():
    source = synthetic_source([2011], 164, 120, like="gloria")
    check_source(source)  # the trees' leaves are the labels in their order
    assert len(source.regions) == 164 and len(set(source.regions)) == 164 and len(source.products) == 120
    import country_converter as coco

    countries = source.regions[:-1]
    assert source.regions[-1] == "ROW" and all(len(code) == 3 for code in countries)
    assert coco.convert(countries, src="ISO3", to="ISO3", not_found=None) == countries
    assert {"USA", "CHN", "DEU", "IND", "BRA", "ZAF"} <= set(countries)  # EXIOBASE's countries are all there
    regions, products = Tree(source.region_tree, "regions"), Tree(source.product_tree, "products")
    assert regions["ROW"].name == "Rest of the world" and regions["USA"].name == "United States"
    assert regions.nodes["USA"].level == 2 and regions.nodes["America"].level == 1
    groups = [c for c, node in products.nodes.items() if node.level == 1]
    assert groups == ["AGR", "FOF", "MIN", "MAN", "UTL", "CON", "SER"]
    assert sum(len(products[g].leaves) for g in groups) == 120
    assert products["S001"].name == "Wheat" and products["S120"].name == "Households as employers"


def test_more_regions_than_exiobase_take_gloria_codes_and_small_sets_spread():
    source = synthetic_source([2011], 100, 12)
    check_source(source)
    assert len(source.regions) == 100 and all(len(code) == 3 for code in source.regions)
    assert source.products[0] == "p01.a"  # EXIOBASE's products, spread
    small = synthetic_source([2011], 5, 7, like="gloria")
    check_source(small)
    assert small.regions[0] == "AFG" and small.regions[-1] == "ROW" and small.products[0] == "S001"
    assert small.products[-1] == "S120"


@pytest.mark.parametrize("density", [0.03, 0.2])
def test_gloria_like_year_has_the_density_asked_for(density):
    source = synthetic_source([2011], 20, 30, like="gloria", density=density)
    year = source.years[0][1]()
    share = np.count_nonzero(year.A) / year.A.size
    assert abs(share - density) < 0.15 * density
    assert (year.A >= 0).all() and year.A.sum(axis=0).max() < 1


def test_leontief_inverse_in_place_is_the_inverse():
    year = synthetic_source([2011], 6, 20, like="gloria", density=GLORIA_DENSITY).years[0][1]()
    L = leontief_inverse(year.A, 2011)
    assert L.flags.c_contiguous and L.dtype == np.float64
    want = np.linalg.solve(np.eye(len(year.A)) - year.A, np.eye(len(year.A)))
    assert np.abs(L - want).max() <= 1e-12 * np.abs(want).max()


def test_a_transpose_is_written_in_c_order_block_by_block(tmp_path, monkeypatch):
    monkeypatch.setattr("app.engine.compiling.BLOCK_BYTES", 7 * 300 * 8)  # blocks of seven rows, the last short
    matrix = np.random.default_rng(0).random((300, 7000 - 3))
    meta = _save(tmp_path, "T", matrix.T)
    loaded = np.load(tmp_path / "T.npy")
    assert meta["shape"] == [7000 - 3, 300] and loaded.flags.c_contiguous and (loaded == matrix.T).all()


def test_synth_like_gloria_from_the_command_line(runner):
    result = runner.invoke(args=["data", "synth", "--name", "g", "--like", "gloria", "--years", "2011",
                                 "--regions", "4", "--products", "10"])
    assert result.exit_code == 0, result.stderr
    listed = json.loads(runner.invoke(args=["data", "list", "--format", "json"]).stdout)
    assert [(d["name"], d["regions"], d["products"]) for d in listed] == [("g", 4, 10)]
    shown = json.loads(runner.invoke(args=["data", "show", "g", "--format", "json"]).stdout)
    assert "GLORIA-like" in shown["provenance"]["database"] and "A 0.03 non-zero" in shown["provenance"]["database"]
    dataset = runner.app.extensions["engine"].dataset("g")
    assert dataset.regions.leaf_codes()[-1] == "ROW" and dataset.products.leaf_codes()[0] == "S001"
    bad = runner.invoke(args=["data", "synth", "--name", "h", "--like", "gloria", "--years", "2011",
                              "--products", "121"])
    assert bad.exit_code != 0 and "products must be between 1 and 120" in bad.stderr
