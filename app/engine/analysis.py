"""Every kind of query from untrusted data, checked and answered through one door.

A dict with `perspective` is one of the four classic views (Query); any other is an origin ->
destination query (FlowQuery). Either may name `years` (a series: the view for each year, series.py) or
`decompose` (two years: what drove the change of each row, change.py) instead of one `year`, or ask for
a supply-chain analysis of its selection (`layers`, `paths` or `sensitivity`: chains.py). Jobs, the
API and the command line all go through these functions, so that a stored job's `query`
(query.to_dict() of the resolved query) reads back as what it was.
"""

from __future__ import annotations

from collections.abc import Callable

from .chains import CHAIN_FIELDS, ChainQuery, answer_chain, chain_query, read_chain, resolve_chain
from .chains import check_view as check_chain_view
from .change import DecompositionQuery, answer_decomposition, check_view, read_pair, resolve_decomposition
from .errors import QueryError
from .flows import FlowQuery, answer_flows, resolve_flows
from .query import Query
from .series import SeriesQuery, answer_series, one_axis, read_years, resolve_series

AnyQuery = Query | FlowQuery | SeriesQuery | DecompositionQuery | ChainQuery


def _one(data: dict) -> Query | FlowQuery:
    return Query.from_dict(data) if "perspective" in data else FlowQuery.from_dict(data)


def parse_query(data) -> AnyQuery:
    """The query a dict describes; QueryError naming the field."""
    if not isinstance(data, dict):
        raise QueryError("query", data, "a query must be an object with named fields")
    chain = read_chain(data)
    if chain is not None:
        for key in ("years", "decompose"):
            if key in data:
                raise QueryError(key, data[key], f"a supply-chain analysis is of one year: leave out {key}")
        base = _one({k: v for k, v in data.items() if k not in CHAIN_FIELDS})
        check_chain_view(base)
        return chain_query(base, *chain)
    if "years" in data and "decompose" in data:
        raise QueryError("decompose", data["decompose"], "give years (a series) or decompose (two years), "
                                                          "not both")
    for key, read, kind in (("years", read_years, SeriesQuery), ("decompose", read_pair, DecompositionQuery)):
        if key in data:
            if data.get("year") is not None:
                raise QueryError("year", data["year"], f"give year or {key}, not both")
            years = read(data[key])
            base = _one({k: v for k, v in data.items() if k not in (key, "year")})
            (check_view if kind is DecompositionQuery else one_axis)(base)
            return kind(base, years)
    return _one(data)


def _resolve_one(engine, query: Query | FlowQuery) -> Query | FlowQuery:
    if isinstance(query, FlowQuery):
        return resolve_flows(engine, query)[1]
    return engine.resolve(query)[1]


def _answer_one(engine, query: Query | FlowQuery, progress: Callable[[str], None] = lambda _: None,
                checked: bool = False):
    if isinstance(query, FlowQuery):
        return answer_flows(engine, query, progress=progress, checked=checked)
    return engine.answer(query, progress=progress, checked=checked)


def resolve_any(engine, query: AnyQuery) -> AnyQuery:
    """The query checked against its dataset, its year filled in (a series' and a decomposition's stay unset)."""
    if isinstance(query, ChainQuery):
        return resolve_chain(engine, query)[-1]
    if isinstance(query, SeriesQuery):
        return resolve_series(engine, query, _resolve_one)[-1]
    if isinstance(query, DecompositionQuery):
        return resolve_decomposition(engine, query)[-1]
    return _resolve_one(engine, query)


def answer_any(engine, query: AnyQuery, progress: Callable[[str], None] = lambda _: None):
    """A Result, FlowResult, SeriesResult, DecompositionResult or ChainResult; each has to_dict()."""
    if isinstance(query, ChainQuery):
        return answer_chain(engine, query, progress)
    if isinstance(query, SeriesQuery):
        return answer_series(engine, query, _answer_one, progress)
    if isinstance(query, DecompositionQuery):
        progress("decomposing the change")
        return answer_decomposition(engine, query)
    return _answer_one(engine, query, progress)
