"""GLORIA (Global Resource Input-Output Assessment, the Industrial Ecology Virtual Laboratory's MRIO): a
release folder holding per year GLORIA_MRIOs_<v>_<year>.zip and GLORIA_SatelliteAccounts_0<v>_<year>.zip (or
the folders they unpack to), and the release's GLORIA_ReadMe_0<v>.xlsx, read in basic prices into the system
pymrio's parse_gloria builds, but a block of rows at a time (gloria_stream.py: parse_gloria holds the whole T
table, over 12 GB for a year). The path is the MRIO archive of a year (year and release from its name) or the
release folder.

Regions keep GLORIA's ISO3 acronyms (its rest-of-world regions XAF, XAM, XAS, XEU included) under continents.
The ReadMe's Sectors sheet, as pymrio reads it, names the 120 sectors without grouping them: here each sits
under the ISIC Rev. 4 section of its activity. GLORIA's value added comes per region and category; it is
summed over the regions into its six categories and their total "Value added"."""

from __future__ import annotations

import re
import zipfile
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..hierarchy import ROOT, _record
from . import Format
from .gloria_stream import BLOCK_BYTES, read_labels, read_year
from .regions import continent_tree

MRIO = re.compile(r"^GLORIA_MRIOs_(\d+)_((?:19|20)\d\d)(\.zip)?$", re.IGNORECASE)
LICENCE = "GLORIA's own terms: check the release (ielab.info)"
VALUE_ADDED = "Value added"

# ISIC Rev. 4 sections, and GLORIA's sector names (as its ReadMe spells them) in each
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "A": ("Agriculture, forestry and fishing", (
        "Growing wheat", "Growing maize", "Growing cereals n.e.c.", "Growing leguminous crops and oil seeds",
        "Growing rice", "Growing vegetables, roots, tubers", "Growing sugar beet and cane", "Growing tobacco",
        "Growing fibre crops", "Growing crops n.e.c.", "Growing grapes", "Growing fruits and nuts",
        "Growing beverage crops (coffee, tea etc)", "Growing spices, aromatic, drug and pharmaceutical crops",
        "Seeds and plant propagation", "Raising of cattle", "Raising of sheep and goats", "Raising of swine/pigs",
        "Raising of poultry", "Raising of animals n.e.c.; services to agriculture", "Forestry and logging",
        "Fishing", "Crustaceans and molluscs")),
    "B": ("Mining and quarrying", (
        "Hard coal", "Lignite and peat", "Petroleum extraction", "Gas extraction", "Iron ores", "Uranium ores",
        "Aluminium ore", "Copper ores", "Gold ores", "Lead/zinc/silver ores", "Nickel ores", "Tin ores",
        "Other non-ferrous ores", "Quarrying of stone, sand and clay", "Chemical and fertilizer minerals",
        "Extraction of salt", "Mining and quarrying n.e.c.; services to mining")),
    "C": ("Manufacturing", (
        "Beef meat", "Sheep meat", "Pork", "Poultry meat", "Other meat products", "Fish products",
        "Cereal products", "Vegetable products", "Fruit products", "Food products and feeds n.e.c.",
        "Sugar refining; cocoa, chocolate and confectionery", "Animal oils and fats", "Vegetable oils and fats",
        "Dairy products", "Alcoholic and other beverages", "Tobacco products", "Textiles and clothing",
        "Leather and footwear", "Sawmill products", "Pulp and paper", "Printing", "Coke oven products",
        "Refined petroleum products", "Nitrogenous fertilizers", "Non-nitrogenous and mixed fertilizers",
        "Basic petrochemical products", "Basic inorganic chemicals", "Basic organic chemicals",
        "Pharmaceuticals and medicinal products", "Dyes, paints, glues, detergents and other chemical products",
        "Rubber products", "Plastic products", "Clay building materials", "Glass and other ceramics n.e.c.",
        "Cement, lime and plaster products", "Other non-metallic mineral products n.e.c.",
        "Basic iron and steel", "Basic aluminium", "Basic copper", "Basic gold", "Basic lead/zinc/silver",
        "Basic nickel", "Basic tin", "Basic non-ferrous metals n.e.c.", "Fabricated metal products",
        "Machinery and equipment", "Motor vehicles, trailers and semi-trailers", "Other transport equipment",
        "Repair and installation of machinery and equipment (service)",
        "Computers; electronic products; optical and precision instruments", "Electrical equipment",
        "Furniture and other manufacturing n.e.c.")),
    "D": ("Electricity, gas, steam and air conditioning supply", (
        "Electric power generation, transmission and distribution", "Distribution of gaseous fuels through mains")),
    "E": ("Water supply; sewerage, waste management and remediation activities", (
        "Water collection, treatment and supply; sewerage", "Waste collection, treatment, and disposal",
        "Materials recovery")),
    "F": ("Construction", ("Building construction", "Civil engineering construction")),
    "G": ("Wholesale and retail trade; repair of motor vehicles and motorcycles", (
        "Wholesale and retail trade; repair of motor vehicles and motorcycles",)),
    "H": ("Transportation and storage", (
        "Road transport", "Rail transport", "Transport via pipeline", "Water transport", "Air transport",
        "Services to transport", "Postal and courier services")),
    "I": ("Accommodation and food service activities", ("Hospitality",)),
    "J": ("Information and communication", ("Publishing", "Telecommunications", "Information services")),
    "K": ("Financial and insurance activities", ("Finance and insurance",)),
    "L": ("Real estate activities", ("Property and real estate",)),
    "M": ("Professional, scientific and technical activities", ("Professional, scientific and technical services",)),
    "N": ("Administrative and support service activities", ("Administrative services",)),
    "O": ("Public administration and defence; compulsory social security", (
        "Government; social security; defence; public order",)),
    "P": ("Education", ("Education",)),
    "Q": ("Human health and social work activities", ("Human health and social work activities",)),
    "R": ("Arts, entertainment and recreation", ("Arts, entertainment and recreation",)),
    "S": ("Other service activities", ("Other services",)),
}
SECTOR_NAMES = tuple(name for _, names in SECTIONS.values() for name in names)
SECTION_OF = {name: letter for letter, (_, names) in SECTIONS.items() for name in names}


def sector_tree(labels: list[str]) -> list[dict]:
    """Tree records: GLORIA's sectors under their ISIC Rev. 4 sections under TOTAL (a name not among the 120
    right under TOTAL)."""
    sections = sorted({SECTION_OF[label] for label in labels if label in SECTION_OF})
    records = [_record(ROOT, "Total", None)] + [_record(s, SECTIONS[s][0], ROOT) for s in sections]
    return records + [_record(label, label, SECTION_OF.get(label, ROOT), i) for i, label in enumerate(labels)]


def _results(kind: str, year: int, version: str) -> str:
    return f"_120secMother_AllCountries_002_{kind}-Results_{year}_0{version}_Markup001(full).csv"


def _entry(folder: Path, stem: str, what: str) -> Path:
    """The zip archive or folder `stem` in the release folder, or a DatasetError naming it."""
    for candidate in (folder / f"{stem}.zip", folder / stem):
        if candidate.exists():
            return candidate
    raise DatasetError("paths", str(folder), f"{folder} has no {stem}.zip ({what}); a GLORIA year needs it "
                       "beside its GLORIA_MRIOs archive")


def _release(path: Path, year: int | None) -> tuple[Path, Path, str, int]:
    """(release folder, the year's MRIO archive, release number as its files write it, year)."""
    found = MRIO.match(path.name)
    if found:
        named = int(found.group(2))
        if year is not None and year != named:
            raise DatasetError("years", year, f"{path.name} holds GLORIA's {named}, not {year}")
        return path.parent, path, str(int(found.group(1))), named
    if not path.is_dir():
        raise DatasetError("paths", str(path), f"{path}: not a GLORIA release (GLORIA_MRIOs_<release>_<year>.zip "
                           "or the folder holding it)")
    archives = {p: MRIO.match(p.name) for p in sorted(path.iterdir())}
    archives = {p: m for p, m in archives.items() if m}
    years = sorted({int(m.group(2)) for m in archives.values()})
    if year is None and len(years) == 1:
        year = years[0]
    mine = {str(int(m.group(1))): p for p, m in archives.items() if int(m.group(2)) == year}
    if not mine:
        raise DatasetError("years", year, f"{path} has no GLORIA_MRIOs archive for {year} (it has "
                           f"{', '.join(map(str, years)) or 'none'})")
    if len(mine) > 1:
        raise DatasetError("paths", str(path), f"{path} holds releases {', '.join(sorted(mine))} for {year}; "
                           "keep one release per folder")
    version, archive = next(iter(mine.items()))
    return path, archive, version, year


def _members(archive: Path) -> list[tuple[str, callable]]:
    """(name, opener) of each file in a zip archive or folder; a DatasetError where the zip cannot be read."""
    if archive.is_dir():
        return [(p.name, partial(p.open, "rb")) for p in sorted(archive.iterdir())]
    try:
        with zipfile.ZipFile(archive) as opened:
            names = opened.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DatasetError("paths", str(archive), f"{archive} is not a readable zip archive ({exc}): truncated "
                           "or not GLORIA's") from None
    return [(name, partial(_zip_member, archive, name)) for name in names]


@contextmanager
def _zip_member(archive: Path, name: str):
    with zipfile.ZipFile(archive) as opened, opened.open(name) as stream:
        yield stream


def _tables(mrio: Path, satellites: Path, year: int, version: str) -> dict[str, tuple[str, callable]]:
    """Each table parse_gloria reads: (where, opener); a DatasetError naming the file that is missing."""
    out = {}
    for archive, kinds in ((mrio, ("T", "Y", "V")), (satellites, ("TQ", "YQ"))):
        members = _members(archive)
        for kind in kinds:
            wanted = _results(kind, year, version)
            hits = [(name, opener) for name, opener in members if name.endswith(wanted)]
            if len(hits) != 1:
                raise DatasetError("paths", str(archive), f"{archive} has {len(hits)} files ending in {wanted} "
                                   f"(the {kind} table of {year}, release 0{version}); expected one")
            out[kind] = (f"{archive}:{hits[0][0]}" if archive.is_file() else str(archive / hits[0][0]), hits[0][1])
    return out


def _value_added(io) -> None:
    """GLORIA's value added per (region, category) summed over the regions, plus the total "Value added"."""
    by_category = io.VA.F.groupby(level="inputtype", sort=False).sum()
    total = by_category.sum(axis=0).to_frame(VALUE_ADDED).T
    io.VA.F = pd.concat([by_category, total])
    io.VA.F.index.name = "inputtype"
    io.VA.unit = pd.DataFrame({"unit": io.unit["unit"].iloc[0]}, index=io.VA.F.index)
    io.VA.name, io.Q.name = VALUE_ADDED, "Satellite accounts"


def _read(path: Path, year: int | None, block_bytes: int = BLOCK_BYTES):
    """(pymrio IOSystem, year, release as its files name it) of one GLORIA year; block_bytes: the text of T and
    the other tables parsed at once."""
    from pymrio.tools.iometadata import MRIOMetaData

    folder, mrio, version, year = _release(path, year)
    satellites = _entry(folder, f"GLORIA_SatelliteAccounts_0{version}_{year}", "the satellite accounts")
    readme, label = folder / f"GLORIA_ReadMe_0{version}.xlsx", f"0{version}"
    if not readme.is_file() and (folder / f"GLORIA_ReadMe_0{version}a.xlsx").is_file():
        readme, label = folder / f"GLORIA_ReadMe_0{version}a.xlsx", f"0{version}a"  # release 059a: 059's files
    if not readme.is_file():
        raise DatasetError("paths", str(folder), f"{folder} has no {readme.name} (the labels of release 0{version})")
    tables = _tables(mrio, satellites, year, version)
    meta = MRIOMetaData(description=f"GLORIA {year}, release {label}, basic prices, industry technology "
                        "(read block by block)", name="GLORIA", system="pxp", version=label, logger_function=None)
    io = read_year(tables, read_labels(readme), meta, block_bytes)
    # finite cells give finite coefficients unless an output is -0 (1 / -0 is -inf) or the sums overflow
    if not np.isfinite(io.A.to_numpy().sum()):
        raise DatasetError("paths", str(path), f"{tables['T'][0]}: the product-by-product coefficients built from "
                           "it are not finite (an output of -0, or values that overflow)")
    _value_added(io)
    return io, year, label


def _detect(path: Path) -> bool:
    if MRIO.match(path.name):
        return True
    return path.is_dir() and any(MRIO.match(p.name) for p in path.iterdir())


FORMAT = Format(name="gloria", database="GLORIA (Global Resource Input-Output Assessment)", licence=LICENCE,
                read=_read, detect=_detect, region_tree=continent_tree, product_tree=sector_tree)
