"""EXIOBASE 1 (reference year 2000): the coefficient archives pxp_ita_44_regions_coeff_txt and
ixi_fpa_44_regions_coeff_txt (zip or unpacked, also their _src variants), read with pymrio's
parse_exiobase1. Also the reader EXIOBASE 2 shares: both ship A and S, so total output is solved here."""

from __future__ import annotations

import gc
import re
import warnings
from collections.abc import Callable
from pathlib import Path

from ..classifications import EXIO3_REGIONS
from ..classifications import region_tree as exio3_region_tree
from ..errors import DatasetError
from . import Format, pymrio_reading, version_of
from .regions import continent_tree

ARCHIVE = re.compile(r"^(pxp_ita|ixi_fpa)_44_regions_coeff(_src)?_txt(\.zip)?$", re.IGNORECASE)
YEAR = 2000
LICENCE = "free to use after registration at exiobase.eu; check exiobase.eu"


def _lined_up(io, origin: str) -> None:
    """A, Y and every account over the same (region, product) cells, or a DatasetError saying which file."""
    cells = io.A.columns
    tables = [("mrIot (rows)", io.A.index), ("mrFinalDemand", io.Y.index)]
    tables += [(f"the {ext.name} account", ext.S.columns) for ext in io.get_extensions(data=True)
               if getattr(ext, "S", None) is not None]
    for what, index in tables:
        if not index.equals(cells):
            odd = sorted(map(str, set(index) ^ set(cells)))[:3] or ["their order"]
            raise DatasetError("paths", origin, f"{origin}: the regions and products of {what} do not line up "
                               f"with the columns of mrIot (e.g. {', '.join(odd)})")


def read_exiobase12(path: Path, year: int | None, parse: Callable, database: str, table_year: int):
    """One EXIOBASE 1 or 2 archive through pymrio, with total output x = (I - A)^-1 y, which these
    coefficient archives do not ship (the engine needs it to turn S into flows F)."""
    import numpy as np
    import pandas as pd
    from pymrio.tools.ioparser import get_exiobase_files

    origin = str(path)
    if year is not None and year != table_year:
        raise DatasetError("years", year, f"{origin}: {database} is the table of {table_year}, not {year}")
    with pymrio_reading(path, database):
        found = get_exiobase_files(path)
        for key, file in (("A", "mrIot"), ("Y", "mrFinalDemand")):
            if key not in found:
                raise DatasetError("paths", origin, f"{origin}: no {file} file; not a complete {database} archive")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                io = parse(path)
            finally:
                gc.collect()  # pymrio leaves the archive's members open: closed here, quietly
    _lined_up(io, origin)
    try:
        A = io.A.to_numpy(dtype=np.float64)
        y = io.Y.to_numpy(dtype=np.float64).sum(axis=1)
        x = np.linalg.solve(np.eye(len(A)) - A, y)
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise DatasetError("paths", origin,
                           f"{origin}: mrIot or mrFinalDemand is not a usable table ({exc})") from None
    io.x = pd.DataFrame(x, index=io.A.index, columns=["indout"])
    return io, table_year, version_of(io)


def regions_of(labels: list[str], src: str) -> list[dict]:
    """EXIOBASE 3's region tree where the codes are its own, else country_converter's continents."""
    return exio3_region_tree(labels) if set(labels) <= set(EXIO3_REGIONS) else continent_tree(labels, src)


def _read(path: Path, year: int | None):
    import pymrio

    return read_exiobase12(path, year, pymrio.parse_exiobase1, "EXIOBASE 1", YEAR)


FORMAT = Format(name="exiobase1", database="EXIOBASE 1", licence=LICENCE, read=_read,
                detect=lambda path: bool(ARCHIVE.match(path.name)), year=lambda path: YEAR,
                region_tree=lambda labels: regions_of(labels, "EXIO1"))
