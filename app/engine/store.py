"""The compiled dataset store: per dataset and year, memory-mapped .npy arrays and a manifest.

A dataset lives in ``ROOT/.versions/<name>.<token>/`` and ``ROOT/<name>`` is a symlink to it.
A new version is built in full beside the old one and the symlink is swapped with one atomic
rename, so a crash at any moment leaves either the old or the new dataset, never a mixture.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .compiling import Source, check_source, compile_year, csr_index_dtype, csr_is_smaller, save_coefficients
from .dataset import Dataset
from .errors import DatasetDamaged, DatasetError
from .manifest import CSR_PARTS, FORMAT, _signature

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
VERSIONS = ".versions"
HINT_DELETE = "delete it with `flask --app wsgi data delete {name}`"


def check_name(name) -> str:
    """A dataset name is a short slug: it becomes a folder name, so nothing else gets through."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise DatasetError("name", name, f"dataset name {name!r} must be 1-64 letters, digits, "
                           "'-' or '_', starting with a letter or digit")
    return name


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_manifest(version: Path, manifest: dict) -> None:
    """The version's manifest, on disk with the folder's entries before anything points at it."""
    with open(version / "manifest.json", "w") as f:
        json.dump(manifest, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(version)


def _coefficients_plan(dataset: Dataset, year: int) -> tuple[tuple[str, ...], bool] | None:
    """What upgrading a year's A takes: the arrays to drop and whether to write A anew (from the form
    that stays), or None when A is stored once already, in its smaller form."""
    arrays = dataset.manifest["years"][str(year)]["arrays"]
    n = dataset.regions.size * dataset.products.size
    dense = "A" in arrays
    if "A_indptr" in arrays:
        nnz, itemsize = arrays["A_data"]["shape"][0], np.dtype(arrays["A_data"]["dtype"]).itemsize
        if not csr_is_smaller(n, nnz, itemsize):
            return CSR_PARTS, not dense  # dense is smaller: kept, or made from the CSR parts
        index = csr_index_dtype(n, nnz)
        if all(np.dtype(arrays[key]["dtype"]) == index for key in CSR_PARTS[1:]):
            return (("A",), False) if dense else None
        return ("A", *CSR_PARTS) if dense else CSR_PARTS, True  # indices of another width: written anew
    A = dataset.array(year, "A")
    nnz = int(np.count_nonzero(A))
    return (("A",), True) if csr_is_smaller(n, nnz, A.dtype.itemsize) else None


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
            self._switch(link, version, old)
            return dataset

    def _switch(self, link: Path, version: Path, old: Dataset | None) -> None:
        """Point the dataset's link at a new version folder (the one atomic step), then drop the old one."""
        staged = self.root / f".link-{uuid.uuid4().hex}"
        os.symlink(Path(VERSIONS) / version.name, staged)
        os.replace(staged, link)
        _fsync_dir(self.root)
        if old is not None:
            shutil.rmtree(old.path, ignore_errors=True)

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
                                "compile_seconds": round(time.perf_counter() - started, 3),
                                "imported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
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
        if source.provenance is not None:  # read after the years: their versions are known by now
            provenance = dict(old.manifest.get("provenance", {})) if old is not None else {}
            versions = {**provenance.get("versions", {}),
                        **{str(y): v for y, v in source.provenance.get("versions", {}).items()}}
            manifest["provenance"] = {**source.provenance, "versions": dict(sorted(versions.items())),
                                      "imported": manifest["created"]}
        population = dict(old.manifest.get("population", {}).get("years", {})) if old is not None else {}
        population.update({str(y): list(v) for y, v in (source.population or {}).items()})
        population = {y: v for y, v in population.items() if y in years}
        if population:
            manifest["population"] = {"years": dict(sorted(population.items()))}
        _write_manifest(version, manifest)
        started = time.perf_counter()
        dataset = Dataset(version, name)
        problems = dataset.problems()
        if problems:
            raise DatasetError("data", name, f"the new version of {name!r} fails its checks, so it was not "
                               f"switched in: {'; '.join(problems)}")
        log(f"checked every file and identity in {time.perf_counter() - started:.1f} s")
        return dataset

    def amend(self, name: str, change: Callable[[dict], dict]) -> Dataset:
        """A new version of a dataset with the same arrays (hard links) and the manifest change() returns,
        switched in atomically as write() does; a failure leaves the current version as it was."""
        link = self.root / check_name(name)
        with self._locked():
            if not link.is_symlink() or not os.path.isdir(link):
                raise DatasetError("dataset", name, f"no dataset named {name!r}")
            old = Dataset(Path(os.path.realpath(link)), name)
            manifest = change(json.loads(json.dumps(old.manifest)))
            version = self.root / VERSIONS / f"{name}.{uuid.uuid4().hex}"
            version.mkdir()
            try:
                for year in old.manifest["years"]:
                    (version / year).mkdir()
                    for file in (old.path / year).iterdir():
                        os.link(file, version / year / file.name)
                _write_manifest(version, manifest)
                dataset = Dataset(version, name)  # the new manifest must hold together
            except BaseException:
                shutil.rmtree(version, ignore_errors=True)
                raise
            self._switch(link, version, old)
            return dataset

    def upgrade(self, name: str, log: Callable[[str], None] = lambda _: None) -> list[str]:
        """Rewrite a dataset written in an older layout in the current one, as a new version switched in
        atomically (the arrays that stay are hard links); one line per change, none when it is current.

        The current layout keeps A once: in CSR form when that is smaller than dense (int32 indices where
        they fit), else dense. Older stores hold dense A.npy beside its CSR parts, or dense A alone when it
        is sparse. A damaged dataset is refused, and so is anything else that fails the new version's checks:
        until the switch, the current version is left exactly as it was."""
        link = self.root / check_name(name)
        with self._locked():
            if not link.is_symlink() or not os.path.isdir(link):
                raise DatasetError("dataset", name, f"no dataset named {name!r}")
            refused = f"dataset {name!r} is damaged, so it was not upgraded (nothing changed)"
            try:
                old = Dataset(Path(os.path.realpath(link)), name)
                plans = {year: _coefficients_plan(old, year) for year in old.years}
            except DatasetDamaged as exc:
                raise DatasetError("dataset", name, f"{refused}: {exc.file}: {exc.problem}; "
                                   f"{HINT_DELETE.format(name=name)} and write it again") from None
            if not any(plans.values()):
                return []
            log(f"checking every file of {name!r} before upgrading it")
            problems = old.problems()
            if problems:
                raise DatasetError("dataset", name, f"{refused}: {'; '.join(problems)}")
            manifest = json.loads(json.dumps(old.manifest))
            version = self.root / VERSIONS / f"{name}.{uuid.uuid4().hex}"
            version.mkdir()
            changes = []
            try:
                for year, plan in plans.items():
                    drop, rewrite = plan or ((), False)
                    folder = version / str(year)
                    folder.mkdir()
                    for file in (old.path / str(year)).iterdir():
                        if file.name not in {f"{key}.npy" for key in drop}:
                            os.link(file, folder / file.name)
                    arrays = manifest["years"][str(year)]["arrays"]
                    for key in drop:
                        del arrays[key]
                    if rewrite:
                        log(f"{year}: writing A once, in its smaller form")
                        arrays.update(save_coefficients(folder, old.technical_coefficients(year)))
                    if plan:
                        after = sum((folder / f"{key}.npy").stat().st_size for key in arrays)
                        changes.append(f"{year}: A kept once ({', '.join(k for k in arrays if k.startswith('A'))}); "
                                       f"{sum(old.array_bytes(year).values()) / 1e6:,.1f} MB -> {after / 1e6:,.1f} MB")
                _write_manifest(version, manifest)
                problems = Dataset(version, name).problems()
                if problems:
                    raise DatasetError("data", name, f"the upgraded version of {name!r} fails its checks, so it "
                                       f"was not switched in (nothing changed): {'; '.join(problems)}")
            except BaseException:
                shutil.rmtree(version, ignore_errors=True)
                raise
            self._switch(link, version, old)
            return changes

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
