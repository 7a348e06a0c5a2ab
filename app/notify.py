"""Job-change notifications from workers to the websockets of the job's owner, within one process."""

from __future__ import annotations

import logging
import queue
import threading

log = logging.getLogger(__name__)


class Hub:
    """Each open websocket subscribes with a queue; a worker publishes (owner, job id) pairs."""

    def __init__(self):
        self._subscribers: dict[str, set[queue.Queue]] = {}
        self._lock = threading.Lock()

    def subscribe(self, owner: str) -> queue.Queue:
        inbox: queue.Queue = queue.Queue()
        with self._lock:
            self._subscribers.setdefault(owner, set()).add(inbox)
        return inbox

    def unsubscribe(self, owner: str, inbox: queue.Queue) -> None:
        with self._lock:
            inboxes = self._subscribers.get(owner, set())
            inboxes.discard(inbox)
            if not inboxes:
                self._subscribers.pop(owner, None)

    def publish(self, owner: str, job_id: int) -> None:
        with self._lock:
            inboxes = list(self._subscribers.get(owner, ()))
        for inbox in inboxes:
            inbox.put(job_id)


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

    def subscribe(self, owner: str) -> queue.Queue:
        with self._start_lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = threading.Thread(target=self._listen, daemon=True, name="redis-hub")
                self._listener.start()
        return super().subscribe(owner)

    def publish(self, owner: str, job_id: int) -> None:
        try:
            self.redis.publish(self.CHANNEL, f"{owner} {job_id}")
        except Exception:  # Redis away: open pages still see the change through their database check
            log.warning("could not publish a job change to Redis", exc_info=True)

    def _listen(self) -> None:
        import time

        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.CHANNEL)
                for message in pubsub.listen():
                    owner, _, job_id = message["data"].decode().partition(" ")
                    Hub.publish(self, owner, int(job_id))
            except Exception:  # reconnect after a Redis restart
                log.warning("Redis notifications interrupted; reconnecting", exc_info=True)
                time.sleep(1)
