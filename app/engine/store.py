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
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import scipy.linalg
import scipy.sparse

from .errors import DatasetError
from .hierarchy import Tree

FORMAT = 1
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
VERSIONS = ".versions"
# Arrays every year has; F_Y (direct final-demand emissions) only where the source has it.
CORE_ARRAYS = ("A", "L", "x", "Y", "S", "M")
SPARSE_DENSITY = 0.4  # below this share of nonzeros A is also stored in CSR form


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


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
    return {"shape": list(array.shape), "dtype": str(array.dtype), "sha256": _sha256(path)}


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


class Dataset:
    """One compiled dataset, its arrays opened lazily with memory mapping."""

    def __init__(self, path: Path):
        self.path = path
        self.manifest = json.loads((path / "manifest.json").read_text())
        self.name = self.manifest["name"]
        self.years = sorted(int(y) for y in self.manifest["years"])
        self.regions = Tree(self.manifest["regions"])
        self.products = Tree(self.manifest["products"])
        self.indicators = self.manifest["indicators"]
        self.indicator_row = {ind["code"]: i for i, ind in enumerate(self.indicators)}
        self._arrays: dict[tuple[int, str], np.ndarray] = {}

    def array(self, year: int, key: str) -> np.ndarray:
        """A read-only memory map of one array; pages are shared by every process via the page cache."""
        try:
            return self._arrays[year, key]
        except KeyError:
            array = np.load(self.path / str(year) / f"{key}.npy", mmap_mode="r", allow_pickle=False)
            self._arrays[year, key] = array
            return array

    def technical_coefficients(self, year: int):
        """A for products with vectors: its CSR form where stored (memory-mapped), else the dense map."""
        key = (year, "A_csr")
        if key not in self._arrays:
            if self.has_array(year, "A_indptr"):
                n = len(self.array(year, "x"))
                self._arrays[key] = scipy.sparse.csr_matrix(
                    (self.array(year, "A_data"), self.array(year, "A_indices"), self.array(year, "A_indptr")),
                    shape=(n, n), copy=False)
            else:
                self._arrays[key] = self.array(year, "A")
        return self._arrays[key]

    def has_array(self, year: int, key: str) -> bool:
        return key in self.manifest["years"][str(year)]["arrays"]

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

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_symlink() and NAME_PATTERN.match(p.name) and p.resolve().is_dir())

    def path(self, name: str) -> Path:
        """The current version folder of a dataset."""
        link = self.root / check_name(name)
        if not link.is_symlink() or not link.resolve().is_dir():
            raise DatasetError("dataset", name, f"no dataset named {name!r}")
        return link.resolve()

    def open(self, name: str) -> Dataset:
        return Dataset(self.path(name))

    @contextlib.contextmanager
    def _locked(self):
        """One writer at a time; also the moment to sweep what interrupted writers left."""
        (self.root / VERSIONS).mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._sweep()
            yield

    def _sweep(self) -> None:
        live = {p.resolve().name for p in self.root.iterdir() if p.is_symlink()}
        for version in (self.root / VERSIONS).iterdir():
            if version.name not in live:
                shutil.rmtree(version, ignore_errors=True)
        for stray in self.root.glob(".link-*"):
            stray.unlink(missing_ok=True)

    def write(self, name: str, source: Source, log: Callable[[str], None] = lambda _: None) -> Dataset:
        """Compile source into a new version of dataset name, keeping its other years, then swap it in."""
        check_name(name)
        with self._locked():
            old = None
            link = self.root / name
            if link.is_symlink():
                old = Dataset(link.resolve())
                for key, labels in (("region_labels", source.regions), ("product_labels", source.products)):
                    if old.manifest[key] != list(labels):
                        raise DatasetError("name", name, f"dataset {name!r} exists with other "
                                           f"{key.split('_')[0]}s; delete it or choose another name")
                if [i["code"] for i in old.indicators] != [i["code"] for i in source.indicators]:
                    raise DatasetError("name", name, f"dataset {name!r} exists with other indicators; "
                                       "delete it or choose another name")
            version = self.root / VERSIONS / f"{name}.{uuid.uuid4().hex}"
            version.mkdir()
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
            staged = self.root / f".link-{uuid.uuid4().hex}"
            os.symlink(Path(VERSIONS) / version.name, staged)
            os.replace(staged, link)  # the one atomic step
            _fsync_dir(self.root)
            if old is not None:
                shutil.rmtree(old.path, ignore_errors=True)
            return Dataset(version)

    def delete(self, name: str) -> None:
        path = self.path(name)
        with self._locked():
            (self.root / name).unlink()
            shutil.rmtree(path, ignore_errors=True)

    def verify(self, name: str) -> list[str]:
        """Re-check every checksum and the identities the engine relies on; returns the problems."""
        dataset = self.open(name)
        problems = []
        for year in dataset.years:
            entry = dataset.manifest["years"][str(year)]
            for key, meta in entry["arrays"].items():
                path = dataset.path / str(year) / f"{key}.npy"
                if not path.is_file():
                    problems.append(f"{year}/{key}: file missing")
                elif _sha256(path) != meta["sha256"]:
                    problems.append(f"{year}/{key}: checksum differs from the manifest")
            if problems:
                continue
            A, L, x, Y, S, M = (dataset.array(year, k) for k in CORE_ARRAYS)
            probe = np.random.default_rng(1).random(A.shape[0])
            l_probe = L @ probe
            checks = {
                "(I - A) L = I": (l_probe - A @ l_probe, probe),
                "M = S L": (M @ probe, S @ l_probe),
                "x = L y": (L @ Y.sum(axis=1), x),
            }
            for label, (got, want) in checks.items():
                err = np.abs(got - want).max() / max(np.abs(want).max(), 1e-300)
                if not err <= 1e-8:
                    problems.append(f"{year}: {label} fails (relative error {err:.3g})")
        return problems
