"""The time parts of the OpenAPI document: a query's `years` (a series) or `decompose` (two years), and
the two results they give. Every bound is the engine's own (app/engine/series.py, change.py)."""

from __future__ import annotations

from .engine.sda import WITH_POPULATION
from .engine.series import MAX_YEARS

YEAR = {"type": "integer", "minimum": 1, "maximum": 9999}
NUMBER = {"type": "number"}
MAYBE = {"type": ["number", "null"]}

TIME_FIELDS = {
    "years": {"type": "array", "items": YEAR, "minItems": 2, "maxItems": MAX_YEARS, "uniqueItems": True,
              "description": "a series: the view for each of these years (any order; years inside the dataset's "
                             "span that it lacks are named in the result; years outside it are refused). "
                             "Not with year or decompose; one axis only.", "examples": [[2011, 2012]]},
    "decompose": {"type": "array", "items": YEAR, "minItems": 2, "maxItems": 2, "uniqueItems": True,
                  "description": "explain each row's change between two years (structural decomposition). "
                                 "Not with year or years; one axis, no interventions, no per.",
                  "examples": [[2011, 2012]]}}


def over_time(schema: dict, axis: dict | None = None) -> dict:
    """A query schema that also takes years or decompose: not both, and not beside a year; with either,
    one axis (a flow query's `by`), and a decomposition has no interventions nor per."""
    one_axis = {"anyOf": [axis, {"type": "array", "items": axis, "minItems": 1, "maxItems": 1}]} if axis else None
    either = {"anyOf": [{"required": ["years"]}, {"required": ["decompose"]}]}
    rules = [{"not": {"required": ["years", "decompose"]}},
             {"if": either, "then": {"properties": {"year": {"type": "null"}}}},
             {"if": {"required": ["decompose"]},
              "then": {"properties": {"interventions": {"maxItems": 0}, "per": {"type": "null"}}}}]
    if one_axis:
        rules.append({"if": either, "then": {"properties": {"by": one_axis}}})
    return {**schema, "properties": {**schema["properties"], **TIME_FIELDS}, "allOf": rules}


def time_result_schemas() -> list[dict]:
    """The result of a series and of a decomposition."""
    values = {"type": "array", "items": MAYBE, "description": "one per year; null where a year lacks the row"}
    summary = {"first": MAYBE, "last": MAYBE, "change": MAYBE,
               "cagr": {**MAYBE, "description": "compound annual growth rate; null across zero or a sign change"}}
    series_row = {"type": "object", "additionalProperties": False,
                  "required": ["code", "name", "level", "values", *summary],
                  "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                 "level": {"type": "integer", "minimum": 0}, "values": values, **summary}}
    series = {
        "type": "object", "additionalProperties": False,
        "required": ["unit", "years", "missing", "direct", "per", "rows", "totals", "total"],
        "description": "a series: each row's values over the years",
        "properties": {"unit": {"type": "string"}, "years": {"type": "array", "items": YEAR},
                       "missing": {"type": "array", "items": YEAR,
                                   "description": "years asked for that the dataset lacks"},
                       "direct": {"type": "boolean"}, "per": {"type": ["string", "null"]},
                       "rows": {"type": "array", "items": series_row}, "totals": values,
                       "total": {"type": "object", "additionalProperties": False, "required": list(summary),
                                 "properties": summary},
                       "baseline": {"type": "object", "additionalProperties": False, "required": ["rows", "totals"],
                                    "description": "scenarios only: the same series without interventions",
                                    "properties": {"totals": values, "rows": {"type": "array", "items": {
                                        "type": "object", "additionalProperties": False,
                                        "required": ["code", "values"],
                                        "properties": {"code": {"type": "string"}, "values": values}}}}}}}
    factors = {"type": "object", "additionalProperties": False, "required": list(WITH_POPULATION[:4]),
               "properties": {name: NUMBER for name in (*WITH_POPULATION, "direct")},
               "description": "each factor's contribution to end - start, in the indicator's unit; they add up"}
    entry = {"type": "object", "additionalProperties": False,
             "required": ["code", "name", "level", "start", "end", "contributions"],
             "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                            "level": {"type": "integer", "minimum": 0}, "start": NUMBER, "end": NUMBER,
                            "contributions": factors}}
    decomposition = {
        "type": "object", "additionalProperties": False,
        "required": ["unit", "years", "direct", "population", "rows", "total"],
        "description": "a decomposition: what drove each row's change between two years",
        "properties": {"unit": {"type": "string"}, "years": {"type": "array", "items": YEAR, "minItems": 2,
                                                             "maxItems": 2},
                       "direct": {"type": "boolean"}, "population": {"type": "boolean"},
                       "rows": {"type": "array", "items": entry}, "total": entry}}
    return [series, decomposition]
