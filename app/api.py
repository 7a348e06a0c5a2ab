"""JSON API v1: datasets, and analyses owned by the calling session (by cookie)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from . import jobs
from .engine import EngineError, Query, QueryError
from .extensions import db
from .models import Job
from .openapi import openapi_document
from .ownership import client_key, current_owner, owned_or_none
from .security import csrf, limit_submissions

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# JSON only (415 otherwise) and cookies SameSite=Lax: a cross-site page cannot send these requests
# without a CORS preflight, which this API never grants. So no CSRF token is asked for here.
csrf.exempt(bp)


def _error(status: int, message: str, field: str | None = None):
    return jsonify({"error": message, "field": field}), status


@bp.errorhandler(EngineError)
def engine_error(exc: EngineError):
    return _error(422, exc.message, exc.field)


def _engine():
    return current_app.extensions["engine"]


@bp.get("/datasets")
def datasets():
    """Every dataset with its years and size."""
    store = _engine().store
    out = []
    for name in store.names():
        d = _engine().dataset(name)
        out.append({"name": d.name, "years": d.years, "regions": d.regions.size, "products": d.products.size})
    return jsonify(out)


@bp.get("/datasets/<name>")
def dataset(name: str):
    """One dataset: years, product and region trees, indicators."""
    try:
        d = _engine().dataset(name)
    except QueryError:
        return _error(404, f"no dataset named {name!r}", "name")
    return jsonify({"name": d.name, "years": d.years, "regions": d.regions.public(), "products": d.products.public(),
                    "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"], "parent": i["parent"]}
                                   for i in d.indicators]})


def _owned(job_id: str) -> Job | None:
    return owned_or_none(Job, job_id)


@bp.post("/analyses")
@limit_submissions
def create_analysis():
    """Queue an analysis; 202 with its id, status and URL."""
    if not request.is_json:
        return _error(415, "send the analysis as JSON (Content-Type: application/json)", "body")
    data = request.get_json(silent=True)
    if data is None:
        return _error(400, "the body is not valid JSON", "body")
    query = Query.from_dict(data)
    job = jobs.submit(current_owner(), query, client_key())
    url = url_for("api.get_analysis", job_id=job.public_id)
    return jsonify({"id": job.public_id, "number": job.number, "status": job.status, "url": url}), 202, \
        {"Location": url}


@bp.get("/analyses/<public_id:job_id>")
def get_analysis(job_id: str):
    """One analysis of this session: status, query, result, error."""
    job = _owned(job_id)
    if job is None:
        return _error(404, f"no analysis {job_id} in this session", "id")
    body = job.to_api()
    return jsonify(body)


@bp.delete("/analyses/<public_id:job_id>")
def delete_analysis(job_id: str):
    """Delete one analysis of this session."""
    job = _owned(job_id)
    if job is None:
        return _error(404, f"no analysis {job_id} in this session", "id")
    jobs.delete([job])
    return "", 204


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
