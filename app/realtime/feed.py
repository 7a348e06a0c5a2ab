"""One session's feed: its queue as htmx fragments on connect, then the fragments for each change since."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from flask import render_template

from ..extensions import db
from ..models import Job
from ..ownership import scenarios_of
from .hub import WAKE


def unsaid(job: Job, last: str | None) -> list[SimpleNamespace]:
    """The job's states after `last` (None: none said yet), in order, as the status words need them:
    queued, running (if it ran), then done or failed. The page says each once whichever of the socket
    and the submit's response brings it first (static/app.js), so a job first seen running still has
    its "queued" said, before "running"."""
    path = ["queued"]
    if job.status == "running" or (job.finished and job.started_at is not None):
        path.append("running")
    if job.finished:
        path.append(job.status)
    if last is not None:
        path = path[path.index(last) + 1:] if last in path else []
    return [SimpleNamespace(public_id=job.public_id, number=job.number, status=state, error=job.error,
                            elapsed_seconds=job.elapsed_seconds) for state in path]


class Feed:
    """What one socket has sent of its session's jobs, so that each change goes out once and in place.

    With `watch` (a job's public id: its own page, /analyses/<id>) only that job is followed, as its
    page's one panel and its messages; otherwise the workspace's queue and panel A."""

    def __init__(self, owner: str, watch: str | None = None):
        self.owner = owner
        self.watch = watch
        self.sent: dict[int, datetime] = {}  # job id -> the version (updated_at) the page has
        self.newest = 0  # the highest job id sent: a newer one opens in panel A
        # job id -> the status last announced: each state is said once, in order (see unsaid)
        self.announced: dict[int, str] = {}

    def initial(self) -> str:
        """The whole queue, swapped in by id, so that a reconnecting page recovers too."""
        if self.watch is not None:
            return self._watched(initial=True)
        jobs = db.session.scalars(db.select(Job).where(Job.owner == self.owner).order_by(Job.id.desc())).all()
        self.sent = {job.id: job.updated_at for job in jobs}
        self.newest = max(self.sent, default=0)
        self.announced = {job.id: job.status for job in jobs}
        html = render_template("workspace/_queue_list.html", queue=jobs, oob=True)
        db.session.close()  # give the connection back: a socket may stay open for hours
        return html

    def changes(self, items: list) -> str:
        """Fragments for the inbox items' jobs: a new one added, a known one replaced, a deleted one removed."""
        if self.watch is not None:
            return self._watched() if self._changed(items) & set(self.sent) else ""
        parts, changed = [], {}
        for job_id in sorted(self._changed(items)):
            job = db.session.get(Job, job_id)
            if job is None or job.owner != self.owner:
                if job_id in self.sent:
                    del self.sent[job_id]
                    self.announced.pop(job_id, None)
                    changed[job_id] = None
            elif self.sent.get(job_id) != job.updated_at:
                changed[job_id] = job
        deleted = None in changed.values()
        if deleted:
            # the whole list, not a row: the page may have removed the row itself, and an out-of-band
            # swap whose target is gone is an error in the browser; the rows below then replace theirs
            jobs = db.session.scalars(db.select(Job).where(Job.owner == self.owner).order_by(Job.id.desc())).all()
            parts.append(render_template("workspace/_queue_list.html", queue=jobs, oob=True))
        for job_id, job in changed.items():
            if job is None:
                continue
            known = job_id in self.sent or deleted
            is_new = job_id not in self.sent and job_id > self.newest
            self.newest = max(self.newest, job_id)
            newest = is_new or job_id == self.newest
            said = unsaid(job, self.announced.get(job_id))
            self.announced[job_id] = job.status
            # the newest job opens in panel A, whose result offers the session's scenarios
            parts.append(render_template("live/_job_update.html", job=job, known=known, newest=newest,
                                         said=said,
                                         saved_scenarios=scenarios_of(self.owner) if newest else []))
            self.sent[job_id] = job.updated_at
        db.session.close()
        return "".join(parts)

    def _watched(self, initial: bool = False) -> str:
        """The watched job's panel, and the messages for its states not said yet (none on connect: the
        page shows the state it was served with)."""
        job = db.session.scalar(db.select(Job).where(Job.public_id == self.watch, Job.owner == self.owner))
        html = ""
        if job is not None and (initial or self.sent.get(job.id) != job.updated_at):
            said = [] if initial else unsaid(job, self.announced.get(job.id))
            self.sent[job.id], self.announced[job.id] = job.updated_at, job.status
            html = render_template("live/_job_panel.html", job=job, said=said,
                                   saved_scenarios=scenarios_of(self.owner) if job.status == "done" else [])
        db.session.close()
        return html

    def _changed(self, items: list) -> set[int]:
        """The job ids to read: every one published, and those of the watcher's versions not yet sent."""
        changed = set()
        for item in items:
            if isinstance(item, tuple):
                job_id, updated_at = item
                if self.sent.get(job_id) != updated_at:
                    changed.add(job_id)
            elif item is not WAKE:
                changed.add(item)
        return changed
