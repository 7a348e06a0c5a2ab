"""Origin -> destination queries: where impacts occur and whose final demand causes them, on four axes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import QueryError
from .flowmath import AXES, ChangedSystem, flow_sums
from .hierarchy import ROOT
from .interventions import Intervention, check_interventions, read_interventions
from .query import DIRECT, DIRECT_NAME, MAX_NODES, Query, Row, read_codes, read_year
from .scenario import ScenarioSystem

FIELDS = {"origin-region": "origin_regions", "origin-product": "origin_products",
          "consumer-region": "consumer_regions", "final-product": "final_products"}
PER = ("capita", "value-added")


@dataclass(frozen=True)
class FlowQuery:
    """One origin -> destination analysis: a selection on each axis, one or two axes to break down by."""

    dataset: str
    indicator: str
    by: tuple[str, ...]
    year: int | None = None
    origin_regions: tuple[str, ...] = (ROOT,)
    origin_products: tuple[str, ...] = (ROOT,)
    consumer_regions: tuple[str, ...] = (ROOT,)
    final_products: tuple[str, ...] = (ROOT,)
    direct: bool = True
    per: str | None = None
    interventions: tuple[Intervention, ...] = ()  # a scenario: the same query on the changed system

    @classmethod
    def from_dict(cls, data) -> FlowQuery:
        """Build a query from untrusted input (JSON, a form), checking every field's type."""
        if not isinstance(data, dict):
            raise QueryError("query", data, "a query must be an object with named fields")
        allowed = {"dataset", "indicator", "by", "year", "direct", "per", "interventions", *FIELDS.values()}
        for key in data:
            if key not in allowed:
                raise QueryError(str(key), data[key], f"unknown field {key!r}")
        values = {}
        for key in ("dataset", "indicator"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise QueryError(key, data.get(key), f"{key} is required, a non-empty string")
            values[key] = data[key]
        by = data.get("by")
        by = [by] if isinstance(by, str) else by
        if not isinstance(by, (list, tuple)) or not all(isinstance(a, str) for a in by):
            raise QueryError("by", by, "by must be one axis or a list of two")
        values["by"] = tuple(by)
        values["year"] = read_year(data)
        for key in FIELDS.values():
            values[key] = read_codes(data, key)
        direct = data.get("direct", True)
        if not isinstance(direct, bool):
            raise QueryError("direct", direct, "direct must be true or false")
        values["direct"] = direct
        per = data.get("per")
        if per is not None and per not in PER:
            raise QueryError("per", per, f"per must be one of {', '.join(PER)}, or absent")
        values["per"] = per
        values["interventions"] = read_interventions(data)
        return cls(**values)

    def to_dict(self) -> dict:
        """Plain data; interventions only when there are any, so plain queries stay as they were."""
        data = {"dataset": self.dataset, "indicator": self.indicator, "year": self.year, "by": list(self.by)}
        data.update({key: list(getattr(self, key)) for key in FIELDS.values()})
        data.update(direct=self.direct, per=self.per)
        if self.interventions:
            data["interventions"] = [iv.to_dict() for iv in self.interventions]
        return data

    @property
    def baseline(self) -> FlowQuery:
        return replace(self, interventions=())


@dataclass
class Header:
    code: str
    name: str
    level: int


@dataclass
class FlowResult:
    query: FlowQuery      # with the year filled in
    unit: str
    total: float
    direct: bool          # whether direct emissions of final demand are part of the figures
    rows: list[Row] = field(default_factory=list)  # one axis
    matrix: dict | None = None  # two axes: {"rows": [Header], "columns": [Header], "values": [[float]]}
    baseline: FlowResult | None = None  # for a scenario: the same query without interventions
    solver: dict | None = None

    def figures(self) -> dict:
        """The total with the rows or the matrix."""
        if self.matrix is None:
            return {"total": self.total, "rows": [vars(r) for r in self.rows]}
        return {"total": self.total, "matrix": {"rows": [vars(h) for h in self.matrix["rows"]],
                                                "columns": [vars(h) for h in self.matrix["columns"]],
                                                "values": self.matrix["values"]}}

    def to_dict(self) -> dict:
        data = {"unit": self.unit, "direct": self.direct, "per": self.query.per, **self.figures()}
        if self.baseline is not None:
            data["baseline"] = self.baseline.figures()
            data["solver"] = self.solver
            if self.direct:
                data["direct_unchanged"] = True  # interventions change A and Y, not the households' own emissions
        return data


def flow_query(query: Query, direct: bool = False) -> FlowQuery:
    """The origin -> destination form of one of the four classic views, with its interventions."""
    common = {"dataset": query.dataset, "indicator": query.indicator, "year": query.year, "direct": direct,
              "interventions": query.interventions}
    if query.perspective == "consumption":
        by = "final-product" if query.by == "product" else "consumer-region"
        return FlowQuery(by=(by,), final_products=query.products, consumer_regions=query.regions, **common)
    by = "origin-product" if query.by == "product" else "origin-region"
    return FlowQuery(by=(by,), origin_products=query.products, origin_regions=query.regions, **common)


def plain_flow(base, doing: str, scenario: bool = False) -> FlowQuery:
    """A view as a FlowQuery for an analysis of the data as they are (doing: "a decomposition explains");
    a normalisation is refused, naming it, and so is a scenario unless the analysis takes one (scenario)."""
    if base.interventions and not scenario:
        raise QueryError("interventions", len(base.interventions), f"{doing} the data as they are: run it "
                         "without a scenario")
    flow = flow_query(base, direct=base.direct) if isinstance(base, Query) else base
    if flow.per is not None:
        raise QueryError("per", flow.per, f"{doing} totals: leave out the normalisation (per)")
    return flow


def resolve_flows(engine, query: FlowQuery):
    """Check a query against its dataset; the dataset and the query with its year set."""
    dataset = engine.dataset(query.dataset)
    year = query.year if query.year is not None else dataset.years[-1]
    if year not in dataset.years:
        raise QueryError("year", year, f"year {year} is not in dataset {dataset.name!r} "
                         f"(years: {', '.join(map(str, dataset.years))})")
    if query.indicator not in dataset.indicator_row:
        raise QueryError("indicator", query.indicator, f"no indicator {query.indicator!r} in dataset {dataset.name!r}")
    if not 1 <= len(query.by) <= 2:
        raise QueryError("by", list(query.by), "break down by one axis, or by two for a matrix")
    for axis in query.by:
        if axis not in AXES:
            raise QueryError("by", axis, f"unknown axis {axis!r}; axes are {', '.join(AXES)}")
    if len(set(query.by)) != len(query.by):
        raise QueryError("by", list(query.by), f"axis {query.by[0]!r} is given twice")
    for axis, key in FIELDS.items():
        tree, other = ((dataset.regions, dataset.products) if "region" in axis
                       else (dataset.products, dataset.regions))
        kind, other_kind = ("region", "product") if "region" in axis else ("product", "region")
        codes = getattr(query, key)
        if not codes:
            raise QueryError(key, [], f"select at least one {kind} in {key}")
        if len(codes) > MAX_NODES:
            raise QueryError(key, len(codes), f"select at most {MAX_NODES} nodes in {key}")
        if len(set(codes)) != len(codes):
            raise QueryError(key, list(codes), f"a {kind} code is selected twice in {key}")
        for code in codes:
            if code not in tree:
                hint = f" ({code!r} is a {other_kind})" if code in other else ""
                raise QueryError(key, code, f"unknown {kind} code {code!r} in {key}{hint}")
    check_interventions(dataset, query.interventions)
    return dataset, replace(query, year=year)


def _groups(tree, codes, broken_down: bool) -> list[np.ndarray]:
    """One group per selected node and their union last for a breakdown; the union alone for a filter."""
    union = tree.union(codes)
    return [tree[c].leaves for c in codes] + [union] if broken_down else [union]


def answer_flows(engine, query: FlowQuery, progress: Callable[[str], None] = lambda _: None,
                 checked: bool = False) -> FlowResult:
    """Rows (one axis) or a matrix (two), and the total over the whole selection.

    With interventions: the same query on the changed system A', Y' (direct emissions of final demand
    unchanged), with the baseline beside it. checked: the query, its year set, was resolved already (a
    series checks its view once, not once a year)."""
    dataset, query = (engine.dataset(query.dataset), query) if checked else resolve_flows(engine, query)
    if not query.interventions:
        return _answer(dataset, query, None)
    baseline = _answer(dataset, query.baseline, None)
    started = time.perf_counter()
    scenario = ScenarioSystem(dataset, query.year, query.interventions, progress)
    result = _answer(dataset, query, ChangedSystem(dataset, query.year, scenario))
    result.baseline = baseline
    result.solver = {"method": scenario.method, "rank": scenario.rank, "iterations": scenario.iterations,
                     "seconds": round(time.perf_counter() - started, 4)}
    return result


def _answer(dataset, query: FlowQuery, system: ChangedSystem | None) -> FlowResult:
    """The figures of a resolved query, on the dataset's system or a scenario's."""
    from .normalise import denominators

    row = dataset.indicator_row[query.indicator]
    trees = {a: dataset.regions if "region" in a else dataset.products for a in AXES}
    groups = {a: _groups(trees[a], getattr(query, FIELDS[a]), a in query.by) for a in AXES}
    values = flow_sums(dataset, query.year, row, groups, system)
    has_direct = query.direct and dataset.has_array(query.year, "F_Y")
    included = False
    if has_direct:
        values, included = _add_direct(dataset, query, row, groups, values)
    unit = dataset.indicators[row]["unit"]
    if query.per is not None:
        values, unit = denominators(dataset, query, groups, values, unit)
    headers = {a: _headers(trees[a], getattr(query, FIELDS[a]), a in query.by and included and "product" in a)
               for a in query.by}
    # every axis not broken down has one group; a breakdown's union is its last entry before any direct slot
    index = [slice(None) if a in query.by else 0 for a in AXES]
    table = values[tuple(index)]
    if len(query.by) == 2 and AXES.index(query.by[0]) > AXES.index(query.by[1]):
        table = table.T  # the first axis asked for gives the rows
    total_index = tuple(len(getattr(query, FIELDS[a])) for a in query.by)  # each breakdown's union
    total = float(table[total_index])
    picks = [_row_index(getattr(query, FIELDS[a]), headers[a]) for a in query.by]
    if len(query.by) == 1:
        rows = [Row(h.code, h.name, h.level, float(table[i])) for h, i in zip(headers[query.by[0]], picks[0])]
        return FlowResult(query, unit, total, included, rows=rows)
    grid = table[np.ix_(picks[0], picks[1])]
    matrix = {"rows": headers[query.by[0]], "columns": headers[query.by[1]],
              "values": [[float(v) for v in line] for line in grid]}
    return FlowResult(query, unit, total, included, matrix=matrix)


def _headers(tree, codes, with_direct: bool) -> list[Header]:
    out = [Header(tree[c].code, tree[c].name, tree[c].level) for c in codes]
    return out + [Header(DIRECT, DIRECT_NAME, 1)] if with_direct else out


def _row_index(codes, headers) -> list[int]:
    """Positions along an axis's groups: the nodes, then (past the union) the direct slot if shown."""
    picks = list(range(len(codes)))
    return picks + [len(codes) + 1] if len(headers) > len(codes) else picks


def _add_direct(dataset, query: FlowQuery, row: int, groups, values: np.ndarray):
    """Direct emissions of final demand: in region c's footprint and territorial total (origin =
    consumer = c), in no product; a product breakdown shows them as a slot of their own (counted in
    its union), a product filter keeps them only when it selects TOTAL. Returns values, included."""
    f_y = np.asarray(dataset.array(query.year, "F_Y")[row])
    g_or = np.zeros((dataset.regions.size, len(groups["origin-region"])))
    g_cr = np.zeros((dataset.regions.size, len(groups["consumer-region"])))
    for m, axis in ((g_or, "origin-region"), (g_cr, "consumer-region")):
        for k, leaves in enumerate(groups[axis]):
            m[leaves, k] = 1.0
    direct = g_or.T @ (f_y[:, None] * g_cr)  # origin groups x consumer groups
    products = {axis: getattr(query, FIELDS[axis]) for axis in ("origin-product", "final-product")}
    if any(axis not in query.by and ROOT not in codes for axis, codes in products.items()):
        return values, False
    receive = {}
    for axis, codes in products.items():
        if axis in query.by:
            pad = [(0, 0)] * 4
            pad[AXES.index(axis)] = (0, 1)
            values = np.pad(values, pad)  # the direct slot, after the union
            receive[axis] = [len(codes), len(codes) + 1]
        else:
            receive[axis] = [0]
    values = values.copy()
    for p in receive["origin-product"]:
        for f in receive["final-product"]:
            values[:, p, :, f] += direct
    return values, True
