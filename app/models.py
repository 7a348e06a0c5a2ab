"""Database rows: analysis jobs and saved scenarios, each owned by one browser session (or one user), and the
read-only links their owners share."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .extensions import db

STATUSES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A moment in UTC, always timezone-aware in Python.

    SQLite keeps no time zone and hands back naive datetimes; comparing those with aware ones
    (the reaper's "no heartbeat since", the ORM's in-session evaluation of an UPDATE) raises.
    Every moment the app stores is UTC, so it is stored as UTC and read back as UTC everywhere.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)  # one text format, so comparisons in SQL hold
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def new_public_id() -> str:
    """An unguessable id for URLs and the API (128 bits); integer keys stay inside the database."""
    return secrets.token_hex(16)


PUBLIC_ID_PATTERN = r"[0-9a-f]{32}"


class Scenario(db.Model):
    """A named, ordered list of interventions saved by one browser session."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    dataset: Mapped[str] = mapped_column(String(64))
    interventions: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Job(db.Model):
    """One queued analysis: its query, where it is in its life, and its result or error."""

    __tablename__ = "job"
    # the fair order reads the waiting jobs of one queue, and the jobs started lately
    __table_args__ = (db.Index("ix_job_status_kind", "status", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)  # 1, 2, 3 ... within its owner's queue
    client: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # keyed hash of the address
    status: Mapped[str] = mapped_column(String(16), default="queued")
    query: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[str | None] = mapped_column(String(200), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="analysis", index=True)  # or "scenario"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)  # host:pid that ran it
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    @property
    def is_scenario(self) -> bool:
        return self.kind == "scenario"

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def elapsed_seconds(self) -> float | None:
        """Run time so far (running) or in all (finished)."""
        started = self.started_at
        if started is None:
            return None
        end = self.finished_at or utcnow()
        return max(0.0, (end - started).total_seconds())

    def to_api(self) -> dict:
        return {"id": self.public_id, "number": self.number, "status": self.status, "query": self.query,
                "result": self.result,
                "error": self.error, "progress": self.progress,
                "created_at": self.created_at.isoformat(),
                "started_at": self.started_at and self.started_at.isoformat(),
                "finished_at": self.finished_at and self.finished_at.isoformat()}


def new_share_token() -> str:
    """The secret of a share link: 256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


SHARE_TOKEN_PATTERN = r"[A-Za-z0-9_-]{43}"


class Share(db.Model):
    """A read-only link to one finished analysis, made by its owner: whoever holds the token sees the result,
    nothing else of the owner's. Revoking deletes the row; deleting the analysis deletes its links."""

    __tablename__ = "share"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_share_token)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    # per year the analysis reads: the version its files state and when it was imported, as the link was made
    dataset_state: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
