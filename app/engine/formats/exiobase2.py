"""EXIOBASE 2 (reference year 2007): the coefficient archives mrIOT_PxP_ita_coefficient_version2.2.2 and
mrIOT_IxI_fpa_coefficient_version2.2.2 (zip or unpacked), read with pymrio's parse_exiobase2, with the
characterised impacts of the characterisation workbook they ship."""

from __future__ import annotations

import re
from pathlib import Path

from . import Format
from .exiobase1 import read_exiobase12, regions_of

ARCHIVE = re.compile(r"^mrIOT_(PxP_ita|IxI_fpa)_coefficient_version2[\d.]*?(\.zip)?$", re.IGNORECASE)
YEAR = 2007
LICENCE = "free for non-commercial use after registration at exiobase.eu; check exiobase.eu"


def _parse(path: Path):
    import pymrio

    io = pymrio.parse_exiobase2(path, charact=True, popvector="exio2")
    impact = getattr(io, "impact", None)
    if impact is not None and getattr(impact, "unit", None) is None:
        # pymrio hands the impacts' units over under the name "uunit"
        impact.unit = getattr(impact, "uunit", None)
    return io


def _read(path: Path, year: int | None):
    return read_exiobase12(path, year, _parse, "EXIOBASE 2", YEAR)


FORMAT = Format(name="exiobase2", database="EXIOBASE 2", licence=LICENCE, read=_read,
                detect=lambda path: bool(ARCHIVE.match(path.name)), year=lambda path: YEAR,
                region_tree=lambda labels: regions_of(labels, "EXIO2"))
