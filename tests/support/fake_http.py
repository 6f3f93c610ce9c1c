"""A receiver faked at httpx's transport: programmable answers, every request kept."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeReceiver:
    requests: list[httpx.Request] = field(default_factory=list)
    # Answers per host, used in order; the last one repeats.
    answers: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, host: str, *answers: Answer) -> None:
        self.answers[host] = list(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            queue = self.answers.get(request.url.host) or [httpx.Response(200, text="ok")]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        response = answer(request) if callable(answer) else answer
        # A fresh, not yet read body each time, as from the network.
        return httpx.Response(
            response.status_code, headers=response.headers, content=iter([response.content])
        )

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), follow_redirects=False)

    def to(self, host: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == host]
