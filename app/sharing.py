"""Share links: an owner makes a read-only link to one finished analysis, lists and revokes their links; whoever
holds a link's token sees that result and nothing else of the owner's.

The token is 256 random bits (models.new_share_token). An unknown or revoked token and a token of the wrong
shape are the same plain 404. A link records, per year its analysis reads, the version the dataset's files
state and when that year was imported; the shared page says so, and says when the dataset has been imported
again since the result was computed (its numbers may no longer be what the dataset gives).
"""

from __future__ import annotations

import re

from flask import abort, url_for

from .errors import fail
from .extensions import db
from .models import SHARE_TOKEN_PATTERN, Job, Share
from .provenance import result_provenance

MAX_SHARES_PER_OWNER = 200
_TOKEN = re.compile(SHARE_TOKEN_PATTERN + r"\Z")


def is_token(value) -> bool:
    return isinstance(value, str) and _TOKEN.match(value) is not None


def dataset_state(query: dict) -> dict:
    """Per year read: the version the dataset's files state and when the year was imported (empty when the
    dataset is gone)."""
    known = result_provenance(query)
    return {} if known["gone"] else {str(y["year"]): {"version": y["version"], "imported": y["imported"]}
                                     for y in known["years"]}


def create(job: Job, owner: str) -> Share:
    """A new link to one of the owner's finished analyses (a 409 for one not finished or past the cap)."""
    if job.status != "done":
        fail(409, "only a finished analysis can be shared", "id")
    count = db.session.scalar(db.select(db.func.count(Share.id)).where(Share.owner == owner))
    if count >= MAX_SHARES_PER_OWNER:
        fail(409, f"at most {MAX_SHARES_PER_OWNER} share links at once: revoke some first", "shares")
    share = Share(job_id=job.id, owner=owner, dataset_state=dataset_state(job.query))
    db.session.add(share)
    db.session.commit()
    return share


def of_owner(owner: str | None, job: Job | None = None) -> list[tuple[Share, Job]]:
    """An owner's links with their analyses, newest first, of one analysis or of all."""
    if owner is None:
        return []
    query = (db.select(Share, Job).join(Job, Share.job_id == Job.id)
             .where(Share.owner == owner).order_by(Share.id.desc()))
    if job is not None:
        query = query.where(Share.job_id == job.id)
    return db.session.execute(query).all()


def revoke(owner: str | None, token: str, job: Job | None = None) -> bool:
    """Delete one of the owner's links (of that analysis, if given); False when there is none such."""
    if owner is None or not is_token(token):
        return False
    query = db.select(Share).where(Share.token == token, Share.owner == owner)
    if job is not None:
        query = query.where(Share.job_id == job.id)
    share = db.session.scalar(query)
    if share is None:
        return False
    db.session.delete(share)
    db.session.commit()
    return True


def shared_or_404(token: str) -> tuple[Share, Job]:
    """The link and its analysis, or a plain 404 (unknown, revoked, malformed, or its analysis gone)."""
    if not is_token(token):
        abort(404)
    row = db.session.execute(db.select(Share, Job).join(Job, Share.job_id == Job.id)
                             .where(Share.token == token)).first()
    if row is None or row[1].result is None:
        abort(404)
    return row


def freshness(job: Job) -> dict:
    """What the shared page says of the data beyond its provenance line: whether the dataset is gone, and which
    years read have been imported again since the analysis finished."""
    known = result_provenance(job.query, job.finished_at)
    return {"gone": known["gone"], "reimported": [str(y["year"]) for y in known.get("years", []) if y["reimported"]]}


def url_of(share: Share) -> str:
    return url_for("shares.view", token=share.token, _external=True)
