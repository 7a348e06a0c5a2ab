"""The life of an analysis job: submitted by a session, run by a worker, results kept in its row."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import numpy as np
from flask import current_app

from .engine import EngineError, Query
from .extensions import db
from .models import Job, utcnow
from .realtime import publish
from .security import QueueFull

log = logging.getLogger(__name__)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def engine():
    return current_app.extensions["engine"]


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


def submit(owner: str, query: Query, client: str | None = None) -> Job:
    """Check the query and the caps, write the job row, enqueue its task. Raises before writing anything."""
    _, resolved = engine().resolve(query)
    number = check_caps(owner, client)
    job = Job(owner=owner, client=client, number=number, status="queued", query=resolved.to_dict(),
              kind="scenario" if query.interventions else "analysis", enqueued_at=utcnow())
    db.session.add(job)
    db.session.commit()
    try:
        job.task_id = enqueue(job)
    except Exception:  # the queue is away: the row stays queued and the reaper enqueues it once it is back
        log.warning("could not enqueue job %s; the reaper will", job.id, exc_info=True)
        job.progress = "waiting for the queue to come back"
    job.updated_at = utcnow()
    db.session.commit()
    publish(job)
    return job


def enqueue(job: Job) -> str | None:
    """Put the job's task on its queue; scenarios have their own."""
    tasks = current_app.extensions["tasks"]
    task = (tasks.run_scenario if job.kind == "scenario" else tasks.run_analysis)(job.id)
    return getattr(task, "id", None)


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
    publish(job)
    return job


FAIR_WINDOW = timedelta(minutes=10)
NEVER = datetime.min.replace(tzinfo=timezone.utc)


def fair_order(kind: str) -> list[int]:
    """Queued jobs of one queue in the order they should run: round robin over addresses, then over
    sessions within an address, oldest job first within a session.

    A task on the queue is a turn, not a particular job: whichever consumer takes a task runs the job
    that is next in this order. So a flood from one address (however many cookies it takes) gets one
    turn in each round, and another user's first job waits for at most one job per busy address.
    """
    queued = db.session.execute(db.select(db.func.min(Job.id), Job.owner, Job.client).where(
        Job.status == "queued", Job.kind == kind).group_by(Job.owner, Job.client)).all()
    if not queued:
        return []
    since = utcnow() - FAIR_WINDOW
    running = db.func.coalesce(db.func.sum(db.case((Job.status == "running", 1), else_=0)), 0)
    recent = db.session.execute(db.select(Job.client, Job.owner, running, db.func.max(Job.started_at)).where(
        Job.kind == kind, Job.started_at > since).group_by(Job.client, Job.owner)).all()
    running_client, served_client, running_owner, served_owner = {}, {}, {}, {}
    for client, owner, count, last in recent:  # one row per session served lately
        running_client[client] = running_client.get(client, 0) + count
        running_owner[owner] = running_owner.get(owner, 0) + count
        served_client[client] = max(served_client.get(client, NEVER), last)
        served_owner[owner] = max(served_owner.get(owner, NEVER), last)
    first = {(client, owner): job_id for job_id, owner, client in queued}  # each session's oldest job
    candidates = sorted(first.items(), key=lambda item: (
        running_client.get(item[0][0], 0), served_client.get(item[0][0], NEVER),
        running_owner.get(item[0][1], 0), served_owner.get(item[0][1], NEVER), item[1]))
    return [job_id for _, job_id in candidates]


def claim_next(kind: str) -> int | None:
    """Claim the next job of this queue in fair order; None when nothing is waiting."""
    for _ in range(3):  # another consumer may take a candidate first: look again
        order = fair_order(kind)
        if not order:
            return None
        for job_id in order[:8]:
            if claim(job_id):
                return job_id
    return None


def claim(job_id: int) -> bool:
    """Take a queued job for this worker, atomically: a job delivered twice still runs once."""
    now = utcnow()
    claimed = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="running", started_at=now, heartbeat_at=now, updated_at=now, progress=None,
            attempts=Job.attempts + 1, worker=WORKER_NAME)).rowcount == 1
    db.session.commit()
    return claimed


class Heartbeat:
    """Stamps the running job every few seconds, so that a dead worker's job can be told from a slow one."""

    def __init__(self, app, job_id: int):
        self.app, self.job_id, self.stop = app, job_id, threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name=f"heartbeat-{job_id}")

    def _beat(self):
        interval = self.app.config["HEARTBEAT_SECONDS"]
        while not self.stop.wait(interval):
            with self.app.app_context():
                db.session.execute(db.update(Job).where(Job.id == self.job_id, Job.status == "running")
                                   .values(heartbeat_at=utcnow()))
                db.session.commit()
                db.session.remove()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()


def run(kind: str) -> None:
    """Take one turn on a queue: run the next job in fair order, queued -> running -> done | failed."""
    job_id = claim_next(kind)
    if job_id is None:
        return  # nothing waiting: its job was deleted, or run in an earlier turn
    job = db.session.get(Job, job_id)
    publish(job)
    delay = current_app.config["FAULT_DELAY_SECONDS"]
    last = [0.0]

    def progress(message: str) -> None:
        # at most a few updates a second: each is a row write and a push to the browser
        now = time.monotonic()
        if now - last[0] >= 0.25:
            last[0] = now
            _transition(job_id, progress=message[:200])

    with Heartbeat(current_app._get_current_object(), job_id):
        if delay:
            time.sleep(delay)  # fault-injection tests only: leaves time to kill this worker mid-job
        try:
            result = engine().answer(Query.from_dict(job.query), progress=progress)
            _transition(job_id, status="done", result=result.to_dict(), finished_at=utcnow(), progress=None)
        except EngineError as exc:
            _transition(job_id, status="failed", error=str(exc), finished_at=utcnow())
        except Exception as exc:
            log.exception("analysis job %s failed", job_id)
            db.session.rollback()
            _transition(job_id, status="failed",
                        error=f"the analysis could not be computed ({type(exc).__name__})", finished_at=utcnow())


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
            publish(job)
    lost = now - timedelta(seconds=config["LOST_SECONDS"])
    for kind, queue in (("analysis", "analyses"), ("scenario", "scenarios")):
        if current_app.extensions["queues"][queue].pending_count():
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


def start_reaper(app) -> threading.Event:
    """A thread that runs reap() every REAPER_SECONDS in this consumer process; set the event to stop it."""
    stop = threading.Event()

    def loop():
        while not stop.wait(app.config["REAPER_SECONDS"]):
            with app.app_context():
                try:
                    reap()
                except Exception:  # the database or the queue is away: try again next round
                    log.exception("reaper round failed")
                    db.session.rollback()
                finally:
                    db.session.remove()

    threading.Thread(target=loop, daemon=True, name="reaper").start()
    return stop


def preload(queue: str = "analyses") -> None:
    """Open every dataset, check its arrays against the manifest (checksums, once per process) and read
    them into the page cache: what standard views use, and for the scenario queue A, L and its transpose,
    so that no job pays for the checks. A damaged dataset is logged and skipped; the others are served."""
    eng = engine()
    keys = ("M", "S", "x", "Y") + (("A", "L", "LT") if queue == "scenarios" else ())
    for name in eng.store.names():
        try:
            dataset = eng.dataset(name)
            for year in dataset.years:
                for key in keys:
                    array = dataset.array(year, key)
                    if key in ("M", "S", "x", "Y"):
                        np.asarray(array).sum()
        except EngineError as exc:
            log.warning("dataset %s not preloaded: %s", name, exc)
