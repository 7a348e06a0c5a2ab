"""Best-first search for the largest structural paths of a footprint over a set of coefficients of A.

A node is a chain i_0 <- i_1 <- ... <- i_t (i_0 produces the final product, i_t is where the impact
occurs) with flow q = A_{i_t i_(t-1)} ... A_{i_1 i_0} y_{i_0}; its own path value is s_{i_t} q and no path
through it is worth more than m_{i_t} q (m = s L: its whole upstream total, exact for s, A >= 0).

The children of a node are the suppliers i of its sector j (A's column j), ranked once per column by
m_i A_ij. The frontier holds one slot per opened column, the best child not yet taken: taking it puts
its next sibling in its place, so a column of thousands of suppliers costs two heap pushes per child
actually visited. The search stops when the best slot cannot reach the count-th best value found or
the floor (threshold x F): every path not visited lies below a slot, and is worth at most its bound.
"""

from __future__ import annotations

import heapq
from array import array

import numpy as np

SLACK = 1e-9  # bounds are widened by this share: rounding never prunes a path that ties or beats the cut


def columns(n: int, rows: np.ndarray, cols: np.ndarray, a: np.ndarray, m: np.ndarray, y: np.ndarray):
    """Column pointers and (supplier, coefficient, bound per unit of flow) sorted by column, then bound
    descending, then supplier; column n holds the start cells (y > 0) as children of a virtual root."""
    starts = np.flatnonzero(y > 0)
    rows = np.concatenate([rows, starts])
    cols = np.concatenate([cols, np.full(len(starts), n, dtype=np.intp)])
    a = np.concatenate([a, y[starts]])
    bound = m[rows] * a
    order = np.lexsort((rows, -bound, cols))
    pointers = np.searchsorted(cols[order], np.arange(n + 2))
    return pointers, rows[order], a[order], bound[order]


def search(n: int, rows, cols, a, s: np.ndarray, m: np.ndarray, y: np.ndarray, count: int, depth: int,
           floor: float, node_limit: int) -> tuple[list[tuple[float, tuple[int, ...], float]], int, bool]:
    """The count largest path values of at least floor (ties by their cells, stage 0 first) over the
    coefficients A_ij given as (rows i, cols j, a); returns [(value, cells, flow at the last cell)], the
    nodes taken off the frontier, and whether node_limit stopped the search first."""
    pointers, suppliers, coefficients, bounds = columns(n, rows, cols, a, m, y)
    slots = n + 1  # a slot (parent node p, rank r < n + 1) is the single int (p + 1) * slots + r
    cache: dict[int, tuple[list, list, list]] = {}

    def column(j: int):
        got = cache.get(j)
        if got is None:
            lo, hi = pointers[j], pointers[j + 1]
            got = cache[j] = (suppliers[lo:hi].tolist(), coefficients[lo:hi].tolist(), bounds[lo:hi].tolist())
        return got

    intensity = s.tolist()
    parent, cell, flow, level = array("q"), array("q"), array("d"), array("b")
    best: list[float] = []  # min-heap of the count largest values found
    found: list[tuple[float, int]] = []  # (value, node) of every value that was at least the cut when found
    widen = 1 + SLACK
    heap: list[tuple[float, int]] = []
    first = column(n)
    if first[0] and first[2][0] * widen >= floor:
        heap.append((-first[2][0], 0))
    expanded, stopped, cut = 0, False, floor
    while heap:
        bound, slot = heap[0]
        if -bound * widen < cut:
            break
        if expanded >= node_limit:
            stopped = True
            break
        heapq.heappop(heap)
        expanded += 1
        p, r = slot // slots - 1, slot % slots
        suppliers_p, coefficients_p, bounds_p = column(cell[p] if p >= 0 else n)
        q_p = flow[p] if p >= 0 else 1.0
        if r + 1 < len(suppliers_p) and bounds_p[r + 1] * q_p * widen >= cut:
            heapq.heappush(heap, (-(bounds_p[r + 1] * q_p), slot + 1))
        i = suppliers_p[r]
        q = coefficients_p[r] * q_p
        value = intensity[i] * q
        node = -1
        if value >= cut:
            node = len(cell)
            parent.append(p), cell.append(i), flow.append(q), level.append(level[p] + 1 if p >= 0 else 0)
            found.append((value, node))
            if len(best) < count:
                heapq.heappush(best, value)
            elif value > best[0]:
                heapq.heapreplace(best, value)
            if len(best) == count and best[0] > cut:
                cut = best[0]
                if len(found) > 4 * count + 4096:
                    found = [f for f in found if f[0] >= cut]
        stage = level[p] + 1 if p >= 0 else 0
        if stage < depth:
            bounds_i = column(i)[2]
            if bounds_i and bounds_i[0] * q * widen >= cut:
                if node < 0:
                    node = len(cell)
                    parent.append(p), cell.append(i), flow.append(q), level.append(stage)
                heapq.heappush(heap, (-(bounds_i[0] * q), (node + 1) * slots))
    kept = []
    for value, node in found:
        if value >= cut:
            chain, k = [], node
            while k >= 0:
                chain.append(cell[k])
                k = parent[k]
            kept.append((value, tuple(reversed(chain)), flow[node]))
    kept.sort(key=lambda f: (-f[0], f[1]))
    return kept[:count], expanded, stopped
