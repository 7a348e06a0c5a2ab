"""The life of an analysis job: submitted by a session, run by a worker, results kept in its row."""

from __future__ import annotations

import logging
import time

import numpy as np
from flask import current_app

from .engine import EngineError, Query
from .extensions import db
from .models import Job, utcnow
from .security import QueueFull

log = logging.getLogger(__name__)


def engine():
    return current_app.extensions["engine"]


def submit(owner: str, query: Query) -> Job:
    """Check the query, write the job row, enqueue its task. Raises QueryError before writing anything."""
    _, resolved = engine().resolve(query)
    limit = current_app.config["MAX_QUEUED_PER_SESSION"]
    waiting = db.session.scalar(db.select(db.func.count()).select_from(Job).where(
        Job.owner == owner, Job.status.in_(("queued", "running"))))
    if waiting >= limit:
        raise QueueFull(limit)
    job = Job(owner=owner, status="queued", query=resolved.to_dict())
    db.session.add(job)
    db.session.commit()
    try:
        tasks = current_app.extensions["tasks"]
        task = (tasks.run_scenario if query.interventions else tasks.run_analysis)(job.id)
        job.task_id = getattr(task, "id", None)
    except Exception as exc:  # the queue is down: say so rather than leave the job queued forever
        log.exception("could not enqueue job %s", job.id)
        job.status, job.error, job.finished_at = "failed", f"could not queue the analysis: {exc}", utcnow()
    job.updated_at = utcnow()
    db.session.commit()
    notify(job)
    return job


def notify(job: Job) -> None:
    current_app.extensions["hub"].publish(job.owner, job.id)


def delete(jobs_to_delete: list[Job]) -> None:
    """Delete jobs and tell their owners' open pages; a worker finding its job gone just stops."""
    gone = [(job.owner, job.id) for job in jobs_to_delete]
    for job in jobs_to_delete:
        db.session.delete(job)
    db.session.commit()
    for owner, job_id in gone:
        current_app.extensions["hub"].publish(owner, job_id)


def _transition(job_id: int, **changes) -> Job | None:
    """Write a status change to a job that may have been deleted meanwhile."""
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if job is None:
        return None
    for key, value in changes.items():
        setattr(job, key, value)
    job.updated_at = utcnow()
    db.session.commit()
    notify(job)
    return job


def run(job_id: int) -> None:
    """Run one analysis job: queued -> running -> done | failed."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        return  # deleted, or already run by another consumer
    job = _transition(job_id, status="running", started_at=utcnow())
    if job is None:
        return
    last = [0.0]

    def progress(message: str) -> None:
        # at most a few updates a second: each is a row write and a push to the browser
        now = time.monotonic()
        if now - last[0] >= 0.25:
            last[0] = now
            _transition(job_id, progress=message[:200])

    try:
        result = engine().answer(Query.from_dict(job.query), progress=progress)
        _transition(job_id, status="done", result=result.to_dict(), finished_at=utcnow())
    except EngineError as exc:
        _transition(job_id, status="failed", error=str(exc), finished_at=utcnow())
    except Exception as exc:
        log.exception("analysis job %s failed", job_id)
        db.session.rollback()
        _transition(job_id, status="failed", error=f"the analysis could not be computed ({type(exc).__name__})",
                    finished_at=utcnow())


def preload() -> None:
    """Open every dataset and read the arrays the standard views use into the page cache."""
    eng = engine()
    for name in eng.store.names():
        dataset = eng.dataset(name)
        for year in dataset.years:
            for key in ("M", "S", "x", "Y"):
                np.asarray(dataset.array(year, key)).sum()
