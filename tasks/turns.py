"""The task bodies: one turn on a queue claims the next job in fair order and runs it, with a heartbeat."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.engine import EngineError, answer_any, parse_query
from app.engine.preload import preload
from app.extensions import db
from app.jobs import transition
from app.models import Job, utcnow
from app.realtime import publish
from app.web import engine

log = logging.getLogger(__name__)
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
FAIR_WINDOW = timedelta(minutes=10)
NEVER = datetime.min.replace(tzinfo=UTC)


def turn(app, kind: str):
    """The task of a kind's queue."""
    def run_turn(job_id: int):
        """One turn on the queue: runs the next job in fair order (usually job_id's own)."""
        with app.app_context():
            run(kind)
    return run_turn


def preloader(app, kind: str):
    """What a consumer of a kind's queue does on start: read what its jobs will read."""
    def preload_datasets():
        with app.app_context():
            preload(engine(), scenarios=kind == "scenario", log=log)
    return preload_datasets


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
    publish(job.owner, job.id)
    delay = current_app.config["FAULT_DELAY_SECONDS"]
    last = [0.0]

    def progress(message: str) -> None:
        # at most a few updates a second: each is a row write and a push to the browser
        now = time.monotonic()
        if now - last[0] >= 0.25:
            last[0] = now
            transition(job_id, progress=message[:200])

    with Heartbeat(current_app._get_current_object(), job_id):
        if delay:
            time.sleep(delay)  # fault-injection tests only: leaves time to kill this worker mid-job
        try:
            result = answer_any(engine(), parse_query(job.query), progress=progress)
            transition(job_id, status="done", result=result.to_dict(), finished_at=utcnow(), progress=None)
        except EngineError as exc:
            transition(job_id, status="failed", error=str(exc), finished_at=utcnow())
        except Exception as exc:
            log.exception("analysis job %s failed", job_id)
            db.session.rollback()
            transition(job_id, status="failed",
                       error=f"the analysis could not be computed ({type(exc).__name__})", finished_at=utcnow())
