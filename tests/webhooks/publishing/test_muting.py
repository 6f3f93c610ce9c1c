"""``webhooks.muted()``: bulk changes record no webhook event, other listeners still run,
the block nests and belongs to its thread, and says how many events it muted."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.core.management import call_command

import webhooks
from testimonials.models import Testimonial
from tests.support.factories import make_endpoint, make_testimonial
from tests.support.signals import SignalLog
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def test_muted_changes_record_nothing_but_their_signals_still_fire(
    signal_log: SignalLog, caplog: pytest.LogCaptureFixture
) -> None:
    make_endpoint()
    caplog.set_level("INFO", logger="webhooks.publishing.muting")
    with webhooks.muted():
        for n in range(3):
            make_testimonial(title=f"Imported {n}").approve()
    assert Testimonial.objects.count() == 3
    assert not WebhookEvent.objects.exists()
    assert signal_log.names().count("created") == 3
    assert signal_log.names().count("approved") == 3
    [line] = [r.getMessage() for r in caplog.records if "muted" in r.getMessage()]
    assert "6 event(s) recorded nothing" in line
    assert "testimonial.approved 3" in line

    make_testimonial()  # after the block: recorded as ever
    assert WebhookEvent.objects.filter(type="testimonial.created").count() == 1


def test_muting_nests_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    make_endpoint()
    caplog.set_level("INFO", logger="webhooks.publishing.muting")
    with webhooks.muted():
        make_testimonial()
        with webhooks.muted():
            make_testimonial()
        make_testimonial()  # still muted after the inner block ends
    assert not WebhookEvent.objects.exists()
    lines = [r.getMessage() for r in caplog.records if "muted" in r.getMessage()]
    assert len(lines) == 1
    assert "3 event(s)" in lines[0]


@pytest.mark.django_db(transaction=True)
def test_muting_belongs_to_its_thread() -> None:
    make_endpoint()
    inside, done = threading.Event(), threading.Event()

    def elsewhere() -> None:
        inside.wait(10)
        make_testimonial(title="Not muted")
        done.set()

    other = threading.Thread(target=elsewhere)
    other.start()
    with webhooks.muted():
        make_testimonial(title="Muted")
        inside.set()
        assert done.wait(10)
    other.join()
    [event] = WebhookEvent.objects.all()
    assert event.payload_data()["data"]["testimonial"]["title"] == "Not muted"


def test_loaddata_records_no_event(tmp_path: Path) -> None:
    """Fixtures are loaded with raw saves, which send no testimonial signal: a restore or
    an import by ``loaddata`` needs no muting."""
    make_endpoint()
    fixture = tmp_path / "testimonials.json"
    rows = [
        {
            "model": "testimonials.testimonial",
            "pk": 100 + n,
            "fields": {
                "author_name": f"Author {n}",
                "content": "Old but still true.",
                "rating": 5,
                "status": "approved",
                "slug": f"old-{n}",
                "created_at": "2024-05-01T10:00:00Z",
                "updated_at": "2024-05-01T10:00:00Z",
            },
        }
        for n in range(3)
    ]
    fixture.write_text(json.dumps(rows))
    call_command("loaddata", str(fixture), verbosity=0)
    assert Testimonial.objects.count() == 3
    assert not WebhookEvent.objects.exists()
