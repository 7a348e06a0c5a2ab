"""A, or a scenario's A' = A + dA, as the supply chains read it: a row at a time, times a vector, and whether
any coefficient is below zero. A is read as the dataset stores it (CSR where it does, else dense); A' is A
with only the scenario's changed rows R materialised, so neither is ever copied whole.
"""

from __future__ import annotations

import threading
import weakref
from functools import cached_property

import numpy as np
import scipy.sparse


def _negative(A) -> bool:
    """Whether A holds a coefficient below zero: one pass over its values, once per process and year."""
    cached = _NEGATIVE.get(id(A))
    if cached is None or cached[0]() is not A:
        values = A.data if scipy.sparse.issparse(A) else A
        cached = (weakref.ref(A), bool(len(values)) and bool(np.min(values) < 0))
        with _NEGATIVE_LOCK:
            for key in [k for k, (ref, _) in _NEGATIVE.items() if ref() is None]:
                del _NEGATIVE[key]
            _NEGATIVE[id(A)] = cached
    return cached[1]


_NEGATIVE: dict[int, tuple[weakref.ref, bool]] = {}  # id of A -> (A, whether it has a negative)
_NEGATIVE_LOCK = threading.Lock()


def _rows(A):
    """row i -> (columns, values) of A's non-zeros in it: slices of CSR, or the row of a dense A. Row by
    row, since a gather of many rows at once spends more on fresh memory than on the numbers."""
    if scipy.sparse.issparse(A):
        indptr, indices, data = A.indptr.tolist(), A.indices, A.data
        return lambda i: (indices[indptr[i]:indptr[i + 1]], data[indptr[i]:indptr[i + 1]])

    def dense(i):
        row = np.asarray(A[i])
        cols = np.flatnonzero(row)
        return cols, row[cols]
    return dense


class Coefficients:
    """The coefficients of one year's system: the dataset's A, or A' of a scenario (a ScenarioSystem).
    Its changed rows are built on the first read of a row, never for products alone."""

    def __init__(self, A, scenario=None):
        self.A, self.n = A, A.shape[0]
        self.scenario = scenario if scenario is not None and len(scenario.R) else None

    def times(self, v: np.ndarray) -> np.ndarray:
        """A v."""
        return np.asarray(self.A @ v) if self.scenario is None else self.scenario.changed_times(v)

    @cached_property
    def _changed(self):
        return None if self.scenario is None else self.scenario.changed_rows()

    @cached_property
    def row(self):
        """row i -> (columns, values) of its non-zeros."""
        stored = _rows(self.A)
        if self._changed is None:
            return stored
        position = np.full(self.n, -1)
        position[self.scenario.R] = np.arange(len(self.scenario.R))
        position, read = position.tolist(), _rows(self._changed)
        return lambda i: read(position[i]) if position[i] >= 0 else stored(i)

    @cached_property
    def negative(self) -> bool:
        """Whether a coefficient is below zero (no bound of a path or an elasticity holds then)."""
        changed = self._changed
        return _negative(self.A) or bool(changed is not None and changed.nnz and changed.data.min() < 0)

    def row_bounds(self, w: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows in descending order of |w_i| (A |v|)_i, and those bounds: for A >= 0 no entry w_i A_ij v_j
        of a row is larger in size. With a negative coefficient there is no such bound: every row, in
        order, with an infinite bound."""
        if self.negative:
            return np.arange(self.n), np.full(self.n, np.inf)
        bound = np.abs(w) * self.times(np.abs(v))
        order = np.flatnonzero(bound > 0)
        return order[np.argsort(-bound[order], kind="stable")], bound
