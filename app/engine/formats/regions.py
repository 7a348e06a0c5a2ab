"""Regions of any database rolled up country -> continent -> World, with names, by country_converter.

A database's own labels stay the region codes (ISO3 for OECD, WIOD and GLORIA, Eora's codes); only the
names and the continents come from country_converter. A label it does not know as a country (a
rest-of-world region such as ROW, RoW or WWA) goes under "Rest of the world", named as the label."""

from __future__ import annotations

from functools import lru_cache

from ..hierarchy import ROOT

REST = "Rest of the world"


@lru_cache(maxsize=1)
def _converter():
    import country_converter as coco

    return coco.CountryConverter()


def _known(labels: list[str], src: str, to: str) -> list[str | None]:
    """country_converter's answer per label; None where it knows no such country."""
    import logging

    # country_converter logs every label it cannot find; a rest-of-world region is not an error here
    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    missing = "\x00"  # (not_found=None would hand back the label itself)
    out = _converter().convert(list(labels), src=src, to=to, not_found=missing)
    out = out if isinstance(out, list) else [out]
    return [value if isinstance(value, str) and value != missing else None for value in out]


def continent_tree(labels: list[str], src: str = "ISO3") -> list[dict]:
    """Tree records (code, name, parent, leaf index) of the regions under their continents under World."""
    continents = _known(labels, src, "continent")
    names = _known(labels, src, "name_short")
    parents = [c if c and n else REST for c, n in zip(continents, names)]
    records = [{"code": ROOT, "name": "World", "parent": None, "leaf": None}]
    for continent in sorted(set(parents), key=lambda c: (c == REST, c)):
        records.append({"code": continent, "name": continent, "parent": ROOT, "leaf": None})
    for i, (label, name, parent) in enumerate(zip(labels, names, parents)):
        records.append({"code": label, "name": name if name and parent != REST else label, "parent": parent,
                        "leaf": i})
    return records
