"""OECD ICIO: the release files ICIO<release>_<year>.csv (or .zip holding the csv) of the 2016, 2018, 2021 and
2023 releases, read with pymrio's parse_oecd. One table: industries (<ISO3>_<industry>) by industries and
final demand, with taxes less subsidies and value added below; pymrio folds China's and Mexico's split
rows (CN1, MX1, ...) into CHN and MEX. Regions keep the OECD's ISO3 codes (and ROW)."""

from __future__ import annotations

import io as textio
import re
import zipfile
from pathlib import Path

from ..errors import DatasetError
from ..hierarchy import ROOT, _record
from . import Format, pymrio_reading, version_of
from .regions import continent_tree

NAME = re.compile(r"^ICIO(2016|2018|2021|2023)_((?:19|20)\d\d)\.(csv|zip)$", re.IGNORECASE)
LICENCE = "OECD terms and conditions: check oecd.org (OECD data are generally free to use with attribution)"
# the rows and columns parse_oecd takes out of the core table, as it recognises them
TOTALS = {"OUT", "OUTPUT", "TOTAL"}
FACTOR_ROWS = re.compile(r"^(TLS|VA)$|VALU|TAX")
FINAL_COLUMNS = re.compile(r"HFCE|NPISH|NPS|GGFC|GFCF|INVNT|INV|DIRP|DPABR|FD|P33|DISC|OUT")
# the value-added row of each release, named as the engine's per-unit normalisation looks for it
VALUE_ADDED = {"VALU", "VA"}
# ISIC Rev. 4 sections: (letter, first division, last division, name)
SECTIONS = (
    ("A", 1, 3, "Agriculture, forestry and fishing"), ("B", 5, 9, "Mining and quarrying"),
    ("C", 10, 33, "Manufacturing"), ("D", 35, 35, "Electricity, gas, steam and air conditioning supply"),
    ("E", 36, 39, "Water supply; sewerage, waste management and remediation activities"),
    ("F", 41, 43, "Construction"),
    ("G", 45, 47, "Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    ("H", 49, 53, "Transportation and storage"), ("I", 55, 56, "Accommodation and food service activities"),
    ("J", 58, 63, "Information and communication"), ("K", 64, 66, "Financial and insurance activities"),
    ("L", 68, 68, "Real estate activities"), ("M", 69, 75, "Professional, scientific and technical activities"),
    ("N", 77, 82, "Administrative and support service activities"),
    ("O", 84, 84, "Public administration and defence; compulsory social security"), ("P", 85, 85, "Education"),
    ("Q", 86, 88, "Human health and social work activities"), ("R", 90, 93, "Arts, entertainment and recreation"),
    ("S", 94, 96, "Other service activities"),
    ("T", 97, 98, "Activities of households as employers and for own use"),
    ("U", 99, 99, "Activities of extraterritorial organizations and bodies"))
UNCLASSIFIED = ("unclassified", "Industries outside ISIC Rev. 4")


def _lines(path: Path):
    """The csv's lines as text, from the file or from the one csv in the zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                raise DatasetError("paths", str(path), f"{path} holds {len(members)} csv files; an ICIO "
                                   "release zip holds one")
            with archive.open(members[0]) as raw:
                yield from textio.TextIOWrapper(raw, encoding="utf-8-sig")
        return
    with open(path, encoding="utf-8-sig") as handle:
        yield from handle


def _check_table(path: Path) -> None:
    """Every line as many values as the header, and the industries of the rows those of the columns."""
    lines = _lines(path)
    header = next(lines, "").rstrip("\r\n").split(",")
    rows = []
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split(",")
        if len(fields) != len(header):
            raise DatasetError("paths", str(path), f"{path}: line {number} has {len(fields)} values, the header "
                               f"{len(header)}; the file is cut short or mixed")
        rows.append(fields[0].strip('"'))
    core_rows = [r for r in rows if r not in TOTALS and not FACTOR_ROWS.search(r)]
    core_columns = [c.strip('"') for c in header[1:]]
    core_columns = [c for c in core_columns if c not in TOTALS and not FINAL_COLUMNS.search(c)]
    if sorted(core_rows) != sorted(core_columns):
        odd = sorted(set(core_rows) ^ set(core_columns)) or ["(a label repeated)"]
        raise DatasetError("paths", str(path), f"{path}: the industries of the rows and of the columns do not "
                           f"line up (first odd one: {odd[0]})")


def _year(path: Path) -> int | None:
    """ICIO2018_2011.csv names the release and the year: the year is the second."""
    found = NAME.match(path.name)
    return int(found.group(2)) if found else None


def _read(path: Path, year: int | None):
    import pymrio

    found = NAME.match(path.name)
    if found is None:
        raise DatasetError("paths", str(path), f"{path}: not the name of an ICIO release file "
                           "(ICIO2016_<year>.csv ... ICIO2023_<year>.csv, or .zip)")
    if year is not None and int(found.group(2)) != year:
        raise DatasetError("paths", str(path), f"{path} holds ICIO {found.group(2)}, not {year}")
    if not path.is_file():
        raise DatasetError("paths", str(path), f"{path}: an ICIO release is one csv file (or a zip of it)")
    with pymrio_reading(path, "an ICIO table"):
        _check_table(path)
        io = pymrio.parse_oecd(path)
    ext = io.factor_inputs
    rename = {label: "Value added" for label in ext.F.index if label in VALUE_ADDED}
    for table in ("F", "F_Y", "unit"):
        setattr(ext, table, getattr(ext, table).rename(index=rename))
    return io, int(found.group(2)), version_of(io)


def _detect(path: Path) -> bool:
    return path.is_file() and bool(NAME.match(path.name))


def region_tree(labels: list[str]) -> list[dict]:
    return continent_tree(labels, src="ISO3")


def _sections(label: str) -> list[str] | None:
    """The ISIC Rev. 4 sections an industry code spans: 01T03 -> A, 35T39 -> D, E; A01_02 -> A; D -> D."""
    letter = re.fullmatch(r"([A-U])(?:\d.*)?", label)
    numbers = [int(n[:2]) for n in re.findall(r"\d+", label)]
    if not numbers:
        return [letter.group(1)] if letter else None
    spanned = [s for s, first, last, _ in SECTIONS if first <= max(numbers) and last >= min(numbers)]
    return spanned or None


def product_tree(labels: list[str]) -> list[dict]:
    """Industries under their ISIC Rev. 4 sections (or the sections they span, D-E) under TOTAL. The 2016
    release's ISIC Rev. 3 industries (C01T05 ...) are left flat under TOTAL."""
    records = [_record(ROOT, "Total", None)]
    if any(re.match(r"C0\d", label) for label in labels):
        return records + [_record(label, label, ROOT, i) for i, label in enumerate(labels)]
    names = {s: name for s, _, _, name in SECTIONS}
    parents = []
    for label in labels:
        spanned = _sections(label)
        if spanned is None:
            parents.append(UNCLASSIFIED)
        else:
            code = f"ISIC {spanned[0]}" + (f"-{spanned[-1]}" if len(spanned) > 1 else "")
            parents.append((code, "; ".join(names[s] for s in spanned)))
    for code, name in sorted(set(parents), key=lambda group: (group == UNCLASSIFIED, group[0])):
        records.append(_record(code, name, ROOT))
    return records + [_record(label, label, parent[0], i) for i, (label, parent) in enumerate(zip(labels, parents))]


FORMAT = Format(name="oecd", database="OECD ICIO", licence=LICENCE, read=_read, detect=_detect,
                region_tree=region_tree, product_tree=product_tree, year=_year)
