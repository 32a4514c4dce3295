"""Fixtures of the road to consensus: a published text and a clock the tests set."""

from __future__ import annotations

import datetime as dt

import pytest

from consult.db import db, utcnow
from consult.drafts import services
from tests.conftest import SMALL_DRAFT


@pytest.fixture
def published(consultation, staff):
    """The zero draft of the `consultation`, published (by the `staff` co-facilitator)."""
    version = services.create_version(staff, consultation, label="Zero draft",
                                      text=SMALL_DRAFT, publish=True)
    db.session.commit()
    return version


class Clock:
    """The time the silence procedure sees (pages, services and the page cache alike)."""

    def __init__(self, monkeypatch):
        self.now = utcnow().replace(microsecond=0)
        for module in ("consult.negotiation.silence", "consult.change_clock",
                       "consult.drafts.services", "consult.comments.services"):
            monkeypatch.setattr(f"{module}.utcnow", lambda: self.now)

    def advance(self, **delta) -> dt.datetime:
        """Move the clock forward; returns the new time."""
        self.now = self.now + dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch, app):
    """A clock the test moves (no sleeping); SILENCE_MINIMUM_HOURS keeps its default."""
    return Clock(monkeypatch)
