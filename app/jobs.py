"""The life of a job seen from the web: submitted by a session, moved through its states, deleted, recovered.

The consumers that run jobs are in tasks/; they move a job with `transition` and are recovered by `reap`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from .engine import FlowQuery, Query, resolve_any
from .errors import QueueFull
from .extensions import db
from .models import Job, Share, utcnow
from .realtime import publish
from .web import engine

log = logging.getLogger(__name__)


def check_caps(owner: str, client: str | None) -> int:
    """Refuse a new job (429, with when to retry) when the session, its address or the server has too many
    waiting or running. New cookies are free to take, so the address and total caps are what bound a flood.
    Returns the new job's number in its session's queue (read in the same query)."""
    config = current_app.config
    waiting = Job.status.in_(("queued", "running"))

    def count(condition):
        return db.func.coalesce(db.func.sum(db.case((condition, 1), else_=0)), 0)

    last_number = db.select(db.func.max(Job.number)).where(Job.owner == owner).scalar_subquery()
    mine, address, total, last = db.session.execute(
        db.select(count(Job.owner == owner), count(Job.client == client), db.func.count(), last_number)
        .where(waiting)).one()
    retry = int(config["QUEUE_RETRY_SECONDS"])
    if mine >= config["MAX_QUEUED_PER_SESSION"]:
        raise QueueFull(f"you have {mine} analyses waiting or running (at most "
                        f"{config['MAX_QUEUED_PER_SESSION']}); wait for some to finish or delete them, then "
                        f"submit again", retry)
    if client is not None and address >= config["MAX_QUEUED_PER_ADDRESS"]:
        raise QueueFull(f"your address has {address} analyses waiting or running (at most "
                        f"{config['MAX_QUEUED_PER_ADDRESS']}); try again in {retry} s", retry)
    if total >= config["MAX_QUEUED_TOTAL"]:
        raise QueueFull(f"the server has {total} analyses waiting or running (at most "
                        f"{config['MAX_QUEUED_TOTAL']}); try again in {retry} s", retry)
    return (last or 0) + 1


def submit(owner: str, query: Query | FlowQuery, client: str | None = None) -> Job:
    """Check the query (a classic view or an origin -> destination query) and the caps, write the job row
    (its query as query.to_dict() of the resolved query), enqueue its task. Raises before writing anything."""
    resolved = resolve_any(engine(), query)
    number = check_caps(owner, client)
    scenario = bool(getattr(query, "interventions", ()))
    job = Job(owner=owner, client=client, number=number, status="queued", query=resolved.to_dict(),
              kind="scenario" if scenario else "analysis", enqueued_at=utcnow())
    db.session.add(job)
    db.session.commit()
    try:
        job.task_id = enqueue(job)
    except Exception:  # the queue is away: the row stays queued and the reaper enqueues it once it is back
        log.warning("could not enqueue job %s; the reaper will", job.id, exc_info=True)
        job.progress = "waiting for the queue to come back"
    job.updated_at = utcnow()
    db.session.commit()
    publish(job.owner, job.id)
    return job


def enqueue(job: Job) -> str | None:
    """Put a turn on the job's queue (one per kind of job); the turn runs whichever job is next in fair order."""
    task = current_app.extensions["tasks"][job.kind](job.id)
    return getattr(task, "id", None)


def delete(jobs_to_delete: list[Job]) -> None:
    """Delete jobs and tell their owners' open pages; a worker finding its job gone just stops."""
    gone = [(job.owner, job.id) for job in jobs_to_delete]
    if gone:  # their share links go with them (the foreign key cascades too, where the database enforces it)
        db.session.execute(db.delete(Share).where(Share.job_id.in_([job_id for _, job_id in gone])))
    for job in jobs_to_delete:
        db.session.delete(job)
    db.session.commit()
    for owner, job_id in gone:
        publish(owner, job_id)


def transition(job_id: int, **changes) -> Job | None:
    """Write a status change to a job that may have been deleted meanwhile."""
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if job is None:
        return None
    for key, value in changes.items():
        setattr(job, key, value)
    job.updated_at = utcnow()
    db.session.commit()
    publish(job.owner, job.id)
    return job


def reap() -> dict:
    """Recover jobs a dead worker or a restarted queue left behind; safe to run in every consumer at once.

    - running, but no heartbeat for STALE_SECONDS: its worker died. Queued again (the claim makes a
      second run impossible while the first is alive), or failed after MAX_ATTEMPTS.
    - queued for LOST_SECONDS while its queue is empty: the queue lost it (Redis keeps nothing on
      disk here). Enqueued again from the row.
    """
    config = current_app.config
    now = utcnow()
    counts = {"requeued": 0, "failed": 0, "reenqueued": 0}
    stale = now - timedelta(seconds=config["STALE_SECONDS"])
    for job in db.session.scalars(db.select(Job).where(Job.status == "running", Job.heartbeat_at < stale)).all():
        if job.attempts < config["MAX_ATTEMPTS"]:
            values = {"status": "queued", "enqueued_at": now, "updated_at": now,
                      "progress": "its worker stopped; queued again"}
            key = "requeued"
        else:
            values = {"status": "failed", "finished_at": now, "updated_at": now,
                      "error": f"the worker running it stopped, {job.attempts} times; not tried again"}
            key = "failed"
        moved = db.session.execute(db.update(Job).where(Job.id == job.id, Job.status == "running",
                                                        Job.heartbeat_at < stale).values(**values)).rowcount
        db.session.commit()
        if moved:
            counts[key] += 1
            if key == "requeued":
                enqueue(job)
            publish(job.owner, job.id)
    lost = now - timedelta(seconds=config["LOST_SECONDS"])
    for kind, queue in current_app.extensions["queues"].items():
        if queue.pending_count():
            continue
        for job in db.session.scalars(db.select(Job).where(Job.status == "queued", Job.kind == kind,
                                                           Job.enqueued_at < lost)).all():
            moved = db.session.execute(db.update(Job).where(Job.id == job.id, Job.status == "queued",
                                                            Job.enqueued_at < lost)
                                       .values(enqueued_at=now)).rowcount
            db.session.commit()
            if moved:
                enqueue(job)
                counts["reenqueued"] += 1
    if any(counts.values()):
        log.warning("recovered jobs: %s", counts)
    return counts
