"""The OpenAPI paths of share links: make a read-only link to a finished analysis, list an analysis's links,
revoke one. The link itself is a web page (`/s/{token}`), not an API path: whoever holds it needs no session."""

from __future__ import annotations

from .models import SHARE_TOKEN_PATTERN

TOKEN = {"type": "string", "pattern": f"^{SHARE_TOKEN_PATTERN}$",
         "description": "the link's secret: 256 random bits, 43 URL-safe characters"}


def share_paths(id_param: list, response, ref) -> dict:
    """The two share paths, built with openapi.py's own helpers (`response(description, schema, headers)`
    and `ref(name)`)."""
    moment = {"type": "string", "format": "date-time"}
    year_state = {"type": "object", "additionalProperties": False, "required": ["version", "imported"],
                  "properties": {"version": {"type": "string", "description": "as the files state it"},
                                 "imported": {"type": "string", "description": "when that year was imported"}}}
    made = {"type": "object", "additionalProperties": False, "required": ["token", "url"],
            "properties": {"token": TOKEN, "url": {"type": "string", "format": "uri",
                                                   "description": "the read-only page: open it in any browser"}}}
    listed = {"type": "object", "additionalProperties": False, "required": ["shares"], "properties": {"shares": {
        "type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["token", "url", "created_at", "dataset_state"],
            "properties": {**made["properties"], "created_at": moment,
                           "dataset_state": {"type": "object", "additionalProperties": year_state,
                                             "description": "per year read, the dataset as the link was made"}}}}}}
    empty = {"type": "object", "additionalProperties": False, "maxProperties": 0,
             "description": "nothing to say: the link is to the analysis in the path"}
    token_param = [*id_param, {"name": "token", "in": "path", "required": True, "schema": TOKEN}]
    conflict = response("The analysis has not finished, or this session already has 200 links", _error())
    return {
        "/api/v1/analyses/{id}/shares": {
            "post": {
                "operationId": "createShare", "summary": "Make a read-only link to a finished analysis",
                "parameters": id_param,
                "requestBody": {"required": True, "content": {"application/json": {"schema": empty}}},
                "responses": {
                    "201": {**response("The link", made, {"Location": {
                        "description": "the link's page", "required": True,
                        "schema": {"type": "string", "format": "uri"}}}),
                        "links": {"deleteShare": {"operationId": "deleteShare", "parameters": {
                            "id": "$request.path.id", "token": "$response.body#/token"}}}},
                    "400": ref("BadRequest"), "404": ref("NotFound"), "405": ref("MethodNotAllowed"),
                    "409": conflict, "413": ref("TooLarge"), "415": ref("NotJson"), "422": ref("Unprocessable")}},
            "get": {
                "operationId": "listShares", "summary": "This analysis's links, newest first",
                "parameters": id_param,
                "responses": {"200": response("The links", listed), "404": ref("NotFound"),
                              "405": ref("MethodNotAllowed")}}},
        "/api/v1/analyses/{id}/shares/{token}": {
            "delete": {
                "operationId": "deleteShare", "summary": "Revoke a link: it answers 404 from then on",
                "parameters": token_param,
                "responses": {"204": response("Revoked"), "404": ref("NotFound"),
                              "405": ref("MethodNotAllowed")}}},
    }


def _error() -> dict:
    return {"$ref": "#/components/schemas/Error"}
