"""The origin -> destination parts of the OpenAPI document: the query's body and its result.

Every bound is the engine's own (app/engine/flows.py), as in app/openapi.py.
"""

from __future__ import annotations

from .engine.flowmath import AXES
from .engine.flows import FIELDS, PER
from .engine.hierarchy import ROOT
from .engine.query import MAX_NODES

CODE = {"type": "string", "minLength": 1}
AXIS = {"type": "string", "enum": list(AXES)}
WORDS = {"origin_regions": "Where the impacts occur: region", "origin_products": "Where the impacts occur: product",
         "consumer_regions": "Whose final demand causes them: region",
         "final_products": "Whose final demand causes them: final product"}


def flow_query_schema(direct: dict, interventions: dict) -> dict:
    """An origin -> destination query: no `perspective`; `by` one axis or two (a matrix, rows first); the
    interventions of a scenario as classic views have them."""
    selections = {field: {"type": "array", "items": CODE, "minItems": 1, "maxItems": MAX_NODES, "uniqueItems": True,
                          "default": [ROOT], "description": f"{WORDS[field]} node codes at any level; each once"}
                  for field in FIELDS.values()}
    return {
        "type": "object", "additionalProperties": False, "required": ["dataset", "indicator", "by"],
        "description": "Origin -> destination: impacts occurring in the origin selection, caused by the consumer "
                       "regions' final demand for the final products; rows by one axis or a matrix of two.",
        "properties": {
            "dataset": {**CODE, "examples": ["demo"]},
            "year": {"type": ["integer", "null"], "description": "default: the dataset's latest year"},
            "indicator": {**CODE, "examples": ["emission_type1_air"]},
            "by": {"anyOf": [AXIS, {"type": "array", "items": AXIS, "minItems": 1, "maxItems": 2,
                                    "uniqueItems": True}],
                   "description": "one axis (rows), or a list of two (a matrix: the first gives the rows)",
                   "examples": ["origin-region", ["origin-region", "consumer-region"]]},
            **selections,
            "direct": direct,
            "interventions": interventions,
            "per": {"type": ["string", "null"], "enum": [*PER, None],
                    "description": "divide by the population (capita) or value added of the consumer region "
                                   "(consumption figures) or the origin region (production figures)"},
        },
    }


def flow_result_schema(rows: dict, solver: dict) -> dict:
    header = {"type": "object", "additionalProperties": False, "required": ["code", "name", "level"],
              "properties": {"code": CODE, "name": {"type": "string"}, "level": {"type": "integer", "minimum": 0}}}
    matrix = {"type": "object", "additionalProperties": False, "required": ["rows", "columns", "values"],
              "properties": {"rows": {"type": "array", "items": header}, "columns": {"type": "array", "items": header},
                             "values": {"type": "array", "items": {"type": "array", "items": {"type": "number"}},
                                        "description": "one list per row, one value per column"}}}
    baseline = {"type": "object", "additionalProperties": False, "required": ["total"],
                "oneOf": [{"required": ["rows"]}, {"required": ["matrix"]}],
                "description": "scenarios only: the same query without interventions",
                "properties": {"total": {"type": "number"}, "rows": rows, "matrix": matrix}}
    return {"type": "object", "additionalProperties": False, "required": ["unit", "total", "direct", "per"],
            "oneOf": [{"required": ["rows"]}, {"required": ["matrix"]}],
            "description": "an origin -> destination result: rows for one axis, a matrix for two",
            "properties": {"unit": {"type": "string"}, "total": {"type": "number"},
                           "direct": {"type": "boolean", "description": "whether direct emissions of final "
                                                                        "demand are in the figures"},
                           "per": {"type": ["string", "null"], "enum": [*PER, None]}, "rows": rows, "matrix": matrix,
                           "baseline": baseline, "solver": solver,
                           "direct_unchanged": {"const": True,
                                                "description": "scenarios only: the direct part is the baseline's"}}}


EXAMPLES = {
    "origin_destination": {
        "summary": "Where reg2's footprint occurs: air emissions by origin region, with per-person figures",
        "value": {"dataset": "demo", "indicator": "emission_type1_air", "by": "origin-region",
                  "origin_regions": ["reg1", "reg3", ROOT], "consumer_regions": ["reg2"], "per": "capita"}},
    "bilateral": {
        "summary": "The bilateral matrix: origin region x consumer region, without direct emissions",
        "value": {"dataset": "demo", "indicator": "emission_type1_air", "by": ["origin-region", "consumer-region"],
                  "origin_regions": ["reg1", "reg2"], "consumer_regions": ["reg1", "reg2"], "direct": False}},
}
