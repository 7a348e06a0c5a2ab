"""Embodied trade of region nodes: imports and exports of impacts, the domestic part and the balance."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .errors import QueryError
from .flows import FlowQuery, resolve_flows
from .hierarchy import ROOT


@dataclass
class Trade:
    code: str
    name: str
    level: int
    consumption: float  # footprint: caused by the node's final demand, wherever it occurs
    production: float   # territorial: occurring in the node, whoever's final demand causes it
    imports: float      # caused by the node's final demand, occurring outside it
    exports: float      # occurring in the node, caused by final demand outside it
    domestic: float     # occurring in the node for its own final demand (with direct emissions)
    balance: float      # imports - exports = consumption - production


def bilateral(dataset, year: int, row: int, direct: bool) -> np.ndarray:
    """Origin region x consumer region: s L Y summed by region, direct emissions on the diagonal."""
    n_regions = dataset.regions.size
    s = np.asarray(dataset.array(year, "S")[row])
    flows = (s[:, None] * dataset.leontief_demand(year)).reshape(n_regions, -1, n_regions).sum(axis=1)
    if direct and dataset.has_array(year, "F_Y"):
        flows[np.diag_indices(n_regions)] += np.asarray(dataset.array(year, "F_Y")[row])
    return flows


def embodied_trade(engine, dataset_name: str, indicator: str, regions=(ROOT,), year: int | None = None,
                   direct: bool = True) -> tuple[FlowQuery, list[Trade]]:
    """For each region node: consumption, production, imports, exports, domestic part and balance,
    all from the one bilateral matrix so that consumption - production = imports - exports exactly
    (up to rounding). Returns the checked query (its year set) and one Trade per node."""
    query = FlowQuery(dataset=dataset_name, indicator=indicator, by=("origin-region",), year=year,
                      origin_regions=tuple(regions), direct=direct)
    if not regions:
        raise QueryError("regions", [], "select at least one region")
    dataset, query = resolve_flows(engine, query)
    flows = bilateral(dataset, query.year, dataset.indicator_row[indicator], direct)
    out = []
    for code in query.origin_regions:
        node = dataset.regions[code]
        inside = np.zeros(dataset.regions.size, dtype=bool)
        inside[node.leaves] = True
        domestic = float(flows[np.ix_(inside, inside)].sum())
        imports = float(flows[np.ix_(~inside, inside)].sum())
        exports = float(flows[np.ix_(inside, ~inside)].sum())
        out.append(Trade(node.code, node.name, node.level, domestic + imports, domestic + exports,
                         imports, exports, domestic, imports - exports))
    return query, out


def trade_dict(query: FlowQuery, rows: list[Trade], unit: str) -> dict:
    return {"unit": unit, "year": query.year, "direct": query.direct, "regions": [asdict(r) for r in rows]}
