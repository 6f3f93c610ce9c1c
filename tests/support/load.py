"""Many concurrent writers against a live service, as a busy website drives it: each
client submits a testimonial over the API and approves it, again and again, until the
time is up. Used by the exactly-once test and by ``make bench``'s write-path row."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

SUBMISSION = {
    "author_name": "Load Test",
    "content": "A testimonial written by the load driver, long enough to pass.",
    "rating": 5,
}


@dataclass
class Writes:
    """What the writers did: every request's time (ms), and what went wrong."""

    latencies_ms: list[float] = field(default_factory=list)
    approved: list[int] = field(default_factory=list)  # testimonial ids
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def drive(base_url: str, api_key: str, clients: int, seconds: float) -> Writes:
    """``clients`` threads, each with its own keep-alive connection, writing for
    ``seconds``. A request that fails is counted in ``errors`` and ends that client."""
    writes = Writes()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {api_key}"}

    def write(client: httpx.Client, method: str, path: str, body: object) -> httpx.Response:
        started = time.perf_counter()
        answer = client.request(method, path, json=body)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            writes.latencies_ms.append(elapsed)
        if answer.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer

    def writer() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            try:
                while time.monotonic() < stop_at:
                    created = write(client, "POST", "/api/v1/testimonials/", SUBMISSION)
                    pk = created.json()["id"]
                    write(client, "POST", f"/api/v1/testimonials/{pk}/approve/", None)
                    with lock:
                        writes.approved.append(pk)
            except (httpx.HTTPError, RuntimeError) as problem:
                with lock:
                    writes.errors.append(str(problem))

    threads = [threading.Thread(target=writer, name=f"writer-{n}") for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    writes.seconds = time.monotonic() - started
    return writes
