"""Share links on the web: the owner makes a read-only link from a result's panel, lists and revokes links; the
link's page shows that one result (chart, table, the query in words, downloads) to whoever opens it.

The shared page and its downloads answer only to the token: no session is needed or made, nothing of the
owner's queue shows, and nothing there changes or queues anything. They say `Referrer-Policy: no-referrer`
(the token never leaves in a Referer) and `X-Robots-Tag: noindex` (a link pasted somewhere public is not
indexed).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.routing import BaseConverter

from . import sharing
from .models import SHARE_TOKEN_PATTERN
from .ownership import current_owner, owned_job_or_404
from .resultfiles import result_file
from .web import is_htmx, table_args

bp = Blueprint("shares", __name__)


class ShareTokenConverter(BaseConverter):
    """`<share_token:name>` in a route: exactly a token's 43 URL-safe characters; anything else is no route (404)."""

    regex = SHARE_TOKEN_PATTERN

SHARED_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


@bp.app_template_global()
def share_links(job) -> list:
    """The visitor's own links to this analysis (a template shows them in the result's share section)."""
    return sharing.of_owner(current_owner(create=False), job)


@bp.app_template_global()
def share_url(share) -> str:
    return sharing.url_of(share)


def _share_section(job, side: str, made: bool = False, revoked: bool = False):
    return render_template("shares/_share_panel.html", job=job, side=side, made=made, revoked=revoked)


def _side() -> str:
    side = request.form.get("side", "a")
    return side if side in ("a", "b") else "a"


@bp.post("/analyses/<public_id:job_id>/shares")
def create(job_id: str):
    """Make a link to one of this session's finished analyses: the share section again, with the new link."""
    job = owned_job_or_404(job_id)
    sharing.create(job, current_owner())
    if is_htmx():
        return _share_section(job, _side(), made=True)
    return redirect(url_for("pages.analysis", job_id=job.public_id, made=1), 303)


@bp.get("/shares")
def index():
    """Every link this session has made, with its analysis, and a way to revoke each."""
    return render_template("shares/index.html", links=sharing.of_owner(current_owner(create=False)),
                           revoked=request.args.get("revoked") == "1")


@bp.post("/shares/<share_token:token>/revoke")
def revoke(token: str):
    """Revoke one of this session's links; from then on it is a plain 404."""
    owner = current_owner(create=False)
    job_id = request.form.get("job")
    job = owned_job_or_404(job_id) if job_id is not None else None
    if not sharing.revoke(owner, token, job):
        abort(404)
    if job is not None:
        if is_htmx():
            return _share_section(job, _side(), revoked=True)
        return redirect(url_for("pages.analysis", job_id=job.public_id, revoked=1,
                                _anchor=f"share-a-{job.public_id}"), 303)
    if is_htmx():
        return render_template("shares/_list.html", links=sharing.of_owner(owner), revoked=True)
    return redirect(url_for("shares.index", revoked=1), 303)


def _shared(response):
    response.headers.update(SHARED_HEADERS)
    return response


@bp.get("/s/<share_token:token>")
def view(token: str):
    """The shared result, read-only; its table's sort and scale links stay on this page."""
    share, job = sharing.shared_or_404(token)
    context = {"job": job, "shared": share, "side": "a", "against": None, "standalone": True, **table_args()}
    if is_htmx():
        return _shared(Response(render_template("workspace/_panel.html", **context)))
    return _shared(Response(render_template("shares/shared.html", fresh=sharing.freshness(job),
                                            **context)))


@bp.get("/s/<share_token:token>.<any(csv, svg, xlsx):kind>")
def download(token: str, kind: str):
    """The shared result's table (CSV), chart (SVG) or workbook (XLSX)."""
    _, job = sharing.shared_or_404(token)
    return _shared(result_file(job, kind, "ramascene-shared-analysis"))
