"""Sums of F[i, j, c] = s_i L_ij Y_jc over groups of the four axes, with at most one pass over L.

An origin cell i is a (region, product) of production, j a (region, product) of final output, c a
consumer region. Each axis comes as groups of its leaves (a 0/1 matrix, leaves x groups); at most
two axes have more than one group. The result has one entry per combination of groups.
L Y (n x consumer regions, stored per year) and M = s L answer everything that needs no subset of
L's columns together with a subset of its rows; anything else costs one product with L, taken on
the smallest side: rows of L gathered for a few origin cells, rows of L^T for a few final cells.
"""

from __future__ import annotations

import numpy as np

AXES = ("origin-region", "origin-product", "consumer-region", "final-product")
CHUNK = 512  # rows of L or L^T gathered at once: 40 MB at EXIOBASE's size
FULL_SHARE = 0.4  # above this share of rows, one pass over all of L beats a gather


def group_matrix(groups: list[np.ndarray], size: int) -> np.ndarray:
    """leaves x groups, 1 where a leaf belongs to a group."""
    out = np.zeros((size, len(groups)))
    for k, leaves in enumerate(groups):
        out[leaves, k] = 1.0
    return out


def _rows(weights: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.any(weights != 0, axis=1))


def _cost(rows: np.ndarray, n: int, vectors: int) -> float:
    return (n if len(rows) > FULL_SHARE * n else len(rows)) * vectors


def left(dataset, year: int, W: np.ndarray) -> np.ndarray:
    """W^T L (vectors x n) for origin weights W (n x vectors), gathering L's rows where W is not zero."""
    L = dataset.array(year, "L")
    n = L.shape[0]
    rows = _rows(W)
    if len(rows) > FULL_SHARE * n:
        return np.asarray(W.T @ L)
    out = np.zeros((W.shape[1], n))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        out += W[chunk].T @ L[chunk]
    return out


def right(dataset, year: int, V: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """L V (n x vectors) for final weights V, gathering rows of L^T (L's columns) where V is not zero."""
    L = dataset.array(year, "L")
    n = L.shape[0]
    rows = _rows(V) if rows is None else rows
    if len(rows) > FULL_SHARE * n:
        return np.asarray(L @ V)
    LT = dataset.array(year, "LT") if dataset.has_array(year, "LT") else None
    out = np.zeros((n, V.shape[1]))
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        block = LT[chunk] if LT is not None else np.asarray(L[:, chunk]).T
        out += block.T @ V[chunk]
    return out


class System:
    """The dataset's own system: L through its stored products (L Y, M = S L, x) and gathers of L."""

    def __init__(self, dataset, year: int):
        self.dataset, self.year = dataset, year

    def Y(self) -> np.ndarray:
        return self.dataset.array(self.year, "Y")

    def LY(self) -> np.ndarray:
        return self.dataset.leontief_demand(self.year)

    def M(self, row: int) -> np.ndarray:
        return np.asarray(self.dataset.array(self.year, "M")[row])

    def x(self) -> np.ndarray:
        return np.asarray(self.dataset.array(self.year, "x"))

    def left(self, W: np.ndarray) -> np.ndarray:
        return left(self.dataset, self.year, W)

    def right(self, V: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        return right(self.dataset, self.year, V, rows)


class ChangedSystem(System):
    """A scenario's A' and Y' (a ScenarioSystem): every product with L' = (I - A')^-1 is a solve started
    from the baseline's product with L (Woodbury), checked by its residual against A' itself."""

    def __init__(self, dataset, year: int, scenario):
        super().__init__(dataset, year)
        self.scenario = scenario
        self._ly = self._x = None
        self._m: dict[int, np.ndarray] = {}

    def Y(self) -> np.ndarray:
        return self.scenario.Y

    def LY(self) -> np.ndarray:
        """L' Y' by consumer region, from L Y and L (Y' - Y) (non-zero only where final demand changed)."""
        if self._ly is None:
            Y1, fd_rows = np.asarray(self.scenario.Y), self.scenario.fd_rows
            ly = np.array(super().LY())
            if len(fd_rows):
                ly += super().right(Y1 - np.asarray(super().Y()), fd_rows)
            self._ly = self.scenario.outputs(Y1, ly)
        return self._ly

    def M(self, row: int) -> np.ndarray:
        if row not in self._m:
            s = np.asarray(self.dataset.array(self.year, "S")[row])
            self._m[row] = self.scenario.multipliers(s, super().M(row))
        return self._m[row]

    def x(self) -> np.ndarray:
        if self._x is None:
            self._x = self.scenario.output(np.asarray(self.scenario.Y).sum(axis=1), super().x())
        return self._x

    def left(self, W: np.ndarray) -> np.ndarray:
        base = super().left(W)
        return np.vstack([self.scenario.multipliers(W[:, k], base[k]) for k in range(W.shape[1])])

    def right(self, V: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        return self.scenario.outputs(V, super().right(V, rows))


def _times_groups(M, C: np.ndarray) -> np.ndarray:
    """M C for a group matrix C (columns of M x groups): only M's columns in some group are read, so a
    few consumer regions cost a gather rather than a pass over all of M (n x consumer regions)."""
    cols = np.flatnonzero(np.any(C != 0, axis=1))
    if len(cols) * 4 < C.shape[0]:
        return np.asarray(M[:, cols] @ C[cols])
    return np.asarray(M @ C)


def _l_times_final(system: System, C: np.ndarray, fp: np.ndarray, fp_all: bool) -> np.ndarray:
    """L V for V[j, (h, f)] = (Y C)[j, h] fp[product of j, f]: from L Y alone when every final product
    counts, else from the columns of L in the final products or, when fewer, those outside them
    (L V = L Y C - L (V_all - V))."""
    LY = system.LY()
    n, n_products = LY.shape[0], fp.shape[0]
    LYC = _times_groups(LY, C)  # n x h
    k_h, k_f = C.shape[1], fp.shape[1]
    if fp_all:
        return np.repeat(LYC, k_f, axis=1) if k_f > 1 else LYC
    YC = _times_groups(system.Y(), C)  # n x h
    cell_fp = np.tile(fp, (n // n_products, 1))  # n x f
    V = (YC[:, :, None] * cell_fp[:, None, :]).reshape(n, k_h * k_f)
    outside = (YC[:, :, None] * (1.0 - cell_fp)[:, None, :]).reshape(n, k_h * k_f)
    inside_rows, outside_rows = _rows(V), _rows(outside)
    if len(outside_rows) < len(inside_rows):
        return np.repeat(LYC, k_f, axis=1) - system.right(outside, outside_rows)
    return system.right(V, inside_rows)


def flow_sums(dataset, year: int, row: int, groups: dict[str, list[np.ndarray]],
              system: System | None = None) -> np.ndarray:
    """Sum of s_i L_ij Y_jc per combination of groups: an array (origin regions, origin products,
    consumer regions, final products), one entry per group of each axis. With a ChangedSystem, the
    same sums of s_i L'_ij Y'_jc under a scenario."""
    system = System(dataset, year) if system is None else system
    n_regions, n_products = dataset.regions.size, dataset.products.size
    G = {axis: group_matrix(groups[axis], n_regions if "region" in axis else n_products) for axis in AXES}
    g_or, g_op, g_cr, g_fp = (G[a] for a in AXES)
    k = [m.shape[1] for m in (g_or, g_op, g_cr, g_fp)]
    s = np.asarray(dataset.array(year, "S")[row])
    origin_all = k[0] == k[1] == 1 and g_or.all() and g_op.all()
    fp_all = k[3] == 1 and g_fp.all()
    if k[2] * k[3] == 1:
        # one final-demand vector: L v from L Y, from x, or one product with L
        if fp_all and g_cr.all():
            g = system.x()  # the dataset's own output, as production views use
        else:
            g = _l_times_final(system, g_cr, g_fp, fp_all)[:, 0]
        u = (s * g).reshape(n_regions, n_products)
        return (g_or.T @ u @ g_op)[:, :, None, None]
    if k[0] * k[1] == 1:
        # one origin vector: its multipliers m = w L, from M or one product with L
        if origin_all:
            m = system.M(row)
        else:
            w = s * np.kron(g_or[:, 0], g_op[:, 0])
            m = system.left(w[:, None])[0]
        # summed over the final good's producing region first: products x consumer regions
        by_product = (m[:, None] * system.Y()).reshape(n_regions, n_products, -1).sum(axis=0)
        return (g_fp.T @ by_product @ g_cr).T[None, None, :, :]
    # one origin axis against one final-demand axis
    n = n_regions * n_products
    if fp_all:
        # the bilateral case: s L Y by origin cell and consumer region, from L Y alone
        T = _by_origin(s, system.LY(), g_or, g_op) @ g_cr
        return T.reshape(k)
    W = s[:, None] * np.kron(g_or, g_op)  # n x origin groups
    fp_cells = n_regions * int(g_fp.any(axis=1).sum())
    right_rows = fp_cells if k[3] > 1 else min(fp_cells, n - fp_cells)
    if _cost(_rows(W), n, W.shape[1]) >= _cost(np.arange(right_rows), n, k[2] * k[3]):
        T = _by_origin(s, _l_times_final(system, g_cr, g_fp, False), g_or, g_op)
    else:
        Z = system.left(W)  # origin groups x n
        Y = system.Y()
        if k[3] == 1:
            T = (Z * np.tile(g_fp[:, 0], n_regions)) @ Y @ g_cr
        else:
            T = (Z * np.asarray(Y @ g_cr[:, 0])).reshape(-1, n_regions, n_products).sum(axis=1) @ g_fp
    return T.reshape(k)


def _by_origin(s: np.ndarray, u: np.ndarray, g_or: np.ndarray, g_op: np.ndarray) -> np.ndarray:
    """Cell rows s_i u[i] (u n x b) summed into origin groups (one axis has a single group): groups x b, in
    one pass over u with no n x b product in memory (at GLORIA's size, L Y is 26 MB)."""
    n_regions, n_products = g_or.shape[0], g_op.shape[0]
    u3 = np.asarray(u).reshape(n_regions, n_products, -1)
    s2 = s.reshape(n_regions, n_products)
    if g_op.shape[1] == 1:
        return g_or.T @ np.einsum("rpb,rp->rb", u3, s2 * g_op[:, 0])
    return g_op.T @ np.einsum("rpb,rp->pb", u3, s2 * g_or[:, 0][:, None])
