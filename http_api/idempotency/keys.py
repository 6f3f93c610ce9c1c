"""Claiming an idempotency key, replaying what it answered, keeping what it answers.

The claim is a row inserted in its own transaction before the view runs: the unique
(owner, key) constraint lets exactly one of several simultaneous requests in, on SQLite
and PostgreSQL alike, and every process sees the row at once."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.authentication import get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from http_api.idempotency.records import IdempotencyRecord
from http_api.models import ApiKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)
# A request still running after this long died with its process (gunicorn's own timeout
# is 30 s): its key may run again rather than answer 409 for a day.
RUNNING_AT_MOST = timedelta(minutes=2)
MAX_LENGTH = 255


class InvalidKey(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_idempotency_key"


class KeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still running; retry later."
    default_code = "idempotency_key_in_use"


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was used for another request (another path or body) in the "
        "last 24 hours; use a new key for a new request."
    )
    default_code = "idempotency_key_reused"


@dataclass(frozen=True)
class Claim:
    """The right to run a request under a key, and to keep what it answers."""

    record_id: int
    cipher: Fernet


@dataclass(frozen=True)
class Replay(Exception):
    """The stored answer, raised from the view's checks to be answered instead."""

    response: HttpResponse


def begin(request: Request) -> Claim | None:
    """None when the request has no key; raises Replay, KeyInUse, KeyReused or
    InvalidKey when it must not run."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= MAX_LENGTH or not all("!" <= c <= "~" for c in key):
        raise InvalidKey(f"{HEADER} is 1 to {MAX_LENGTH} visible ASCII characters.")
    owner, material = _owner(request)
    cipher = _cipher(material)
    fingerprint = _fingerprint(request)
    for _ in range(3):  # a key that expires or vanishes meanwhile is claimed again
        now = timezone.now()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner,
                    key=key,
                    fingerprint=fingerprint,
                    started_at=now,
                    expires_at=now + KEEP_FOR,
                )
            return Claim(record.pk, cipher)
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if existing is None:
            continue
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise KeyReused()
        if existing.state == IdempotencyRecord.State.DONE:
            raise Replay(_replayed(existing, cipher))
        if existing.started_at < now - RUNNING_AT_MOST and _take_over(existing, now):
            return Claim(existing.pk, cipher)
        raise KeyInUse()
    raise KeyInUse()


def finish(claim: Claim, response: HttpResponse) -> None:
    """Keeps the answer for replays; a 409 (the object's state, which may change) or a
    5xx (nothing was done) frees the key for another try instead."""
    if response.status_code >= 500 or response.status_code == status.HTTP_409_CONFLICT:
        abandon(claim)
        return
    render = getattr(response, "render", None)
    if render is not None:
        render()
    IdempotencyRecord.objects.filter(pk=claim.record_id).update(
        state=IdempotencyRecord.State.DONE,
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        sealed_body=claim.cipher.encrypt(response.content).decode(),
    )


def abandon(claim: Claim) -> None:
    IdempotencyRecord.objects.filter(pk=claim.record_id).delete()


def prune(now: Any = None) -> int:
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _take_over(record: IdempotencyRecord, now: Any) -> bool:
    return bool(
        IdempotencyRecord.objects.filter(
            pk=record.pk, state=IdempotencyRecord.State.RUNNING, started_at=record.started_at
        ).update(started_at=now)
    )


def _replayed(record: IdempotencyRecord, cipher: Fernet) -> HttpResponse:
    try:
        body = cipher.decrypt(record.sealed_body.encode())
    except InvalidToken:
        # Only the key's holder can read it; a SECRET_KEY change orphans keyless ones.
        raise KeyInUse("This Idempotency-Key's answer can no longer be read.") from None
    response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
    response[REPLAYED] = "true"
    return response


def _owner(request: Request) -> tuple[str, bytes]:
    """Whose key it is, and what its stored answers are encrypted with: the API key
    itself (only its holder, never the database, has it), or for a keyless submission
    the service's secret and the client's address."""
    if isinstance(request.auth, ApiKey):
        raw_key = get_authorization_header(request).split()[1]
        return f"key:{request.auth.pk}", raw_key
    address = BaseThrottle().get_ident(request)
    return f"address:{address}", f"{settings.SECRET_KEY}|{address}".encode()


def _cipher(material: bytes) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"api idempotency answers"
    ).derive(material)
    return Fernet(base64.urlsafe_b64encode(derived))


def _fingerprint(request: Request) -> str:
    """The same request, however it was framed: the method, the path and the body as the
    view parses it (JSON in any key order; multipart fields and the files' contents), or
    its bytes when no parser of the view takes it (an action that reads no body, sent
    with a stray Content-Type: parsing it here would make it a 415 only when keyed)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    negotiator, parsers = request.negotiator, request.parsers or ()
    if negotiator is None or negotiator.select_parser(request, parsers) is None:
        digest.update(request.body)
    else:
        digest.update(json.dumps(_canonical(request.data), sort_keys=True).encode())
    return digest.hexdigest()


def _canonical(data: Any) -> Any:
    if hasattr(data, "lists"):  # a QueryDict: multipart fields, each maybe repeated
        return {name: [_canonical(v) for v in values] for name, values in data.lists()}
    if isinstance(data, UploadedFile):
        content = hashlib.sha256()
        for chunk in data.chunks():
            content.update(chunk)
        data.seek(0)
        return {"file": data.name, "sha256": content.hexdigest()}
    return data
