"""The supply-chain parts of the OpenAPI document: a query's `layers`, `paths` or `sensitivity` (with their
options) and the three results they give. Every bound is the engine's own (app/engine/supply.py)."""

from __future__ import annotations

from .engine.supply import BY, MAX_COUNT, MAX_DEPTH, MAX_TIERS, MAX_TOP, THRESHOLD

NUMBER = {"type": "number"}
CELL = {"type": "object", "additionalProperties": False, "required": ["region", "product"],
        "properties": {"region": {"type": "string"}, "product": {"type": "string"}},
        "description": "a cell of the tables by its leaf codes"}
KINDS = ("layers", "paths", "sensitivity")
SOLVER = {"type": "object", "additionalProperties": False, "required": ["method", "rank", "iterations", "seconds"],
          "description": "scenarios only: how the changed system was solved; seconds for the whole analysis",
          "properties": {"method": {"type": "string", "enum": ["woodbury", "gmres"]},
                         "rank": {"type": "integer", "minimum": 0}, "iterations": {"type": "integer", "minimum": 0},
                         "seconds": {"type": "number", "minimum": 0}}}
FIELDS = {
    "layers": {"type": "integer", "minimum": 1, "maximum": MAX_TIERS,
               "description": "production layers: tier k = s A^k y for the first N tiers, and the remainder"},
    "layers_by": {"type": "string", "enum": list(BY), "description": "with layers: each tier by origin region "
                                                                     "(default) or product"},
    "paths": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT,
              "description": "the N largest structural paths of the selection's footprint"},
    "depth": {"type": "integer", "minimum": 0, "maximum": MAX_DEPTH, "description": "with paths: stages above "
                                                                                    "the final producer (8)"},
    "threshold": {"type": "number", "minimum": THRESHOLD[0], "maximum": THRESHOLD[1],
                  "description": "with paths: prune a branch whose upstream total is below this share (1e-4)"},
    "sensitivity": {"type": "integer", "minimum": 1, "maximum": MAX_TOP,
                    "description": "the N coefficients of A and intensities whose change moves the footprint most"},
}


def with_chains(schema: dict) -> dict:
    """A query schema that also takes one supply-chain analysis: one kind, its own options only, one year,
    no normalisation (a scenario's interventions are taken: the analysis is then of the changed system)."""
    rules = [{"not": {"required": [a, b]}} for i, a in enumerate(KINDS) for b in KINDS[i + 1:]]
    rules += [{"not": {"required": [kind, when]}} for kind in KINDS for when in ("years", "decompose")]
    rules += [{"if": {"required": ["layers_by"]}, "then": {"required": ["layers"]}},
              {"if": {"anyOf": [{"required": ["depth"]}, {"required": ["threshold"]}]},
               "then": {"required": ["paths"]}},
              {"if": {"anyOf": [{"required": [kind]} for kind in KINDS]},
               "then": {"properties": {"per": {"type": "null"}}}}]
    return {**schema, "properties": {**schema["properties"], **FIELDS}, "allOf": [*schema.get("allOf", []), *rules]}


def chain_result_schemas() -> list[dict]:
    """The results of layers, paths and sensitivity."""
    common = {"unit": {"type": "string"},
              "total": {**NUMBER, "description": "the selection's footprint F (under a scenario: the changed "
                                                 "system's)"},
              "direct_left_out": {"type": "boolean", "description": "direct emissions of final demand have no "
                                                                    "supply chain and are not in these figures"},
              "baseline_total": {**NUMBER, "description": "scenarios only: the same selection's footprint "
                                                          "without the interventions"},
              "solver": SOLVER}
    row = {"type": "object", "additionalProperties": False, "required": ["code", "name", "level", "value"],
           "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                          "level": {"type": "integer", "minimum": 0}, "value": NUMBER}}
    layers = {"type": "object", "additionalProperties": False,
              "required": ["unit", "total", "layers", "remainder", "direct_left_out"],
              "properties": {**common, "remainder": NUMBER, "layers": {"type": "array", "items": {
                  "type": "object", "additionalProperties": False, "required": ["tier", "value", "rows"],
                  "properties": {"tier": {"type": "integer", "minimum": 0}, "value": NUMBER,
                                 "rows": {"type": "array", "items": row}}}}}}
    path = {"type": "object", "additionalProperties": False, "required": ["value", "share", "upstream", "stages"],
            "properties": {"value": NUMBER, "share": NUMBER, "upstream": NUMBER,
                           "stages": {"type": "array", "items": CELL, "minItems": 1,
                                      "description": "from the final product's producer to where it occurs"}}}
    paths = {"type": "object", "additionalProperties": False,
             "required": ["unit", "total", "coverage", "expanded", "paths", "direct_left_out"],
             "properties": {**common, "coverage": NUMBER, "expanded": {"type": "integer", "minimum": 0},
                            "stopped_by_limit": {"type": "boolean"}, "exact": {"type": "boolean"},
                            "paths": {"type": "array", "items": path}}}
    cell = {"type": "object", "additionalProperties": False, "required": ["origin", "consumer", "elasticity"],
            "properties": {"origin": CELL, "consumer": CELL, "elasticity": NUMBER}}
    intensity = {"type": "object", "additionalProperties": False, "required": ["region", "product", "elasticity"],
                 "properties": {"region": {"type": "string"}, "product": {"type": "string"}, "elasticity": NUMBER}}
    sensitivity = {"type": "object", "additionalProperties": False,
                   "required": ["unit", "total", "cells", "intensities", "direct_left_out"],
                   "properties": {**common, "cells": {"type": "array", "items": cell},
                                  "intensities": {"type": "array", "items": intensity}}}
    return [layers, paths, sensitivity]
