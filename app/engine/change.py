"""What drove a footprint's change between two years: the structural decomposition (sda.py) of each row
of a view, with direct emissions of final demand as a contribution of their own.

Any view with one breakdown is an origin -> destination query (flows.py): a selection of origin cells
(where impacts occur), of final-demand columns (whose demand) and of final products. Each row of the
view is F_k = (s o_k) L y_k:
- by consuming region or by final product, each row has its own final demand y_k and all rows share the
  origin cells o; the multipliers (s o) L take at most four products with L (two when o is everything:
  the stored M = s L serves the years' own pairs);
- by origin region or product, each row is an origin's share o_k of the same final demand y, so L y
  takes at most four products with L (two when all final products are selected: L Y is stored).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .errors import QueryError
from .flowmath import group_matrix, left, right
from .flows import FIELDS, FlowQuery, plain_flow, resolve_flows
from .hierarchy import ROOT
from .numbers import whole
from .query import DIRECT, DIRECT_NAME, OfView, Query
from .sda import decompose_terms, split_demand

DESTINATION_AXES = ("consumer-region", "final-product")


def read_pair(value) -> tuple[int, int]:
    """The two years of an untrusted `decompose`: two different whole numbers (2011.0 is 2011 in JSON)."""
    if isinstance(value, (list, tuple)):
        value = [whole(y) for y in value]
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in value):
        raise QueryError("decompose", value, "decompose needs two years, e.g. [2011, 2020]")
    if value[0] == value[1]:
        raise QueryError("decompose", list(value), "a decomposition needs two different years")
    return int(value[0]), int(value[1])


@dataclass(frozen=True)
class DecompositionQuery(OfView):
    """A view (one breakdown, no scenario, no normalisation) explained between two years."""

    base: Query | FlowQuery
    years: tuple[int, int]

    def to_dict(self) -> dict:
        data = self.base.to_dict()
        data.pop("year", None)
        return {**data, "decompose": list(self.years)}


def check_view(base: Query | FlowQuery) -> FlowQuery:
    """The view as a one-axis FlowQuery; refused when it has a scenario, a normalisation or two axes."""
    flow = plain_flow(base, "a decomposition explains")
    if len(flow.by) != 1:
        raise QueryError("by", list(flow.by), "a decomposition explains one breakdown: choose one axis")
    return flow


def resolve_decomposition(engine, query: DecompositionQuery):
    """Check the view against both years; the dataset, the view as a one-axis FlowQuery, the query."""
    base = query.base
    flow = check_view(base)
    dataset = engine.dataset(base.dataset)
    for year in query.years:
        if year not in dataset.years:
            raise QueryError("decompose", list(query.years), f"year {year} is not in dataset {dataset.name!r} "
                             f"(years: {', '.join(map(str, dataset.years))})")
    for year in query.years:
        resolve_flows(engine, replace(flow, year=year))
    return dataset, flow, replace(query, base=replace(base, year=None))


def cells(dataset, regions: np.ndarray, products: np.ndarray) -> np.ndarray:
    """0/1 over the (region, product) cells, region-major: 1 where both are selected."""
    r = np.zeros(dataset.regions.size)
    p = np.zeros(dataset.products.size)
    r[regions], p[products] = 1.0, 1.0
    return np.outer(r, p).ravel()


def _leaves(tree, codes) -> list[np.ndarray]:
    return [tree[c].leaves for c in codes]


def answer_decomposition(engine, query: DecompositionQuery) -> DecompositionResult:
    """Start, end and the contributions of each factor for every row of the view, and for its total."""
    dataset, flow, query = resolve_decomposition(engine, query)
    years = query.years
    row = dataset.indicator_row[flow.indicator]
    axis = flow.by[0]
    trees = {a: dataset.regions if "region" in a else dataset.products for a in FIELDS}
    union = {a: trees[a].union(getattr(flow, FIELDS[a])) for a in FIELDS}
    groups = _leaves(trees[axis], getattr(flow, FIELDS[axis])) + [union[axis]]  # the rows, then the total
    everything = np.arange(dataset.regions.size)
    s = [np.asarray(dataset.array(y, "S")[row]) for y in years]
    people = [dataset.population(y) for y in years]
    with_people = all(p is not None for p in people)

    if axis in DESTINATION_AXES:
        o = cells(dataset, union["origin-region"], union["origin-product"])
        if axis == "consumer-region":
            final = cells(dataset, everything, union["final-product"])[:, None]
            ys = [(np.asarray(dataset.array(t, "Y")) @ group_matrix(groups, dataset.regions.size)) * final
                  for t in years]
            consumers = groups
        else:
            finals = np.stack([cells(dataset, everything, g) for g in groups], axis=1)
            ys = [np.asarray(dataset.array(t, "Y"))[:, union["consumer-region"]].sum(axis=1)[:, None] * finals
                  for t in years]
            consumers = [union["consumer-region"]] * len(groups)
        (level0, mix0), (level1, mix1) = split_demand(ys[0]), split_demand(ys[1])
        mix, level = (mix0, mix1), (level0, level1)
        m = {}
        for a in (0, 1):
            for b in (0, 1):
                if a == b and o.all():
                    m[a, b] = np.asarray(dataset.array(years[a], "M")[row])
                else:
                    m[a, b] = left(dataset, years[b], (s[a] * o)[:, None])[0]

        def term(a, b, c):
            return m[a, b] @ mix[c]
    else:
        if axis == "origin-region":
            origins = np.stack([cells(dataset, g, union["origin-product"]) for g in groups], axis=1)
        else:
            origins = np.stack([cells(dataset, union["origin-region"], g) for g in groups], axis=1)
        final = cells(dataset, everything, union["final-product"])
        y = [np.asarray(dataset.array(t, "Y"))[:, union["consumer-region"]].sum(axis=1) * final for t in years]
        parts = [split_demand(v[:, None]) for v in y]
        k = len(groups)
        level = (np.full(k, parts[0][0][0]), np.full(k, parts[1][0][0]))
        mix = (parts[0][1], parts[1][1])
        z = {}
        for b in (0, 1):
            for c in (0, 1):
                if b == c and ROOT in flow.final_products and level[c][0] != 0:
                    ly = np.asarray(dataset.leontief_demand(years[b]))[:, union["consumer-region"]].sum(axis=1)
                    z[b, c] = ly / level[c][0]
                else:
                    z[b, c] = right(dataset, years[b], mix[c])[:, 0]

        def term(a, b, c):
            return origins.T @ (s[a] * z[b, c])
        consumers = [union["consumer-region"]] * k

    population = None
    if with_people:
        population = tuple(np.array([people[t][c].sum() for c in consumers]) for t in (0, 1))
        if any(np.any(p <= 0) for p in population):
            population = None  # a region without people cannot be divided by them: level stays whole
    parts = decompose_terms(term, level, population)
    names = [key for key in parts if key not in ("start", "end")]
    start, end = parts["start"].copy(), parts["end"].copy()
    direct = _direct(dataset, flow, years, row, union)
    codes = list(getattr(flow, FIELDS[axis]))
    nodes = [trees[axis][c] for c in codes]
    extra = []
    if direct is not None:
        names.append("direct")
        if "region" in axis:
            shares = [np.array([d[g].sum() for g in groups]) for d in direct]
            start, end = start + shares[0], end + shares[1]
            parts["direct"] = shares[1] - shares[0]
        else:  # direct emissions have no product: a row of their own, counted in the total
            d0, d1 = float(direct[0].sum()), float(direct[1].sum())
            start[-1], end[-1] = start[-1] + d0, end[-1] + d1
            parts["direct"] = np.zeros(len(groups))
            parts["direct"][-1] = d1 - d0
            extra.append(DecompositionRow(DIRECT, DIRECT_NAME, 1, d0, d1,
                                          {name: (d1 - d0 if name == "direct" else 0.0) for name in names}))
    rows = [DecompositionRow(node.code, node.name, node.level, float(start[k]), float(end[k]),
                             {name: float(parts[name][k]) for name in names}) for k, node in enumerate(nodes)]
    total = DecompositionRow(ROOT, "Total of the selection", 0, float(start[-1]), float(end[-1]),
                             {name: float(parts[name][-1]) for name in names})
    return DecompositionResult(query, dataset.indicators[row]["unit"], list(years), rows + extra, total,
                               direct is not None, population is not None)


def _direct(dataset, flow: FlowQuery, years, row: int, union) -> list[np.ndarray] | None:
    """Direct emissions of final demand per region in both years, where both the origin and the consumer
    selections hold the region; None when they are not part of the view (as flows.py places them)."""
    if not flow.direct or not all(dataset.has_array(y, "F_Y") for y in years):
        return None
    for axis in ("origin-product", "final-product"):
        if axis not in flow.by and ROOT not in getattr(flow, FIELDS[axis]):
            return None
    both = np.zeros(dataset.regions.size)
    both[np.intersect1d(union["origin-region"], union["consumer-region"])] = 1.0
    return [np.asarray(dataset.array(y, "F_Y")[row]) * both for y in years]


@dataclass
class DecompositionRow:
    code: str
    name: str
    level: int
    start: float
    end: float
    contributions: dict


@dataclass
class DecompositionResult:
    query: DecompositionQuery
    unit: str
    years: list[int]
    rows: list[DecompositionRow]
    total: DecompositionRow
    direct: bool       # direct emissions of final demand are part of the figures (their own contribution)
    population: bool   # population is a factor of its own ("level" is then final demand per person)

    def to_dict(self) -> dict:
        return {"unit": self.unit, "years": self.years, "direct": self.direct, "population": self.population,
                "rows": [vars(r) for r in self.rows], "total": vars(self.total)}
