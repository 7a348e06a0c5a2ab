"""Counterfactual scenarios: interventions on A and Y, solved with the baseline L instead of a new inverse.

A scenario changes A into A' = A + dA, where dA lives on a block R x C (rows: origin regions x supplied
products; columns: consumer regions x consuming products), and Y into Y'. With L = (I - A)^-1,
Woodbury's identity gives (I - A')^-1 from L's rows C and columns R and one small dense solve, so a
few interventions cost milliseconds. A change of high rank (say all of A) is solved by GMRES with L as
preconditioner instead. Either way the answer is checked by its residual against A' itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.sparse
from scipy.sparse.linalg import LinearOperator, gmres

from .errors import QueryError
from .interventions import FINAL_DEMAND

# Woodbury below this rank (its dense solve is rank^3); GMRES above
WOODBURY_MAX_RANK = 2000
TOLERANCE = 1e-11  # largest residual allowed, relative to the largest right-hand side entry
MAX_REFINEMENTS = 20


class ScenarioError(QueryError):
    """A scenario whose changed system has no valid solution."""


def cell_indices(dataset, region: str, product: str) -> np.ndarray:
    """Positions, in A's region-major order, of every leaf product of `product` in every leaf region of `region`."""
    n_products = dataset.products.size
    regions, products = dataset.regions[region].leaves, dataset.products[product].leaves
    return np.sort((regions[:, None] * n_products + products[None, :]).ravel())


class ScenarioSystem:
    """The changed system A', Y' of one year, and solvers for the vectors the views need."""

    def __init__(self, dataset, year: int, interventions, progress: Callable[[str], None] = lambda _: None):
        self.dataset, self.year, self.progress = dataset, year, progress
        # A as stored: CSR where sparse, else the dense map; its blocks and the residual checks read it
        self.A_op = dataset.technical_coefficients(year)
        self.L = dataset.array(year, "L")
        self.LT = dataset.array(year, "LT") if dataset.has_array(year, "LT") else None
        self.n = self.A_op.shape[0]
        self._columns: dict[bytes, np.ndarray] = {}  # columns of L (rows of L^T) by their positions
        self._rows: dict[bytes, np.ndarray] = {}  # rows of L by their positions
        on_a = [(cell_indices(dataset, iv.origin, iv.product), cell_indices(dataset, iv.consumer_region, iv.consumer),
                 iv.factor)
                for iv in interventions if iv.consumer != FINAL_DEMAND]
        on_y = [(cell_indices(dataset, iv.origin, iv.product), dataset.regions[iv.consumer_region].leaves, iv.factor)
                for iv in interventions if iv.consumer == FINAL_DEMAND]
        self.Y = dataset.array(year, "Y")
        if on_y:
            self.Y = np.array(self.Y)
            for rows, cols, factor in on_y:
                self.Y[np.ix_(rows, cols)] *= factor  # in the order given, so changes compound
        self.fd_rows = np.unique(np.concatenate([rows for rows, _, _ in on_y])) if on_y else np.array([], int)
        self.R = np.unique(np.concatenate([r for r, _, _ in on_a])) if on_a else np.array([], int)
        self.C = np.unique(np.concatenate([c for _, c, _ in on_a])) if on_a else np.array([], int)
        self.D = np.zeros((len(self.R), len(self.C)))
        if on_a and scipy.sparse.issparse(self.A_op) and min(len(self.R), len(self.C)) > WOODBURY_MAX_RANK:
            self.D = self._sparse_change(on_a)  # a wide change of a sparse A: only A's non-zeros change
        elif on_a:
            factors = np.ones_like(self.D)
            for rows, cols, factor in on_a:
                factors[np.ix_(np.searchsorted(self.R, rows), np.searchsorted(self.C, cols))] *= factor
            block = self._block(self.R, self.C)
            factors -= 1.0
            self.D = block * factors  # dA on the block R x C
            # rows and columns that no intervention actually changes add rank but nothing else
            keep_r, keep_c = np.any(self.D != 0, axis=1), np.any(self.D != 0, axis=0)
            self.R, self.C, self.D = self.R[keep_r], self.C[keep_c], self.D[np.ix_(keep_r, keep_c)]
        values = self.D.data if scipy.sparse.issparse(self.D) else self.D
        if not np.isfinite(values).all() or not np.isfinite(np.asarray(self.Y)).all():
            raise ScenarioError("interventions", None, "the scenario produces non-finite coefficients")
        self.rank = min(len(self.R), len(self.C))
        if scipy.sparse.issparse(self.D) and self.rank <= WOODBURY_MAX_RANK:
            self.D = self.D.toarray()  # few rows or columns were left changed: Woodbury's dense algebra
        self.method = "woodbury" if self.rank <= WOODBURY_MAX_RANK else "gmres"
        self.iterations = 0
        if self.rank and self.method == "woodbury":
            self._factor()
        self._check_valid()

    def _sparse_change(self, on_a) -> scipy.sparse.csr_matrix:
        """dA on the block R x C as CSR, from the stored non-zeros of A[R][:, C] alone: a change of every cell
        of a 9,800-sector A then holds A's non-zeros (a third of them at EXIOBASE's density), not a dense
        n x n block and its factors (three of 768 MB). Rows and columns left unchanged are dropped."""
        block = self.A_op[self.R][:, self.C].tocoo()
        factors = np.ones_like(block.data)
        for rows, cols, factor in on_a:
            in_rows, in_cols = np.zeros(len(self.R), bool), np.zeros(len(self.C), bool)
            in_rows[np.searchsorted(self.R, rows)] = True
            in_cols[np.searchsorted(self.C, cols)] = True
            factors[in_rows[block.row] & in_cols[block.col]] *= factor  # in the order given: changes compound
        D = scipy.sparse.csr_matrix((block.data * (factors - 1.0), (block.row, block.col)), shape=block.shape)
        D.eliminate_zeros()
        keep_r, keep_c = D.getnnz(axis=1) > 0, D.getnnz(axis=0) > 0
        self.R, self.C = self.R[keep_r], self.C[keep_c]
        return D[keep_r][:, keep_c].tocsr()

    def _block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """A[rows, cols] as a dense array, reading as little of A as its storage allows."""
        if scipy.sparse.issparse(self.A_op):
            return self.A_op[rows][:, cols].toarray()  # CSR: the rows, then their columns
        if len(rows) <= len(cols):
            return np.asarray(self.A_op[rows])[:, cols]
        return np.asarray(self.A_op[:, cols])[rows]

    # --- pieces of L -------------------------------------------------------------------------
    @staticmethod
    def _gathered(cache: dict, matrix, rows: np.ndarray) -> np.ndarray:
        """matrix[rows], read once: the same rows serve the validity check and the view."""
        key = rows.tobytes()
        if key not in cache:
            cache[key] = np.asarray(matrix[rows])
        return cache[key]

    def _l_block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """L[rows][:, cols], from the smaller side: L's columns (cached) or its rows."""
        if len(cols) <= len(rows):
            return self._l_columns(cols)[rows]
        return np.asarray(self.L[rows])[:, cols]

    def _times_l(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """values @ L[rows]: those rows gathered (once) when few, else one pass over L, so that a change of
        many columns never copies most of L into memory."""
        if len(rows) <= self.n // 8:
            return values @ self._gathered(self._rows, self.L, rows)
        full = np.zeros(self.n)
        full[rows] = values
        return full @ self.L

    def _l_times(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """L[:, rows] @ values, from L's transpose when few columns are needed."""
        if len(rows) == 0:
            return np.zeros(self.n)
        if self.LT is not None and len(rows) <= self.n // 8:
            return values @ self._gathered(self._columns, self.LT, rows)
        full = np.zeros(self.n)
        full[rows] = values
        return self.L @ full

    # --- the change dA = E_R D E_C^T ------------------------------------------------------------
    def _da_times(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n)
        if len(self.R):
            out[self.R] = self.D @ x[self.C]
        return out

    def _times_da(self, m: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n)
        if len(self.R):
            out[self.C] = m[self.R] @ self.D
        return out

    def changed_times(self, v: np.ndarray) -> np.ndarray:
        """A' v = A v + dA v: the stored A's product and the change's, no copy of A."""
        return np.asarray(self.A_op @ v) + self._da_times(v)

    def changed_rows(self) -> scipy.sparse.csr_matrix:
        """Rows R of A' = A + dA (len(R) x n, CSR without stored zeros): the only rows the scenario changes,
        so that a reader of A' row by row takes these and the stored A's others."""
        n_rows, n_cols = len(self.R), len(self.C)
        base = self.A_op[self.R] if scipy.sparse.issparse(self.A_op) else np.asarray(self.A_op[self.R])
        if scipy.sparse.issparse(self.D):
            coo = self.D.tocoo()
            change = scipy.sparse.csr_matrix((coo.data, (coo.row, self.C[coo.col])), shape=(n_rows, self.n))
        else:
            change = scipy.sparse.csr_matrix((self.D.ravel(), (np.repeat(np.arange(n_rows), n_cols),
                                                               np.tile(self.C, n_rows))), shape=(n_rows, self.n))
        rows = scipy.sparse.csr_matrix(scipy.sparse.csr_matrix(base) + change)
        rows.eliminate_zeros()
        rows.sort_indices()
        return rows

    def output_residual(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """max |y - (I - A') x| / max |y|."""
        r = y - (x - self.A_op @ x - self._da_times(x))
        return float(np.abs(r).max() / max(np.abs(y).max(), 1e-300)), r

    def multiplier_residual(self, m: np.ndarray, s: np.ndarray) -> tuple[float, np.ndarray]:
        """max |s - m (I - A')| / max |s|."""
        r = s - (m - m @ self.A_op - self._times_da(m))
        return float(np.abs(r).max() / max(np.abs(s).max(), 1e-300)), r

    # --- Woodbury ----------------------------------------------------------------------------
    def _factor(self) -> None:
        self.progress(f"Woodbury update of rank {self.rank}")
        L_CR = self._l_block(self.C, self.R)
        self.col_form = len(self.C) <= len(self.R)
        k = len(self.C) if self.col_form else len(self.R)
        K = np.eye(k) - (L_CR @ self.D if self.col_form else self.D @ L_CR)
        if not np.isfinite(K).all():
            raise ScenarioError("interventions", None, "the scenario produces non-finite coefficients")
        self.K = scipy.linalg.lu_factor(K, check_finite=False)
        if np.min(np.abs(np.diag(self.K[0]))) < 1e-14 * max(1.0, np.abs(K).max()):
            raise ScenarioError("interventions", None,
                                "the changed system I - A' is singular: it has no solution")

    def _woodbury_right(self, w0: np.ndarray) -> np.ndarray:
        """(I - A')^-1 y from w0 = L y."""
        if not self.rank:
            return w0
        if self.col_form:
            z = scipy.linalg.lu_solve(self.K, w0[self.C])
            return w0 + self._l_times(self.R, self.D @ z)
        z = scipy.linalg.lu_solve(self.K, self.D @ w0[self.C])
        return w0 + self._l_times(self.R, z)

    def _woodbury_left(self, m0: np.ndarray) -> np.ndarray:
        """s (I - A')^-1 from m0 = s L."""
        if not self.rank:
            return m0
        if self.col_form:
            w = scipy.linalg.lu_solve(self.K, m0[self.R] @ self.D, trans=1)
            return m0 + self._times_l(self.C, w)
        w = scipy.linalg.lu_solve(self.K, m0[self.R], trans=1)
        return m0 + self._times_l(self.C, w @ self.D)

    # --- GMRES with L as right preconditioner -------------------------------------------------
    def _gmres(self, matvec, b: np.ndarray, what: str) -> np.ndarray:
        operator = LinearOperator((self.n, self.n), matvec=matvec, dtype=np.float64)
        count = [0]

        def callback(residual):
            count[0] += 1
            if count[0] % 5 == 0:
                self.progress(f"{what}: iteration {count[0]}, residual {residual:.1e}")

        z, info = gmres(operator, b, x0=b.copy(), rtol=TOLERANCE / 10, atol=0.0, restart=60, maxiter=20,
                        callback=callback, callback_type="pr_norm")
        self.iterations += count[0]
        if info < 0 or not np.isfinite(z).all():
            raise ScenarioError("interventions", None, "the changed system could not be solved")
        return z

    # --- what the views need -------------------------------------------------------------------
    def output(self, y: np.ndarray, baseline_x: np.ndarray | None = None,
               ly: np.ndarray | None = None) -> np.ndarray:
        """x' solving (I - A') x' = y, refined until its residual is below the tolerance; `ly` = L y when
        the caller has it (Woodbury then starts from it instead of a product with L)."""
        y = np.asarray(y, dtype=np.float64)
        if self.method == "woodbury":
            solve = lambda rhs: self._woodbury_right(self.L @ rhs)  # noqa: E731
            if ly is not None:
                x = self._woodbury_right(np.asarray(ly, dtype=np.float64))
            elif baseline_x is not None:
                # L y' = x + L dy, with dy only on the rows final-demand interventions touched
                base = np.asarray(self.dataset.array(self.year, "Y")).sum(axis=1)
                w0 = baseline_x + self._l_times(self.fd_rows, (y - base)[self.fd_rows])
                x = self._woodbury_right(w0)
            else:
                x = solve(y)
        else:
            def matvec(z):
                return z - self._da_times(self.L @ z)

            solve = lambda rhs: self.L @ self._gmres(matvec, rhs, "output")  # noqa: E731
            x = solve(y)
        return self._refine(x, y, self.output_residual, solve, "output")

    def outputs(self, Y: np.ndarray, LY: np.ndarray) -> np.ndarray:
        """X' solving (I - A') X' = Y column by column, from LY = L Y: one Woodbury update and one residual
        check for every column at once; a column whose residual is too large is refined on its own."""
        Y = np.asarray(Y, dtype=np.float64)
        if self.method != "woodbury":
            return np.column_stack([self.output(Y[:, c]) for c in range(Y.shape[1])])
        X = np.array(LY, dtype=np.float64)
        if self.rank:
            XC = X[self.C]
            Z = self.D @ scipy.linalg.lu_solve(self.K, XC) if self.col_form else \
                scipy.linalg.lu_solve(self.K, self.D @ XC)
            X += self._l_columns(self.R) @ Z
        dA_X = np.zeros_like(X)
        if len(self.R):
            dA_X[self.R] = self.D @ X[self.C]
        if not np.isfinite(X).all():
            raise ScenarioError("interventions", None, "the scenario produces non-finite results")
        R = Y - (X - self.A_op @ X - dA_X)
        errors = np.abs(R).max(axis=0) / np.maximum(np.abs(Y).max(axis=0), 1e-300)
        for c in np.flatnonzero(errors > TOLERANCE):
            X[:, c] = self.output(Y[:, c], ly=LY[:, c])
        self.progress(f"outputs: {Y.shape[1]} columns, largest residual {errors.max(initial=0.0):.1e}")
        return X

    def _l_columns(self, rows: np.ndarray) -> np.ndarray:
        """L[:, rows] (n x len(rows)), from L's transpose where stored."""
        if self.LT is None:
            return np.asarray(self.L[:, rows])
        return self._gathered(self._columns, self.LT, rows).T

    def multipliers(self, s: np.ndarray, m: np.ndarray) -> np.ndarray:
        """m' = s (I - A')^-1, from the baseline multipliers m = s L, refined likewise."""
        s = np.asarray(s, dtype=np.float64)
        if self.method == "woodbury":
            solve = lambda rhs: self._woodbury_left(rhs @ self.L)  # noqa: E731
            result = self._woodbury_left(np.asarray(m, dtype=np.float64))
        else:
            def matvec(t):
                return t - self._times_da(t @ self.L)

            solve = lambda rhs: self._gmres(matvec, rhs, "multipliers") @ self.L  # noqa: E731
            result = solve(s)
        return self._refine(result, s, self.multiplier_residual, solve, "multipliers")

    def _refine(self, x, rhs, residual, solve, what: str) -> np.ndarray:
        for step in range(MAX_REFINEMENTS + 1):
            if not np.isfinite(x).all():
                raise ScenarioError("interventions", None, "the scenario produces non-finite results")
            error, r = residual(x, rhs)
            if error <= TOLERANCE:
                self.progress(f"{what}: residual {error:.1e}")
                return x
            if step == MAX_REFINEMENTS:
                break
            self.progress(f"{what}: refinement {step + 1}, residual {error:.1e}")
            x = x + solve(r)
        raise ScenarioError("interventions", None, f"the changed system does not converge "
                            f"(residual {error:.1e} after {MAX_REFINEMENTS} refinements)")

    def _check_valid(self) -> None:
        """The changed A' must still describe an economy: spectral radius below one.

        For nonnegative A', rho(A') < 1 exactly when (I - A') x = 1 has a positive solution, so one
        solve with a vector of ones settles it (its accuracy is the views' own, checked by residual).
        """
        if not self.rank:
            return
        if self.method == "woodbury":
            l1 = (np.asarray(self.dataset.array(self.year, "l1")) if self.dataset.has_array(self.year, "l1")
                  else self.L @ np.ones(self.n))
            x = self._woodbury_right(l1)
        else:
            x = self.output(np.ones(self.n))
        if not np.isfinite(x).all() or not (x > 0).all():
            raise ScenarioError("interventions", None,
                                "the changed system has no valid solution: the spectral radius of A' "
                                "is one or more (the economy would need infinite output)")
