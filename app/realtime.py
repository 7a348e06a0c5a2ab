"""The websocket: pushes each change of the session's jobs as htmx fragments swapped by id."""

from __future__ import annotations

import queue

from flask import Blueprint, current_app, render_template
from simple_websocket import ConnectionClosed

from .extensions import db, sock
from .models import Job
from .ownership import current_owner

bp = Blueprint("realtime", __name__)


def job_fragments(job: Job, known: bool, newest: bool) -> str:
    """A new job is added to the queue and opened in panel A; a known one is updated in place."""
    return render_template("_job_update.html", job=job, known=known, newest=newest)


@sock.route("/ws", bp=bp)
def updates(ws):
    """Send the session's queue on connect (so a reconnect recovers), then every change as it happens."""
    owner = current_owner(create=False)
    if owner is None:
        ws.close(reason=1008, message="no session")
        return
    hub = current_app.extensions["hub"]
    poll = current_app.config["WEBSOCKET_POLL_SECONDS"]
    inbox = hub.subscribe(owner)
    try:
        jobs = db.session.scalars(db.select(Job).where(Job.owner == owner).order_by(Job.id.desc())).all()
        sent = {job.id: job.updated_at for job in jobs}
        public = {job.id: job.public_id for job in jobs}  # a deleted job's element is removed by its public id
        newest = max(sent, default=0)
        checked = max(sent.values(), default=None)
        first = render_template("_queue_list.html", queue=jobs, oob=True)
        db.session.close()  # give the connection back: a socket may stay open for hours
        ws.send(first)
        while True:
            try:
                changed = {inbox.get(timeout=poll)}
                while not inbox.empty():
                    changed.add(inbox.get_nowait())
            except queue.Empty:
                changed = None
            ws.receive(timeout=0)  # raises ConnectionClosed once the browser has gone
            if changed is None:
                # a worker in another process: find its changes in the database
                query = db.select(Job).where(Job.owner == owner)
                if checked is not None:
                    query = query.where(Job.updated_at > checked)
                found = {job.id: job for job in db.session.scalars(query)}
                changed = set(found)
            else:
                found = {i: db.session.get(Job, i) for i in changed}
            parts = []
            for job_id in sorted(changed):
                job = found.get(job_id)
                if job is None or job.owner != owner:
                    if job_id in sent:
                        parts.append(f'<li id="job-{public[job_id]}" hx-swap-oob="delete"></li>')
                        del sent[job_id], public[job_id]
                    continue
                if sent.get(job_id) == job.updated_at:
                    continue
                is_new = job_id not in sent and job_id > newest
                newest = max(newest, job_id)
                parts.append(job_fragments(job, known=job_id in sent, newest=is_new or job_id == newest))
                sent[job_id] = job.updated_at
                public[job_id] = job.public_id
                checked = job.updated_at if checked is None else max(checked, job.updated_at)
            db.session.close()
            if parts:
                ws.send("".join(parts))
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(owner, inbox)
        db.session.remove()
