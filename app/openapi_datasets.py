"""The OpenAPI schemas of the datasets' routes: the list, and one dataset with its trees, indicators and
provenance (the database it was imported from, its licence as known, each year's version and import time)."""

from __future__ import annotations


def provenance_schema() -> dict:
    text = {"type": "string"}
    year = {"type": "object", "additionalProperties": False, "required": ["version", "imported", "origin"],
            "properties": {"version": {**text, "description": "as the files state it; empty where they do not"},
                           "imported": {**text, "description": "when this year was compiled (UTC, ISO 8601)"},
                           "origin": {**text, "description": "the file it was read from"}}}
    return {"type": "object", "additionalProperties": False,
            "required": ["database", "format", "licence", "years"],
            "properties": {"database": {**text, "description": "the MRIO database, in words"},
                           "format": {**text, "description": "the importer's format (empty: synthetic or demo)"},
                           "licence": {**text, "description": "its licence as known; check the release's own "
                                                              "terms"},
                           "years": {"type": "object", "additionalProperties": year}}}


def dataset_schemas(node: dict, name: dict, code: dict) -> tuple[dict, dict]:
    """(the list's schema, one dataset's schema)."""
    datasets = {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["name", "years", "regions", "products"],
        "properties": {"name": name, "years": {"type": "array", "items": {"type": "integer"}},
                       "regions": {"type": "integer", "minimum": 1, "description": "number of regions (leaves)"},
                       "products": {"type": "integer", "minimum": 1,
                                    "description": "number of products (leaves)"}}}}
    dataset = {
        "type": "object", "additionalProperties": False,
        "required": ["name", "years", "regions", "products", "indicators", "provenance"],
        "properties": {
            "name": name, "years": {"type": "array", "items": {"type": "integer"}},
            "products": {"type": "array", "items": node, "description": "the product tree, depth first"},
            "regions": {"type": "array", "items": node, "description": "the region tree, depth first"},
            "indicators": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["code", "name", "unit", "parent"],
                "properties": {"code": code, "name": {"type": "string"}, "unit": {"type": "string"},
                               "parent": {"type": ["string", "null"],
                                          "description": "the indicator this one is part of"}}}},
            "provenance": provenance_schema()}}
    return datasets, dataset
