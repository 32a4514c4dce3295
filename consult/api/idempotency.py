"""The Idempotency-Key request header of the API's writes (IETF draft
draft-ietf-httpapi-idempotency-key-header, and Stripe's behaviour).

A client that sends a POST, PUT, PATCH or DELETE and loses the answer (a cut connection, a
proxy's timeout, a worker killed after the commit) cannot know whether the change was
made. Sent again with the same `Idempotency-Key`, the request is not processed twice: the
first answer is given again, marked `Idempotent-Replayed: true`.

- The answer is stored in the request's own transaction (`idempotent` wraps the view, inside
  `routes.unit_of_work`): it exists exactly when the change does. Only successful answers
  (2xx) are stored: a refusal or a failure rolled back and changed nothing, so a retry with
  the same key is processed anew (with a corrected body, say).
- Keys belong to the account that sent them (API token or logged-in session); the anonymous
  may not write at all, so a key they send is not looked at (their write is refused 401).
- The same key with another method, path or body: 422 `idempotency_key_reused`, nothing
  changes. A malformed key: 400 `idempotency_key_invalid`.
- Two requests with one key at once: on SQLite writes queue (BEGIN IMMEDIATE), so the second
  finds the first's answer; on PostgreSQL both run, and UNIQUE(account_id, key) lets only
  the first commit: the second's insert fails, its change is rolled back and it is answered
  409 `idempotency_key_in_use` (sent again, it gets the first answer).
- Answers are kept IDEMPOTENCY_KEY_HOURS; older ones are ignored, and an account's expired
  ones are deleted when it stores a new one (no scheduled job to forget to run; only that
  account's rows, so two writers never contend for the same rows).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from consult.api.models import IdempotencyKey
from consult.db import db, utcnow
from consult.errors import Conflict, Invalid, ServiceError

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# 1 to 255 printable ASCII characters (a UUID, a ULID, a client's own counter).
_VALID_KEY = re.compile(r"[\x20-\x7e]{1,255}")
# The headers a retry gets again with the stored body and status.
KEPT_HEADERS = ("Content-Type", "Location", "ETag")


class KeyInvalid(Invalid):
    """The Idempotency-Key header is empty, too long or not printable ASCII."""

    code = "idempotency_key_invalid"


class KeyReused(ServiceError):
    """The key was used by this account for another request (method, path or body)."""

    status = 422
    code = "idempotency_key_reused"


class KeyInUse(Conflict):
    """Another request with the same key committed while this one ran."""

    code = "idempotency_key_in_use"


def idempotent(view):
    """`view` answering retries of a write sent with an Idempotency-Key from the stored
    answer, and storing its successful answers (in its transaction, before the commit)."""
    @functools.wraps(view)
    def run(**url_values):
        pending = _pending_key()
        if pending is None:
            return view(**url_values)
        stored = _stored(pending["account_id"], pending["key"])
        if stored is not None:
            return _replay(stored, pending)
        response = current_app.make_response(view(**url_values))
        if 200 <= response.status_code < 300 and not response.is_streamed:
            _store(pending, response)
        return response
    return run


def _pending_key() -> dict | None:
    """This request's key and what identifies the request, or None when there is none to
    honour (a safe method, no header, an anonymous caller)."""
    if request.method not in UNSAFE_METHODS or HEADER not in request.headers:
        return None
    key = request.headers[HEADER]
    if not _VALID_KEY.fullmatch(key):
        raise KeyInvalid(_("The Idempotency-Key header must be 1 to 255 printable ASCII "
                           "characters. Nothing was saved."))
    user = g.get("api_user")
    if user is None:
        return None  # the view refuses the anonymous (401): there is nothing to keep
    return {"account_id": user.id, "key": key, "method": request.method,
            "path": request.full_path.rstrip("?"),
            "fingerprint": hashlib.sha256(request.get_data(cache=True)).hexdigest()}


def _cutoff() -> dt.datetime:
    return utcnow() - dt.timedelta(hours=current_app.config["IDEMPOTENCY_KEY_HOURS"])


def _stored(account_id: int, key: str) -> IdempotencyKey | None:
    """The account's live answer for this key, if any."""
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.account_id == account_id, IdempotencyKey.key == key,
        IdempotencyKey.created_at >= _cutoff()))


def _replay(stored: IdempotencyKey, pending: dict):
    """The stored answer again, if the request is the same one; 422 if it is not."""
    if (stored.method, stored.path, stored.fingerprint) != \
            (pending["method"], pending["path"], pending["fingerprint"]):
        raise KeyReused(_("This Idempotency-Key was already used for another request. "
                          "Use a new key for each new request; nothing was saved."))
    response = current_app.response_class(stored.body, status=stored.status)
    for name, value in stored.headers.items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def _store(pending: dict, response) -> None:
    """Keep the answer in this transaction; forget the account's expired answers."""
    db.session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.account_id == pending["account_id"],
        IdempotencyKey.created_at < _cutoff()))
    db.session.flush()  # the view's own changes, whose errors are not about the key
    db.session.add(IdempotencyKey(
        **pending, status=response.status_code, body=response.get_data(as_text=True),
        created_at=utcnow(),
        headers={name: response.headers[name] for name in KEPT_HEADERS
                 if name in response.headers}))
    try:
        db.session.flush()
    except IntegrityError:
        # Another request with this key committed since we looked (PostgreSQL: both ran at
        # once). The unit of work rolls this one back, change and all.
        raise KeyInUse(_("A request with this Idempotency-Key was being processed at the "
                         "same time. Send it again to get its answer; nothing was saved "
                         "twice.")) from None
