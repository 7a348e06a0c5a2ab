"""Analysis queries: validate a request and answer the four standard views from M, x and Y."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .dataset import Dataset
from .errors import DatasetError, QueryError
from .hierarchy import ROOT
from .interventions import Intervention, check_interventions, read_interventions
from .numbers import whole
from .scenario import ScenarioSystem
from .store import Store, check_name

PERSPECTIVES = ("consumption", "production")
BREAKDOWNS = ("product", "region")
MAX_NODES = 1000
DIRECT = "DIRECT"  # the row of direct emissions by final demand in a product breakdown
DIRECT_NAME = "direct, by final demand"



def read_year(data: dict) -> int | None:
    """The optional year of an untrusted query: a whole number, or None for the dataset's latest."""
    year = whole(data.get("year"))
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise QueryError("year", year, "year must be a whole number")
    return year


def read_codes(data: dict, key: str) -> tuple[str, ...]:
    """A selection of an untrusted query: a list of node codes; absent means everything (TOTAL), and
    null is not a list, as the published schema says."""
    codes = data.get(key, [ROOT])
    if isinstance(codes, str) or not isinstance(codes, (list, tuple)):
        raise QueryError(key, codes, f"{key} must be a list of codes")
    if not all(isinstance(c, str) and c for c in codes):
        raise QueryError(key, codes, f"every entry of {key} must be a code (a non-empty string)")
    return tuple(codes)

class OfView:
    """A query about a view (its `base`: a series, a decomposition, a supply-chain analysis): the dataset
    and the scenario are the view's."""

    @property
    def dataset(self) -> str:
        return self.base.dataset

    @property
    def interventions(self) -> tuple:
        return self.base.interventions


@dataclass(frozen=True)
class Query:
    """One analysis: which footprint, seen from which side, broken down by which nodes."""

    dataset: str
    indicator: str
    perspective: str
    by: str
    year: int | None = None
    products: tuple[str, ...] = (ROOT,)
    regions: tuple[str, ...] = (ROOT,)
    interventions: tuple[Intervention, ...] = ()
    direct: bool = True  # add direct emissions of final demand (F_Y) where the dataset has them

    @classmethod
    def from_dict(cls, data) -> Query:
        """Build a query from untrusted input (JSON, a form), checking every field's type."""
        if not isinstance(data, dict):
            raise QueryError("query", data, "a query must be an object with named fields")
        allowed = {"dataset", "indicator", "perspective", "by", "year", "products", "regions", "interventions",
                   "direct"}
        for key in data:
            if key not in allowed:
                raise QueryError(str(key), data[key], f"unknown field {key!r}")
        values = {}
        for key in ("dataset", "indicator", "perspective", "by"):
            if key not in data or data[key] is None:
                raise QueryError(key, None, f"{key} is required")
            if not isinstance(data[key], str) or not data[key]:
                raise QueryError(key, data[key], f"{key} must be a non-empty string")
            values[key] = data[key]
        values["year"] = read_year(data)
        for key in ("products", "regions"):
            values[key] = read_codes(data, key)
        # absent means none; 0, "" or null are not lists
        values["interventions"] = read_interventions(data)
        values["direct"] = data.get("direct", True)
        if not isinstance(values["direct"], bool):
            raise QueryError("direct", values["direct"], "direct must be true or false")
        return cls(**values)

    def to_dict(self) -> dict:
        """Plain data; interventions only when there are any, so plain queries stay as they were."""
        data = asdict(self)
        data["products"], data["regions"] = list(self.products), list(self.regions)
        data["interventions"] = [iv.to_dict() for iv in self.interventions]
        if not self.interventions:
            del data["interventions"]
        return data

    @property
    def baseline(self) -> Query:
        return replace(self, interventions=())


@dataclass
class Row:
    code: str
    name: str
    level: int
    value: float


@dataclass
class Result:
    query: Query          # with the year filled in
    unit: str
    total: float
    rows: list[Row] = field(default_factory=list)
    baseline: Result | None = None  # for a scenario: the same view without interventions
    solver: dict | None = None
    direct: bool = False  # whether direct emissions of final demand are part of the figures

    def to_dict(self) -> dict:
        data = {"unit": self.unit, "total": self.total, "direct": self.direct,
                "rows": [asdict(r) for r in self.rows]}
        if self.baseline is not None:
            data["baseline"] = {"total": self.baseline.total, "rows": [asdict(r) for r in self.baseline.rows]}
            data["solver"] = self.solver
            if self.direct:
                data["direct_unchanged"] = True  # interventions change A and Y, not the households' own emissions
        return data


GATHER_CONSUMERS = 8  # consumer regions up to which their columns of Y are gathered, else one pass over Y


def consumption_by_product(m: np.ndarray, Y: np.ndarray, consumers: np.ndarray,
                           n_regions: int) -> np.ndarray:
    """Impacts caused by the consumers' final demand, per consumed product (any origin)."""
    if len(consumers) <= GATHER_CONSUMERS:
        y = Y[:, consumers].sum(axis=1)
    else:  # one pass over Y, where a gather copies its columns first (12 ms for GLORIA's 164 regions)
        chosen = np.zeros(Y.shape[1])
        chosen[consumers] = 1.0
        y = np.einsum("ij,j->i", Y, chosen)  # see consumption_by_region
    return (m * y).reshape(n_regions, -1).sum(axis=0)


def consumption_by_region(m: np.ndarray, Y: np.ndarray, products: np.ndarray,
                          n_regions: int) -> np.ndarray:
    """Impacts caused by each consuming region's final demand for the products."""
    weights = np.zeros_like(m).reshape(n_regions, -1)
    weights[:, products] = m.reshape(n_regions, -1)[:, products]
    # numpy's own loop, not BLAS: a threaded BLAS waits for its second core on a busy machine (a 1 ms product
    # took 6 ms, 14 at the 95th percentile, at GLORIA's size)
    return np.einsum("i,ij->j", weights.reshape(-1), Y)


def production_by_region(s: np.ndarray, x: np.ndarray, products: np.ndarray,
                         n_regions: int) -> np.ndarray:
    """Impacts occurring in each region's production of the products."""
    return (s * x).reshape(n_regions, -1)[:, products].sum(axis=1)


def production_by_product(s: np.ndarray, x: np.ndarray, regions: np.ndarray,
                          n_regions: int) -> np.ndarray:
    """Impacts occurring in the regions' production of each product."""
    return (s * x).reshape(n_regions, -1)[regions, :].sum(axis=0)


class Engine:
    """Answers queries on the datasets of one store, keeping each dataset open once per process."""

    def __init__(self, store: Store):
        self.store = store
        self._open: dict[str, tuple[tuple, Dataset]] = {}
        self._lock = threading.Lock()

    def dataset(self, name) -> Dataset:
        """The current version of a dataset, reopened when an import has replaced it or its manifest
        changed on disk; DatasetDamaged (naming the file) when it cannot be trusted."""
        # a readlink and a stat per query: microseconds
        key = link = None
        try:
            link = os.path.join(self.store.root, check_name(name))
            target = os.readlink(link)
            manifest = os.stat(os.path.join(link, "manifest.json"))
            key = (target, manifest.st_ino, manifest.st_size, manifest.st_mtime_ns)
        except (DatasetError, OSError):
            # no manifest in a version folder is damage, which opening names; anything else is no dataset
            if link is None or not (os.path.islink(link) and os.path.isdir(link)):
                names = ", ".join(self.store.names()) or "none"
                raise QueryError("dataset", name, f"no dataset named {name!r} (available: {names})") from None
        with self._lock:
            cached = self._open.get(name)
            if cached is None or key is None or cached[0] != key:
                self._open.pop(name, None)
                cached = (key, self.store.open(name))
                self._open[name] = cached
        return cached[1]

    def resolve(self, query: Query) -> tuple[Dataset, Query]:
        """Check a query against its dataset; returns the dataset and the query with its year set."""
        dataset = self.dataset(query.dataset)
        year = query.year if query.year is not None else dataset.years[-1]
        if year not in dataset.years:
            raise QueryError("year", year, f"year {year} is not in dataset {dataset.name!r} "
                             f"(years: {', '.join(map(str, dataset.years))})")
        if query.indicator not in dataset.indicator_row:
            raise QueryError("indicator", query.indicator,
                             f"no indicator {query.indicator!r} in dataset {dataset.name!r}")
        if query.perspective not in PERSPECTIVES:
            raise QueryError("perspective", query.perspective,
                             f"perspective must be one of {', '.join(PERSPECTIVES)}")
        if query.by not in BREAKDOWNS:
            raise QueryError("by", query.by, f"by must be one of {', '.join(BREAKDOWNS)}")
        for key, tree in (("products", dataset.products), ("regions", dataset.regions)):
            codes = getattr(query, key)
            singular = key[:-1]
            if not codes:
                raise QueryError(key, list(codes), f"select at least one {singular}")
            if len(codes) > MAX_NODES:
                raise QueryError(key, len(codes), f"select at most {MAX_NODES} {key}")
            seen = set()
            for code in codes:
                if code not in tree:
                    raise QueryError(key, code, f"unknown {singular} code {code!r} "
                                     f"in dataset {dataset.name!r}")
                if code in seen:
                    raise QueryError(key, code, f"{singular} code {code!r} is selected twice")
                seen.add(code)
        check_interventions(dataset, query.interventions)
        return dataset, replace(query, year=year, products=tuple(query.products), regions=tuple(query.regions))

    def answer(self, query: Query, progress: Callable[[str], None] = lambda _: None, checked: bool = False) -> Result:
        """One row per selected node of the breakdown, and the total over the whole selection.

        With interventions: the same view on the changed system, with the baseline beside it. checked: the
        query, its year set, was resolved already (a series checks its view once, not once a year).
        """
        dataset, query = (self.dataset(query.dataset), query) if checked else self.resolve(query)
        row = dataset.indicator_row[query.indicator]
        baseline = self._view(dataset, query, None)
        if not query.interventions:
            return baseline
        started = time.perf_counter()
        system = ScenarioSystem(dataset, query.year, query.interventions, progress)
        if query.perspective == "consumption":
            arrays = {"m": system.multipliers(dataset.array(query.year, "S")[row],
                                              dataset.array(query.year, "M")[row]), "Y": system.Y}
        else:
            arrays = {"x": system.output(np.asarray(system.Y).sum(axis=1), dataset.array(query.year, "x"))}
        result = self._view(dataset, query, arrays)
        result.baseline = baseline
        result.solver = {"method": system.method, "rank": system.rank, "iterations": system.iterations,
                         "seconds": round(time.perf_counter() - started, 4)}
        return result

    def _view(self, dataset: Dataset, query: Query, changed: dict | None) -> Result:
        """The view from the dataset's arrays, or from a scenario's m' and Y' or x'."""
        changed = changed or {}
        row = dataset.indicator_row[query.indicator]
        year, n_regions = query.year, dataset.regions.size
        by_tree, other_tree = ((dataset.products, dataset.regions) if query.by == "product"
                               else (dataset.regions, dataset.products))
        by_codes, other_codes = ((query.products, query.regions) if query.by == "product"
                                 else (query.regions, query.products))
        other = other_tree.union(other_codes)
        if query.perspective == "consumption":
            m = changed.get("m", dataset.array(year, "M")[row])
            Y = changed.get("Y", dataset.array(year, "Y"))
            view = consumption_by_product if query.by == "product" else consumption_by_region
            values = view(m, Y, other, n_regions)
        else:
            s, x = dataset.array(year, "S")[row], changed.get("x", dataset.array(year, "x"))
            view = production_by_product if query.by == "product" else production_by_region
            values = view(s, x, other, n_regions)
        rows = []
        for code in by_codes:
            node = by_tree[code]
            rows.append(Row(node.code, node.name, node.level, float(values[node.leaves].sum())))
        total = float(values[by_tree.union(by_codes)].sum())
        result = Result(query, dataset.indicators[row]["unit"], total, rows)
        if query.direct and dataset.has_array(year, "F_Y"):
            _add_direct(dataset, query, np.asarray(dataset.array(year, "F_Y")[row]), result)
        return result


def _add_direct(dataset: Dataset, query: Query, f_y: np.ndarray, result: Result) -> None:
    """Direct emissions of final demand, placed as origin-destination queries place them: in each
    region's footprint and territorial total (a product filter keeps them only when it selects TOTAL),
    and as a row of their own in a product breakdown (they have no product), counted in the total."""
    if query.by == "region":
        if ROOT not in query.products:
            return
        for r in result.rows:
            r.value += float(f_y[dataset.regions[r.code].leaves].sum())
        result.total += float(f_y[dataset.regions.union(query.regions)].sum())
    else:
        value = float(f_y[dataset.regions.union(query.regions)].sum())
        result.rows.append(Row(DIRECT, DIRECT_NAME, 1, value))
        result.total += value
    result.direct = True
