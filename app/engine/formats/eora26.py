"""Eora26: the release archives Eora26_<year>_bp.zip (or a folder of their files Eora26_<year>_bp_T.txt, _FD,
_Q, _QY, _VA beside labels_T.txt, labels_FD.txt, labels_Q.txt and labels_VA.txt), read with pymrio's
parse_eora26 at basic prices. Releases whose year archives hold only the tables keep the four label files in
one indices.zip beside them: it is read from there. pymrio drops Eora's rest-of-the-world row and column
(ROW); the regions keep Eora's own three-letter codes. Eora is under its own terms, not an open licence."""

from __future__ import annotations

import re
import tempfile
import warnings
import zipfile
from pathlib import Path

from ..errors import DatasetError
from ..hierarchy import ROOT, _record
from . import Format, pymrio_reading, version_of
from .regions import REST, continent_tree

ARCHIVE = re.compile(r"^Eora26_((?:19|20)\d\d)_bp\.zip$")
TABLE = re.compile(r"^Eora26_((?:19|20)\d\d)_bp_(T|FD|Q|QY|VA)\.txt$")
LICENCE = ("Eora's own terms (worldmrio.com / eora.org): free for academic, non-commercial use with a "
           "registered academic account; any other use needs a licence from the Eora team")
# each table file: (its key in pymrio, the labels of its rows, the labels of its columns)
TABLES = {"T": ("labels_T", "labels_T"), "FD": ("labels_T", "labels_FD"), "Q": ("labels_Q", "labels_T"),
          "QY": ("labels_Q", "labels_FD"), "VA": ("labels_VA", "labels_T")}
# Eora's regions that country_converter does not know as countries (entities of the past)
HISTORIC = {"ANT": "Netherlands Antilles", "USR": "Former USSR"}
# Eora26's sectors by position, in three broad groups (the field's primary, secondary and tertiary
# sectors) and Eora's own residual ones ("Others", "Re-export & Re-import")
N_SECTORS = 26
GROUPS = (("agriculture", "Agriculture, forestry and fishing", range(0, 2)),
          ("industry", "Industry: mining, manufacturing, utilities and construction", range(2, 14)),
          ("services", "Services", range(14, 24)),
          ("other", "Other: Eora's residual sectors and re-exports", range(24, 26)))


LABELS = ("labels_T.txt", "labels_FD.txt", "labels_Q.txt", "labels_VA.txt")
INDICES = "indices.zip"
VALUE_ADDED = "Value added"  # the name the engine divides by for per-unit figures (normalise.py)


def _indices(path: Path) -> Path | None:
    """The indices.zip beside a year archive that lacks its label files, if there is one."""
    indices = path.parent / INDICES
    if not zipfile.is_zipfile(path) or not zipfile.is_zipfile(indices):
        return None
    with zipfile.ZipFile(path) as archive:
        return indices if not set(LABELS) <= set(archive.namelist()) else None


def _members(path: Path, year: int) -> dict[str, object]:
    """Each table and label file's opener (in the zip, with indices.zip beside it, or the folder) by its
    name; those that exist."""
    names = [f"Eora26_{year}_bp_{key}.txt" for key in TABLES] + list(LABELS)
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        found = {n: (lambda n=n: archive.open(n)) for n in names if n in archive.namelist()}
        indices = _indices(path)
        if indices is not None:
            labels = zipfile.ZipFile(indices)
            found.update({n: (lambda n=n: labels.open(n)) for n in LABELS
                          if n not in found and n in labels.namelist()})
        return found
    folder = path / str(year) if (path / str(year)).is_dir() else path
    return {n: (lambda n=n: open(folder / n, "rb")) for n in names if (folder / n).is_file()}


def _shape(opener) -> tuple[int, set[int]]:
    """Lines of a tab-separated file and the field counts they have."""
    lines, widths = 0, set()
    with opener() as handle:
        for line in handle:
            if line.strip():
                lines += 1
                widths.add(len(line.rstrip(b"\r\n").split(b"\t")))
    return lines, widths


def _check_files(path: Path, year: int) -> None:
    """Every file there, each table as many rows and columns as its labels: else which file and what."""
    members = _members(path, year)
    sizes = {}
    for key, (rows, columns) in TABLES.items():
        name = f"Eora26_{year}_bp_{key}.txt"
        for needed in (name, f"{rows}.txt", f"{columns}.txt"):
            if needed not in members:
                where = f" in it or in an {INDICES} beside it" if needed in LABELS and path.is_file() else ""
                raise DatasetError("paths", str(path), f"{path}: no {needed}{where} (Eora26 {year} at basic "
                                   "prices)")
        for labels in (rows, columns):
            if labels not in sizes:
                sizes[labels] = _shape(members[f"{labels}.txt"])[0]
        lines, widths = _shape(members[name])
        if lines != sizes[rows] or widths != {sizes[columns]}:
            found = ", ".join(str(w) for w in sorted(widths)) or "no"
            raise DatasetError("paths", str(path), f"{path}: {name} has {lines} rows of {found} values, but "
                               f"{rows}.txt and {columns}.txt label {sizes[rows]} rows of {sizes[columns]}; "
                               "the file is cut short or its labels do not line up")


def _year(path: Path, year: int | None) -> int:
    found = ARCHIVE.match(path.name)
    if not found and path.is_file():
        # pymrio takes the year and the prices of a zip from its name
        raise DatasetError("paths", str(path), f"{path}: pymrio reads an Eora26 archive by its release "
                           "name, Eora26_<year>_bp.zip; rename it so")
    if found and year is not None and int(found.group(1)) != year:
        raise DatasetError("paths", str(path), f"{path} holds Eora26 {found.group(1)}, not {year}")
    if found:
        return int(found.group(1))
    if year is None:
        raise DatasetError("paths", str(path), f"cannot tell the year of {path}: give --years")
    return year


def _read(path: Path, year: int | None):
    import pandas as pd
    import pymrio

    year = _year(path, year)
    _check_files(path, year)
    indices = _indices(path)
    with pymrio_reading(path, f"Eora26 {year}"), warnings.catch_warnings(), tempfile.TemporaryDirectory() as staged:
        # pymrio drops ROW from an unsorted index: a note on its speed, not on the data
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        if indices is None:
            io = pymrio.parse_eora26(path, year=year, price="bp")
        else:
            # pymrio looks for indices.zip only in a folder it is given, and there takes any zip whose name
            # has the year: a folder of links to exactly these two files
            (Path(staged) / path.name).symlink_to(path.resolve())
            (Path(staged) / INDICES).symlink_to(indices.resolve())
            io = pymrio.parse_eora26(staged, year=year, price="bp")
    tables = {"T": io.Z, "FD": io.Y, "Q": io.Q.F, "QY": io.Q.F_Y, "VA": io.VA.F}
    for key, table in tables.items():
        if table.isna().to_numpy().any():
            raise DatasetError("paths", str(path), f"{path}: Eora26_{year}_bp_{key}.txt has empty or "
                               "unreadable values")
    if len(io.get_sectors()) != N_SECTORS:
        raise DatasetError("paths", str(path), f"{path}: labels_T.txt has {len(io.get_sectors())} sectors "
                           f"per country; Eora26 has {N_SECTORS}")
    _value_added(io)
    return io, year, version_of(io)


def _value_added(io) -> None:
    """A "Value added" indicator for per-unit figures: each industry's output less its intermediate inputs,
    the table's own balance. Eora's primary-input rows are kept as they are, but their sum is not used: the
    files do not say whether the subsidies row is stored as a negative amount."""
    import pandas as pd
    import pymrio

    output = io.Z.sum(axis=1) + io.Y.sum(axis=1)
    balance = (output - io.Z.sum(axis=0).reindex(output.index)).to_frame(VALUE_ADDED).T
    balance.index.name = "indicator"
    io.value_added = pymrio.Extension(name=VALUE_ADDED, F=balance,
                                      unit=pd.DataFrame({"unit": ["000 USD"]}, index=balance.index))


def _detect(path: Path) -> bool:
    if path.is_file():
        return bool(ARCHIVE.match(path.name))
    if not path.is_dir():
        return False
    folders = [path] + [p for p in path.iterdir() if p.is_dir() and re.fullmatch(r"(19|20)\d\d", p.name)]
    return any(TABLE.match(p.name) for folder in folders for p in folder.iterdir())


def region_tree(labels: list[str]) -> list[dict]:
    """Eora's codes under their continents; its entities of the past named, under the rest of the world."""
    records = continent_tree(labels, src="Eora")
    for record in records:
        if record["parent"] == REST and record["code"] in HISTORIC:
            record["name"] = HISTORIC[record["code"]]
    return records


def product_tree(labels: list[str]) -> list[dict]:
    """Eora26's 26 sectors under their broad groups under TOTAL."""
    records = [_record(ROOT, "Total", None)]
    records += [_record(code, name, ROOT) for code, name, _ in GROUPS]
    parent = {i: code for code, _, members in GROUPS for i in members}
    records += [_record(label, label, parent[i], i) for i, label in enumerate(labels)]
    return records


FORMAT = Format(name="eora26", database="Eora26", licence=LICENCE, read=_read, detect=_detect,
                region_tree=region_tree, product_tree=product_tree)
