"""Job-change notifications from workers to the websockets of the job's owner, within one process."""

from __future__ import annotations

import queue
import threading


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
