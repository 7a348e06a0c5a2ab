"""The four classic views as special cases of an origin -> destination query."""

from __future__ import annotations

from .flows import FlowQuery
from .hierarchy import ROOT
from .query import Query

ORIGIN, DESTINATION = ("origin_regions", "origin_products"), ("consumer_regions", "final_products")
# the classic view each breakdown gives when the other side is summed over entirely
CLASSIC = {"final-product": ("consumption", "product"), "consumer-region": ("consumption", "region"),
           "origin-region": ("production", "region"), "origin-product": ("production", "product")}


def classic_of(query: FlowQuery) -> Query | FlowQuery:
    """One of the four classic views when the query is one (so that scenarios and comparisons apply to
    it as they always have); the origin -> destination query otherwise. Both give the same numbers."""
    if len(query.by) != 1 or query.per is not None:
        return query
    perspective, by = CLASSIC[query.by[0]]
    summed = ORIGIN if perspective == "consumption" else DESTINATION
    if any(getattr(query, field) != (ROOT,) for field in summed):
        return query
    products, regions = (DESTINATION[1], DESTINATION[0]) if perspective == "consumption" else \
        (ORIGIN[1], ORIGIN[0])
    return Query(dataset=query.dataset, indicator=query.indicator, perspective=perspective, by=by, year=query.year,
                 products=getattr(query, products), regions=getattr(query, regions), direct=query.direct)
