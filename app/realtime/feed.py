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
        self.public: dict[int, str] = {}  # element ids are public ids: a deleted job's is kept to remove it
        self.newest = 0  # the highest job id sent: a newer one opens in panel A

    def initial(self) -> str:
        """The whole queue, swapped in by id, so that a reconnecting page recovers too."""
        jobs = db.session.scalars(db.select(Job).where(Job.owner == self.owner).order_by(Job.id.desc())).all()
        self.sent = {job.id: job.updated_at for job in jobs}
        self.public = {job.id: job.public_id for job in jobs}
        self.newest = max(self.sent, default=0)
        html = render_template("workspace/_queue_list.html", queue=jobs, oob=True)
        db.session.close()  # give the connection back: a socket may stay open for hours
        return html

    def changes(self, items: list) -> str:
        """Fragments for the inbox items' jobs: a new one added, a known one replaced, a deleted one removed."""
        parts = []
        for job_id in sorted(self._changed(items)):
            job = db.session.get(Job, job_id)
            if job is None or job.owner != self.owner:
                if job_id in self.sent:
                    parts.append(render_template("live/_job_deleted.html", public_id=self.public.pop(job_id)))
                    del self.sent[job_id]
                continue
            if self.sent.get(job_id) == job.updated_at:
                continue
            known = job_id in self.sent
            is_new = not known and job_id > self.newest
            self.newest = max(self.newest, job_id)
            newest = is_new or job_id == self.newest
            # the newest job opens in panel A, whose result offers the session's scenarios
            parts.append(render_template("live/_job_update.html", job=job, known=known, newest=newest,
                                         saved_scenarios=scenarios_of(self.owner) if newest else []))
            self.sent[job_id] = job.updated_at
            self.public[job_id] = job.public_id
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
