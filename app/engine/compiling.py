"""Compiling a source: the Source it is read into, its checks, each year written as .npy files with sha256."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.sparse

from .errors import DatasetError
from .hierarchy import Tree, check_indicators, check_labels
from .manifest import CSR_PARTS, _sha256, _signature, _verified

BLOCK_BYTES = 64 << 20  # a transposed array is written in blocks of rows of about this size


@dataclass
class SourceYear:
    """One year of an MRIO system as read from its source, before compiling."""

    year: int
    A: np.ndarray                 # n x n technical coefficients
    Y: np.ndarray                 # n x regions, final-demand categories summed per region
    x: np.ndarray | None = None   # n total output; L @ Y.sum(1) when absent
    F: np.ndarray | None = None   # k x n extension flows, or
    S: np.ndarray | None = None   # k x n extension coefficients
    F_Y: np.ndarray | None = None  # k x regions direct final-demand flows
    origin: str = ""


@dataclass
class Source:
    """A whole dataset to compile: labels, indicators and a loader per year."""

    regions: list[str]
    products: list[str]
    region_tree: list[dict]
    product_tree: list[dict]
    indicators: list[dict]  # {code, name, unit, parent, group}
    years: list[tuple[int, Callable[[], SourceYear]]]
    description: str = ""
    population: dict[int, list[float]] | None = None  # persons per region (in order), by year
    # the database it came from: {"format", "database", "licence", "versions": {year: version}} (filled
    # in as the years are read); None for a synthetic or demo set
    provenance: dict | None = None


def check_source(source: Source) -> None:
    """Everything about a source but its numbers, checked before anything is written."""
    check_labels("regions", source.regions)
    check_labels("products", source.products)
    check_indicators(source.indicators)
    for kind, records, labels in (("regions", source.region_tree, source.regions),
                                  ("products", source.product_tree, source.products)):
        if Tree(records, kind).leaf_codes() != list(labels):
            raise DatasetError(kind, labels, f"the leaves of the {kind[:-1]} tree are not the {kind} "
                               "in their order")
    years = [year for year, _ in source.years]
    if not years:
        raise DatasetError("years", years, "give at least one year")
    for year in years:
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise DatasetError("years", year, f"year {year!r} is not a whole number from 1 to 9999")
    if len(set(years)) != len(years):
        raise DatasetError("years", years, "a year is given twice")


def _save(folder: Path, key: str, array: np.ndarray) -> dict:
    """array written in C order: a 2-D array that is not C-contiguous (a transpose) a block of rows at a
    time, so no whole copy of it is ever made."""
    path = folder / f"{key}.npy"
    with open(path, "wb") as f:
        if array.ndim != 2 or array.flags.c_contiguous:
            np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        else:
            header = np.lib.format.header_data_from_array_1_0(array)
            np.lib.format.write_array_header_1_0(f, {**header, "fortran_order": False})
            rows = max(1, BLOCK_BYTES // max(1, array.shape[1] * array.itemsize))
            for start in range(0, array.shape[0], rows):
                f.write(np.ascontiguousarray(array[start:start + rows]).data)
        f.flush()
        os.fsync(f.fileno())
    sha = _sha256(path)  # of the file as written, read back
    _verified[_signature(os.stat(path))] = sha
    return {"shape": list(array.shape), "dtype": str(array.dtype), "sha256": sha}


def csr_index_dtype(n: int, nnz: int) -> np.dtype:
    """int32 indices wherever the size and the count of nonzeros fit, else int64."""
    return np.dtype(np.int32 if max(n, nnz) <= np.iinfo(np.int32).max else np.int64)


def csr_is_smaller(n: int, nnz: int, itemsize: int = 8) -> bool:
    """Whether CSR (values, column indices, row pointers) takes fewer bytes than the dense n x n array:
    with float64 values and int32 indices, below a density of about two thirds."""
    index = csr_index_dtype(n, nnz).itemsize
    return nnz * (itemsize + index) + (n + 1) * index < n * n * itemsize


def save_coefficients(folder: Path, A) -> dict:
    """A (dense or sparse) written once, in whichever form is smaller: its CSR parts, else A.npy."""
    n = A.shape[0]
    nnz = A.count_nonzero() if scipy.sparse.issparse(A) else int(np.count_nonzero(A))
    if not csr_is_smaller(n, nnz, A.dtype.itemsize):
        return {"A": _save(folder, "A", A.toarray() if scipy.sparse.issparse(A) else A)}
    sparse = scipy.sparse.csr_matrix(A, copy=True)  # never the caller's matrix, changed in place below
    sparse.eliminate_zeros()
    sparse.sort_indices()
    index = csr_index_dtype(n, nnz)
    parts = (sparse.data, sparse.indices.astype(index, copy=False), sparse.indptr.astype(index, copy=False))
    return {key: _save(folder, key, part) for key, part in zip(CSR_PARTS, parts)}


def leontief_inverse(A: np.ndarray, year: int) -> np.ndarray:
    """L = (I - A)^-1 in float64 and C order with one n x n array beside A: I - A is built transposed, which
    is Fortran order, the one LAPACK inverts in place, and the inverse of the transpose is L transposed."""
    n = A.shape[0]
    i_minus_a_t = np.negative(A.T, dtype=np.float64, order="F")
    i_minus_a_t[np.diag_indices(n)] += 1.0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
            LT = scipy.linalg.inv(i_minus_a_t, overwrite_a=True, check_finite=False, assume_a="general")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError) as exc:
        raise DatasetError("data", f"{year}/A", f"I - A of {year} cannot be inverted: {exc}") from None
    return LT.T


def _check_finite(year: int, key: str, array: np.ndarray) -> None:
    if not np.isfinite(array).all():
        raise DatasetError("data", f"{year}/{key}", f"{key} of {year} holds NaN or infinite values")


def compile_year(src: SourceYear, folder: Path, n_regions: int, n_products: int, n_indicators: int,
                 log: Callable[[str], None] = lambda _: None) -> dict:
    """Check one year, compute L, x, S and M = S L once, and write every array to folder."""
    n = n_regions * n_products
    year = src.year
    expected = {"A": (n, n), "Y": (n, n_regions), "x": (n,), "F": (n_indicators, n),
                "S": (n_indicators, n), "F_Y": (n_indicators, n_regions)}
    for key, shape in expected.items():
        value = getattr(src, key)
        if value is not None:
            if value.shape != shape:
                raise DatasetError("data", f"{year}/{key}",
                                   f"{key} of {year} has shape {value.shape}, expected {shape}")
            _check_finite(year, key, value)
    if src.F is None and src.S is None:
        raise DatasetError("data", f"{year}", f"{year} has no extension data (F or S)")
    folder.mkdir(parents=True)
    # scenarios read blocks of A and check every answer against it: from CSR both are cheap
    arrays = {**save_coefficients(folder, src.A), "Y": _save(folder, "Y", src.Y)}

    log(f"{year}: Leontief inverse of a {n} x {n} system")
    L = leontief_inverse(src.A, year)
    # A probe instead of the full (I - A) L = I product: O(n^2) rather than O(n^3).
    probe = np.random.default_rng(0).random(n)
    l_probe = L @ probe
    residual = np.abs(l_probe - src.A @ l_probe - probe).max()
    if not np.isfinite(residual) or residual > 1e-8 * max(1.0, np.abs(l_probe).max()):
        raise DatasetError("data", f"{year}/A", f"I - A of {year} is singular or too badly "
                           f"conditioned to invert (residual {residual:.3g})")
    arrays["L"] = _save(folder, "L", L)
    # scenarios read columns of L: stored once more transposed, they are rows too
    arrays["LT"] = _save(folder, "LT", L.T)  # written block by block, never a second n x n copy
    arrays["l1"] = _save(folder, "l1", L.sum(axis=1))
    # the output each consumer region's final demand requires: small, and what origin -> destination
    # queries start from, whatever the indicator
    arrays["LY"] = _save(folder, "LY", L @ src.Y)

    x = src.x if src.x is not None else L @ src.Y.sum(axis=1)
    arrays["x"] = _save(folder, "x", x)
    if src.S is not None:
        S = src.S
    else:
        S = np.divide(src.F, x, out=np.zeros_like(src.F, dtype=np.float64), where=x != 0)
    arrays["S"] = _save(folder, "S", S)
    log(f"{year}: multipliers for {n_indicators} indicators")
    arrays["M"] = _save(folder, "M", S @ L)
    del L
    if src.F_Y is not None:
        arrays["F_Y"] = _save(folder, "F_Y", src.F_Y)
    return arrays
