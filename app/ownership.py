"""Every job belongs to the browser session that made it; nobody else can read or delete it."""

import secrets

from flask import abort, session

from .extensions import db
from .models import Job

OWNER_KEY = "owner"
MAX_ID = 2**31 - 1  # ids are 32-bit integers in every database the app runs on


def current_owner(create: bool = True) -> str | None:
    """The session's owner token, made on first use and kept in the signed session cookie."""
    owner = session.get(OWNER_KEY)
    if owner is None and create:
        session.permanent = True
        owner = session[OWNER_KEY] = secrets.token_urlsafe(24)
    return owner


def owned_jobs() -> list[Job]:
    owner = current_owner(create=False)
    if owner is None:
        return []
    return db.session.scalars(db.select(Job).where(Job.owner == owner).order_by(Job.id.desc())).all()


def owned_or_none(model, row_id: int):
    """The row (a job, a scenario) if this session made it, else None, as for a row that does not exist."""
    owner = current_owner(create=False)
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    return row if row is not None and owner is not None and row.owner == owner else None


def owned_or_404(model, row_id: int):
    row = owned_or_none(model, row_id)
    if row is None:
        abort(404)
    return row


def owned_job_or_404(job_id: int) -> Job:
    """The job if this session made it; 404 otherwise, the same as for a job that does not exist."""
    return owned_or_404(Job, job_id)
