"""A folder or zip saved by pymrio (`IOSystem.save_all`), whatever database it holds."""

from __future__ import annotations

from pathlib import Path

from . import Format, version_of


def _read(path: Path, year: int | None):
    from ..sources import read_mrio

    io = read_mrio(path)
    return io, year, version_of(io)


def _detect(path: Path) -> bool:
    from ..sources import find_system

    try:
        find_system(path)
    except Exception:  # noqa: BLE001 (any failure to find one system means: not this format)
        return False
    return True


FORMAT = Format(name="pymrio", database="a system saved by pymrio", licence="", read=_read, detect=_detect)
