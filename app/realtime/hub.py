"""Job-change notifications from workers to the websockets of the job's owner, within one process."""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import datetime, timedelta

log = logging.getLogger(__name__)

# What an inbox receives: a job id (from publish), a (job id, updated_at) pair (from the database
# watcher, so a socket that has already sent that version needs no query), or WAKE (from the socket's
# own connection: a message arrived or it closed).
WAKE = None


class Hub:
    """Each open websocket subscribes with a queue; a worker publishes (owner, job id) pairs.

    While sockets are open, one watcher thread per hub (so per process) also reads the job rows
    changed lately and hands them to their owners' inboxes: a worker in another process that cannot
    reach this hub (SQLite with a separate `flask worker`, Redis away) is still seen, at one query
    per WEBSOCKET_POLL_SECONDS per process, however many sockets are open.
    """

    # each look goes back this far before the previous one, so that a row whose commit came a little
    # after its updated_at stamp (or from a machine whose clock is a little behind) is still seen
    LOOK_BACK = timedelta(seconds=10)

    def __init__(self):
        self._subscribers: dict[str, set[queue.Queue]] = {}
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def subscribe(self, owner: str, watch=None) -> queue.Queue:
        """An inbox for the owner's changes; with watch (the app), changes found in its database too.

        Subscribe before reading the state the subscriber starts from: the watcher's first look then
        covers every change after that state."""
        from ..models import utcnow

        inbox: queue.Queue = queue.Queue()
        with self._lock:
            self._subscribers.setdefault(owner, set()).add(inbox)
            if watch is not None and self._watcher is None:
                self._watcher = threading.Thread(target=self._watch, args=(watch, utcnow()), daemon=True,
                                                 name="job-watcher")
                self._watcher.start()
        return inbox

    def unsubscribe(self, owner: str, inbox: queue.Queue) -> None:
        with self._lock:
            inboxes = self._subscribers.get(owner, set())
            inboxes.discard(inbox)
            if not inboxes:
                self._subscribers.pop(owner, None)

    def publish(self, owner: str, job_id: int) -> None:
        self._deliver(owner, job_id)

    def _deliver(self, owner: str, item) -> None:
        """To this process's subscribers only."""
        with self._lock:
            inboxes = list(self._subscribers.get(owner, ()))
        for inbox in inboxes:
            inbox.put(item)

    def _watch(self, app, since: datetime) -> None:
        from ..extensions import db
        from ..models import Job, utcnow

        seen: dict[int, datetime] = {}  # what was handed out lately, so a row read twice goes out once
        while True:
            time.sleep(app.config["WEBSOCKET_POLL_SECONDS"])
            with self._lock:
                if not self._subscribers:  # the last socket has gone: stop; the next one starts a watcher
                    self._watcher = None
                    return
            now = utcnow()
            floor = since - self.LOOK_BACK
            try:
                with app.app_context():
                    rows = db.session.execute(db.select(Job.id, Job.owner, Job.updated_at)
                                              .where(Job.updated_at > floor)).all()
                    db.session.remove()
            except Exception:  # the database away for a moment: look again next time, from the same point
                log.warning("could not read job changes", exc_info=True)
                continue
            with self._lock:
                for job_id, owner, updated_at in rows:
                    if seen.get(job_id) != updated_at:
                        seen[job_id] = updated_at
                        for inbox in self._subscribers.get(owner, ()):
                            inbox.put((job_id, updated_at))
            seen = {job_id: at for job_id, at in seen.items() if at > floor}  # job times are always aware (UTCDateTime)
            since = now


class RedisHub(Hub):
    """Across processes: every publish goes through a Redis channel; one listener thread per process
    hands each message to this process's own subscribers."""

    CHANNEL = "ramascene:jobs"

    def __init__(self, url: str):
        super().__init__()
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._listener: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def subscribe(self, owner: str, watch=None) -> queue.Queue:
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(target=self._listen, daemon=True, name="redis-hub")
                self._listener.start()
        return super().subscribe(owner, watch)

    def publish(self, owner: str, job_id: int) -> None:
        try:
            self.redis.publish(self.CHANNEL, f"{owner} {job_id}")
        except Exception:  # Redis away: open pages still see the change through the database watcher
            log.warning("could not publish a job change to Redis", exc_info=True)

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.CHANNEL)
                for message in pubsub.listen():
                    owner, _, job_id = message["data"].decode().partition(" ")
                    self._deliver(owner, int(job_id))
            except Exception:  # reconnect after a Redis restart
                log.warning("Redis notifications interrupted; reconnecting", exc_info=True)
                time.sleep(1)
