"""One HTTP try of one delivery: sign, POST, read a bounded answer, classify.

Runs in the dispatcher's sender threads, so it works on plain snapshots (``Target``) and
returns plain results (``Outcome``), never touching the ORM.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from django.utils import timezone

from webhooks.conf import conf
from webhooks.metrics import instruments
from webhooks.models import is_success
from webhooks.sending.clock import SYSTEM_CLOCK, Clock
from webhooks.sending.http_transport import LOCATION
from webhooks.sending.retry import parse_retry_after
from webhooks.sending.transport import AddressRefused, NameNotResolved, deadline
from webhooks.trust import signing
from webhooks.validation import headers

# How much of a redirect's Location a failure quotes.
LOCATION_QUOTED = 300


@dataclass(frozen=True)
class Target:
    """What a sender thread needs to try one delivery."""

    delivery_id: int
    endpoint_id: int
    # Credentials (a chat URL is one) and personal data: kept out of reprs, which end up
    # in tracebacks and error reports.
    url: str = field(repr=False)
    secrets: list[str] = field(repr=False)
    custom_headers: dict[str, str] = field(repr=False)
    webhook_id: str
    body: bytes = field(repr=False)
    schedule_position: int
    content_type: str = "application/json"
    # The schedule the delivery started with; None: WEBHOOKS_RETRY_SCHEDULE.
    retry_schedule: tuple[timedelta, ...] | None = None
    # Seconds for the whole try; None: WEBHOOKS_TIMEOUT.
    timeout: float | None = None
    # Why it must not be sent at all (its endpoint's custom headers), else empty.
    refusal: str = ""

    def log_ids(self) -> dict[str, object]:
        """The ``extra`` of a log line about this delivery: fields of their own with
        LOG_FORMAT=json."""
        return {
            "delivery_id": self.delivery_id,
            "endpoint_id": self.endpoint_id,
            "event_id": self.webhook_id,
        }


@dataclass
class Outcome:
    target: Target
    started_at: datetime
    duration_ms: int
    request_headers: dict[str, str]
    status_code: int | None = None
    response_body: str = ""
    error: str = ""
    retry_after: timedelta | None = None
    # The receiver could not be reached at all (refused, timed out, unresolvable): the
    # rest of its batch waits rather than failing the same way one by one.
    unreachable: bool = False
    # Why no answer came (an instruments outcome); empty when one did.
    failure: str = ""
    finished_at: datetime = field(default_factory=timezone.now)

    @property
    def succeeded(self) -> bool:
        return is_success(self.status_code)

    @property
    def gone(self) -> bool:
        return self.status_code == 410

    @property
    def kind(self) -> str:
        """The attempt's outcome as metrics count it."""
        if self.status_code is None:
            return self.failure or instruments.CONNECTION_ERROR
        if self.succeeded:
            return instruments.SUCCESS
        return instruments.GONE if self.gone else instruments.HTTP_ERROR

    @property
    def slow_down(self) -> bool:
        """The receiver asked for a pause of the whole endpoint (429 or 503 with a
        ``Retry-After``), not just a retry of this delivery."""
        return self.status_code in (429, 503) and self.retry_after is not None


def request_headers(target: Target, timestamp: int) -> dict[str, str]:
    return {
        **target.custom_headers,
        "webhook-id": target.webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.sign(
            target.webhook_id, timestamp, target.body, target.secrets
        ),
        "content-type": target.content_type,
        "user-agent": conf.user_agent,
    }


def loggable(target: Target, sent: dict[str, str]) -> dict[str, str]:
    """The headers as the attempt records them: every custom value is the receiver's
    credential, whatever the header is called."""
    return headers.redacted(sent, target.custom_headers)


def _read_bounded(response: httpx.Response, limit: int) -> bytes:
    received = bytearray()
    for chunk in response.iter_raw():
        received += chunk
        if len(received) >= limit:
            break
    return bytes(received[:limit])


def _describe_failure(response: httpx.Response) -> str:
    if response.is_redirect or LOCATION in response.extensions:
        where = str(response.extensions.get(LOCATION) or response.headers.get("location", "?"))
        if len(where) > LOCATION_QUOTED:
            where = where[: LOCATION_QUOTED - 1] + "…"
        return f"HTTP {response.status_code}: redirect to {where} not followed"
    if response.status_code == 410:
        return "HTTP 410 Gone: the receiver asked to stop; endpoint disabled"
    return f"HTTP {response.status_code} {response.reason_phrase}".strip()


@dataclass(frozen=True)
class Failure:
    """Why a try got no answer."""

    error: str
    unreachable: bool
    kind: str = instruments.CONNECTION_ERROR


def classify(exc: httpx.HTTPError) -> Failure:
    """httpx re-raises the transport's errors as its own, keeping the original as the
    cause."""
    cause = exc.__cause__
    if isinstance(cause, AddressRefused):
        return Failure(f"refused before sending: {cause}", True, instruments.REFUSED)
    if isinstance(cause, NameNotResolved):
        return Failure(f"DNS: {cause}", True)
    if isinstance(exc, httpx.TimeoutException):
        return Failure(f"timed out ({type(exc).__name__}): {exc}", True, instruments.TIMEOUT)
    if _caused_by(exc, ssl.SSLError):
        return Failure(f"TLS handshake failed: {exc}", True)
    if isinstance(exc, httpx.ConnectError):
        return Failure(f"connection failed: {exc}", True)
    if isinstance(exc, httpx.LocalProtocolError):
        # Its text may quote what was being written, headers included.
        return Failure(
            "refused before sending: the request could not be written", True, instruments.REFUSED
        )
    if _caused_by(exc, ConnectionResetError):
        return Failure(f"connection reset by the receiver: {exc}", False)
    # Malformed responses, a connection closed mid-answer.
    return Failure(f"{type(exc).__name__}: {exc}", False)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):  # causes can form a cycle; a real chain is a few links long
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def attempt(client: httpx.Client, target: Target, clock: Clock = SYSTEM_CLOCK) -> Outcome:
    """One try of ``target``, timed by ``clock`` (its start, end and duration)."""
    started_at = clock.now()
    sent = request_headers(target, int(started_at.timestamp()))
    outcome = Outcome(
        target=target,
        started_at=started_at,
        duration_ms=0,
        request_headers=loggable(target, sent),
        finished_at=started_at,
    )
    started = clock.monotonic()
    if target.refusal:
        # Refused with the reason, never quoted by an encoding error further down.
        outcome.error = storable(f"refused before sending: {target.refusal}")
        outcome.unreachable, outcome.failure = True, instruments.REFUSED
        outcome.finished_at = clock.now()
        return outcome
    try:
        seconds = target.timeout or conf.timeout
        with (
            deadline(seconds),
            client.stream(
                "POST",
                target.url,
                content=target.body,
                headers=sent,
                timeout=httpx.Timeout(seconds, connect=min(seconds, conf.connect_timeout)),
            ) as response,
        ):
            body = _read_bounded(response, conf.max_response_bytes)
        outcome.status_code = response.status_code
        outcome.response_body = body[: conf.response_excerpt_bytes].decode("utf-8", "replace")
        if not outcome.succeeded:
            outcome.error = _describe_failure(response)
            outcome.retry_after = parse_retry_after(
                response.headers.get("retry-after"), outcome.started_at
            )
    except httpx.HTTPError as exc:
        failure = classify(exc)
        outcome.error, outcome.unreachable, outcome.failure = (
            failure.error,
            failure.unreachable,
            failure.kind,
        )
    except httpx.InvalidURL:
        # A URL stored around full_clean() that httpx cannot even parse (not quoted: the
        # URL may hold a token).
        outcome.error = "refused before sending: the endpoint's URL cannot be parsed"
        outcome.unreachable = True
        outcome.failure = instruments.REFUSED
    outcome.duration_ms = round((clock.monotonic() - started) * 1000)
    outcome.finished_at = clock.now()
    outcome.response_body = storable(outcome.response_body)
    outcome.error = storable(outcome.error)
    return outcome


def storable(text: str) -> str:
    """Receiver-controlled text as every database keeps it: PostgreSQL refuses NUL in
    text columns, and one such byte would fail the whole round's record."""
    return text.replace("\x00", "\ufffd")
