"""WIOD, the 2013 release: one workbook per year (wiot<yy>_row_sep12.xlsx) beside the environmental accounts
(AIR_, CO2_, EM_, EU_, lan_, mat_, wat_ folders or zips), read with pymrio's parse_wiod. Regions are ISO3
codes (and RoW); the 35 sectors are ISIC Rev. 3 codes, rolled up to their NACE Rev. 1 sections."""

from __future__ import annotations

import gc
import re
import warnings
from pathlib import Path

from ..errors import DatasetError
from ..hierarchy import ROOT, _record, flat_tree
from ..nace import SECTIONS
from . import Format
from .regions import continent_tree

WORKBOOK = re.compile(r"^wiot(\d\d)_row_([a-z]{3}\d\d)\.xlsx$", re.IGNORECASE)
LICENCE = "free to use; cite Timmer et al. (2015); check wiod.org"
# WIOD's own name for value added; the engine recognises the row named "Value added" for per-unit figures
VALUE_ADDED = "Value added at basic prices"

# The 35 sectors (c1..c35): ISIC Rev. 3 code as pymrio labels them, WIOD's name, NACE Rev. 1 section
SECTORS = [
    ("AtB", "Agriculture, hunting, forestry and fishing", "A-B"),
    ("C", "Mining and quarrying", "C"),
    ("15t16", "Food, beverages and tobacco", "D"),
    ("17t18", "Textiles and textile products", "D"),
    ("19", "Leather, leather and footwear", "D"),
    ("20", "Wood and products of wood and cork", "D"),
    ("21t22", "Pulp, paper, paper, printing and publishing", "D"),
    ("23", "Coke, refined petroleum and nuclear fuel", "D"),
    ("24", "Chemicals and chemical products", "D"),
    ("25", "Rubber and plastics", "D"),
    ("26", "Other non-metallic mineral", "D"),
    ("27t28", "Basic metals and fabricated metal", "D"),
    ("29", "Machinery, nec", "D"),
    ("30t33", "Electrical and optical equipment", "D"),
    ("34t35", "Transport equipment", "D"),
    ("36t37", "Manufacturing, nec; recycling", "D"),
    ("E", "Electricity, gas and water supply", "E"),
    ("F", "Construction", "F"),
    ("50", "Sale, maintenance and repair of motor vehicles and motorcycles; retail sale of fuel", "G"),
    ("51", "Wholesale trade and commission trade, except of motor vehicles and motorcycles", "G"),
    ("52", "Retail trade, except of motor vehicles and motorcycles; repair of household goods", "G"),
    ("H", "Hotels and restaurants", "H"),
    ("60", "Inland transport", "I"),
    ("61", "Water transport", "I"),
    ("62", "Air transport", "I"),
    ("63", "Other supporting and auxiliary transport activities; activities of travel agencies", "I"),
    ("64", "Post and telecommunications", "I"),
    ("J", "Financial intermediation", "J"),
    ("70", "Real estate activities", "K"),
    ("71t74", "Renting of machinery and equipment and other business activities", "K"),
    ("L", "Public administration and defence; compulsory social security", "L"),
    ("M", "Education", "M"),
    ("N", "Health and social work", "N"),
    ("O", "Other community, social and personal services", "O"),
    ("P", "Private households with employed persons", "P"),
]
SECTION_NAMES = {"A-B": "Agriculture, hunting, forestry and fishing", **SECTIONS}


def workbook_year(path: Path) -> int | None:
    """The year a WIOD workbook's name states (wiot95 -> 1995, wiot09 -> 2009), or None."""
    found = WORKBOOK.match(path.name)
    if not found:
        return None
    yy = int(found.group(1))
    return 1900 + yy if yy >= 50 else 2000 + yy


def _detect(path: Path) -> bool:
    if path.is_dir():
        return any(WORKBOOK.match(p.name) for p in path.iterdir())
    return bool(WORKBOOK.match(path.name))


def _check_extensions(io, origin: str) -> None:
    """Every account's columns are the core table's (region, sector) cells, or the labels do not line up."""
    cells = set(io.Z.columns)
    for ext in io.get_extensions(data=True):
        columns = set(ext.F.columns)
        if columns != cells:
            odd = sorted(map(str, (columns ^ cells)))[:3]
            raise DatasetError("paths", origin, f"{origin}: the {ext.name} account's regions and sectors do "
                               f"not line up with the input-output table's (e.g. {', '.join(odd)})")


def _read(path: Path, year: int | None):
    """One year of WIOD through pymrio, its value added under the name the engine normalises by."""
    import pymrio

    origin = str(path)
    failure = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            io = pymrio.parse_wiod(path, year=year)
        except Exception as exc:  # pymrio and the Excel readers raise many kinds on malformed files
            failure = str(exc)
        gc.collect()  # pymrio leaves the accounts' zips open: closed here, quietly
        if failure is not None:
            raise DatasetError("paths", origin, f"pymrio cannot read {origin} as WIOD: {failure}")
    for warning in caught:
        # an account whose workbook lacks this year's sheet would silently go missing
        if "does not include" in str(warning.message):
            raise DatasetError("paths", origin, f"{origin}: {warning.message}")
    stated = str(io.factor_inputs.year)
    if not stated.isdigit():
        raise DatasetError("paths", origin, f"{origin}: the first cell does not end with the table's year")
    if year is not None and int(stated) != year:
        raise DatasetError("years", year, f"{origin} holds the table of {stated}, not {year}")
    _check_extensions(io, origin)
    factor = io.factor_inputs
    for table in ("F", "F_Y", "unit"):
        setattr(factor, table, getattr(factor, table).rename(index={VALUE_ADDED: "Value added"}))
    names = [path] if path.is_file() else [p for p in path.iterdir() if workbook_year(p) == int(stated)]
    release = WORKBOOK.match(names[0].name).group(2) if names and WORKBOOK.match(names[0].name) else ""
    return io, int(stated), f"WIOD 2013 release ({release})" if release else "WIOD 2013 release"


def product_tree(labels: list[str]) -> list[dict]:
    """Sectors under their NACE Rev. 1 sections under TOTAL; labels that are not WIOD's stay flat."""
    known = {code: (name, section) for code, name, section in SECTORS}
    if not all(label in known for label in labels):
        return flat_tree(list(labels))
    sections = sorted({known[label][1] for label in labels})
    records = [_record(ROOT, "Total", None)]
    # the sections are named apart from the sectors C, E, F, ... that are a whole section each
    records += [_record(f"NACE-{s}", SECTION_NAMES[s], ROOT) for s in sections]
    records += [_record(label, known[label][0], f"NACE-{known[label][1]}", i) for i, label in enumerate(labels)]
    return records


def region_tree(labels: list[str]) -> list[dict]:
    """Countries under their continents; RoW under "Rest of the world"."""
    return continent_tree(labels, "ISO3")


FORMAT = Format(name="wiod", database="WIOD 2013 release", licence=LICENCE, read=_read, detect=_detect,
                region_tree=region_tree, product_tree=product_tree, year=workbook_year)
