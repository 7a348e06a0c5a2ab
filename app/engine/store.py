"""The compiled dataset store: per dataset and year, memory-mapped .npy arrays and a manifest.

A dataset lives in ``ROOT/.versions/<name>.<token>/`` and ``ROOT/<name>`` is a symlink to it.
A new version is built in full beside the old one and the symlink is swapped with one atomic
rename, so a crash at any moment leaves either the old or the new dataset, never a mixture.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.linalg
import scipy.sparse

from .errors import DatasetDamaged, DatasetError
from .hierarchy import Tree, check_indicators, check_labels

FORMAT = 1
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
VERSIONS = ".versions"
# Arrays every year has; F_Y (direct final-demand emissions) only where the source has it.
CORE_ARRAYS = ("A", "L", "x", "Y", "S", "M")
SPARSE_DENSITY = 0.4  # below this share of nonzeros A is also stored in CSR form
HINT_DELETE = "delete it with `flask --app wsgi data delete {name}`"


def check_name(name) -> str:
    """A dataset name is a short slug: it becomes a folder name, so nothing else gets through."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise DatasetError("name", name, f"dataset name {name!r} must be 1-64 letters, digits, "
                           "'-' or '_', starting with a letter or digit")
    return name


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


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save(folder: Path, key: str, array: np.ndarray) -> dict:
    path = folder / f"{key}.npy"
    with open(path, "wb") as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())
    sha = _sha256(path)  # of the file as written, read back
    _verified[_signature(os.stat(path))] = sha
    return {"shape": list(array.shape), "dtype": str(array.dtype), "sha256": sha}


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
    arrays = {"A": _save(folder, "A", src.A), "Y": _save(folder, "Y", src.Y)}
    nonzero = np.count_nonzero(src.A)
    if nonzero <= SPARSE_DENSITY * src.A.size:
        # scenarios check every answer against A itself: A in CSR makes that check cheap
        sparse = scipy.sparse.csr_matrix(src.A)
        for key, part in (("A_data", sparse.data), ("A_indices", sparse.indices), ("A_indptr", sparse.indptr)):
            arrays[key] = _save(folder, key, part)
        del sparse

    log(f"{year}: Leontief inverse of a {n} x {n} system")
    i_minus_a = np.negative(src.A, dtype=np.float64)
    i_minus_a[np.diag_indices(n)] += 1.0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", scipy.linalg.LinAlgWarning)
            L = scipy.linalg.inv(i_minus_a, overwrite_a=True, check_finite=False)
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgWarning, ValueError) as exc:
        raise DatasetError("data", f"{year}/A", f"I - A of {year} cannot be inverted: {exc}") from None
    del i_minus_a
    # A probe instead of the full (I - A) L = I product: O(n^2) rather than O(n^3).
    probe = np.random.default_rng(0).random(n)
    l_probe = L @ probe
    residual = np.abs(l_probe - src.A @ l_probe - probe).max()
    if not np.isfinite(residual) or residual > 1e-8 * max(1.0, np.abs(l_probe).max()):
        raise DatasetError("data", f"{year}/A", f"I - A of {year} is singular or too badly "
                           f"conditioned to invert (residual {residual:.3g})")
    arrays["L"] = _save(folder, "L", L)
    # scenarios read columns of L: stored once more transposed, they are rows too
    arrays["LT"] = _save(folder, "LT", L.T)
    arrays["l1"] = _save(folder, "l1", L.sum(axis=1))

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
    return regions, products


def _identity_problems(arrays: dict[str, np.ndarray]) -> list[tuple[str, str]]:
    """(files, problem) for each identity the engine relies on that the arrays of one year break."""
    A, L, x, Y, S, M = (arrays[k] for k in CORE_ARRAYS)
    n = A.shape[0]
    probe = np.random.default_rng(1).random(n)
    # one pass over L for three products
    l_probe, l_ones, l_y = (L @ np.column_stack([probe, np.ones(n), np.asarray(Y).sum(axis=1)])).T
    checks = [
        # scaled as compile_year scales its own check of the inverse
        ("A.npy, L.npy", "(I - A) L = I", l_probe - A @ l_probe, probe, max(1.0, np.abs(l_probe).max())),
        ("M.npy, S.npy, L.npy", "M = S L", M @ probe, S @ l_probe, None),
        ("x.npy, L.npy, Y.npy", "x = L y", l_y, x, None),
    ]
    if "l1" in arrays:
        checks.append(("l1.npy, L.npy", "l1 = L 1", arrays["l1"], l_ones, None))
    if "LT" in arrays:
        checks.append(("LT.npy, L.npy", "LT = L transposed", arrays["LT"] @ probe, probe @ L, None))
    if "A_indptr" in arrays:
        try:
            csr = scipy.sparse.csr_matrix((arrays["A_data"], arrays["A_indices"], arrays["A_indptr"]),
                                          shape=(n, n), copy=False)
            csr.check_format(full_check=True)  # indices out of range would be read out of bounds
        except (ValueError, IndexError, TypeError) as exc:
            return [("A_data.npy, A_indices.npy, A_indptr.npy", f"not a valid CSR matrix ({exc})")]
        checks.append(("A_data.npy, A_indices.npy, A_indptr.npy, A.npy", "A in CSR form = A",
                       csr @ probe, A @ probe, None))
    problems = []
    for files, label, got, want, scale in checks:
        scale = scale if scale is not None else max(np.abs(want).max(initial=0.0), 1e-300)
        err = np.abs(got - want).max(initial=0.0) / scale
        if not err <= 1e-8:
            problems.append((files, f"{label} fails (relative error {err:.3g})"))
    return problems


class Dataset:
    """One compiled dataset, its arrays opened lazily with memory mapping.

    Opening checks the manifest; every array is checked against it before it is mapped (header,
    size, sha256) and, on every later use, by one stat that it has not changed on disk since.
    Anything amiss raises DatasetDamaged naming the file; other datasets are not affected.
    """

    def __init__(self, path: Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name.split(".")[0]
        try:
            manifest = json.loads((self.path / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatasetDamaged(self.name, "manifest.json", "missing") from None
        except (OSError, ValueError) as exc:
            raise DatasetDamaged(self.name, "manifest.json", f"cannot be read ({exc})") from None
        try:
            self.regions, self.products = _check_manifest(manifest)
        except Damage as damage:
            raise DatasetDamaged(self.name, "manifest.json", str(damage)) from None
        self.manifest = manifest
        self.name = name or manifest["name"]
        self.years = sorted(int(y) for y in manifest["years"])
        self.indicators = manifest["indicators"]
        self.indicator_row = {ind["code"]: i for i, ind in enumerate(self.indicators)}
        # (year, key) -> (array, signature of its file when checked, path)
        self._arrays: dict[tuple[int, str], tuple[np.ndarray, tuple, str]] = {}
        self._failed: dict[tuple[int, str], tuple[tuple | None, DatasetDamaged]] = {}
        self._locks: dict[tuple[int, str], threading.Lock] = {}
        self._csr: dict[int, tuple] = {}

    def _current(self, year: int, key: str) -> np.ndarray | None:
        """The mapped array if its file is still the one checked: one stat, microseconds."""
        cached = self._arrays.get((year, key))
        if cached is not None:
            try:
                if _signature(os.stat(cached[2])) == cached[1]:
                    return cached[0]
            except OSError:
                pass
        return None

    def array(self, year: int, key: str) -> np.ndarray:
        """A read-only memory map of one array; pages are shared by every process via the page cache."""
        array = self._current(year, key)
        if array is not None:
            return array
        with self._locks.setdefault((year, key), threading.Lock()):
            array = self._current(year, key)
            if array is not None:
                return array
            # the file changed on disk, or was never mapped: drop the old map, never read through it
            self._arrays.pop((year, key), None)
            if not self.has_array(year, key):
                raise DatasetError("dataset", self.name, f"dataset {self.name!r} has no array {key} for {year}")
            path = self.path / str(year) / f"{key}.npy"
            try:
                now = _signature(os.stat(path))
            except OSError:
                now = None
            failed = self._failed.get((year, key))
            if failed is not None and now is not None and failed[0] == now:
                raise failed[1]  # known bad and unchanged: no second checksum
            try:
                array, signature = map_npy(path, self.manifest["years"][str(year)]["arrays"][key])
            except Damage as damage:
                error = DatasetDamaged(self.name, f"{year}/{key}.npy", str(damage))
                self._failed[year, key] = (now, error)
                raise error from None
            self._failed.pop((year, key), None)
            self._arrays[year, key] = (array, signature, str(path))
            return array

    def technical_coefficients(self, year: int):
        """A for products with vectors: its CSR form where stored (memory-mapped), else the dense map."""
        if not self.has_array(year, "A_indptr"):
            return self.array(year, "A")
        parts = tuple(self.array(year, key) for key in ("A_data", "A_indices", "A_indptr"))
        cached = self._csr.get(year)
        if cached is None or any(a is not b for a, b in zip(cached[0], parts)):
            n = self.regions.size * self.products.size
            cached = (parts, scipy.sparse.csr_matrix(parts, shape=(n, n), copy=False))
            self._csr[year] = cached
        return cached[1]

    def has_array(self, year: int, key: str) -> bool:
        return key in self.manifest["years"][str(year)]["arrays"]

    def problems(self, checksums: bool = True, identities: bool = True, shown: Path | None = None,
                 fresh: bool = False) -> list[str]:
        """Every file checked against the manifest (size, header, with checksums its sha256) and, with
        identities, the equations the engine relies on; one line per problem, naming the file."""
        shown = Path(shown) if shown is not None else Path()
        problems = []
        for year in self.years:
            folder = shown / str(year)
            arrays = {}
            for key, meta in self.manifest["years"][str(year)]["arrays"].items():
                try:
                    arrays[key] = map_npy(self.path / str(year) / f"{key}.npy", meta, checksums, fresh)[0]
                except Damage as damage:
                    problems.append(f"{folder / key}.npy: {damage}")
            if identities and len(arrays) == len(self.manifest["years"][str(year)]["arrays"]):
                problems += [f"{folder}/{files}: {problem}" for files, problem in _identity_problems(arrays)]
        return problems

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def summary(self) -> dict:
        return {
            "name": self.name,
            "years": self.years,
            "regions": self.regions.size,
            "products": self.products.size,
            "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"]}
                           for i in self.indicators],
            "bytes": self.size_bytes(),
        }


class Store:
    """All compiled datasets under one folder."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        # name -> (link target and manifest signature, problem or None): a manifest is read once
        self._checked: dict[str, tuple[tuple, str | None]] = {}

    def _scan(self) -> dict[str, str | None]:
        """Every dataset link with None when its manifest holds together, else what is wrong."""
        if not self.root.is_dir():
            return {}
        found = {}
        for entry in os.scandir(self.root):
            if not entry.is_symlink() or not NAME_PATTERN.match(entry.name):
                continue
            try:
                key = (os.readlink(entry.path), _signature(os.stat(os.path.join(entry.path, "manifest.json"))))
            except OSError:
                key = None  # a dangling link, or no manifest: always looked at again
            cached = self._checked.get(entry.name)
            if cached is not None and key is not None and cached[0] == key:
                found[entry.name] = cached[1]
                continue
            if not os.path.isdir(entry.path):
                problem = "its version folder is missing; " + HINT_DELETE.format(name=entry.name)
            else:
                try:
                    Dataset(Path(os.path.realpath(entry.path)), entry.name)
                    problem = None
                except DatasetDamaged as exc:
                    problem = exc.message
            self._checked[entry.name] = (key, problem)
            found[entry.name] = problem
        return found

    def names(self) -> list[str]:
        """Datasets whose manifest holds together; damaged() lists the others."""
        return sorted(name for name, problem in self._scan().items() if problem is None)

    def damaged(self) -> dict[str, str]:
        """Datasets that cannot be opened, with what is wrong."""
        return dict(sorted((name, problem) for name, problem in self._scan().items() if problem is not None))

    def path(self, name: str) -> Path:
        """The current version folder of a dataset."""
        link = self.root / check_name(name)
        if not link.is_symlink() or not os.path.isdir(link):
            raise DatasetError("dataset", name, f"no dataset named {name!r}")
        return Path(os.path.realpath(link))

    def open(self, name: str) -> Dataset:
        """The dataset; DatasetDamaged when its manifest does not hold together."""
        return Dataset(self.path(name), name)

    @contextlib.contextmanager
    def _locked(self):
        """One writer at a time; also the moment to sweep what interrupted writers left."""
        (self.root / VERSIONS).mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._sweep()
            yield

    def _sweep(self) -> None:
        live = {os.path.basename(os.readlink(p)) for p in self.root.iterdir() if p.is_symlink()}
        for version in (self.root / VERSIONS).iterdir():
            if version.name not in live:
                shutil.rmtree(version, ignore_errors=True)
        for stray in self.root.glob(".link-*"):
            stray.unlink(missing_ok=True)

    def write(self, name: str, source: Source, log: Callable[[str], None] = lambda _: None) -> Dataset:
        """Compile source into a new version of dataset name, keeping its other years, check the whole
        version, then swap it in. Until that last step nothing a reader sees has changed."""
        check_name(name)
        check_source(source)
        with self._locked():
            old = None
            link = self.root / name
            if link.is_symlink() and os.path.isdir(link):  # a dangling link is simply replaced
                try:
                    old = Dataset(Path(os.path.realpath(link)), name)
                except DatasetDamaged as exc:
                    raise DatasetError("name", name, f"dataset {name!r} is damaged ({exc.file}: {exc.problem}); "
                                       f"{HINT_DELETE.format(name=name)} before writing it again") from None
                for key, labels in (("region_labels", source.regions), ("product_labels", source.products)):
                    if old.manifest[key] != list(labels):
                        raise DatasetError("name", name, f"dataset {name!r} exists with other "
                                           f"{key.split('_')[0]}s; delete it or choose another name")
                if [i["code"] for i in old.indicators] != [i["code"] for i in source.indicators]:
                    raise DatasetError("name", name, f"dataset {name!r} exists with other indicators; "
                                       "delete it or choose another name")
            version = self.root / VERSIONS / f"{name}.{uuid.uuid4().hex}"
            version.mkdir()
            try:
                dataset = self._build(version, name, source, old, log)
            except BaseException:
                shutil.rmtree(version, ignore_errors=True)  # a failed write leaves nothing behind
                raise
            staged = self.root / f".link-{uuid.uuid4().hex}"
            os.symlink(Path(VERSIONS) / version.name, staged)
            os.replace(staged, link)  # the one atomic step
            _fsync_dir(self.root)
            if old is not None:
                shutil.rmtree(old.path, ignore_errors=True)
            return dataset

    def _build(self, version: Path, name: str, source: Source, old: Dataset | None,
               log: Callable[[str], None]) -> Dataset:
        """The whole new version in its folder, checked file by file and by its identities."""
        years = {}
        new_years = {year for year, _ in source.years}
        if old is not None:
            for year, entry in old.manifest["years"].items():
                if int(year) in new_years:
                    continue
                # hard links: the kept years cost neither time nor space
                (version / year).mkdir()
                for file in (old.path / year).iterdir():
                    os.link(file, version / year / file.name)
                years[year] = entry
        for year, load in source.years:
            started = time.perf_counter()
            log(f"{year}: reading")
            src = load()
            origin = src.origin
            arrays = compile_year(src, version / str(year), len(source.regions),
                                  len(source.products), len(source.indicators), log)
            del src
            years[str(year)] = {"origin": origin, "arrays": arrays,
                                "compile_seconds": round(time.perf_counter() - started, 3)}
            log(f"{year}: done in {time.perf_counter() - started:.1f} s")
        manifest = {
            "format": FORMAT,
            "name": name,
            "description": source.description,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region_labels": list(source.regions),
            "product_labels": list(source.products),
            "regions": source.region_tree,
            "products": source.product_tree,
            "indicators": source.indicators,
            "years": dict(sorted(years.items())),
        }
        with open(version / "manifest.json", "w") as f:
            json.dump(manifest, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        _fsync_dir(version)
        started = time.perf_counter()
        dataset = Dataset(version, name)
        problems = dataset.problems()
        if problems:
            raise DatasetError("data", name, f"the new version of {name!r} fails its checks, so it was not "
                               f"switched in: {'; '.join(problems)}")
        log(f"checked every file and identity in {time.perf_counter() - started:.1f} s")
        return dataset

    def delete(self, name: str) -> None:
        link = self.root / check_name(name)
        if not link.is_symlink():
            raise DatasetError("dataset", name, f"no dataset named {name!r}")
        with self._locked():
            target = Path(os.path.realpath(link))
            link.unlink()
            if target.parent == (self.root / VERSIONS).resolve():
                shutil.rmtree(target, ignore_errors=True)

    def verify(self, name: str) -> list[str]:
        """Every file against the manifest (size, header, sha256) and the identities the engine relies
        on; one line per problem, each naming the file by its path through the dataset's link."""
        link = self.root / check_name(name)
        if not link.is_symlink():
            raise DatasetError("dataset", name, f"no dataset named {name!r}")
        if not os.path.isdir(link):
            return [f"{link}: the link's version folder is missing; {HINT_DELETE.format(name=name)}"]
        try:
            dataset = Dataset(Path(os.path.realpath(link)), name)
        except DatasetDamaged as exc:
            return [f"{link / exc.file}: {exc.problem}"]
        return dataset.problems(shown=link, fresh=True)
