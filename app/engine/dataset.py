"""One compiled dataset opened for reading: its manifest checked, its arrays memory-mapped on first use."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import scipy.sparse

from .errors import DatasetDamaged, DatasetError
from .manifest import CSR_PARTS, Damage, _check_manifest, _identity_problems, _signature, map_npy


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
        self._ly: dict[int, tuple] = {}

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

    def coefficient_keys(self, year: int) -> tuple[str, ...]:
        """The arrays A is read from: its CSR parts where stored (a store in the older layout may hold
        dense A.npy beside them, never read), else A."""
        return CSR_PARTS if self.has_array(year, "A_indptr") else ("A",)

    def technical_coefficients(self, year: int, dense: bool = False):
        """A: a CSR matrix over its memory-mapped parts where stored so, else the dense map. Both take
        products with vectors and `A[rows][:, cols]`. dense=True: always an ndarray (from CSR, a new one
        of n x n; for checks and references, never for queries)."""
        if self.coefficient_keys(year) == ("A",):
            return self.array(year, "A")
        parts = tuple(self.array(year, key) for key in CSR_PARTS)
        cached = self._csr.get(year)
        if cached is None or any(a is not b for a, b in zip(cached[0], parts)):
            n = self.regions.size * self.products.size
            cached = (parts, scipy.sparse.csr_matrix(parts, shape=(n, n), copy=False))
            self._csr[year] = cached
        return cached[1].toarray() if dense else cached[1]

    def leontief_demand(self, year: int) -> np.ndarray:
        """L Y (n x consumer regions): stored by compiling; for a store compiled before it was, computed
        once per process from L and Y (a matrix product, seconds at EXIOBASE's size), never written."""
        if self.has_array(year, "LY"):
            return self.array(year, "LY")
        L, Y = self.array(year, "L"), self.array(year, "Y")
        cached = self._ly.get(year)
        if cached is None or cached[0] is not L or cached[1] is not Y:
            with self._locks.setdefault((year, "LY"), threading.Lock()):
                cached = self._ly.get(year)
                if cached is None or cached[0] is not L or cached[1] is not Y:
                    cached = (L, Y, np.asarray(L @ Y))
                    self._ly[year] = cached
        return cached[2]

    def population(self, year: int) -> np.ndarray | None:
        """Persons per region (in axis order) for a year, or None where the dataset has no table for it."""
        values = self.manifest.get("population", {}).get("years", {}).get(str(year))
        return None if values is None else np.asarray(values, dtype=np.float64)

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

    def array_bytes(self, year: int) -> dict[str, int]:
        """Bytes on disk of each array of a year (the size of its .npy file; 0 where it is missing)."""
        sizes = {}
        for key in self.manifest["years"][str(year)]["arrays"]:
            try:
                sizes[key] = (self.path / str(year) / f"{key}.npy").stat().st_size
            except OSError:
                sizes[key] = 0
        return sizes

    def year_bytes(self) -> dict[str, int]:
        """Bytes on disk of each year's arrays, by year."""
        return {str(year): sum(self.array_bytes(year).values()) for year in self.years}

    def provenance(self) -> dict:
        """Where the data came from: the database (or the description of a synthetic or demo set), its
        licence as known, and per year the version its files state, when it was imported and from which file."""
        known = self.manifest.get("provenance", {})
        versions = known.get("versions", {})
        return {"database": known.get("database") or self.manifest.get("description", ""),
                "format": known.get("format", ""), "licence": known.get("licence", ""),
                "years": {year: {"version": versions.get(year, ""),
                                 "imported": meta.get("imported", self.manifest.get("created", "")),
                                 "origin": meta.get("origin", "")}
                          for year, meta in sorted(self.manifest["years"].items())}}

    def summary(self) -> dict:
        return {
            "name": self.name,
            "years": self.years,
            "regions": self.regions.size,
            "products": self.products.size,
            "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"]}
                           for i in self.indicators],
            "bytes": self.size_bytes(),
            "bytes_per_year": self.year_bytes(),
        }
