"""Database rows: analysis jobs, each owned by one browser session."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

STATUSES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Scenario(db.Model):
    """A named, ordered list of interventions saved by one browser session."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    dataset: Mapped[str] = mapped_column(String(64))
    interventions: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(db.Model):
    """One queued analysis: its query, where it is in its life, and its result or error."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    query: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[str | None] = mapped_column(String(200), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="analysis", index=True)  # or "scenario"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)  # host:pid that ran it
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    @property
    def is_scenario(self) -> bool:
        return self.kind == "scenario"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def _aware(self, moment: datetime | None) -> datetime | None:
        # SQLite hands back naive datetimes; every stored time is UTC
        if moment is not None and moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment

    @property
    def elapsed_seconds(self) -> float | None:
        """Run time so far (running) or in all (finished)."""
        started = self._aware(self.started_at)
        if started is None:
            return None
        end = self._aware(self.finished_at) or utcnow()
        return max(0.0, (end - started).total_seconds())

    def to_api(self) -> dict:
        return {"id": self.id, "status": self.status, "query": self.query, "result": self.result,
                "error": self.error, "progress": self.progress,
                "created_at": self._aware(self.created_at).isoformat(),
                "started_at": self.started_at and self._aware(self.started_at).isoformat(),
                "finished_at": self.finished_at and self._aware(self.finished_at).isoformat()}
