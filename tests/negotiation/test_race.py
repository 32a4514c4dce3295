"""The deadline race (issue 16): a break sent as the deadline passes, while another request
sees the deadline passed. Exactly one wins: a break (before the deadline) or the adoption,
never both, never a 500. Each request reads its own clock (set by the test, per thread)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.auth.services import create_token
from consult.db import db
from consult.drafts.models import Consultation, ConsultationStatus
from consult.negotiation import silence
from consult.negotiation.models import SilenceBreak, SilenceProcedure, SilenceState
from consult.permissions import COMMAND_LINE
from tests.conftest import fresh

CLOCKS = ("consult.negotiation.silence", "consult.change_clock", "consult.drafts.services",
          "consult.comments.services")


@pytest.mark.parametrize("attempt", range(3))
def test_a_break_at_the_deadline_is_a_break_or_refused_never_both(app, published, staff,
                                                                    make_user, monkeypatch,
                                                                    attempt):
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    procedure = silence.start_silence(staff, published, until=start + dt.timedelta(hours=30),
                                      message="Adopt unless broken.", now=start)
    db.session.commit()
    deadline = procedure.until
    local = threading.local()
    for module in CLOCKS:
        monkeypatch.setattr(f"{module}.utcnow", lambda: getattr(local, "now", start))
    delegate = make_user("delegate", delegation="FRA")
    _, secret = create_token(COMMAND_LINE, delegate)
    db.session.commit()
    # The breaker's clock says a millisecond before the deadline; the reader's, the deadline.
    requests = [
        (deadline - dt.timedelta(milliseconds=1), "POST",
         f"/api/v1/versions/{published.id}/silence/break",
         {"Authorization": f"Bearer {secret}"}, {"statement": "France objects."}),
        (deadline, "GET", f"/api/v1/versions/{published.id}", {}, None),
    ]
    if attempt % 2:
        requests.reverse()
    barrier = threading.Barrier(len(requests))
    statuses = {}

    def send(when, method, path, headers, body):
        local.now = when
        client = app.test_client()
        barrier.wait()
        statuses[method] = client.open(path, method=method, headers=headers,
                                       json=body).status_code

    threads = [threading.Thread(target=send, args=r) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses["GET"] == 200 and statuses["POST"] in (200, 409)
    fresh()
    state = db.session.get(SilenceProcedure, procedure.id).state
    breaks = db.session.scalar(select(func.count(SilenceBreak.id)))
    adoptions = db.session.scalar(select(func.count(LogEntry.id)).where(
        LogEntry.action == "silence.adopt"))
    closed = db.session.scalar(select(Consultation.status)) == ConsultationStatus.closed
    if statuses["POST"] == 200:
        assert (state, breaks, adoptions, closed) == (SilenceState.broken, 1, 0, False)
    else:
        # Refused: the adoption came first (or, on SQLite, the reader could not write and
        # left it to the next request, which records it now).
        local.now = deadline
        silence.settle_due()
        db.session.commit()
        fresh()
        assert breaks == 0
        assert db.session.get(SilenceProcedure, procedure.id).state == SilenceState.adopted
        assert db.session.scalar(select(func.count(LogEntry.id)).where(
            LogEntry.action == "silence.adopt")) == 1
