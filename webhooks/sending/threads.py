"""Sender threads kept for reuse as leases come and go.

Starting a thread for every claim grew a worker's memory with every claim
(docs/performance.md); reused, they cost nothing more. Not a ``ThreadPoolExecutor``: at interpreter
exit it joins its threads before the dispatcher is told the worker is stopping, and a
lease's thread ends only when the dispatcher stops it. A worker given SIGTERM then hung
until it was killed. These are daemon threads: the dispatcher (not a daemon) finishes
the requests in flight, records them and closes its leases, and the idle threads left go
with the process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from queue import Empty, SimpleQueue

# A spare thread given no work for this long ends.
SPARE_THREAD_SECONDS = 60.0


class ThreadReuse:
    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()  # taken when a lane starts or ends, not per request
        self._idle: list[SimpleQueue[Callable[[], None]]] = []

    def run(self, work: Callable[[], None]) -> None:
        """Runs ``work`` on an idle thread, or on a new one."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is not None:
            inbox.put(work)
        else:
            threading.Thread(target=self._serve, args=(work,), name=self._name, daemon=True).start()

    def _serve(self, work: Callable[[], None]) -> None:
        inbox: SimpleQueue[Callable[[], None]] = SimpleQueue()
        while True:
            work()
            with self._lock:
                self._idle.append(inbox)
            try:
                work = inbox.get(timeout=SPARE_THREAD_SECONDS)
            except Empty:
                with self._lock:
                    if inbox in self._idle:
                        self._idle.remove(inbox)
                        return
                work = inbox.get()  # handed work just as it was giving up
