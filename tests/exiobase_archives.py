"""Miniature EXIOBASE 3 archives in the real 3.8 and 3.9+ file layouts, for importer tests."""

# Layout facts copied here. Sources: pymrio core/fileio.py (load, load_all) and
# core/mriosystem.py (save), pymrio's tests/mock_mrios/exio3_mock, and public readers of
# the real 3.8.2, 3.9.5 and 3.10.2 archives.
#
# * EXIOBASE 3.8+ is written by pymrio's save_all: each table is a tab-separated
#   DataFrame.to_csv. A table with two column levels therefore has three header lines
#   (the level names region/sector or region/category, then a line of index names),
#   although file_parameters.json says nr_header "2".
# * file_parameters.json = {"files": {key: {"name", "nr_index_col", "nr_header"}},
#   "systemtype": "IOSystem" | "Extension"}, plus "name" for an Extension. The counts
#   are strings. pymrio reads the files listed there and nothing else.
# * Core: A and Z (index and columns region/sector), Y (columns region/category, with 7
#   final-demand categories), x (one column "indout"), unit (column "unit" = "M.EUR").
#   There is also metadata.json, which pymrio must find to load an IOSystem from a zip.
# * Extension folders: F and S (columns region/sector), F_Y and S_Y (columns
#   region/category), each with one index column. unit.txt has that index and a "unit"
#   column. The index is named "stressor", or "impact" in the 3.8 impacts/ folder. The
#   real folders also hold M and the D_* accounts; the miniatures leave them out.
# * 3.8.x: satellite/ holds value added, employment, energy and emissions in one table,
#   and impacts/ holds characterised rows. 3.8.2 names the final-demand table F_Y.
#   3.8.1 and earlier used F_hh, which parse_exiobase3 renames. products.txt,
#   industries.txt and finaldemands.txt sit beside the core tables, outside
#   file_parameters.json.
# * 3.9.x and 3.10.x have no satellite/ or impacts/. Instead there is one folder per
#   account: factor_inputs, air_emissions, employment, energy, land, material, nutrients
#   and water.
# * Real 3.8 zips unpack to a top-level folder IOT_<year>_<system>/, and the miniature
#   zips always have one. A 3.10.2 reader takes members from the zip root, so newer zips
#   may have no such folder.

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_REGIONS = ["AT", "DE", "CN", "US", "WA"]

# Rows copied from the real files; the 3.8 impacts are computed from the satellite rows
# below (AR4 GWP100, as in the CML/IPCC 2007 row) so the two folders agree with each other.
_SATELLITE_38 = [
    ("Taxes less subsidies on products purchased: Total", "M.EUR"),
    ("Compensation of employees; wages, salaries, & employers' social contributions: Low-skilled", "M.EUR"),
    ("Operating surplus: Remaining net operating surplus", "M.EUR"),
    ("Employment: Low-skilled male", "1000 p."),
    ("CO2 - combustion - air", "kg"),
    ("CH4 - combustion - air", "kg"),
    ("N2O - combustion - air", "kg"),
]
_IMPACTS_38 = [
    # (row, unit, {satellite row index: characterisation factor})
    ("Value Added", "M.EUR", {1: 1.0, 2: 1.0}),
    ("Employment", "1000 p.", {3: 1.0}),
    (
        "GHG emissions (GWP100) | Problem oriented approach: baseline (CML, 2001) | GWP100 (IPCC, 2007)",
        "kg CO2 eq.",
        {4: 1.0, 5: 25.0, 6: 298.0},
    ),
    (
        "Carbon dioxide (CO2) IPCC categories 1 to 4 and 6 to 7 "
        "(excl land use, land use change and forestry)",
        "Gg",
        {4: 1e-6},
    ),
]

# 3.9+ split accounts: (row, unit); the units are those of the 3.9 files ("1000 p", no dot).
_SPLIT_39 = {
    "factor_inputs": [
        ("Taxes less subsidies on products purchased: Total", "M.EUR"),
        ("Other net taxes on production", "M.EUR"),
        ("Compensation of employees; wages, salaries, & employers' social contributions: Low-skilled", "M.EUR"),
        ("Operating surplus: Remaining net operating surplus", "M.EUR"),
    ],
    "air_emissions": [
        ("CO2 - combustion - air", "kg"),
        ("CH4 - combustion - air", "kg"),
        ("N2O - combustion - air", "kg"),
        ("CO2 - non combustion - Cement production - air", "kg"),
        ("SF6 - air", "kg"),
        ("HFC - air", "kg CO2-eq"),
    ],
    "employment": [
        ("Employment people: Low-skilled male", "1000 p"),
        ("Employment people: High-skilled female", "1000 p"),
        ("Employment hours: Low-skilled male", "M.hr"),
    ],
    "energy": [
        ("Energy use - Emission relevant", "TJ"),
        ("Energy use - Final", "TJ"),
        ("Energy use - Gross", "TJ"),
        ("Energy use - Net", "TJ"),
    ],
    "land": [
        ("Artificial Surfaces", "km2"),
        ("Cropland - cropped area - Wheat", "km2"),
        ("Forest", "km2"),
    ],
    "material": [
        ("Domestic Extraction Used - Primary Crops - Wheat", "kt"),
        ("Domestic Extraction Used - Fossil Fuels - Crude oil", "kt"),
        ("Domestic Extraction Used - Metal Ores - Iron ores", "kt"),
    ],
    "nutrients": [
        ("N - agriculture - water", "kg"),
        ("P - agriculture - soil", "kg"),
        ("P - agriculture - water", "kg"),
    ],
    "water": [
        ("Water Consumption Green - Agriculture - wheat", "Mm3"),
        ("Water Consumption Blue - Agriculture - wheat", "Mm3"),
        ("Water Withdrawal Blue - Manufacturing - Sugar", "Mm3"),
    ],
}

# Typical size of one unit of each quantity per M.EUR of output, so magnitudes look real.
_INTENSITY = {
    "M.EUR": 0.1, "1000 p.": 0.005, "1000 p": 0.005, "M.hr": 0.008, "kg": 2e5,
    "kg CO2-eq": 1e4, "TJ": 2.0, "km2": 0.5, "kt": 0.3, "Mm3": 0.05,
}

_VERSION = {"3.8": "3.8.2", "3.9": "3.9.6", "3.10": "3.10.1"}


def write_exiobase_archive(dest: Path, year: int, layout: str = "3.8", system: str = "pxp",
                           zipped: bool = True, regions: list[str] | None = None,
                           n_products: int = 6, seed: int = 0) -> tuple[Path, dict]:
    """Write IOT_<year>_<system> (zip or folder) into dest; return its path and the arrays written.

    layout is "3.8" (satellite/ + impacts/) or "3.9" / "3.10" (one folder per account).
    """
    if layout not in _VERSION:
        raise ValueError(f"layout must be one of {sorted(_VERSION)}, not {layout!r}")
    system = _check_system(system)
    truth = _core_truth(year, system, regions, n_products, seed)
    truth["layout"] = layout
    rng = np.random.default_rng([seed, 1])

    files: dict[str, str] = {}
    files.update(_core_files(truth, version=_VERSION[layout]))
    truth["extensions"] = {}
    if layout == "3.8":
        # Real 3.8 archives also list these three classification files (not parsed by pymrio).
        files.update(_classification_files(truth))
        sat = _extension_truth(truth, _SATELLITE_38, rng)
        truth["extensions"]["satellite"] = sat
        truth["extensions"]["impacts"] = _characterise(truth, sat, _IMPACTS_38)
        # Extension names: "Satellite Accounts" as in pymrio's exio3 mock; "Impacts" is a guess.
        files.update(_extension_files("satellite", "Satellite Accounts", "stressor", truth))
        files.update(_extension_files("impacts", "Impacts", "impact", truth))
    else:
        for folder, rows in _SPLIT_39.items():
            truth["extensions"][folder] = _extension_truth(truth, rows, rng)
            files.update(_extension_files(folder, folder, "stressor", truth))

    top = f"IOT_{year}_{system}"
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if zipped:
        target = dest / f"{top}.zip"
        # Entries only, no directory records, as pymrio.archive writes them.
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for rel, text in files.items():
                zf.writestr(f"{top}/{rel}", text)
    else:
        target = dest / top
        for rel, text in files.items():
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
    return target, truth


def write_pymrio_saved(dest: Path, year: int, seed: int = 0) -> tuple[Path, dict]:
    """Build a small pymrio IOSystem with EXIOBASE labels, save it with save_all to dest/saved_<year>."""
    import pymrio  # only this helper needs pymrio itself

    truth = _core_truth(year, "pxp", None, 6, seed)
    truth["layout"] = "pymrio"
    rng = np.random.default_rng([seed, 2])
    rows = _SPLIT_39["air_emissions"][:3]
    ext = _extension_truth(truth, rows, rng)
    truth["extensions"] = {"air_emissions": ext}

    frames = _core_frames(truth)
    ext_frames = _extension_frames(ext, "stressor", truth)
    io = pymrio.IOSystem(
        Z=frames["Z"], Y=frames["Y"], x=frames["x"], A=frames["A"], unit=frames["unit"],
        name=f"EXIOBASE 3 miniature {year}", system="pxp", version="test", year=year,
        air_emissions={"name": "air_emissions", "F": ext_frames["F"], "F_Y": ext_frames["F_Y"],
                       "unit": ext_frames["unit"]},
    )
    target = Path(dest) / f"saved_{year}"
    # pymrio's default "%.12g" would round the values; 17 digits read back exactly.
    io.save_all(target, float_format="%.17g")
    return target, truth


# ---------------------------------------------------------------------------- data


def _check_system(system: str) -> str:
    if system not in ("pxp", "ixi"):
        raise ValueError(f"system must be 'pxp' or 'ixi', not {system!r}")
    return system


def _classification(name: str) -> pd.DataFrame:
    """A classification table shipped with pymrio (mrio_models/<name>), read without importing pymrio."""
    spec = importlib.util.find_spec("pymrio")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pymrio is needed for the EXIOBASE classification files")
    root = Path(next(iter(spec.submodule_search_locations)))
    return pd.read_csv(root / "mrio_models" / name, sep="\t")


def _spread(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """n rows evenly spaced over table, first and last included."""
    if not 1 <= n <= len(table):
        raise ValueError(f"n_products must be between 1 and {len(table)}, not {n}")
    pos = np.unique(np.linspace(0, len(table) - 1, n).round().astype(int))
    return table.iloc[pos].reset_index(drop=True)


def _core_truth(year: int, system: str, regions: list[str] | None, n_products: int, seed: int) -> dict:
    """A consistent miniature system: Z >= 0, Y > 0, x = Z 1 + Y 1, A = Z / x with column sums < 1."""
    regions = list(DEFAULT_REGIONS if regions is None else regions)
    if len(set(regions)) != len(regions) or not regions:
        raise ValueError("regions must be a non-empty list of distinct codes")
    sectors = _spread(_classification(f"exio3_{system}/sectors.tsv"), n_products)
    categories = _classification(f"exio3_{system}/finaldemand.tsv")
    rng = np.random.default_rng([seed, 0])
    n_reg, n_sec, n_cat = len(regions), len(sectors), len(categories)
    n = n_reg * n_sec

    # Domestic blocks dominate and about a fifth of the flows are zero, as in the real tables.
    Z = rng.uniform(0.0, 10.0, (n, n))
    same_region = np.kron(np.eye(n_reg), np.ones((n_sec, n_sec)))
    Z *= np.where(same_region > 0, 5.0, 1.0)
    Z[rng.uniform(size=(n, n)) < 0.2] = 0.0
    # Every row of Y sums to more than any column of Z, so each column of A sums below one.
    Y = rng.uniform(0.2, 1.0, (n, n_reg * n_cat))
    Y *= (Z.sum(axis=0).max() * rng.uniform(1.2, 2.0, n) / Y.sum(axis=1))[:, None]
    x = Z.sum(axis=1) + Y.sum(axis=1)
    A = Z / x[None, :]

    return {
        "year": year,
        "system": system,
        "regions": regions,
        "sectors": sectors["ExioName"].tolist(),
        "categories": categories["ExioName"].tolist(),
        "Z": Z,
        "A": A,
        "x": x,
        "Y": Y,
        "Y_by_region": Y.reshape(n, n_reg, n_cat).sum(axis=2),
    }


def _extension_truth(truth: dict, rows: list[tuple[str, str]], rng: np.random.Generator) -> dict:
    """F proportional to output with noise; F_Y only in the household column, as in the real accounts."""
    x, n_reg, n_cat = truth["x"], len(truth["regions"]), len(truth["categories"])
    scale = np.array([_INTENSITY[unit] for _, unit in rows])
    F = scale[:, None] * x[None, :] * rng.uniform(0.2, 1.8, (len(rows), x.size))
    F_Y = np.zeros((len(rows), n_reg * n_cat))
    households = np.arange(n_reg) * n_cat  # category 0: final consumption by households
    F_Y[:, households] = scale[:, None] * rng.uniform(5.0, 50.0, (len(rows), n_reg))
    return {"rows": [r for r, _ in rows], "units": [u for _, u in rows], "F": F, "F_Y": F_Y}


def _characterise(truth: dict, satellite: dict, impacts: list) -> dict:
    C = np.zeros((len(impacts), len(satellite["rows"])))
    for i, (_, _, factors) in enumerate(impacts):
        for j, factor in factors.items():
            C[i, j] = factor
    return {"rows": [r for r, _, _ in impacts], "units": [u for _, u, _ in impacts],
            "F": C @ satellite["F"], "F_Y": C @ satellite["F_Y"]}


# --------------------------------------------------------------------------- files


def _index(truth: dict, second: str) -> pd.MultiIndex:
    labels = truth["sectors"] if second == "sector" else truth["categories"]
    return pd.MultiIndex.from_product([truth["regions"], labels], names=["region", second])


def _core_frames(truth: dict) -> dict[str, pd.DataFrame]:
    rows = _index(truth, "sector")
    return {
        "A": pd.DataFrame(truth["A"], index=rows, columns=rows),
        "Z": pd.DataFrame(truth["Z"], index=rows, columns=rows),
        "Y": pd.DataFrame(truth["Y"], index=rows, columns=_index(truth, "category")),
        "x": pd.DataFrame({"indout": truth["x"]}, index=rows),
        "unit": pd.DataFrame({"unit": ["M.EUR"] * len(rows)}, index=rows),
    }


def _extension_frames(ext: dict, index_name: str, truth: dict) -> dict[str, pd.DataFrame]:
    rows = pd.Index(ext["rows"], name=index_name)
    # S = F / x and S_Y = F_Y / total final demand per column, as pymrio's calc_S and calc_S_Y.
    y_total = truth["Y"].sum(axis=0)
    return {
        "F": pd.DataFrame(ext["F"], index=rows, columns=_index(truth, "sector")),
        "F_Y": pd.DataFrame(ext["F_Y"], index=rows, columns=_index(truth, "category")),
        "S": pd.DataFrame(ext["F"] / truth["x"][None, :], index=rows, columns=_index(truth, "sector")),
        "S_Y": pd.DataFrame(ext["F_Y"] / y_total[None, :], index=rows, columns=_index(truth, "category")),
        "unit": pd.DataFrame({"unit": ext["units"]}, index=rows),
    }


def _tables(frames: dict[str, pd.DataFrame], prefix: str = "") -> tuple[dict[str, str], dict]:
    """Table texts plus their file_parameters 'files' entries (counts as strings, like pymrio)."""
    texts, params = {}, {}
    for key, df in frames.items():
        texts[f"{prefix}{key}.txt"] = df.to_csv(sep="\t")  # default float repr: exact round trip
        params[key] = {
            "name": f"{key}.txt",
            "nr_index_col": str(df.index.nlevels),
            "nr_header": str(df.columns.nlevels),
        }
    return texts, params


def _core_files(truth: dict, version: str) -> dict[str, str]:
    files, params = _tables(_core_frames(truth))
    files["file_parameters.json"] = json.dumps({"files": params, "systemtype": "IOSystem"}, indent=4)
    files["metadata.json"] = json.dumps({
        "description": f"EXIOBASE 3 miniature test system for {truth['year']}",
        "name": f"EXIO3_{truth['system']}_{truth['year']}",
        "system": truth["system"],
        "version": version,
        "history": [],
    }, indent=4)
    return files


def _extension_files(folder: str, name: str, index_name: str, truth: dict) -> dict[str, str]:
    ext = truth["extensions"][folder]
    files, params = _tables(_extension_frames(ext, index_name, truth), prefix=f"{folder}/")
    files[f"{folder}/file_parameters.json"] = json.dumps(
        {"files": params, "systemtype": "Extension", "name": name}, indent=4
    )
    return files


def _classification_files(truth: dict) -> dict[str, str]:
    """products.txt, industries.txt, finaldemands.txt: Number, Name, CodeNr, CodeSym."""
    def table(df: pd.DataFrame) -> str:
        out = pd.DataFrame({
            "Number": range(1, len(df) + 1),
            "Name": df["ExioName"],
            "CodeNr": df["ExioCode"],
            "CodeSym": df["ExioLabel"],
        })
        return out.to_csv(sep="\t", index=False)

    # The system's own list matches the tables; the other one is a same-sized sample.
    n = len(truth["sectors"])
    products = _classification("exio3_pxp/sectors.tsv")
    industries = _classification("exio3_ixi/sectors.tsv")
    return {
        "products.txt": table(_spread(products, min(n, len(products)))),
        "industries.txt": table(_spread(industries, min(n, len(industries)))),
        "finaldemands.txt": table(_classification(f"exio3_{truth['system']}/finaldemand.tsv")),
    }
