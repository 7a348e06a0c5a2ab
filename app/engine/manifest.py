"""Checking a compiled dataset: its .npy files against the manifest, each year's arrays against the identities."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import scipy.sparse

from .errors import DatasetError
from .hierarchy import Tree, check_indicators, check_labels

FORMAT = 1
# Arrays every year has, besides A; F_Y (direct final-demand emissions) only where the source has it.
CORE_ARRAYS = ("L", "x", "Y", "S", "M")
# A is stored either dense (A.npy) or in CSR form in these three parts. A store written before A was kept
# once may hold both (the engine then reads the CSR form; `data upgrade` drops the redundant one).
CSR_PARTS = ("A_data", "A_indices", "A_indptr")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _signature(stat: os.stat_result) -> tuple:
    """What changes when a file is replaced, truncated or written to."""
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


# sha256 of the files this process wrote or hashed, by signature: while a file stays as it is, it is
# hashed once per process, not again for each Dataset opened on it. `data verify` always hashes.
_verified: dict[tuple, str] = {}


class Damage(Exception):
    """What is wrong with one file of a dataset (the caller names the file)."""


def _hash_open_file(f) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    buffer = bytearray(min(1 << 22, max(os.fstat(f.fileno()).st_size, 1)))
    view = memoryview(buffer)
    while count := f.readinto(buffer):
        digest.update(view[:count])
    return digest.hexdigest()


def map_npy(path: Path, meta: dict, checksum: bool = True, fresh: bool = False) -> tuple[np.ndarray, tuple]:
    """A read-only memory map of one .npy file, and its signature, after checking the file against its
    manifest entry: header shape and dtype, exact size (mapping a short file and reading past its end
    is a bus error that kills the process) and, with checksum, its sha256 (fresh: even if this process
    has hashed the unchanged file before). Raises Damage."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise Damage("missing") from None
    except OSError as exc:
        raise Damage(f"cannot be opened ({exc.strerror})") from None
    with f:
        stat = os.fstat(f.fileno())
        signature = _signature(stat)
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"version {version} of the format")
        except (ValueError, OSError, SyntaxError, EOFError) as exc:
            raise Damage(f"is not a readable .npy file ({exc})") from None
        offset = f.tell()
        want_shape, want_dtype = tuple(meta["shape"]), np.dtype(meta["dtype"])
        if shape != want_shape or dtype != want_dtype or (fortran and len(shape) > 1):
            raise Damage(f"holds {shape} {dtype}{' (Fortran order)' if fortran else ''}, the manifest "
                         f"records {want_shape} {want_dtype}")
        size = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if stat.st_size != size:
            raise Damage(f"is {stat.st_size:,} bytes, its header and shape need {size:,} "
                         f"({'cut short' if stat.st_size < size else 'grown'})")
        if checksum and (fresh or _verified.get(signature) != meta["sha256"]):
            if _hash_open_file(f) != meta["sha256"]:
                raise Damage("does not match its sha256 checksum in the manifest (changed after it was written)")
            _verified[signature] = meta["sha256"]
        if size == offset:
            return np.empty(shape, dtype), signature  # mmap cannot map nothing
        # mapped through the descriptor that was checked, so a file swapped meanwhile is not the one mapped
        try:
            return np.memmap(f, dtype=dtype, mode="r", offset=offset, shape=shape), signature
        except (ValueError, OSError) as exc:  # cut short since the size was checked
            raise Damage(f"changed while it was being opened ({exc})") from None


def _expected_shapes(n_regions: int, n_products: int, n_indicators: int) -> dict[str, tuple]:
    n = n_regions * n_products
    return {"A": (n, n), "L": (n, n), "LT": (n, n), "x": (n,), "l1": (n,), "Y": (n, n_regions),
            "LY": (n, n_regions),
            "S": (n_indicators, n), "M": (n_indicators, n), "F_Y": (n_indicators, n_regions),
            "A_indptr": (n + 1,)}


def _check_manifest(manifest) -> tuple[Tree, Tree]:
    """The region and product trees of a manifest that holds together; raises Damage."""
    if not isinstance(manifest, dict):
        raise Damage("is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise Damage(f"has format {manifest.get('format')!r}; this version reads format {FORMAT}")
    for key in ("name", "region_labels", "product_labels", "regions", "products", "indicators", "years"):
        if key not in manifest:
            raise Damage(f"has no {key!r}")
    try:
        check_labels("regions", manifest["region_labels"])
        check_labels("products", manifest["product_labels"])
        check_indicators(manifest["indicators"])
        regions, products = Tree(manifest["regions"], "regions"), Tree(manifest["products"], "products")
    except DatasetError as exc:
        raise Damage(exc.message) from None
    for tree, key in ((regions, "region_labels"), (products, "product_labels")):
        if tree.leaf_codes() != manifest[key]:
            raise Damage(f"the leaves of its {key.split('_')[0]} tree are not its {key.replace('_', ' ')}")
    years = manifest["years"]
    if not isinstance(years, dict) or not years:
        raise Damage("lists no years")
    shapes = _expected_shapes(regions.size, products.size, len(manifest["indicators"]))
    for year, entry in years.items():
        if not (year.isascii() and year.isdigit() and str(int(year)) == year) or not isinstance(entry, dict) \
                or not isinstance(entry.get("arrays"), dict):
            raise Damage(f"year {year!r} is not a year with its arrays")
        arrays = entry["arrays"]
        for key in CORE_ARRAYS:
            if key not in arrays:
                raise Damage(f"year {year} has no array {key}")
        parts = [key for key in CSR_PARTS if key in arrays]
        if parts and len(parts) != len(CSR_PARTS):
            raise Damage(f"year {year} has only part of A's CSR form ({', '.join(parts)})")
        if "A" not in arrays and not parts:
            raise Damage(f"year {year} has no array A, dense or in CSR form")
        for key, meta in arrays.items():
            try:
                shape, dtype, sha = tuple(meta["shape"]), np.dtype(meta["dtype"]), meta["sha256"]
                well_formed = (isinstance(key, str) and re.fullmatch(r"[A-Za-z0-9_]+", key)
                               and all(isinstance(d, int) and d >= 0 for d in shape)
                               and not dtype.hasobject and re.fullmatch(r"[0-9a-f]{64}", sha))
            except (TypeError, KeyError, ValueError):
                well_formed = False
            if not well_formed:
                raise Damage(f"the entry of {year}/{key} is not a shape, dtype and sha256")
            if key in shapes and shape != shapes[key]:
                raise Damage(f"records {year}/{key} with shape {shape}, the dataset's size needs {shapes[key]}")
        if parts:
            data, indices = arrays["A_data"], arrays["A_indices"]
            if len(data["shape"]) != 1 or data["shape"] != indices["shape"] \
                    or np.dtype(indices["dtype"]).kind != "i" or np.dtype(arrays["A_indptr"]["dtype"]).kind != "i":
                raise Damage(f"records {year}/A_data and A_indices that are not one nonzero and one integer "
                             "column index each")
    population = manifest.get("population")
    if population is not None:
        entries = population.get("years") if isinstance(population, dict) else None
        if not isinstance(entries, dict):
            raise Damage("its population is not a table by year")
        for year, values in entries.items():
            if year not in years or not isinstance(values, list) or len(values) != regions.size or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 and v != float("inf")
                    for v in values):
                raise Damage(f"its population of {year!r} is not a positive number for each region of a year")
    return regions, products


def _identity_problems(arrays: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """(files, problem) for each identity the engine relies on that the arrays of one year break."""
    L, x, Y, S, M = (arrays[k] for k in CORE_ARRAYS)
    n = L.shape[0]
    A = arrays.get("A")
    csr = None
    if "A_indptr" in arrays:
        try:
            csr = scipy.sparse.csr_matrix((arrays["A_data"], arrays["A_indices"], arrays["A_indptr"]),
                                          shape=(n, n), copy=False)
            csr.check_format(full_check=True)  # indices out of range would be read out of bounds
        except (ValueError, IndexError, TypeError) as exc:
            return [(", ".join(f"{k}.npy" for k in CSR_PARTS), f"not a valid CSR matrix ({exc})")]
    a_files = ", ".join(f"{k}.npy" for k in CSR_PARTS) if csr is not None else "A.npy"
    a_op = csr if csr is not None else A
    probe = np.random.default_rng(1).random(n)
    # one pass over L for four products
    y_weights = np.random.default_rng(2).random(Y.shape[1])
    y_probe = np.asarray(Y) @ y_weights
    l_probe, l_ones, l_y, l_y_probe = (L @ np.column_stack([probe, np.ones(n), np.asarray(Y).sum(axis=1),
                                                             y_probe])).T
    checks = [
        # scaled as compile_year scales its own check of the inverse
        (f"{a_files}, L.npy", "(I - A) L = I", l_probe - a_op @ l_probe, probe, max(1.0, np.abs(l_probe).max())),
        ("M.npy, S.npy, L.npy", "M = S L", M @ probe, S @ l_probe, None),
        ("x.npy, L.npy, Y.npy", "x = L y", l_y, x, None),
    ]
    if "l1" in arrays:
        checks.append(("l1.npy, L.npy", "l1 = L 1", arrays["l1"], l_ones, None))
    if "LY" in arrays:
        checks.append(("LY.npy, L.npy, Y.npy", "LY = L Y", arrays["LY"] @ y_weights, l_y_probe, None))
    if "LT" in arrays:
        checks.append(("LT.npy, L.npy", "LT = L transposed", arrays["LT"] @ probe, probe @ L, None))
    if csr is not None and A is not None:  # the older layout: both forms, which must agree
        checks.append((f"{a_files}, A.npy", "A in CSR form = A", csr @ probe, A @ probe, None))
    problems = []
    for files, label, got, want, scale in checks:
        scale = scale if scale is not None else max(np.abs(want).max(initial=0.0), 1e-300)
        err = np.abs(got - want).max(initial=0.0) / scale
        if not err <= 1e-8:
            problems.append((files, f"{label} fails (relative error {err:.3g})"))
    return problems
