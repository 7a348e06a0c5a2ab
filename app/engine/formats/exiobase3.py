"""EXIOBASE 3: the release archives IOT_<year>_pxp.zip and IOT_<year>_ixi.zip (or their folders), which
pymrio reads as saved systems. Version 3.8 and earlier are CC BY-SA 4.0; 3.9 and later are for
non-commercial use only."""

from __future__ import annotations

import re
from pathlib import Path

from . import Format, version_of

NAME = re.compile(r"^IOT_(19|20)\d\d_(pxp|ixi)(\.zip)?$", re.IGNORECASE)
LICENCE = ("EXIOBASE 3.8 and earlier: CC BY-SA 4.0; 3.9 and later: non-commercial use only (check the "
           "release's own terms)")


def _read(path: Path, year: int | None):
    from ..sources import read_mrio

    io = read_mrio(path)
    return io, year, version_of(io)


def _detect(path: Path) -> bool:
    return bool(NAME.match(path.name))


FORMAT = Format(name="exiobase3", database="EXIOBASE 3", licence=LICENCE, read=_read, detect=_detect)
