"""One session's feed: its queue as htmx fragments on connect, then the fragments for each change since."""

from __future__ import annotations

from datetime import datetime

from flask import render_template

from ..extensions import db
from ..models import Job
from ..ownership import scenarios_of
from .hub import WAKE


class Feed:
    """What one socket has sent of its session's jobs, so that each change goes out once and in place."""

    def __init__(self, owner: str):
        self.owner = owner
        self.sent: dict[int, datetime] = {}  # job id -> the version (updated_at) the page has
        self.newest = 0  # the highest job id sent: a newer one opens in panel A
        # job id -> the status last announced: one message per state; "queued" is the submit response's own
        self.announced: dict[int, str] = {}

    def initial(self) -> str:
        """The whole queue, swapped in by id, so that a reconnecting page recovers too."""
        jobs = db.session.scalars(db.select(Job).where(Job.owner == self.owner).order_by(Job.id.desc())).all()
        self.sent = {job.id: job.updated_at for job in jobs}
        self.newest = max(self.sent, default=0)
        self.announced = {job.id: job.status for job in jobs}
        html = render_template("workspace/_queue_list.html", queue=jobs, oob=True)
        db.session.close()  # give the connection back: a socket may stay open for hours
        return html

    def changes(self, items: list) -> str:
        """Fragments for the inbox items' jobs: a new one added, a known one replaced, a deleted one removed."""
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
            announced = job.status != self.announced.get(job_id, "queued")
            self.announced[job_id] = job.status
            # the newest job opens in panel A, whose result offers the session's scenarios
            parts.append(render_template("live/_job_update.html", job=job, known=known, newest=newest,
                                         announced=announced,
                                         saved_scenarios=scenarios_of(self.owner) if newest else []))
            self.sent[job_id] = job.updated_at
        db.session.close()
        return "".join(parts)

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
