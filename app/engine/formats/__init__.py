"""The MRIO databases the importer reads, each through pymrio's own parser (GLORIA through a block reader that
builds the system pymrio's parse_gloria builds): how to recognise its files, how
to read one year, how its regions and sectors roll up, and what the database is (name, licence).

A format module defines FORMAT (a Format) and is listed in MODULES; `detect` finds the one format whose
files a path looks like, and `by_name` the format a user names with --format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from ..errors import DatasetError

# the modules defining a FORMAT, in the order detection tries them (the most specific first)
MODULES = ("exiobase3", "eora26", "oecd", "gloria", "wiod", "exiobase2", "exiobase1", "pymrio_folder")


@dataclass(frozen=True)
class Format:
    """One MRIO database's file layout and its facts."""

    name: str                                   # what --format takes: "exiobase3", "eora26", ...
    database: str                               # in words: "EXIOBASE 3"
    licence: str                                # as known, in words; "" where it is the user's to check
    read: Callable[[Path, int | None], object]  # (path, year or None) -> (pymrio IOSystem, year, version)
    detect: Callable[[Path], bool] = field(default=lambda path: False)
    # the year a file's name states where the usual rule (one 19xx or 20xx in the name) cannot tell
    year: Callable[[Path], int | None] | None = None
    # the trees of its labels (records as classifications.py writes them); None: the default trees
    region_tree: Callable[[list[str]], list[dict]] | None = None
    product_tree: Callable[[list[str]], list[dict]] | None = None


@contextmanager
def pymrio_reading(path: Path, what: str) -> Iterator[None]:
    """pymrio's parsers and pandas raise many kinds of error on malformed files: each becomes a DatasetError
    naming the file and what it was read as (a DatasetError raised inside passes as it is)."""
    try:
        yield
    except DatasetError:
        raise
    except Exception as exc:  # noqa: BLE001 (any reader's failure is the file's)
        raise DatasetError("paths", str(path), f"pymrio cannot read {path} as {what}: {exc}") from None


def version_of(io) -> str:
    """The version a pymrio system's metadata states, or ""."""
    meta = getattr(io, "meta", None)
    version = getattr(meta, "version", None) if meta is not None else None
    return "" if version in (None, "", "None") else str(version)


def formats() -> dict[str, Format]:
    """Every format by name, in detection order."""
    out = {}
    for module in MODULES:
        fmt = import_module(f"{__name__}.{module}").FORMAT
        out[fmt.name] = fmt
    return out


def by_name(name: str) -> Format:
    known = formats()
    if name not in known:
        raise DatasetError("format", name, f"unknown format {name!r}; one of {', '.join(known)}")
    return known[name]


def detect(path: Path) -> Format:
    """The format whose files the path looks like; a DatasetError naming the path when none or unclear."""
    found = [fmt for fmt in formats().values() if fmt.detect(path)]
    if not found:
        raise DatasetError("paths", str(path), f"{path}: not the files of any database the importer knows; "
                           f"give --format ({', '.join(formats())}) if it is one of them")
    return found[0]
