"""The OpenAPI 3.1 document of the JSON API."""

_ERROR = {"$ref": "#/components/schemas/Error"}
_CODES = {"type": "array", "items": {"type": "string"}, "minItems": 1, "default": ["TOTAL"]}


def _response(description, schema=None):
    out = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def openapi_document() -> dict:
    node = {"type": "object", "required": ["code", "name", "level", "parent"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                           "level": {"type": "integer"}, "parent": {"type": ["string", "null"]}}}
    query = {
        "type": "object", "additionalProperties": False,
        "required": ["dataset", "indicator", "perspective", "by"],
        "properties": {
            "dataset": {"type": "string"},
            "year": {"type": ["integer", "null"], "description": "default: the dataset's latest year"},
            "indicator": {"type": "string"},
            "perspective": {"type": "string", "enum": ["consumption", "production"]},
            "by": {"type": "string", "enum": ["product", "region"]},
            "products": _CODES, "regions": _CODES,
            "interventions": {
                "type": "array", "maxItems": 20, "default": [],
                "description": "A scenario: applied in order; each multiplies the product's deliveries from the "
                               "origin to the consumer (FD = final demand, or a product node: the industries "
                               "making it) in the consumer region by (1 + change_pct / 100).",
                "items": {"type": "object", "additionalProperties": False,
                          "required": ["product", "origin", "consumer", "consumer_region", "change_pct"],
                          "properties": {"product": {"type": "string"}, "origin": {"type": "string"},
                                         "consumer": {"type": "string"}, "consumer_region": {"type": "string"},
                                         "change_pct": {"type": "number", "minimum": -100}}}},
        },
    }
    rows = {"type": "array", "items": {"type": "object", "required": ["code", "name", "level", "value"],
                                       "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                                                      "level": {"type": "integer"}, "value": {"type": "number"}}}}
    result = {"type": "object", "required": ["unit", "total", "rows"], "properties": {
        "unit": {"type": "string"}, "total": {"type": "number"}, "rows": rows,
        "baseline": {"type": "object", "description": "scenarios only: the same view without interventions",
                     "properties": {"total": {"type": "number"}, "rows": rows}},
        "solver": {"type": "object", "description": "scenarios only: how the changed system was solved"}}}
    analysis = {"type": "object", "required": ["id", "status", "query", "result", "error"], "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "query": query, "result": {"oneOf": [result, {"type": "null"}]},
        "error": {"type": ["string", "null"]},
        "progress": {"type": ["string", "null"], "description": "the solver's last progress message"},
        "created_at": {"type": "string", "format": "date-time"},
        "started_at": {"type": ["string", "null"], "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"}}}
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "RaMa-Scene API", "version": "1",
                 "description": "Footprint analyses on EE-MRIO datasets. Analyses belong to the browser "
                                "session (cookie) that created them; other sessions get 404."},
        "paths": {
            "/api/v1/datasets": {"get": {"summary": "List datasets", "responses": {"200": _response(
                "Datasets", {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "years": {"type": "array", "items": {"type": "integer"}},
                    "regions": {"type": "integer"}, "products": {"type": "integer"}}}})}}},
            "/api/v1/datasets/{name}": {"get": {
                "summary": "One dataset with its trees and indicators",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _response("Dataset", {"type": "object", "properties": {
                    "name": {"type": "string"}, "years": {"type": "array", "items": {"type": "integer"}},
                    "products": {"type": "array", "items": node}, "regions": {"type": "array", "items": node},
                    "indicators": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"}, "unit": {"type": "string"},
                        "parent": {"type": ["string", "null"]}}}}}}),
                    "404": _response("No such dataset", _ERROR)}}},
            "/api/v1/analyses": {"post": {
                "summary": "Queue an analysis",
                "requestBody": {"required": True, "content": {"application/json": {"schema": query}}},
                "responses": {"202": _response("Queued", {"type": "object", "properties": {
                    "id": {"type": "integer"}, "status": {"type": "string"}, "url": {"type": "string"}}}),
                    "400": _response("Malformed body", _ERROR), "415": _response("Not JSON", _ERROR),
                    "422": _response("Invalid query", _ERROR)}}},
            "/api/v1/analyses/{id}": {
                "get": {"summary": "One analysis of this session", "parameters": id_param,
                        "responses": {"200": _response("The analysis", analysis),
                                      "404": _response("Not this session's", _ERROR)}},
                "delete": {"summary": "Delete one analysis of this session", "parameters": id_param,
                           "responses": {"204": _response("Deleted"),
                                         "404": _response("Not this session's", _ERROR)}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document",
                                             "responses": {"200": _response("OpenAPI document")}}},
        },
        "components": {"schemas": {"Error": {"type": "object", "required": ["error", "field"], "properties": {
            "error": {"type": "string"}, "field": {"type": ["string", "null"]}}}}},
    }
