"""Product and region trees: EXIOBASE roll-ups, flat trees for other data, country_converter on this pandas."""

import country_converter as coco
import pandas as pd

from app.engine.classifications import EXIO3_REGIONS, _exio3_classification, product_tree, region_tree
from app.engine.hierarchy import Tree


def test_country_converter_reads_namibia_with_the_installed_pandas():
    # country_converter 1.3.2 breaks on pandas 3.1, which reads the ISO2 code "NA" as missing
    assert coco.convert("NA", src="ISO2", to="name_short") == "Namibia"
    assert coco.convert("NAM", src="ISO3", to="ISO2") == "NA"
    major, minor = (int(p) for p in pd.__version__.split(".")[:2])
    assert (major, minor) < (3, 1)


def test_exiobase_products_roll_up_to_division_section_total():
    names = list(_exio3_classification("pxp")[0])
    tree = Tree(product_tree(names))
    assert tree.size == 200
    assert tree["p01.a"].parent == "p01" and tree["p01.a"].name == "Paddy rice"
    assert tree["p01"].parent == "A" and tree["A"].parent == "TOTAL"
    assert (tree["p01.a"].level, tree["p01"].level, tree["A"].level, tree["TOTAL"].level) == (3, 2, 1, 0)
    # a product that is a whole division sits right under its section
    assert tree["p02"].parent == "A" and tree["p02"].level == 2
    # a product sharing its division's code: the division node takes a suffix
    assert tree["p20"].parent == "p20-division" and tree["p20.w"].parent == "p20-division"
    assert tree["p40.11.a"].parent == "p40" and tree["p40"].parent == "E"
    assert len(tree["TOTAL"].leaves) == 200
    sections = [code for code, node in tree.nodes.items() if node.level == 1]
    assert sum(len(tree[s].leaves) for s in sections) == 200
    codes = tree.leaf_codes()
    assert codes[0] == "p01.a" and len(set(codes)) == 200


def test_ixi_industries_roll_up_too():
    names = list(_exio3_classification("ixi")[0])
    tree = Tree(product_tree(names))
    assert tree.size == 163 and tree["i01.a"].parent == "i01" and tree["i99"].parent == "Q"


def test_exiobase_regions_roll_up_to_continents():
    tree = Tree(region_tree(EXIO3_REGIONS))
    assert tree.size == 49
    assert tree["AT"].parent == "Europe" and tree["AT"].name == "Austria"
    assert tree["CN"].parent == "Asia" and tree["US"].parent == "America"
    assert tree["WF"].name == "RoW Africa" and tree["WF"].parent == "Africa"
    assert tree["WM"].parent == "Asia" and tree["AU"].parent == "Oceania"
    continents = [n for n in tree.nodes.values() if n.level == 1]
    assert sorted(n.code for n in continents) == ["Africa", "America", "Asia", "Europe", "Oceania"]
    assert sum(len(n.leaves) for n in continents) == 49
    assert tree["TOTAL"].name == "World"


def test_other_labels_give_a_flat_tree():
    tree = Tree(region_tree(["reg1", "reg2"]))
    assert [n["code"] for n in tree.public()] == ["TOTAL", "reg1", "reg2"]
    assert tree["reg2"].level == 1 and list(tree["TOTAL"].leaves) == [0, 1]


def test_public_listing_is_depth_first_in_source_order():
    tree = Tree(product_tree(list(_exio3_classification("pxp")[0])))
    listed = [n["code"] for n in tree.public()]
    assert listed[:4] == ["TOTAL", "A", "p01", "p01.a"]
    assert listed.index("p02") < listed.index("B") < listed.index("p05")
    assert all(listed.index(n["parent"]) < i for i, n in enumerate(tree.public()) if n["parent"])
