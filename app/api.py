"""JSON API v1: datasets, and analyses owned by the calling session (by cookie)."""

from __future__ import annotations

import json
import sys

from flask import Blueprint, jsonify, request, url_for
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from werkzeug.exceptions import BadRequest

from . import jobs
from .engine import QueryError, parse_query
from .engine.flowmath import AXES
from .errors import fail
from .models import Job
from .openapi import CLASSIC_QUERY, FLOW_QUERY, QUERY, openapi_document
from .ownership import client_key, current_owner, owned_or_none
from .security import csrf, limit_submissions
from .web import engine

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# JSON only (415 otherwise) and cookies SameSite=Lax: a cross-site page cannot send these requests
# without a CORS preflight, which this API never grants. So no CSRF token is asked for here.
csrf.exempt(bp)


class BodyError(BadRequest):
    """A body that is not JSON this API reads: a 400 naming the body."""

    field = "body"


# The deepest valid query is four levels ({"interventions": [{"change_pct": ...}]}); anything far deeper
# is refused before the schema check or the engine walk it recursively.
MAX_DEPTH = 16


def _no_constant(name: str):
    raise BodyError(f"the body is not valid JSON: {name} is not a JSON number")


def _integer(digits: str) -> int:
    # Python reads integers of at most this many digits (a ValueError, not a 500, but say why)
    if len(digits.lstrip("-")) > sys.get_int_max_str_digits():
        raise BodyError(f"the body holds an integer of more than {sys.get_int_max_str_digits():,} digits")
    return int(digits)


def _unique_keys(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise BodyError(f"the body is ambiguous: {key!r} is given twice in one object")
        out[key] = value
    return out


def _too_deep(value) -> bool:
    """Whether parsed JSON nests deeper than MAX_DEPTH; a loop, so it never recurses itself."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def read_json_body():
    """The request body parsed as strict JSON (RFC 8259), or BodyError."""
    raw = request.get_data(cache=False)  # more than MAX_CONTENT_LENGTH: a 413 from here
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_int=_integer, object_pairs_hook=_unique_keys)
    except RecursionError:  # the C parser gives up at about 1,000 levels
        raise BodyError(f"the body nests more than {MAX_DEPTH} levels deep") from None
    except ValueError:  # malformed, or not UTF-8
        raise BodyError("the body is not valid JSON") from None
    if _too_deep(data):
        raise BodyError(f"the body nests more than {MAX_DEPTH} levels deep")
    return data


def _json_key(value):
    """A hashable stand-in that is equal exactly when two JSON values are (1 == 1.0, true != 1)."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, dict):
        return ("object", frozenset((k, _json_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_json_key(v) for v in value))
    return ("value", value)


def _unique_items(validator, unique, instance, schema):
    # jsonschema falls back to comparing every pair when items are of mixed types: quadratic in a
    # list of 80,000 entries that fits in the body. Hashing is linear and means the same.
    if unique and validator.is_type(instance, "array"):
        seen = set()
        for item in instance:
            key = _json_key(item)
            if key in seen:
                yield ValidationError(_shown(item))
                return
            seen.add(key)


QueryValidator = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})
QUERY_VALIDATOR = QueryValidator(QUERY)
# the API checks a body against the kind it is (a classic view has `perspective`), for messages about its fields
KIND_VALIDATORS = {True: QueryValidator(CLASSIC_QUERY), False: QueryValidator(FLOW_QUERY)}
TYPE_WORDS = {"string": "a string", "integer": "a whole number", "number": "a number", "array": "a list",
              "object": "an object", "null": "null", "boolean": "true or false"}


def _shown(value) -> str:
    """A value as it can appear in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def json_path(parts) -> str:
    """interventions[0].consumer_region from ("interventions", 0, "consumer_region")."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_error(error: ValidationError) -> QueryError:
    """The schema's verdict in the field's words, naming the field by its JSON path."""
    path, keyword, bound = list(error.absolute_path), error.validator, error.validator_value
    if keyword == "required":
        missing = next(name for name in bound if name not in error.instance)
        field = json_path([*path, missing])
        return QueryError(field, None, f"{field} is required")
    if keyword == "additionalProperties":
        extra = next(key for key in error.instance if key not in error.schema.get("properties", {}))
        where = json_path(path)
        return QueryError(json_path([*path, extra]), error.instance[extra],
                          f"unknown field {_shown(extra)}" + (f" in {where}" if where else ""))
    field = json_path(path) or "query"
    messages = {
        "type": lambda: f"{field} must be " + " or ".join(
            TYPE_WORDS[t] for t in ([bound] if isinstance(bound, str) else bound)),
        "minLength": lambda: f"{field} must not be empty",
        "enum": lambda: f"{field} must be one of {', '.join('null' if b is None else str(b) for b in bound)}",
        "anyOf": lambda: f"{field} must be one axis ({', '.join(AXES)}) or a list of one or two of them",
        "minItems": lambda: f"{field} must have at least {bound} " + ("entry" if bound == 1 else "entries"),
        "maxItems": lambda: f"{field} may have at most {bound} entries",
        "uniqueItems": lambda: f"{field} lists {error.message} twice",
        "minimum": lambda: f"{field} must be at least {bound:g}",
        "maximum": lambda: f"{field} must be at most {bound:,.0f}",
    }
    message = messages[keyword]() if keyword in messages else f"{field}: {error.message}"
    if field == "query" and keyword == "type":
        message = "a query must be an object with named fields"
    return QueryError(field, error.instance, message)


@bp.get("/datasets")
def datasets():
    """Every dataset with its years and size."""
    store = engine().store
    out = []
    for name in store.names():
        d = engine().dataset(name)
        out.append({"name": d.name, "years": d.years, "regions": d.regions.size, "products": d.products.size})
    return jsonify(out)


@bp.get("/datasets/<name>")
def dataset(name: str):
    """One dataset: years, product and region trees, indicators."""
    try:
        d = engine().dataset(name)
    except QueryError:
        fail(404, f"no dataset named {name!r}", "name")
    return jsonify({"name": d.name, "years": d.years, "regions": d.regions.public(), "products": d.products.public(),
                    "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"], "parent": i["parent"]}
                                   for i in d.indicators], "provenance": d.provenance()})


def owned_analysis(job_id: str) -> Job:
    """This session's analysis, or a 404 naming the id."""
    job = owned_or_none(Job, job_id)
    if job is None:
        fail(404, f"no analysis {job_id} of yours", "id")
    return job


@bp.post("/analyses")
@limit_submissions
def create_analysis():
    """Queue an analysis; 202 with its id, status and URL."""
    if not request.is_json:
        fail(415, "send the analysis as JSON (Content-Type: application/json)", "body")
    data = read_json_body()
    # the very schema the document publishes, then the engine's own check of the same fields
    classic = not isinstance(data, dict) or "perspective" in data
    error = best_match(KIND_VALIDATORS[classic].iter_errors(data))
    if error is not None:
        raise schema_error(error)
    query = parse_query(data)
    job = jobs.submit(current_owner(), query, client_key())
    url = url_for("api.get_analysis", job_id=job.public_id)
    return jsonify({"id": job.public_id, "number": job.number, "status": job.status, "url": url}), 202, \
        {"Location": url}


@bp.get("/analyses/<public_id:job_id>")
def get_analysis(job_id: str):
    """One analysis of this session: status, query, result, error."""
    job = owned_analysis(job_id)
    body = job.to_api()
    return jsonify(body)


@bp.delete("/analyses/<public_id:job_id>")
def delete_analysis(job_id: str):
    """Delete one analysis of this session."""
    job = owned_analysis(job_id)
    jobs.delete([job])
    return "", 204


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
