"""Retention that runs itself (SPEC §13): a django-q2 schedule, kept by the service,
applies WEBHOOKS_RETENTION every hour inside ``qcluster``; no cron, no extra daemon.

The schedule is made (or put right) after every ``migrate`` and whenever ``qcluster``
starts, so a deployment has it without anyone adding it. A run stops after
``RUN_SECONDS`` (django-q2 kills a task at Q_TASK_TIMEOUT) and queues the rest at once,
so a first run over a large log catches up in a few tasks rather than an hour at a time.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from webhooks.delivery_log import partitions, pruning
from webhooks.delivery_log.expiry import Pace

logger = logging.getLogger(__name__)

TASK = "webhooks.tasks.apply_retention"
SCHEDULE_NAME = "webhooks: apply retention (WEBHOOKS_RETENTION)"
# Well within django-q2's default task timeout (60 s): the task ends on its own.
RUN_SECONDS = 30.0


def ensure_schedule(**kwargs: Any) -> None:
    """The hourly schedule, made once; a ``post_migrate`` receiver and ``qcluster``'s
    start call it. It runs whatever the settings say: with WEBHOOKS_RETENTION=0 each run
    does nothing."""
    from django.db import connections
    from django_q.models import Schedule

    database = connections[kwargs.get("using") or "default"]
    if Schedule._meta.db_table not in database.introspection.table_names():
        # ``migrate webhooks`` before django_q's tables exist: the next full migrate,
        # or qcluster's start, makes it.
        return
    found = Schedule.objects.using(database.alias).filter(func=TASK).order_by("id")
    if found.exists():
        # An operator may change when it runs; what it runs and how often stay ours.
        found.exclude(pk=found[0].pk).delete()
        found.exclude(schedule_type=Schedule.HOURLY, repeats=-1).update(
            schedule_type=Schedule.HOURLY, repeats=-1
        )
        return
    Schedule.objects.using(database.alias).create(
        name=SCHEDULE_NAME, func=TASK, schedule_type=Schedule.HOURLY, repeats=-1
    )
    logger.info("made the hourly schedule that applies WEBHOOKS_RETENTION")


def apply(budget: float = RUN_SECONDS) -> pruning.Pruned:
    """One run: prunes for at most ``budget`` seconds; queues another run if more is due."""
    now = timezone.now()
    if partitions.partitioned():
        partitions.roll(now)
    cutoffs = pruning.retention(now)
    if not cutoffs.groups():
        return pruning.Pruned()
    pruned = pruning.prune(cutoffs, whole_days=True, pace=Pace.within(budget))
    if pruned.deliveries or pruned.events:
        logger.info(
            "retention: deleted %s deliveries, %s attempts and %s events%s",
            pruned.deliveries,
            pruned.attempts,
            pruned.events,
            "" if pruned.complete else "; more to do, queued",
        )
    if not pruned.complete:
        from django_q.tasks import async_task

        async_task(TASK)
    return pruned
