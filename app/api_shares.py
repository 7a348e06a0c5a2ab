"""JSON API v1, share links: make a read-only link to one of this session's finished analyses, list its links,
revoke one. Another session's analysis, or an unknown id or token, is a 404 as for anything not one's own."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import sharing
from .api import owned_analysis, read_json_body
from .errors import fail
from .ownership import current_owner
from .security import csrf

bp = Blueprint("api_shares", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # JSON only, as the rest of the API (app/api.py says why no CSRF token is needed)


def _described(share) -> dict:
    return {"token": share.token, "url": sharing.url_of(share), "created_at": share.created_at.isoformat(),
            "dataset_state": share.dataset_state}


@bp.post("/analyses/<public_id:job_id>/shares")
def create_share(job_id: str):
    """201 with the link's token and URL."""
    job = owned_analysis(job_id)
    if not request.is_json:
        fail(415, "send {} as JSON (Content-Type: application/json)", "body")
    body = read_json_body()
    if not isinstance(body, dict):
        fail(422, "the body must be the JSON object {}", "body")
    if body:
        fail(422, f"a share takes no settings; {sorted(body)[0]!r} is not one", sorted(body)[0])
    share = sharing.create(job, current_owner())
    url = sharing.url_of(share)
    return jsonify({"token": share.token, "url": url}), 201, {"Location": url}


@bp.get("/analyses/<public_id:job_id>/shares")
def list_shares(job_id: str):
    job = owned_analysis(job_id)
    return jsonify({"shares": [_described(share) for share, _ in sharing.of_owner(current_owner(), job)]})


@bp.delete("/analyses/<public_id:job_id>/shares/<token>")
def delete_share(job_id: str, token: str):
    """204; from then on the link is a plain 404."""
    job = owned_analysis(job_id)
    if not sharing.revoke(current_owner(create=False), token, job):
        fail(404, "no such link to this analysis", "token")
    return "", 204
