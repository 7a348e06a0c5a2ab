"""Reading MRIO databases with pymrio (its test system, EXIOBASE 3 archives, pymrio folders) into a Source."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .classifications import EXIO3_REGIONS, exio3_product_codes, product_tree, region_tree
from .compiling import Source, SourceYear
from .errors import DatasetError
from .hierarchy import MAX_LABEL, check_labels

# pymrio's test system states no year; the demo files it under EXIOBASE's usual reference year.
DEMO_YEAR = 2011
# What the engine reads from a pymrio system; Z only where A is missing, never L, M or D_*.
NEEDED = ["A", "Y", "x", "unit", "F", "S", "F_Y", "F_hh", "FY"]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "indicator"


def _text(value) -> str:
    """A label as text; a missing one (NaN, None: an empty cell in the files) is empty."""
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _label(label) -> str:
    return " - ".join(_text(p) for p in label) if isinstance(label, tuple) else _text(label)


def _unique(index: pd.Index, what: str, origin: str) -> None:
    """pandas cannot line up a table whose rows or columns repeat a label: say which one repeats."""
    if not index.is_unique:
        label = index[index.duplicated()][0]
        raise DatasetError("paths", origin, f"{origin}: {what} holds {_label(label)!r} twice; "
                           "every row and column needs its own label")


def _check_cells(index: pd.Index, table: str, origin: str) -> None:
    """The (region, product) rows of the core table: each once, so a shared label is named."""
    if index.is_unique:
        return
    if not isinstance(index, pd.MultiIndex) or index.nlevels != 2:
        _unique(index, table, origin)
    region, sector = index[index.duplicated()][0]
    # two regions under one label repeat every product of that label the same number of times
    counts = Counter(s for r, s in index if r == region)
    if len(counts) == len(set(index.get_level_values(1))) and len(set(counts.values())) == 1:
        message = f"two regions share the label {_text(region)!r}"
    else:
        message = f"two products of region {_text(region)!r} share the label {_text(sector)!r}"
    raise DatasetError("paths", origin, f"{origin}: {message} (in {table}); every region and product "
                       "needs its own label")


def _exio3_region(label: str) -> str:
    """EXIOBASE 3.4 ixi used ISO3 codes and WWA..WWM; later releases the 2-letter codes."""
    if len(label) == 3 and label.startswith("WW"):
        return label[1:]
    if len(label) == 3:
        import country_converter as coco

        code = coco.convert(label, src="ISO3", to="EXIO3", not_found=None)
        return code if isinstance(code, str) and code in EXIO3_REGIONS else label
    return label


def _indicators(io, origin: str) -> list[tuple[object, str, dict]]:
    """(extension, row label, indicator record) for every extension row, with unique codes."""
    out, used = [], set()
    for ext in io.get_extensions(data=True):
        table = ext.F if getattr(ext, "F", None) is not None else getattr(ext, "S", None)
        if table is None:
            continue
        units = getattr(ext, "unit", None)
        _unique(table.index, f"the rows of extension {ext.name}", origin)
        _check_cells(table.columns, f"the columns of extension {ext.name}", origin)
        if getattr(ext, "F_Y", None) is not None:
            _unique(ext.F_Y.index, f"the rows of F_Y of extension {ext.name}", origin)
        for label in table.index:
            name = _label(label)
            # codes are capped at the length every code may have; the names stay whole
            code = slug(name)[:MAX_LABEL]
            if code in used:
                code = f"{slug(ext.name)}.{code}"[:MAX_LABEL]
            base, i = code[:MAX_LABEL - 8], 2
            while code in used:
                code, i = f"{base}_{i}", i + 1
            used.add(code)
            unit = ""
            if units is not None and label in units.index:
                unit = _text(units.loc[label].iloc[0] if units.ndim == 2 else units.loc[label]).strip()
            out.append((ext, label, {"code": code, "name": name, "unit": unit,
                                     "parent": None, "group": str(ext.name)}))
    return out


def _by_region(frame: pd.DataFrame, regions: list[str]) -> np.ndarray:
    """Columns (region, category) summed per region, in the system's region order."""
    summed = frame.T.groupby(level=0, sort=False).sum().T
    return summed.reindex(columns=regions).to_numpy(dtype=np.float64)


def from_pymrio(io, year: int, origin: str, exio3_regions: bool = True) -> tuple[dict, SourceYear]:
    """Labels and one SourceYear from a pymrio IOSystem; exio3_regions: EXIOBASE 3.4's ISO3 region labels
    written as EXIOBASE's later two-letter codes (for EXIOBASE's archives and pymrio folders only: every other
    database keeps its own labels)."""
    if io.A is None and io.Z is None:
        raise DatasetError("path", origin, "the system has neither A nor Z")
    core = io.A if io.A is not None else io.Z
    table = "A" if io.A is not None else "Z"
    _check_cells(core.index, table, origin)
    _check_cells(core.columns, f"the columns of {table}", origin)
    for what, index in (("Y", io.Y.index), ("x", None if io.x is None else io.x.index)):
        if index is not None:
            _check_cells(index, what, origin)
    regions = [_exio3_region(_text(r)) if exio3_regions else _text(r) for r in io.get_regions()]
    sectors = [_text(s) for s in io.get_sectors()]
    try:
        # before any table is lined up: a label that breaks the trees is refused here, with the path
        check_labels("regions", regions)
        check_labels("products", sectors)
    except DatasetError as exc:
        raise DatasetError(exc.field, exc.value, f"{origin}: {exc.message}") from None
    io_regions = list(io.get_regions())
    cells = pd.MultiIndex.from_product([io_regions, list(io.get_sectors())])
    x = None
    if io.x is not None:
        x = io.x.reindex(cells).to_numpy(dtype=np.float64).reshape(-1)
    if io.A is not None:
        A = io.A.reindex(index=cells, columns=cells).to_numpy(dtype=np.float64)
    else:
        import pymrio

        Z = io.Z.reindex(index=cells, columns=cells)
        x_frame = pymrio.calc_x(Z, io.Y) if x is None else pd.DataFrame(x, index=cells)
        x = x_frame.to_numpy(dtype=np.float64).reshape(-1)
        A = pymrio.calc_A(Z, x_frame).to_numpy(dtype=np.float64)
    Y = _by_region(io.Y.reindex(index=cells), io_regions)
    indicators = _indicators(io, origin)
    F = np.empty((len(indicators), len(cells)))
    F_Y = np.zeros((len(indicators), len(regions)))
    has_F_Y = False
    for i, (ext, label, _) in enumerate(indicators):
        if getattr(ext, "F", None) is not None:
            F[i] = ext.F.loc[[label]].reindex(columns=cells).to_numpy(dtype=np.float64)
        else:
            if x is None:
                raise DatasetError("path", origin, f"{ext.name} has coefficients S but the system has no x")
            F[i] = ext.S.loc[[label]].reindex(columns=cells).to_numpy(dtype=np.float64) * x
        f_y = getattr(ext, "F_Y", None)
        if f_y is not None and label in f_y.index:
            F_Y[i] = _by_region(f_y.loc[[label]], io_regions)
            has_F_Y = True
    labels = {"regions": regions, "products": sectors, "indicators": [rec for _, _, rec in indicators]}
    return labels, SourceYear(year=year, A=A, Y=Y, x=x, F=F, F_Y=F_Y if has_F_Y else None,
                              origin=origin)


def _source(name: str, first: tuple[dict, SourceYear], more: list[tuple[int, callable]],
            description: str, reload: Callable[[], tuple[dict, SourceYear]] | None = None) -> Source:
    """A Source whose first year is the one already read (for its labels). With `reload`, that year is
    handed out once and then let go, so that it is not held in memory while later years compile or the
    store checks what was written (3.4 GB at GLORIA's size); a second write of the same Source reads it
    again."""
    labels, first_year = first
    held = [first_year]

    def first_loader():
        if reload is None:
            return held[0]
        return held.pop() if held else check(reload)()

    def check(load):
        def checked():
            other_labels, year = load()
            if other_labels != labels:
                raise DatasetError("paths", year.origin, f"{year.origin} has other regions, products "
                                   "or indicators than the first year; a dataset's years must match")
            return year
        return checked

    exio = exio3_product_codes(labels["products"])
    products = exio[0] if exio else labels["products"]
    return Source(
        regions=labels["regions"], products=products,
        region_tree=region_tree(labels["regions"]), product_tree=product_tree(labels["products"]),
        indicators=labels["indicators"],
        years=[(first_year.year, first_loader)] + [(y, check(load)) for y, load in more],
        description=description)


def demo_source() -> Source:
    """pymrio's bundled test MRIO: 6 regions x 8 sectors, value added and two emissions."""
    import pymrio

    from .population import demo_population

    io = pymrio.load_test()
    source = _source("demo", from_pymrio(io, DEMO_YEAR, "pymrio.load_test()"), [],
                     "pymrio's test MRIO (6 regions x 8 sectors)")
    source.population = {DEMO_YEAR: demo_population(list(io.get_regions()))}
    return source


def _parameters(raw: bytes, where: str) -> dict:
    """A file_parameters.json, read as untrusted: malformed, deeply nested or not an object is a DatasetError."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise DatasetError("paths", where, f"{where} is not a readable file_parameters.json") from None
    if not isinstance(data, dict) or not isinstance(data.get("files", {}), dict):
        raise DatasetError("paths", where, f"{where} is not a pymrio file_parameters.json")
    return data


def find_system(path: Path) -> tuple[Path, str | None]:
    """(path, file_parameters.json inside the zip) of the one IOSystem at path."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            systems = []
            for member in archive.namelist():
                if Path(member).name == "file_parameters.json":
                    try:
                        para = _parameters(archive.read(member), f"{path}:{member}")
                    except DatasetError:
                        continue
                    if para.get("systemtype") == "IOSystem":
                        systems.append(member)
        if len(systems) != 1:
            raise DatasetError("paths", str(path), f"{path} holds {len(systems)} MRIO systems, expected one")
        return path, systems[0]
    if path.is_dir():
        candidates = [path] + sorted(p for p in path.iterdir() if p.is_dir())
        for folder in candidates:
            para = folder / "file_parameters.json"
            if para.is_file() and _parameters(para.read_bytes(), str(para)).get("systemtype") == "IOSystem":
                return folder, None
        raise DatasetError("paths", str(path), f"{path} holds no MRIO system (no file_parameters.json)")
    raise DatasetError("paths", str(path), f"{path} is neither a zip archive nor a folder")


def read_mrio(path: Path):
    """An EXIOBASE 3 archive or folder, or a folder saved by pymrio, read with pymrio."""
    import pymrio

    location, para_in_zip = find_system(path)
    subset = list(NEEDED)
    if para_in_zip is not None:
        with zipfile.ZipFile(location) as archive:
            core = _parameters(archive.read(para_in_zip), f"{location}:{para_in_zip}")
    else:
        core = _parameters((location / "file_parameters.json").read_bytes(), str(location))
    if "A" not in core.get("files", {}):
        subset.append("Z")
    subfolders = None
    if para_in_zip is not None:
        # Naming the system and its extension folders explicitly matters: left to itself,
        # pymrio attaches the whole system a second time as an "extension" named after
        # the zip's top folder (doubling memory), and fails on a zip without a top folder.
        root = para_in_zip.rpartition("/")[0]
        with zipfile.ZipFile(location) as archive:
            subfolders = sorted({m.rsplit("/", 1)[0] for m in archive.namelist()
                                 if m.endswith("/file_parameters.json") and m != para_in_zip
                                 and m.rsplit("/", 1)[0].rpartition("/")[0] == root})
    try:
        io = pymrio.load_all(location, path_in_arc=para_in_zip, subset=subset, subfolders=subfolders)
    except DatasetError:
        raise
    except Exception as exc:  # pymrio raises many kinds on malformed files
        raise DatasetError("paths", str(path), f"pymrio cannot read {path}: {exc}") from None
    for ext in io.get_extensions(data=True):
        # older EXIOBASE releases call the direct final-demand flows F_hh
        if getattr(ext, "F_Y", None) is None and getattr(ext, "F_hh", None) is not None:
            ext.F_Y = ext.F_hh
    return io


def year_of(path: Path) -> int:
    found = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", path.name)
    if len(found) != 1:
        raise DatasetError("paths", str(path), f"cannot tell the year of {path.name}: name it like "
                           "IOT_2011_pxp.zip or give --years")
    return int(found[0])


def import_source(paths: list[Path], years: list[int] | None = None, fmt: str | None = None) -> Source:
    """MRIO files of any known database (formats/), one year each, as one Source read lazily year by year:
    the format named, or detected from each path; the years given, or read from the names."""
    from . import formats

    if not paths:
        raise DatasetError("paths", [], "give at least one archive or folder")
    for path in paths:
        if not path.exists():
            raise DatasetError("paths", str(path), f"{path} does not exist")
    chosen = [formats.by_name(fmt) if fmt else formats.detect(p) for p in paths]
    if len({f.name for f in chosen}) > 1:
        raise DatasetError("paths", [str(p) for p in paths], "the files are of different databases: "
                           + ", ".join(f"{p.name} {f.database}" for p, f in zip(paths, chosen)))
    database = chosen[0]
    if years is None:
        years = [(database.year(p) if database.year else None) or year_of(p) for p in paths]
    if len(years) != len(paths):
        raise DatasetError("years", years, f"{len(years)} years for {len(paths)} paths")
    if len(set(years)) != len(years):
        raise DatasetError("years", years, "two paths are for the same year")
    versions: dict[int, str] = {}

    def loader(path, year):
        def load():
            io, _, version = database.read(path, year)
            versions[year] = version
            return from_pymrio(io, year, str(path), exio3_regions=database.name in ("exiobase3", "pymrio"))
        return load

    first = loader(paths[0], years[0])()
    more = [(y, loader(p, y)) for p, y in zip(paths[1:], years[1:])]
    labels = first[0]
    source = _source("import", first, more, "imported from " + ", ".join(p.name for p in paths),
                     reload=loader(paths[0], years[0]))
    del first  # the first year is the Source's to hand out, and then to let go
    if database.region_tree is not None:
        source.region_tree = database.region_tree(labels["regions"])
    if database.product_tree is not None:
        source.product_tree = database.product_tree(labels["products"])
    source.provenance = {"format": database.name, "database": database.database, "licence": database.licence,
                         "versions": versions}
    return source
