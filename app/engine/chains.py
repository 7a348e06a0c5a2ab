"""A supply-chain analysis of any footprint selection (supply.py): production layers, structural paths or
the coefficients that matter, as a query like any other (read from JSON, the command line or a form,
checked, queued, answered).

The selection is the view's: its consumer regions and final products give the final demand y, its origin
regions and products the intensities s_o kept; the view's breakdown does not matter (the whole selection
is one footprint F = s_o L y). Direct emissions of final demand have no supply chain: they are left out,
and the result says so. With interventions (a scenario) the analysis is of the changed system A', Y',
solved as the scenario's other views are, with the baseline's footprint beside it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .change import cells
from .errors import QueryError
from .flows import FIELDS, FlowQuery, plain_flow, resolve_flows
from .numbers import whole
from .query import OfView, Query
from .scenario import ScenarioSystem
from .supply import BY, MAX_COUNT, MAX_DEPTH, MAX_TIERS, MAX_TOP, THRESHOLD, footprint, layers, paths, sensitivity

KINDS = ("layers", "paths", "sensitivity")
DEFAULTS = {"layers": {"tiers": 10, "by": "origin-region"},
            "paths": {"count": 100, "depth": 8, "threshold": 1e-4},
            "sensitivity": {"top": 50}}
# the query's own field for each kind's size, and the options beside it
SIZE = {"layers": "tiers", "paths": "count", "sensitivity": "top"}
OPTIONS = {"layers": ("layers_by",), "paths": ("depth", "threshold"), "sensitivity": ()}
OPTION_FIELDS = ("layers_by", "depth", "threshold")
CHAIN_FIELDS = (*KINDS, *OPTION_FIELDS)


def read_chain(data: dict) -> tuple[str, dict] | None:
    """The kind and options of an untrusted query's supply-chain fields; None when it names none.

    layers: N (1..12) [layers_by]; paths: N (1..1000) [depth 0..12, threshold 1e-9..0.1]; sensitivity:
    N (1..1000). The bounds are checked by supply.py, naming the field."""
    named = [kind for kind in KINDS if kind in data]
    if not named:
        stray = [key for key in OPTION_FIELDS if key in data]
        if stray:
            raise QueryError(stray[0], data[stray[0]], f"{stray[0]} belongs to a supply-chain analysis: give "
                             f"{'layers' if stray[0] == 'layers_by' else 'paths'} too")
        return None
    if len(named) > 1:
        raise QueryError(named[1], data[named[1]], f"give one of {', '.join(KINDS)}, not {' and '.join(named)}")
    kind = named[0]
    for key in OPTION_FIELDS:
        if key in data and key not in OPTIONS[kind]:
            raise QueryError(key, data[key], f"{key} does not apply to {kind}")
    options = dict(DEFAULTS[kind])
    options[SIZE[kind]] = _whole(kind, data[kind])
    if kind == "layers" and data.get("layers_by") is not None:
        if data["layers_by"] not in BY:
            raise QueryError("layers_by", data["layers_by"], f"layers_by must be one of {', '.join(BY)}")
        options["by"] = data["layers_by"]
    if kind == "paths":
        if data.get("depth") is not None:
            options["depth"] = _whole("depth", data["depth"])
        if data.get("threshold") is not None:
            threshold = data["threshold"]
            if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not np.isfinite(threshold):
                raise QueryError("threshold", threshold, "threshold must be a number (a share of the footprint)")
            options["threshold"] = float(threshold)
    chain_options(kind, options)
    return kind, options


def _whole(field: str, value) -> int:
    value = whole(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryError(field, value, f"{field} must be a whole number")
    return value


@dataclass(frozen=True)
class ChainQuery(OfView):
    """A supply-chain analysis of a view's selection in one year."""

    base: Query | FlowQuery
    kind: str
    options: tuple  # sorted (name, value) pairs, so that the query stays hashable and compares equal

    @property
    def settings(self) -> dict:
        return dict(self.options)

    def to_dict(self) -> dict:
        data = self.base.to_dict()
        settings = self.settings
        data[self.kind] = settings[SIZE[self.kind]]
        if self.kind == "layers":
            data["layers_by"] = settings["by"]
        elif self.kind == "paths":
            data.update(depth=settings["depth"], threshold=settings["threshold"])
        return data


def chain_query(base, kind: str, options: dict) -> ChainQuery:
    return ChainQuery(base, kind, tuple(sorted(options.items())))


def check_view(base) -> FlowQuery:
    """The view's selection as a FlowQuery, with its scenario if any; a normalisation is refused, naming it."""
    return plain_flow(base, "supply chains are traced in", scenario=True)


def resolve_chain(engine, query: ChainQuery):
    """The dataset, the view's selection (its year set; s_o, y and whether direct emissions are left out)
    and the query."""
    flow = check_view(query.base)
    dataset, flow = resolve_flows(engine, replace(flow, by=flow.by[:1]))
    chain_options(query.kind, query.settings)
    selection = _selection(dataset, flow, flow.year)
    s_o, y, _ = selection
    if not s_o.any() or not y.any():
        raise QueryError("selection", None, "the selection's footprint is zero: no "
                         f"{'intensity at its origins' if not s_o.any() else 'final demand'} to trace")
    return dataset, flow, selection, replace(query, base=replace(query.base, year=flow.year))


def chain_options(kind: str, options: dict) -> None:
    """Check the options' bounds (supply.py's own) before anything is queued."""
    size = options[SIZE[kind]]
    high = {"layers": MAX_TIERS, "paths": MAX_COUNT, "sensitivity": MAX_TOP}[kind]
    if not 1 <= size <= high:
        raise QueryError(kind, size, f"{kind} must be a whole number from 1 to {high}")
    if kind == "paths":
        if not 0 <= options["depth"] <= MAX_DEPTH:
            raise QueryError("depth", options["depth"], f"depth must be a whole number from 0 to {MAX_DEPTH}")
        low, top = THRESHOLD
        if not low <= options["threshold"] <= top:
            raise QueryError("threshold", options["threshold"],
                             f"threshold must be a share of the footprint from {low:g} to {top:g}")


def _unions(dataset, flow: FlowQuery) -> dict[str, np.ndarray]:
    trees = {a: dataset.regions if "region" in a else dataset.products for a in FIELDS}
    return {a: trees[a].union(getattr(flow, FIELDS[a])) for a in FIELDS}


def _selection(dataset, flow: FlowQuery, year: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """s_o (intensities kept at the origin cells) and y (the consumer regions' final demand for the final
    products), and whether the view would have held direct emissions of final demand."""
    union = _unions(dataset, flow)
    origin = cells(dataset, union["origin-region"], union["origin-product"])
    row = dataset.indicator_row[flow.indicator]
    s_o = np.asarray(dataset.array(year, "S")[row]) * origin
    direct = flow.direct and dataset.has_array(year, "F_Y")
    return s_o, _demand(dataset, flow, dataset.array(year, "Y")), direct


def _demand(dataset, flow: FlowQuery, Y) -> np.ndarray:
    """y of the selection from final demand Y (the dataset's, or a scenario's Y')."""
    union = _unions(dataset, flow)
    final = cells(dataset, np.arange(dataset.regions.size), union["final-product"])
    return np.asarray(Y)[:, union["consumer-region"]].sum(axis=1) * final


def answer_chain(engine, query: ChainQuery, progress=lambda _: None) -> ChainResult:
    """The analysis of the selection's footprint; under a scenario, of the changed system's, with
    "baseline_total" (the same selection's footprint without interventions) and "solver" beside it."""
    dataset, flow, (s_o, y, direct), query = resolve_chain(engine, query)
    year = flow.year
    settings = query.settings
    scenario, extra = None, {}
    if flow.interventions:
        extra["baseline_total"] = footprint(dataset, year, s_o, y)
        started = time.perf_counter()
        scenario = ScenarioSystem(dataset, year, flow.interventions, progress)
        y = _demand(dataset, flow, scenario.Y)
        if not y.any():
            raise QueryError("interventions", len(flow.interventions), "under the scenario the selection has no "
                             "final demand left: there is no supply chain to trace")
    progress({"layers": "tracing the production layers", "paths": "searching the supply chains",
              "sensitivity": "weighing every coefficient"}[query.kind])
    if query.kind == "layers":
        out = layers(dataset, year, s_o, y, settings["tiers"], settings["by"], progress=progress,
                     scenario=scenario)
    elif query.kind == "paths":
        out = paths(dataset, year, s_o, y, settings["count"], settings["depth"], settings["threshold"],
                    progress=progress, scenario=scenario)
    else:
        out = sensitivity(dataset, year, s_o, y, settings["top"], scenario=scenario)
    if scenario is not None:
        extra["solver"] = {"method": scenario.method, "rank": scenario.rank, "iterations": scenario.iterations,
                           "seconds": round(time.perf_counter() - started, 4)}
    unit = dataset.indicators[dataset.indicator_row[flow.indicator]]["unit"]
    return ChainResult(query, {"unit": unit, **out, "direct_left_out": direct, **extra})


@dataclass
class ChainResult:
    query: ChainQuery
    figures: dict

    def to_dict(self) -> dict:
        return self.figures
