"""Retention racing the senders (SPEC §13): a real ``qcluster`` sends a backlog of old
deliveries, some failing and retried, while the test process prunes everything finished
as fast as it can. Nothing pending or in flight may go: every delivery reaches the
receiver, every try is recorded, and what is left at the end is pruned whole. On
PostgreSQL the backlog lies in three days of the log, dropped whole with the deliveries
in flight moved out of them as the senders send them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.factories import make_endpoint, make_testimonial
from tests.support.receiver import Receiver
from tests.support.waiting import wait_until
from tests.support.worker import StartWorker
from webhooks.delivery_log import partitions, pruning
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EVENTS = 150


def test_pruning_while_sending_removes_nothing_pending_or_in_flight(
    receiver: Receiver, start_worker: StartWorker
) -> None:
    make_endpoint(url=receiver.url("/race"), retry_schedule="1s,1s,1s")
    receiver.hangs["/race"] = 0.01
    receiver.script("/race", *[500] * (EVENTS // 3), 200)  # a third fail their first try
    partitioned = partitions.partitioned()
    for n in range(EVENTS):
        if partitioned and n % (EVENTS // 3) == 0:
            partitions.start_next()
        make_testimonial()
    if partitioned:
        partitions.start_next()  # the backlog's days are no longer the one written
    month_ago = timezone.now() - timedelta(days=40)
    WebhookDelivery.objects.update(created_at=month_ago)
    WebhookEvent.objects.update(created_at=month_ago)
    worker = start_worker()

    pruned = pruning.Pruned()

    def everything_delivered() -> bool:
        cutoff = timezone.now()
        done = pruning.prune(pruning.Cutoffs(cutoff, cutoff))
        pruned.deliveries += done.deliveries
        pruned.events += done.events
        return len({r.headers["webhook-id"] for r in receiver.snapshot() if r.status == 200}) == (
            EVENTS
        )

    try:
        wait_until(everything_delivered, 120, "every delivery delivered while pruning")
    except AssertionError:
        states = list(WebhookDelivery.objects.values_list("status", "attempts"))
        raise AssertionError(f"{states[:20]}\n{worker.log()[-3000:]}") from None
    wait_until(
        lambda: not WebhookDelivery.objects.filter(status="pending").exists(),
        30,
        "the last tries recorded",
    )
    final = pruning.prune(pruning.Cutoffs(timezone.now(), timezone.now()))

    assert pruned.deliveries + final.deliveries == EVENTS
    assert pruned.events + final.events == EVENTS
    assert not DeliveryAttempt.objects.exists()
    assert not WebhookEvent.objects.exists()
    log = worker.log()
    assert "could not be stored" not in log
    assert "Traceback" not in log, log[log.find("Traceback") - 300 :][:4000]
