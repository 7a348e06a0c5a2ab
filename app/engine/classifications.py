"""Region and product trees for a source's labels: EXIOBASE 3's classifications where they fit, else flat."""

from __future__ import annotations

from functools import lru_cache

from . import nace
from .hierarchy import ROOT, _record, flat_tree

# EXIOBASE 3 region order (its 44 countries, then its five rest-of-world regions).
EXIO3_REGIONS = (
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK GB "
    "US JP CN CA KR BR IN MX RU AU CH TR TW NO ID ZA WA WL WE WF WM"
).split()
# country_converter names countries; these five aggregates are EXIOBASE's own.
REST_OF_WORLD_NAMES = {
    "WA": "RoW Asia and Pacific",
    "WL": "RoW America",
    "WE": "RoW Europe",
    "WF": "RoW Africa",
    "WM": "RoW Middle East",
}


@lru_cache(maxsize=2)
def _exio3_classification(system: str) -> tuple[dict[str, str], dict[str, str]]:
    """EXIOBASE 3 name -> code and code -> name, from pymrio's classification files."""
    import pandas as pd
    import pymrio

    table = pd.read_csv(pymrio.core.constants.PYMRIO_PATH[f"exio3_{system}"] / "sectors.tsv", sep="\t")
    return (dict(zip(table.ExioName, table.ExioCode)), dict(zip(table.ExioCode, table.ExioName)))


def exio3_product_codes(labels: list[str]) -> tuple[list[str], list[str]] | None:
    """(codes, names) when the labels are EXIOBASE 3 product or industry names or codes."""
    for system in ("pxp", "ixi"):
        name_to_code, code_to_name = _exio3_classification(system)
        if all(label in name_to_code for label in labels):
            return [name_to_code[label] for label in labels], list(labels)
        if all(label in code_to_name for label in labels):
            return list(labels), [code_to_name[label] for label in labels]
    return None


def product_tree(labels: list[str]) -> list[dict]:
    """EXIOBASE products roll up product -> NACE division -> section -> TOTAL; others are flat."""
    exio = exio3_product_codes(labels)
    if exio is None:
        return flat_tree(list(labels))
    codes, names = exio
    records = [_record(ROOT, "Total", None)]
    sections, divisions = [], {}
    for code in codes:
        division = nace.division_code(code)
        section = nace.section_of(code)
        if section not in sections:
            sections.append(section)
        divisions.setdefault(division, []).append(code)
    records += [_record(s, nace.SECTIONS[s], ROOT) for s in sorted(sections)]
    leaf_parent = {}
    for division, members in sorted(divisions.items()):
        section = nace.section_of(division)
        if members == [division]:
            # a product that is a whole division (p02, p05, ...) sits right under its section
            leaf_parent[division] = section
            continue
        # p20, p37 and p45 are products and divisions at once (with their recycling
        # products p20.w ...): the leaf keeps the product code, the division gets a suffix
        node = f"{division}-division" if division in members else division
        records.append(_record(node, nace.DIVISIONS[division[1:]][0], section))
        for code in members:
            leaf_parent[code] = node
    records += [_record(c, n, leaf_parent[c], i) for i, (c, n) in enumerate(zip(codes, names))]
    return records


@lru_cache(maxsize=1)
def _exio3_regions() -> dict[str, tuple[str, str]]:
    """EXIOBASE 3 region code -> (name, continent), from country_converter."""
    import country_converter as coco

    converter = coco.CountryConverter()
    data = converter.data
    regions = {}
    for code in EXIO3_REGIONS:
        members = data[data.EXIO3 == code]
        # a rest-of-world region spans countries of several continents: take the most common
        continent = members.continent.mode().iloc[0]
        if code in REST_OF_WORLD_NAMES:
            name = REST_OF_WORLD_NAMES[code]
        else:
            name = converter.convert(code, src="EXIO3", to="name_short")
        regions[code] = (name, continent)
    return regions


def region_tree(labels: list[str]) -> list[dict]:
    """EXIOBASE regions roll up region -> continent -> TOTAL; other regions are flat."""
    if not set(labels) <= set(EXIO3_REGIONS):
        return flat_tree(list(labels))
    regions = _exio3_regions()
    continents = sorted({regions[code][1] for code in labels})
    records = [_record(ROOT, "World", None)]
    records += [_record(c, c, ROOT) for c in continents]
    records += [_record(code, regions[code][0], regions[code][1], i) for i, code in enumerate(labels)]
    return records
