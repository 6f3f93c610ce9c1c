"""Each of the seven signals fires exactly once per real change, whatever the path."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from testimonials import signals
from testimonials.exceptions import EmptyResponseError
from testimonials.models import Testimonial, TestimonialMedia
from tests.support.factories import make_testimonial, make_user, png_upload
from tests.support.signals import SignalLog

pytestmark = pytest.mark.django_db

MODERATORS = 4

MOVES = [
    ("approve", "approved"),
    ("feature", "featured"),
    ("archive", "archived"),
    ("reject", "rejected"),
]


def test_creating_a_testimonial_sends_created_once(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()

    assert signal_log.names() == ["created"]
    sent = signal_log.only("created")
    assert sent["sender"] is Testimonial
    assert sent["instance"] is testimonial
    assert sent["instance"].pk is not None
    assert sent["user"] is None


def test_created_directly_as_approved_also_sends_approved(signal_log: SignalLog) -> None:
    make_testimonial(status="approved", response="Thank you!")

    assert signal_log.names() == ["created", "approved", "responded"]


@pytest.mark.parametrize(("method", "signal_name"), MOVES)
def test_each_lifecycle_method_sends_its_signal_once(
    signal_log: SignalLog, method: str, signal_name: str
) -> None:
    testimonial = make_testimonial()
    moderator = make_user()
    signal_log.clear()

    changed = getattr(testimonial, method)(user=moderator)
    again = getattr(testimonial, method)(user=moderator)

    assert (changed, again) == (True, False)
    assert signal_log.names() == [signal_name]
    sent = signal_log.only(signal_name)
    assert sent["instance"] is testimonial
    assert sent["user"] == moderator
    assert Testimonial.objects.get(pk=testimonial.pk).status == signal_name


def test_reject_sends_the_reason(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    testimonial.reject("Contains a phone number", user=None)

    assert signal_log.only("rejected")["reason"] == "Contains a phone number"
    assert Testimonial.objects.get(pk=testimonial.pk).rejection_reason == (
        "Contains a phone number"
    )


def test_reject_without_a_reason_sends_an_empty_reason(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    testimonial.reject()

    assert signal_log.only("rejected")["reason"] == ""


def test_changing_the_reason_of_a_rejected_testimonial_sends_nothing(
    signal_log: SignalLog,
) -> None:
    testimonial = make_testimonial()
    testimonial.reject("first")
    signal_log.clear()

    assert testimonial.reject("second") is False

    assert signal_log.names() == []
    assert Testimonial.objects.get(pk=testimonial.pk).rejection_reason == "second"


def test_approve_stamps_who_and_when() -> None:
    testimonial = make_testimonial()
    moderator = make_user()

    testimonial.approve(user=moderator)

    stored = Testimonial.objects.get(pk=testimonial.pk)
    assert stored.approved_by == moderator
    assert stored.approved_at is not None


def test_feature_after_approve_keeps_the_approval_stamp() -> None:
    testimonial = make_testimonial()
    testimonial.approve()
    approved_at = Testimonial.objects.get(pk=testimonial.pk).approved_at

    testimonial.feature()

    assert Testimonial.objects.get(pk=testimonial.pk).approved_at == approved_at


def test_featuring_a_pending_testimonial_publishes_it() -> None:
    testimonial = make_testimonial()

    testimonial.feature()

    stored = Testimonial.objects.get(pk=testimonial.pk)
    assert stored.approved_at is not None
    assert Testimonial.objects.published().filter(pk=testimonial.pk).exists()


@pytest.mark.parametrize(("status", "signal_name"), [(s, s) for _, s in MOVES])
def test_plain_save_after_changing_status_sends_the_signal(
    signal_log: SignalLog, status: str, signal_name: str
) -> None:
    """The admin change form path: set the field, call save()."""
    testimonial = make_testimonial()
    signal_log.clear()
    editor = make_user()

    testimonial.status = status
    testimonial.save(acting_user=editor)

    assert signal_log.names() == [signal_name]
    assert signal_log.only(signal_name)["user"] == editor


def test_a_save_that_changes_nothing_sends_nothing(signal_log: SignalLog) -> None:
    testimonial = make_testimonial(status="approved", response="Thanks")
    signal_log.clear()

    testimonial.save()
    testimonial.content = "A different text that is long enough."
    testimonial.save()
    Testimonial.objects.get(pk=testimonial.pk).save()

    assert signal_log.names() == []


def test_moving_back_to_pending_sends_nothing(signal_log: SignalLog) -> None:
    testimonial = make_testimonial(status="approved")
    signal_log.clear()

    testimonial.status = "pending"
    testimonial.save()

    assert signal_log.names() == []


def test_two_stale_copies_approving_send_one_signal(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()
    first = Testimonial.objects.get(pk=testimonial.pk)
    second = Testimonial.objects.get(pk=testimonial.pk)
    signal_log.clear()

    assert first.approve() is True
    assert second.approve() is False

    assert signal_log.names() == ["approved"]


def test_a_stale_form_that_reverts_a_change_sends_the_real_transition(
    signal_log: SignalLog,
) -> None:
    """A form loaded while approved, saved after someone archived it, moves it back."""
    testimonial = make_testimonial(status="approved")
    stale_form_copy = Testimonial.objects.get(pk=testimonial.pk)
    testimonial.archive()
    signal_log.clear()

    stale_form_copy.save()

    assert signal_log.names() == ["approved"]


def test_lifecycle_methods_do_not_overwrite_other_edits() -> None:
    testimonial = make_testimonial()
    Testimonial.objects.filter(pk=testimonial.pk).update(content="Edited meanwhile by staff.")

    testimonial.approve()

    stored = Testimonial.objects.get(pk=testimonial.pk)
    assert (stored.status, stored.content) == ("approved", "Edited meanwhile by staff.")


def test_save_with_update_fields_leaving_out_status_sends_nothing(
    signal_log: SignalLog,
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    testimonial.status = "approved"
    testimonial.is_verified = True
    testimonial.save(update_fields=["is_verified"])

    assert signal_log.names() == []
    assert Testimonial.objects.get(pk=testimonial.pk).status == "pending"


def test_add_response_sends_responded_with_the_text(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()
    responder = make_user()
    signal_log.clear()

    assert testimonial.add_response("Thank you, Ada!", user=responder) is True

    sent = signal_log.only("responded")
    assert (sent["response"], sent["user"]) == ("Thank you, Ada!", responder)
    stored = Testimonial.objects.get(pk=testimonial.pk)
    assert (stored.response, stored.response_by) == ("Thank you, Ada!", responder)
    assert stored.response_at is not None


def test_the_same_response_again_sends_nothing_and_a_new_one_sends_again(
    signal_log: SignalLog,
) -> None:
    testimonial = make_testimonial()
    testimonial.add_response("Thanks")
    signal_log.clear()

    assert testimonial.add_response("Thanks") is False
    assert testimonial.add_response("Thanks again") is True

    assert signal_log.names() == ["responded"]
    assert signal_log.only("responded")["response"] == "Thanks again"


@pytest.mark.parametrize("empty", ["", "   \n"])
def test_an_empty_response_is_refused(signal_log: SignalLog, empty: str) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    with pytest.raises(EmptyResponseError) as refused:
        testimonial.add_response(empty)

    assert "response" in refused.value.message_dict
    assert signal_log.names() == []


def test_clearing_the_response_sends_nothing_and_clears_its_stamp(
    signal_log: SignalLog,
) -> None:
    testimonial = make_testimonial()
    testimonial.add_response("Thanks", user=make_user())
    signal_log.clear()

    testimonial.response = ""
    testimonial.save()

    assert signal_log.names() == []
    stored = Testimonial.objects.get(pk=testimonial.pk)
    assert (stored.response_at, stored.response_by) == (None, None)


def test_add_media_sends_media_added_once(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    media = testimonial.add_media(png_upload(), title="Storefront")
    media.title = "Renamed"
    media.save()

    assert signal_log.names() == ["media_added"]
    sent = signal_log.only("media_added")
    assert sent["sender"] is TestimonialMedia
    assert sent["instance"] == media
    assert media.media_type == "image"


def test_media_created_any_other_way_also_sends_media_added(signal_log: SignalLog) -> None:
    testimonial = make_testimonial()
    signal_log.clear()

    TestimonialMedia.objects.create(testimonial=testimonial, file=png_upload("a.png"))

    assert signal_log.names() == ["media_added"]


def test_signals_are_sent_inside_the_transaction_of_the_change() -> None:
    """So a receiver's writes (the webhook outbox) commit or roll back with the change."""
    testimonial = make_testimonial()
    seen: list[bool] = []

    def failing_receiver(sender: Any, **kwargs: Any) -> None:
        seen.append(connection.in_atomic_block)
        raise RuntimeError("receiver failed")

    signals.testimonial_approved.connect(failing_receiver)
    try:
        with pytest.raises(RuntimeError):
            testimonial.approve()
    finally:
        signals.testimonial_approved.disconnect(failing_receiver)

    assert seen == [True]
    assert Testimonial.objects.get(pk=testimonial.pk).status == "pending"


def test_a_rolled_back_change_is_not_stored() -> None:
    testimonial = make_testimonial()

    def approve_then_fail() -> None:
        with transaction.atomic():
            testimonial.approve()
            raise RuntimeError("the request failed after approving")

    with pytest.raises(RuntimeError):
        approve_then_fail()

    assert Testimonial.objects.get(pk=testimonial.pk).status == "pending"


@pytest.mark.django_db(transaction=True)
def test_moderators_approving_at_the_same_moment_send_one_signal(
    signal_log: SignalLog,
) -> None:
    testimonial = make_testimonial()
    signal_log.clear()
    start = threading.Barrier(MODERATORS)
    results: list[bool] = []

    def moderate() -> None:
        copy = Testimonial.objects.get(pk=testimonial.pk)
        start.wait(timeout=10)
        try:
            results.append(copy.approve())
        finally:
            connection.close()

    threads = [threading.Thread(target=moderate) for _ in range(MODERATORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False] * (MODERATORS - 1) + [True]
    assert signal_log.names() == ["approved"]
