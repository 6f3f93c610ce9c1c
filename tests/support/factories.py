"""Builders for test objects: sensible defaults, override any field by keyword."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from http_api import grants
from http_api.models import ApiKey
from testimonials.models import Testimonial, TestimonialCategory
from webhooks.models import (
    DeliveryAttempt,
    Subscriber,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.publishing import payloads
from webhooks.sending import settling, tally
from webhooks.sending.attempt import Outcome, Target

_sequence = itertools.count(1)

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_user(**fields: Any) -> User:
    n = next(_sequence)
    defaults: dict[str, Any] = {"username": f"user{n}", "email": f"user{n}@example.com"}
    return User.objects.create_user(**{**defaults, **fields})


def make_superuser(**fields: Any) -> User:
    return make_user(is_staff=True, is_superuser=True, **fields)


def make_staff(*permissions: str, **fields: Any) -> User:
    """A staff user holding exactly ``permissions`` ("app_label.codename")."""
    user = make_user(is_staff=True, **fields)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


def make_category(**fields: Any) -> TestimonialCategory:
    n = next(_sequence)
    return TestimonialCategory.objects.create(**{"name": f"Category {n}", **fields})


def build_testimonial(**fields: Any) -> Testimonial:
    """An unsaved testimonial."""
    n = next(_sequence)
    defaults: dict[str, Any] = {
        "author_name": f"Author {n}",
        "author_email": f"author{n}@example.com",
        "company": "Acme",
        "title": f"Great service {n}",
        "content": "They answered every question within the hour.",
        "rating": 5,
    }
    return Testimonial(**{**defaults, **fields})


def make_testimonial(**fields: Any) -> Testimonial:
    testimonial = build_testimonial(**fields)
    testimonial.save()
    return testimonial


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def make_subscriber(name: str = "", **fields: Any) -> Subscriber:
    subscriber = Subscriber(name=name or f"Team {Subscriber.objects.count() + 1}", **fields)
    subscriber.full_clean()
    subscriber.save()
    return subscriber


def make_endpoint(url: str = "https://hooks.example.com/in", **fields: Any) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url=url, **fields)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def walk_through_lifecycle(testimonial: Testimonial) -> None:
    """Every lifecycle method once, so every signal fires once after creation."""
    testimonial.add_media(png_upload())
    testimonial.approve()
    testimonial.feature()
    testimonial.add_response("Thank you!")
    testimonial.reject("Duplicate")
    testimonial.archive()


def make_delivery(
    endpoint: WebhookEndpoint | None = None,
    status: str = "failed",
    attempts: int = 0,
    event_type: str = "testimonial.approved",
    created_at: datetime | None = None,
    duration_ms: int = 3,
    **fields: Any,
) -> WebhookDelivery:
    """A delivery as the dispatcher would have left it, with ``attempts`` logged tries
    (all 500s, but the last one of a succeeded delivery), counted into its endpoint's
    hours as recording counts them."""
    created_at = created_at or timezone.now()
    endpoint = endpoint or make_endpoint()
    body = payloads.encode(payloads.envelope(event_type, {"n": next(_sequence)}, created_at))
    event = WebhookEvent.objects.create(type=event_type, payload=body, created_at=created_at)
    delivery = WebhookDelivery.objects.create(
        event=event,
        endpoint=endpoint,
        status=status,
        attempts=attempts,
        schedule_position=attempts,
        next_attempt_at=created_at if status == "pending" else None,
        last_status_code=500 if attempts and status != "succeeded" else None,
        created_at=created_at,
        **fields,
    )
    tries = []
    for number in range(1, attempts + 1):
        succeeded = status == "succeeded" and number == attempts
        tries.append(
            DeliveryAttempt.objects.create(
                delivery=delivery,
                number=number,
                started_at=created_at,
                duration_ms=duration_ms,
                status_code=200 if succeeded else 500,
                error="" if succeeded else "HTTP 500",
            )
        )
    _count_into_hours(delivery, tries)
    return delivery


def _count_into_hours(delivery: WebhookDelivery, tries: list[DeliveryAttempt]) -> None:
    """What ``tally`` adds to ``EndpointHour`` when the dispatcher records these tries."""
    results = []
    for row in tries:
        outcome = make_outcome(delivery, row.status_code or 500)
        outcome.started_at, outcome.duration_ms = row.started_at, row.duration_ms
        status = delivery.status if row.number == delivery.attempts else "pending"
        results.append(settling.Finished(outcome, settling.Settlement(status, None, None, "")))
    tally.count_hours(results)


def make_outcome(delivery: WebhookDelivery, status: int = 200, body: str = "ok") -> Outcome:
    """A try of ``delivery`` as a sender thread reports it."""
    target = Target(
        delivery_id=delivery.pk,
        endpoint_id=delivery.endpoint_id,
        url="https://hooks.example.com/",
        secrets=[],
        custom_headers={},
        webhook_id=str(delivery.event_id),
        body=b"{}",
        schedule_position=delivery.schedule_position,
    )
    return Outcome(target, timezone.now(), 3, {"webhook-id": target.webhook_id}, status, body)


def make_traffic(
    endpoint: WebhookEndpoint, now: datetime, hours: int, per_hour: int, failing_every: int = 0
) -> None:
    """Deliveries of the last ``hours`` hours, ``per_hour`` each, one try each taking
    10 ms to about 1 s; every ``failing_every``-th one failed (0: none fails)."""
    for hour in range(hours):
        for n in range(per_hour):
            failed = bool(failing_every) and (hour * per_hour + n) % failing_every == 0
            make_delivery(
                endpoint,
                status="failed" if failed else "succeeded",
                attempts=1,
                created_at=now - timedelta(hours=hour, minutes=n % 50),
                duration_ms=10 + (n * 97 + hour * 31) % 1000,
            )


def exhaust(delivery: WebhookDelivery, status: int = 500) -> None:
    """Records one more failed try of ``delivery``, pending on the last step of its
    schedule: it is failed for good, as the dispatcher would leave it."""
    from webhooks.conf import conf
    from webhooks.sending import recording

    last = len(conf.retry_schedule)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="pending", attempts=last, schedule_position=last, next_attempt_at=timezone.now()
    )
    delivery.refresh_from_db()
    recording.record([settling.finish(make_outcome(delivery, status, "down"))], [], timezone.now())


def make_api_key(*scopes: str, **fields: Any) -> tuple[ApiKey, str]:
    """A key with ``scopes`` and its secret. None named: every scope a key acting as its
    ``user`` may hold (acting as nobody, all but webhooks:secrets)."""
    name = fields.pop("name", f"key{next(_sequence)}")
    return ApiKey.create(name, list(scopes or grants.grantable(fields.get("user"))), **fields)
