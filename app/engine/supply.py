"""Supply chains of one footprint F = s_o L y: production layers, structural paths and elasticities.

Pure functions over one dataset year. s_o is an indicator's intensities kept at the origin cells of a
selection (zero elsewhere), y the final demand of the selection (its consumer regions and final
products); cells are region-major (region * products + product). A is read as the dataset stores it
(CSR where it does, else dense) and, for paths and elasticities, only in the rows that can matter, by a
bound per row; L only through y (L y) or s_o (s_o L). No CSC copy of A is built: the path search needs
the columns of the few coefficients strong enough to lie on a path it can keep, gathered per query.
Direct emissions of final demand have no supply chain and are not part of F here.

Under a scenario (a ScenarioSystem: A' = A + dA on a block, Y') every analysis is the changed system's:
y' is the caller's, m' = s L' and L' y' are solved from the baseline's products, and A' is read as A with
only its changed rows materialised (coefficients.py).
"""

from __future__ import annotations

import numpy as np

from . import paths as search
from .coefficients import Coefficients
from .errors import QueryError
from .flowmath import FULL_SHARE, left, right

BY = ("origin-region", "origin-product")
MAX_TIERS = 12
MAX_TOP = 1000
MAX_COUNT = 1000
MAX_DEPTH = 12
THRESHOLD = (1e-9, 0.1)
MAX_NODES = 10_000_000
OTHER = "OTHER"  # the code of the row that sums the groups after the top ones
ROUND = 10  # the floor of each round of the path search is this much below the one before


def _whole(field: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise QueryError(field, value, f"{field} must be a whole number from {low} to {high}")
    return int(value)


def _threshold(value) -> float:
    low, high = THRESHOLD
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not low <= value <= high:
        raise QueryError("threshold", value, f"threshold must be a share of the footprint from {low:g} to {high:g}")
    return float(value)


def _vectors(dataset, s_o, y) -> tuple[np.ndarray, np.ndarray]:
    n = dataset.regions.size * dataset.products.size
    s, y = np.asarray(s_o, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if s.shape != (n,) or y.shape != (n,):
        raise ValueError(f"intensities {s.shape} and final demand {y.shape} must both have shape ({n},)")
    for name, v in (("intensities", s), ("final demand", y)):
        if not np.isfinite(v).all():
            raise QueryError("selection", name, f"the {name} of the selection hold NaN or infinite values")
    return s, y


def _footprint(value) -> float:
    value = float(value)
    if not np.isfinite(value):
        raise QueryError("selection", value, "the footprint of the selection is not a finite number")
    if value == 0:
        raise QueryError("selection", value, "the selection has no footprint (it is zero): there is no supply "
                         "chain to trace")
    return value


def _rows_cost(v: np.ndarray) -> int:
    rows = int(np.count_nonzero(v))
    return len(v) if rows > FULL_SHARE * len(v) else rows


def _stored_multipliers(dataset, year: int, s: np.ndarray) -> np.ndarray | None:
    """M's row when s is an indicator's own intensities (no origin filter), else None."""
    S = dataset.array(year, "S")
    for row in range(S.shape[0]):
        if np.array_equal(S[row], s):
            return np.array(dataset.array(year, "M")[row])
    return None


def multipliers(dataset, year: int, s: np.ndarray, scenario=None) -> np.ndarray:
    """m = s L: M's row, or rows of L gathered where s is not zero (one pass over L when most are); under
    a scenario m' = s L', solved from m."""
    m = _stored_multipliers(dataset, year, s)
    m = m if m is not None else left(dataset, year, s[:, None])[0]
    return m if scenario is None else scenario.multipliers(s, m)


def outputs(dataset, year: int, y: np.ndarray, scenario=None) -> np.ndarray:
    """L y: columns of L gathered where y is not zero (one pass over L when most are); under a scenario
    L' y, solved from L y (Woodbury) or by GMRES."""
    if scenario is None:
        return right(dataset, year, y[:, None])[:, 0]
    return scenario.output(y, ly=outputs(dataset, year, y) if scenario.method == "woodbury" else None)


def footprint(dataset, year: int, s: np.ndarray, y: np.ndarray, scenario=None) -> float:
    """F = s L y (s L' y under a scenario) from the cheaper side: M's row, L's rows where s is not zero, or
    its columns where y is not zero."""
    m = _stored_multipliers(dataset, year, s)
    if m is None and _rows_cost(s) <= _rows_cost(y):
        m = left(dataset, year, s[:, None])[0]
    if m is None:
        return float(s @ outputs(dataset, year, y, scenario))
    return float((m if scenario is None else scenario.multipliers(s, m)) @ y)


def _named_rows(values: np.ndarray, tree, top: int, other_name: str) -> list[dict]:
    """The top groups by size (ties in axis order) and one row summing the rest; zero groups left out."""
    codes = tree.leaf_codes()
    present = np.flatnonzero(values)
    order = present[np.lexsort((present, -np.abs(values[present])))]
    rows = []
    for k in order[:top]:
        node = tree[codes[k]]
        rows.append({"code": node.code, "name": node.name, "level": node.level, "value": float(values[k])})
    if len(order) > top:
        rows.append({"code": OTHER, "name": f"{other_name} ({len(order) - top})", "level": 1,
                     "value": float(values[order[top:]].sum())})
    return rows


def layers(dataset, year: int, s_o, y, tiers: int, by: str, top: int = 10, ly=None,
           progress=lambda _: None, scenario=None) -> dict:
    """Tier k = s_o A^k y for k < tiers (0: the final producers' own impacts), each by origin region or
    product, and the remainder F - sum of tiers (the deeper tiers together). ly: L y when the caller has it.
    Under a scenario (a ScenarioSystem; y is then its y') the changed system's: s_o A'^k y' and F'."""
    tiers = _whole("tiers", tiers, 1, MAX_TIERS)
    top = _whole("top", top, 1, MAX_TOP)
    if by not in BY:
        raise QueryError("by", by, f"by must be one of {', '.join(BY)}")
    s, y = _vectors(dataset, s_o, y)
    total = _footprint(s @ np.asarray(ly, dtype=np.float64) if ly is not None
                       else footprint(dataset, year, s, y, scenario))
    A = Coefficients(dataset.technical_coefficients(year), scenario)
    shape = (dataset.regions.size, dataset.products.size)
    tree, axis, other = ((dataset.regions, 1, "Other regions") if by == "origin-region"
                         else (dataset.products, 0, "Other products"))
    out, v, summed = [], y, 0.0
    for k in range(tiers):
        progress(f"tier {k} of {tiers - 1}")
        if k:
            v = A.times(v)
        cells = s * v
        value = float(cells.sum())
        summed += value
        out.append({"tier": k, "value": value,
                    "rows": _named_rows(cells.reshape(shape).sum(axis=axis), tree, top, other)})
    return {"total": total, "layers": out, "remainder": total - summed}


def _namer(dataset):
    """cell -> {"region", "product"}: its leaf codes."""
    regions, products = dataset.regions.leaf_codes(), dataset.products.leaf_codes()
    n_products = len(products)
    return lambda k: {"region": regions[k // n_products], "product": products[k % n_products]}


def _strong_edges(A: Coefficients, order, bound, m: np.ndarray, ly: np.ndarray, floor: float):
    """The coefficients A_ij with m_i A_ij (L y)_j at least the floor: for s, A >= 0 no path through any
    other coefficient is worth as much (its flow into j is at most (L y)_j, its value at most m_i times
    the flow into i). Only rows whose bound reaches the floor are read."""
    row, widen = A.row, 1 + search.SLACK
    kept = []
    for i in order[:int(np.count_nonzero(bound[order] * widen >= floor))].tolist():
        cols, a = row(i)
        keep = np.flatnonzero(a * ly[cols] * (m[i] * widen) >= floor)
        if len(keep):
            kept.append((np.full(len(keep), i), cols[keep], a[keep]))
    rows, cols, a = (np.concatenate([k[j] for k in kept]) if kept else np.empty(0) for j in range(3))
    return rows.astype(np.intp), cols.astype(np.intp), a


def paths(dataset, year: int, s_o, y, count: int = 100, depth: int = 8, threshold: float = 1e-4,
          node_limit: int = 2_000_000, ly=None, progress=lambda _: None, scenario=None) -> dict:
    """The count largest paths s_{i_t} A_{i_t i_(t-1)} ... A_{i_1 i_0} y_{i_0} worth at least threshold x F,
    up to depth stages above the final producer, by a best-first search (see paths.search). Exact (the
    same list as an enumeration of every path) when s_o and A have no negative entries; "exact" says
    whether they had none. Final demand below zero starts no path (such chains are worth less than zero).
    Under a scenario (y is then its y') the paths run over A', bounded by m' = s L' and L' y'."""
    count = _whole("count", count, 1, MAX_COUNT)
    depth = _whole("depth", depth, 0, MAX_DEPTH)
    threshold = _threshold(threshold)
    node_limit = _whole("node_limit", node_limit, 1, MAX_NODES)
    s, y = _vectors(dataset, s_o, y)
    m = multipliers(dataset, year, s, scenario)
    total = _footprint(m @ y)
    if total < 0:
        raise QueryError("selection", total, "the footprint of the selection is below zero: paths rank chains "
                         "by their positive value")
    positive = np.maximum(y, 0.0)
    if ly is None or (y < 0).any():
        ly = outputs(dataset, year, positive, scenario)  # no path carries more than L y+ into a cell
    ly = np.asarray(ly, dtype=np.float64)
    A = Coefficients(dataset.technical_coefficients(year), scenario)
    order, bound = A.row_bounds(m, ly)
    # Rounds from a high floor down: a round that finds count paths worth at least its floor is exact
    # (every path worth as much as the count-th is found with the coefficients above that floor); the
    # last floor, threshold x F or the count-th largest value of a path of stage 0 alone, is always safe.
    own = np.sort((s * positive)[s * positive > 0])
    low = max(threshold * total, own[-count] if len(own) >= count else 0.0)
    floor, expanded = max(low, total / count / ROUND), 0
    while True:
        rows, cols, a = _strong_edges(A, order, bound, m, ly, floor)
        found, used, stopped = search.search(len(s), rows, cols, a, s, m, positive, count, depth, floor,
                                             node_limit - expanded)
        expanded += used
        progress(f"{len(found)} paths found, {expanded:,} nodes expanded")
        if stopped or len(found) >= count or floor <= low:
            break
        floor = max(low, floor / ROUND)
    cell = _namer(dataset)
    out = [{"value": value, "share": value / total, "upstream": float(m[cells[-1]] * q),
            "stages": [cell(k) for k in cells]} for value, cells, q in found]
    return {"total": total, "coverage": sum(p["value"] for p in out) / total, "expanded": expanded,
            "stopped_by_limit": stopped, "exact": not A.negative and bool((s >= 0).all()), "paths": out}


def _top_order(size: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Positions by size descending, ties by the keys in turn (ascending)."""
    return np.lexsort(tuple(reversed(keys)) + (-size,))


def _top_cells(A: Coefficients, m: np.ndarray, ly: np.ndarray, top: int):
    """The top non-zero e_ij = A_ij m_i (L y)_j by size, ties by (i, j): (rows, columns, e). Rows are read
    in the order of their bound until it falls below the top-th size found."""
    order, bound = A.row_bounds(m, ly)
    row, widen = A.row, 1 + search.SLACK
    kept = [(np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0))]

    def reduce() -> float:
        rows, cols, e = (np.concatenate([k[j] for k in kept]) for j in range(3))
        best = _top_order(np.abs(e), rows, cols)[:top]
        kept[:] = [(rows[best], cols[best], e[best])]
        return abs(e[best[-1]]) if len(best) >= top else 0.0

    bar, waiting = 0.0, 0
    for step, i in enumerate(order.tolist()):
        if bound[i] * widen < bar:
            break
        cols, a = row(i)
        v = a * ly[cols] * m[i]
        keep = np.flatnonzero((np.abs(v) >= bar) & (v != 0))
        if len(keep):
            kept.append((np.full(len(keep), i), cols[keep], v[keep]))
            waiting += len(keep)
        if waiting > 4 * top + 4096 or (waiting and step % 64 == 63):
            bar, waiting = reduce(), 0
    reduce()
    return kept[0]


def sensitivity(dataset, year: int, s_o, y, top: int = 50, ly=None, scenario=None) -> dict:
    """Elasticities of F: to each non-zero A_ij, A_ij m_i (L y)_j / F, and to each intensity s_i of s_o,
    s_i (L y)_i / F; the top ones by size (ties by position). Origin i supplies consumer j. Under a
    scenario (y is then its y') those of F' = s L' y', with A', m' = s L' and L' y'."""
    top = _whole("top", top, 1, MAX_TOP)
    s, y = _vectors(dataset, s_o, y)
    ly = outputs(dataset, year, y, scenario) if ly is None else np.asarray(ly, dtype=np.float64)
    total = _footprint(s @ ly)
    m = multipliers(dataset, year, s, scenario)
    A = Coefficients(dataset.technical_coefficients(year), scenario)
    rows, cols, e = _top_cells(A, m, ly, top)
    cell = _namer(dataset)
    cells = [{"origin": cell(i), "consumer": cell(j), "elasticity": float(v / total)}
             for i, j, v in zip(rows, cols, e)]
    ei = s * ly
    present = np.flatnonzero(ei)
    order = present[_top_order(np.abs(ei[present]), present)][:top]
    intensities = [{**cell(i), "elasticity": float(ei[i] / total)} for i in order]
    return {"total": total, "cells": cells, "intensities": intensities}
