"""Either kind of query from untrusted data, checked and answered through one door.

A dict with `perspective` is one of the four classic views (Query); any other is an origin ->
destination query (FlowQuery). Jobs, the API and the command line all go through these functions,
so that a stored job's `query` (query.to_dict() of the resolved query) reads back as what it was.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import QueryError
from .flows import FlowQuery, answer_flows, resolve_flows
from .query import Query


def parse_query(data) -> Query | FlowQuery:
    """A classic Query when the dict has `perspective`, else a FlowQuery; QueryError naming the field."""
    if not isinstance(data, dict):
        raise QueryError("query", data, "a query must be an object with named fields")
    return Query.from_dict(data) if "perspective" in data else FlowQuery.from_dict(data)


def resolve_any(engine, query: Query | FlowQuery) -> Query | FlowQuery:
    """The query checked against its dataset, its year filled in."""
    if isinstance(query, FlowQuery):
        return resolve_flows(engine, query)[1]
    return engine.resolve(query)[1]


def answer_any(engine, query: Query | FlowQuery, progress: Callable[[str], None] = lambda _: None):
    """A Result for a classic view, a FlowResult for a flow query; both have to_dict()."""
    if isinstance(query, FlowQuery):
        return answer_flows(engine, query, progress=progress)
    return engine.answer(query, progress=progress)
