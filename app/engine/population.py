"""A dataset's population per region and year: read from a CSV file with strict checks, stored beside the dataset."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from .errors import DatasetError

COLUMNS = ("region", "year", "population")


def read_population(text: str, dataset, where: str = "the file") -> dict[int, list[float]]:
    """Persons per region (in the dataset's region order) by year, from CSV text with the columns region,
    year, population. Every problem is a DatasetError naming the line."""
    regions = dataset.regions.leaf_codes()
    position = {code: i for i, code in enumerate(regions)}
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or [h.strip().lower() for h in header] != list(COLUMNS):
        raise DatasetError("population", header, f"{where}, line 1: the columns must be {', '.join(COLUMNS)}")
    table: dict[int, list[float | None]] = {}
    first: dict[tuple[str, int], int] = {}
    for line, cells in enumerate(rows, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != 3:
            raise DatasetError("population", cells, f"{where}, line {line}: expected 3 values, found {len(cells)}")
        region, year_text, number = (c.strip() for c in cells)
        if region not in position:
            raise DatasetError("population", region, f"{where}, line {line}: unknown region {region!r} "
                               f"in dataset {dataset.name!r}")
        try:
            year = int(year_text)
        except ValueError:
            raise DatasetError("population", year_text, f"{where}, line {line}: year {year_text!r} "
                               "is not a whole number") from None
        if year not in dataset.years:
            raise DatasetError("population", year, f"{where}, line {line}: dataset {dataset.name!r} has no "
                               f"year {year} (years: {', '.join(map(str, dataset.years))})")
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not number or not math.isfinite(value):
            raise DatasetError("population", number, f"{where}, line {line}: population {number!r} of "
                               f"{region} is missing or not a number")
        if value <= 0:
            raise DatasetError("population", number, f"{where}, line {line}: population {number!r} of "
                               f"{region} must be above zero")
        if (region, year) in first:
            raise DatasetError("population", region, f"{where}, line {line}: {region} {year} is given twice "
                               f"(first on line {first[region, year]})")
        first[region, year] = line
        table.setdefault(year, [None] * len(regions))[position[region]] = value
    if not table:
        raise DatasetError("population", where, f"{where} holds no population")
    for year, values in table.items():
        missing = [regions[i] for i, v in enumerate(values) if v is None]
        if missing:
            raise DatasetError("population", missing, f"{where}: {year} has no population for "
                               f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}")
    return dict(sorted(table.items()))


def set_population(store, name: str, path: Path | str) -> dict[int, list[float]]:
    """Read a population CSV file for dataset name, check it, then store it in a new version of the
    dataset switched in atomically (other years' tables are kept). Nothing is written on error.
    What `flask --app wsgi data population NAME FILE.csv` calls."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError("path", str(path), f"{path} cannot be read ({exc})") from None
    table = read_population(text, store.open(name), str(path))

    def change(manifest: dict) -> dict:
        years = dict(manifest.get("population", {}).get("years", {}))
        years.update({str(y): v for y, v in table.items()})
        manifest["population"] = {"years": dict(sorted(years.items()))}
        return manifest

    store.amend(name, change)
    return table


def demo_population(regions: list[str]) -> list[float]:
    """pymrio's population of its test system, in the order of regions."""
    import pymrio

    frame = pymrio.load_test().population
    return [float(frame[region].iloc[0]) for region in regions]


def synthetic_population(n_regions: int, years: list[int], seed: int) -> dict[int, list[float]]:
    """Plausible numbers: 1 to 300 million persons a region, growing about 1 % a year."""
    rng = np.random.default_rng([seed, 7])
    base = np.exp(rng.uniform(np.log(1e6), np.log(3e8), n_regions)).round(-3)
    first = min(years)
    return {y: [float(v) for v in (base * 1.01 ** (y - first)).round()] for y in years}
