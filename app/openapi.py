"""The OpenAPI 3.1 document of the JSON API. QUERY is both what the document publishes for the body of
POST /analyses and what app/api.py checks that body against, so the two cannot drift apart. Every bound
in it is the engine's own."""

from __future__ import annotations

from .engine.hierarchy import ROOT
from .engine.interventions import FINAL_DEMAND, MAX_CHANGE_PCT, MAX_INTERVENTIONS, MIN_CHANGE_PCT
from .engine.query import BREAKDOWNS, MAX_NODES, PERSPECTIVES
from .models import PUBLIC_ID_PATTERN, STATUSES
from .openapi_chains import chain_result_schemas, with_chains
from .openapi_datasets import dataset_schemas
from .openapi_flows import AXIS, flow_query_schema, flow_result_schema
from .openapi_flows import EXAMPLES as FLOW_EXAMPLES
from .openapi_shares import share_paths
from .openapi_time import over_time, time_result_schemas

CODE = {"type": "string", "minLength": 1}
# app/engine/store.py check_name: what a dataset folder may be called
DATASET_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", "examples": ["demo"]}
PUBLIC_ID = {"type": "string", "pattern": f"^{PUBLIC_ID_PATTERN}$",
             "description": "the analysis's id: 32 lowercase hexadecimal digits, unguessable"}
DIRECT = {"type": "boolean", "default": True,
          "description": "add direct emissions of final demand (households' own fuel use) where the dataset has them"}
NUMBER = {"type": "integer", "minimum": 1, "description": "1, 2, 3 ... within the session: the # shown on the page"}


def _codes(what: str, examples: list) -> dict:
    return {"type": "array", "items": CODE, "minItems": 1, "maxItems": MAX_NODES, "uniqueItems": True,
            "default": [ROOT], "examples": examples,
            "description": f"{what} node codes at any level of the dataset's tree; each once"}


INTERVENTION = {
    "type": "object", "additionalProperties": False,
    "required": ["product", "origin", "consumer", "consumer_region", "change_pct"],
    "properties": {
        "product": {**CODE, "description": "product node: what is supplied", "examples": ["food"]},
        "origin": {**CODE, "description": "region node where it is made", "examples": ["reg1"]},
        "consumer": {**CODE, "description": f"{FINAL_DEMAND} (final demand) or a product node: the industries "
                                            "making it", "examples": [FINAL_DEMAND, "manufactoring"]},
        "consumer_region": {**CODE, "description": "region node of the consumer", "examples": ["reg2"]},
        "change_pct": {"type": "number", "minimum": MIN_CHANGE_PCT, "maximum": MAX_CHANGE_PCT,
                       "description": "change in percent: the flows are multiplied by (1 + change_pct / 100)",
                       "examples": [-20]},
    },
}

CLASSIC_QUERY = {
    "type": "object", "additionalProperties": False,
    "description": "One of the four classic views (it has a perspective)",
    "required": ["dataset", "indicator", "perspective", "by"],
    "properties": {
        "dataset": {**CODE, "examples": ["demo"]},
        "year": {"type": ["integer", "null"], "description": "default: the dataset's latest year",
                 "examples": [2011]},
        "indicator": {**CODE, "examples": ["value_added"]},
        "perspective": {"type": "string", "enum": list(PERSPECTIVES)},
        "by": {"type": "string", "enum": list(BREAKDOWNS)},
        "products": _codes("Product", [[ROOT], ["food", "mining"]]),
        "regions": _codes("Region", [[ROOT], ["reg1", "reg2"]]),
        "direct": DIRECT,
        "interventions": {
            "type": "array", "maxItems": MAX_INTERVENTIONS, "default": [], "items": INTERVENTION,
            "description": "A scenario: applied in order, later ones on top of earlier ones; each multiplies the "
                           "product's deliveries from the origin to the consumer in the consumer region by "
                           "(1 + change_pct / 100)."},
    },
}

FLOW_QUERY = with_chains(over_time(flow_query_schema(DIRECT, CLASSIC_QUERY["properties"]["interventions"]), AXIS))
CLASSIC_QUERY = with_chains(over_time(CLASSIC_QUERY))
# a body with `perspective` is a classic view, any other an origin -> destination query
QUERY = {"oneOf": [CLASSIC_QUERY, FLOW_QUERY]}

EXAMPLES = {
    "footprint": {"summary": "Value added in the demo dataset's final demand, by product",
                  "value": {"dataset": "demo", "year": 2011, "indicator": "value_added",
                            "perspective": "consumption", "by": "product", "products": ["food", "mining"],
                            "regions": [ROOT]}},
    "scenario": {"summary": "The same under a scenario: households in reg2 buy 20 % less food from reg1",
                 "value": {"dataset": "demo", "indicator": "value_added", "perspective": "consumption",
                           "by": "region", "interventions": [{"product": "food", "origin": "reg1",
                                                              "consumer": FINAL_DEMAND, "consumer_region": "reg2",
                                                              "change_pct": -20}]}},
    **FLOW_EXAMPLES,
}

_ERROR = {"$ref": "#/components/schemas/Error"}


def _response(description: str, schema: dict | None = None, headers: dict | None = None) -> dict:
    out = {"description": description}
    if headers:
        out["headers"] = headers
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


def _public(description: str, schema: dict, **responses) -> dict:
    """Responses of a GET that is the same for everyone: validated by ETag (304 when unchanged)."""
    return {"200": _response(description, schema, {"ETag": {"$ref": "#/components/headers/ETag"}}),
            "304": _response("Not modified: If-None-Match named the current ETag",
                             headers={"ETag": {"$ref": "#/components/headers/ETag"}}),
            **responses, "405": _ref("MethodNotAllowed")}


def openapi_document() -> dict:
    node = {"type": "object", "additionalProperties": False, "required": ["code", "name", "level", "parent"],
            "properties": {"code": CODE, "name": {"type": "string"}, "level": {"type": "integer", "minimum": 0},
                           "parent": {"type": ["string", "null"], "description": f"null for {ROOT}"}}}
    rows = {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["code", "name", "level", "value"],
        "properties": {"code": CODE, "name": {"type": "string"}, "level": {"type": "integer", "minimum": 0},
                       "value": {"type": "number"}}}}
    result = {"type": "object", "additionalProperties": False, "required": ["unit", "total", "rows"], "properties": {
        "unit": {"type": "string"}, "total": {"type": "number"}, "rows": rows,
        "direct": {"type": "boolean", "description": "whether direct emissions of final demand are in the figures"},
        "direct_unchanged": {"const": True, "description": "scenarios only: the direct part is the baseline's"},
        "baseline": {"type": "object", "description": "scenarios only: the same view without interventions",
                     "additionalProperties": False, "required": ["total", "rows"],
                     "properties": {"total": {"type": "number"}, "rows": rows}},
        "solver": {"type": "object", "description": "scenarios only: how the changed system was solved",
                   "required": ["method", "rank", "iterations", "seconds"],
                   "properties": {"method": {"type": "string", "enum": ["woodbury", "gmres"]},
                                  "rank": {"type": "integer", "minimum": 0},
                                  "iterations": {"type": "integer", "minimum": 0},
                                  "seconds": {"type": "number", "minimum": 0}}}}}
    moment = {"type": "string", "format": "date-time"}
    analysis = {
        "type": "object", "additionalProperties": False,
        "required": ["id", "number", "status", "query", "result", "error", "progress", "created_at",
                     "started_at", "finished_at"],
        "properties": {
            "id": PUBLIC_ID, "number": NUMBER,
            "status": {"type": "string", "enum": list(STATUSES)},
            "query": {"$ref": "#/components/schemas/Query",
                      "description": "as submitted, with the year and the defaults filled in"},
            "result": {"oneOf": [result, flow_result_schema(rows, result["properties"]["solver"]),
                                 *time_result_schemas(), *chain_result_schemas(), {"type": "null"}],
                       "description": "null until done"},
            "error": {"type": ["string", "null"], "description": "why it failed (a scenario without a "
                                                                 "solution, say); null otherwise"},
            "progress": {"type": ["string", "null"], "description": "the solver's last progress message"},
            "created_at": moment, "started_at": {**moment, "type": ["string", "null"]},
            "finished_at": {**moment, "type": ["string", "null"]}}}
    queued = {"type": "object", "additionalProperties": False, "required": ["id", "number", "status", "url"],
              "properties": {"id": PUBLIC_ID, "number": NUMBER,
                             "status": {"type": "string", "enum": list(STATUSES)},
                             "url": {"type": "string", "format": "uri-reference",
                                     "description": "where to follow it: GET /api/v1/analyses/{id}"}}}
    datasets, dataset = dataset_schemas(node, DATASET_NAME, CODE)
    id_param = [{"name": "id", "in": "path", "required": True, "schema": PUBLIC_ID}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "RaMa-Scene API", "version": "1",
            "description": "Footprint analyses on EE-MRIO datasets. Analyses belong to the browser session "
                           "(the session cookie) that created them, or behind a sign-on proxy to the signed-in "
                           "user; anyone else gets 404, as for an id that does not exist. Errors are JSON "
                           "{error, field}: field is the JSON path of the "
                           "offending field (interventions[0].consumer_region), body for the body as a whole. "
                           "A method a path does not list gives 405 with Allow; a 429 says in Retry-After "
                           "when to try again."},
        "paths": {
            "/api/v1/datasets": {"get": {
                "operationId": "listDatasets", "summary": "List datasets",
                "responses": _public("Datasets with their years and sizes", datasets)}},
            "/api/v1/datasets/{name}": {"get": {
                "operationId": "getDataset", "summary": "One dataset with its trees and indicators",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": DATASET_NAME}],
                "responses": _public("The dataset", dataset, **{"404": _ref("NotFound")})}},
            "/api/v1/analyses": {"post": {
                "operationId": "createAnalysis", "summary": "Queue an analysis",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Query"}, "examples": EXAMPLES}}},
                "responses": {
                    "202": {**_response("Queued (or, with an immediate worker, already done)", queued,
                                        {"Location": {"description": "the analysis's URL", "required": True,
                                                      "schema": {"type": "string", "format": "uri-reference"}}}),
                            "links": {
                                "getAnalysis": {"operationId": "getAnalysis",
                                                "parameters": {"id": "$response.body#/id"}},
                                "deleteAnalysis": {"operationId": "deleteAnalysis",
                                                   "parameters": {"id": "$response.body#/id"}}}},
                    "400": _ref("BadRequest"), "405": _ref("MethodNotAllowed"), "413": _ref("TooLarge"),
                    "415": _ref("NotJson"), "422": _ref("Unprocessable"), "429": _ref("TooManyRequests")}}},
            "/api/v1/analyses/{id}": {
                "get": {"operationId": "getAnalysis", "summary": "One analysis of this session",
                        "parameters": id_param,
                        "responses": {"200": _response("The analysis", analysis), "404": _ref("NotFound"),
                                      "405": _ref("MethodNotAllowed")}},
                "delete": {"operationId": "deleteAnalysis", "summary": "Delete one analysis of this session",
                           "parameters": id_param,
                           "responses": {"204": _response("Deleted"), "404": _ref("NotFound"),
                                         "405": _ref("MethodNotAllowed")}}},
            **share_paths(id_param, _response, _ref),
            "/api/v1/openapi.json": {"get": {
                "operationId": "getOpenapi", "summary": "This document",
                "responses": _public("The OpenAPI document", {"type": "object", "required": ["openapi", "paths"]})}},
        },
        "components": {
            "schemas": {
                "Query": QUERY,
                "Error": {"type": "object", "additionalProperties": False, "required": ["error", "field"],
                          "properties": {"error": {"type": "string", "minLength": 1},
                                         "field": {"type": ["string", "null"],
                                                   "description": "JSON path of the offending field, body for "
                                                                  "the body as a whole, null if none"}}}},
            "headers": {
                "ETag": {"description": "validator for If-None-Match", "schema": {"type": "string"}},
                "Allow": {"description": "the methods this path takes", "required": True,
                          "schema": {"type": "string"}},
                "Retry-After": {"description": "seconds until a retry can succeed", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}},
            "responses": {
                "BadRequest": _response("The body is not JSON that can be read: malformed, NaN or Infinity, a "
                                        "key given twice, or nested too deeply (field: body)", _ERROR),
                "NotFound": _response("No such item, or not this session's", _ERROR),
                "MethodNotAllowed": _response("Another method on this path: Allow lists the ones it takes",
                                              _ERROR, {"Allow": {"$ref": "#/components/headers/Allow"}}),
                "TooLarge": _response("The body is larger than the server takes (256 KiB by default)", _ERROR),
                "NotJson": _response("The body is not sent as application/json", _ERROR),
                "Unprocessable": _response(
                    "The query breaks this schema (field: the JSON path of the first offending value), or "
                    "names what the dataset lacks: an unknown dataset, year, indicator or code", _ERROR),
                "TooManyRequests": _response(
                    "Too many submissions from this session or address in the last minute (field: rate), or too "
                    "many analyses waiting (field: queue)", _ERROR,
                    {"Retry-After": {"$ref": "#/components/headers/Retry-After"}})},
        },
    }
