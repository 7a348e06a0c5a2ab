"""What drove a footprint's change between two years: the structural decomposition (sda.py) of each
consuming region's footprint, with direct emissions of final demand as a contribution of their own."""

from __future__ import annotations

import numpy as np

from .errors import QueryError
from .hierarchy import ROOT
from .sda import decompose, multipliers


def _years(dataset, years) -> tuple[int, int]:
    if not isinstance(years, (list, tuple)) or len(years) != 2 or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in years):
        raise QueryError("decompose", years, "decompose needs two years, e.g. [2011, 2020]")
    y0, y1 = years
    if y0 == y1:
        raise QueryError("decompose", years, "a decomposition needs two different years")
    missing = [y for y in years if y not in dataset.years]
    if missing:
        raise QueryError("decompose", years, f"year {missing[0]} is not in dataset {dataset.name!r} "
                                             f"(it has {dataset.years[0]} to {dataset.years[-1]})")
    return y0, y1


def by_consumer_region(engine, dataset_name: str, indicator: str, years, regions=(ROOT,), products=(ROOT,),
                       direct: bool = True) -> dict:
    """For each consumer region node: its footprint in both years (final demand for the selected products)
    and the contributions of intensity, structure, mix and level (and population where the dataset has
    both years' populations; and `direct` where direct emissions are included), adding up to the change."""
    dataset = engine.dataset(dataset_name)
    y0, y1 = _years(dataset, years)
    if indicator not in dataset.indicator_row:
        raise QueryError("indicator", indicator, f"unknown indicator {indicator!r}")
    for code in regions:
        if code not in dataset.regions:
            raise QueryError("regions", code, f"unknown region code {code!r}")
    for code in products:
        if code not in dataset.products:
            raise QueryError("products", code, f"unknown product code {code!r}")
    row = dataset.indicator_row[indicator]
    n_regions = dataset.regions.size
    selected = np.zeros(dataset.products.size, dtype=bool)
    selected[dataset.products.union(products)] = True
    cells = np.tile(selected, n_regions)  # (region, product) cells of final output in the selection
    group = np.zeros((n_regions, len(regions)))
    for k, code in enumerate(regions):
        group[dataset.regions[code].leaves, k] = 1.0
    s = {t: np.asarray(dataset.array(y, "S")[row]) for t, y in enumerate((y0, y1))}
    L = {t: dataset.array(y, "L") for t, y in enumerate((y0, y1))}
    m = {(a, b): multipliers(s[a], L[b]) for a in (0, 1) for b in (0, 1)}
    y = {t: (np.asarray(dataset.array(yr, "Y")) * cells[:, None]) @ group for t, yr in enumerate((y0, y1))}
    population = None
    people = [dataset.population(yr) for yr in (y0, y1)]
    if all(p is not None for p in people):
        population = (people[0] @ group, people[1] @ group)
    parts = decompose(m, y[0], y[1], population)
    names = [k for k in parts if k not in ("start", "end")]
    start, end = parts["start"].copy(), parts["end"].copy()
    with_direct = direct and ROOT in products and all(dataset.has_array(yr, "F_Y") for yr in (y0, y1))
    if with_direct:
        f_y = [np.asarray(dataset.array(yr, "F_Y")[row]) @ group for yr in (y0, y1)]
        start, end = start + f_y[0], end + f_y[1]
        parts["direct"] = f_y[1] - f_y[0]
        names.append("direct")
    out = []
    for k, code in enumerate(regions):
        node = dataset.regions[code]
        out.append({"code": node.code, "name": node.name, "level": node.level, "start": float(start[k]),
                    "end": float(end[k]), "contributions": {name: float(parts[name][k]) for name in names}})
    return {"unit": dataset.indicators[row]["unit"], "years": [y0, y1], "direct": with_direct, "rows": out}
