"""Any view over a range of years: the same query answered for each year the dataset has, the years it
lacks named, and per row the first and last value, the change and the compound annual growth rate."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .errors import QueryError
from .flows import FlowQuery
from .numbers import whole
from .query import OfView

MAX_YEARS = 50
RANGE = re.compile(r"^\s*(\d{1,4})\s*-\s*(\d{1,4})\s*$")


def years_from_text(text: str) -> list[int]:
    """A range "1995-2022" or a list "2011,2012,2015" (the command line's spelling) as years."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("years", text, "give a range of years such as 2011-2020, or a list such as 2011,2015")
    match = RANGE.match(text)
    if match:
        first, last = int(match.group(1)), int(match.group(2))
        if last < first:
            raise QueryError("years", text, f"the range {first}-{last} runs backwards: write {last}-{first}")
        if last - first + 1 > MAX_YEARS:
            raise QueryError("years", text, f"at most {MAX_YEARS} years in a series ({last - first + 1} asked)")
        return list(range(first, last + 1))
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        raise QueryError("years", text, "give a range of years such as 2011-2020, or a list such as 2011,2015")
    return [int(p) for p in parts]


def read_years(value) -> tuple[int, ...]:
    """The years of an untrusted series: at least two different whole years, at most MAX_YEARS, sorted."""
    if not isinstance(value, (list, tuple)):
        raise QueryError("years", value, "years must be a list of years, e.g. [2011, 2012, 2013]")
    value = [whole(y) for y in value]
    if len(value) > MAX_YEARS:
        raise QueryError("years", len(value), f"at most {MAX_YEARS} years in a series ({len(value)} asked)")
    if not all(isinstance(y, int) and not isinstance(y, bool) and 1 <= y <= 9999 for y in value):
        raise QueryError("years", list(value), "every entry of years must be a whole year from 1 to 9999")
    if len(set(value)) != len(value):
        raise QueryError("years", list(value), "a year is given twice in years")
    if len(value) < 2:
        raise QueryError("years", list(value), "a series needs at least two years; for one, give year")
    return tuple(sorted(value))


def one_axis(base) -> None:
    """A series shows rows: a two-axis (matrix) query is refused."""
    if isinstance(base, FlowQuery) and len(base.by) != 1:
        raise QueryError("by", list(base.by), "a series shows rows over the years: choose one axis")


@dataclass(frozen=True)
class SeriesQuery(OfView):
    """A view (any of the classic or origin -> destination queries with rows) for each of several years."""

    base: object  # Query | FlowQuery, its year unset
    years: tuple[int, ...]

    def to_dict(self) -> dict:
        data = self.base.to_dict()
        data.pop("year", None)
        return {**data, "years": list(self.years)}


def resolve_series(engine, query: SeriesQuery, resolve_one: Callable | None):
    """Check the years against the dataset (outside its span: refused; gaps: named as missing) and, with
    resolve_one, the view against the first year it has (answering checks each year's view anyway).
    Returns the dataset, the years present and missing, the query."""
    dataset = engine.dataset(query.dataset)
    first, last = dataset.years[0], dataset.years[-1]
    outside = [y for y in query.years if not first <= y <= last]
    if outside:
        raise QueryError("years", outside, f"year{'s' if len(outside) > 1 else ''} "
                         f"{', '.join(map(str, outside))} {'are' if len(outside) > 1 else 'is'} outside dataset "
                         f"{dataset.name!r}, which covers {first} to {last}")
    present = [y for y in query.years if y in dataset.years]
    missing = [y for y in query.years if y not in dataset.years]
    if not present:
        raise QueryError("years", list(query.years), f"dataset {dataset.name!r} has none of these years "
                         f"(it has {', '.join(map(str, dataset.years))})")
    one_axis(query.base)
    if resolve_one is not None:
        resolve_one(engine, replace(query.base, year=present[0]))
    return dataset, present, missing, replace(query, base=replace(query.base, year=None))


def growth(first: float | None, last: float | None, span: int) -> float | None:
    """Compound annual growth rate over `span` years; None where it has no meaning (signs, zeros)."""
    if first is None or last is None or span <= 0 or first <= 0 or last <= 0:
        return None
    return (last / first) ** (1.0 / span) - 1.0


def summary(values: list, years: list[int]) -> dict:
    """First, last, change and compound annual growth rate of one row's values over the years."""
    first, last = values[0], values[-1]
    change = None if first is None or last is None else last - first
    return {"first": first, "last": last, "change": change, "cagr": growth(first, last, years[-1] - years[0])}


@dataclass
class SeriesResult:
    query: SeriesQuery
    unit: str
    years: list[int]        # the years answered
    missing: list[int]      # asked for, within the dataset's span, but not in it
    rows: list[dict]        # {"code", "name", "level", "values", "first", "last", "change", "cagr"}
    totals: list[float]
    direct: bool
    per: str | None = None
    baseline: dict | None = field(default=None)  # a scenario's: {"rows": [{"code", "values"}], "totals"}

    def to_dict(self) -> dict:
        data = {"unit": self.unit, "years": self.years, "missing": self.missing, "direct": self.direct,
                "per": self.per, "rows": self.rows, "totals": self.totals,
                "total": summary(self.totals, self.years)}
        if self.baseline is not None:
            data["baseline"] = self.baseline
        return data


def _table(results: list, key: Callable) -> tuple[list[dict], list]:
    """Rows by code in the order they first appear, a value per year (None where a year lacks the row)."""
    order: dict[str, dict] = {}
    for t, result in enumerate(results):
        for row in key(result)[0]:
            entry = order.setdefault(row.code, {"code": row.code, "name": row.name, "level": row.level,
                                                "values": [None] * len(results)})
            entry["values"][t] = row.value
    return list(order.values()), [key(r)[1] for r in results]


def answer_series(engine, query: SeriesQuery, answer_one: Callable,
                  progress: Callable[[str], None] = lambda _: None) -> SeriesResult:
    """The view answered for every year present; a scenario's baseline beside it."""
    _, present, missing, query = resolve_series(engine, query, None)
    results = []
    for k, year in enumerate(present):
        progress(f"year {year} ({k + 1} of {len(present)})")
        # the first year checks the view against the dataset; the others are the same view
        results.append(answer_one(engine, replace(query.base, year=year), checked=k > 0))
    rows, totals = _table(results, lambda r: (r.rows, r.total))
    for row in rows:
        row.update(summary(row["values"], present))
    baseline = None
    if results[0].baseline is not None:
        base_rows, base_totals = _table(results, lambda r: (r.baseline.rows, r.baseline.total))
        baseline = {"rows": [{"code": r["code"], "values": r["values"]} for r in base_rows], "totals": base_totals}
    return SeriesResult(query, results[-1].unit, present, missing, rows, totals,
                        any(r.direct for r in results), getattr(query.base, "per", None), baseline)
