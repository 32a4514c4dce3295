"""Fixtures for participation: a published version open for comment and delegates."""

import datetime as dt

import pytest

from consult.db import db, utcnow
from consult.drafts import services as drafts
from tests.conftest import SMALL_DRAFT

REV1 = SMALL_DRAFT.replace("3. *Decides* to review the plan.\n", "").replace(
    "act;", "act without delay;")


@pytest.fixture
def version(consultation, staff):
    """The zero draft of `consultation`, published and open for comment for ten days."""
    found = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                  comments_close_at=utcnow() + dt.timedelta(days=10),
                                  publish=True)
    db.session.commit()
    return found


def paragraph(version, label):
    """One paragraph of a version by its label."""
    return next(p for p in version.paragraphs if p.label == label)


def publish_rev1(staff, consultation):
    """Rev.1: OP1 edited, OP3 removed; based on the zero draft."""
    found = drafts.create_version(staff, consultation, label="Rev.1", text=REV1,
                                  comments_close_at=utcnow() + dt.timedelta(days=10),
                                  publish=True)
    db.session.commit()
    return found


@pytest.fixture
def fra(make_user):
    return make_user("delegate", delegation="FRA", name="Delegate of France")


@pytest.fixture
def nor(make_user):
    return make_user("delegate", delegation="NOR", name="Delegate of Norway")


@pytest.fixture
def can(make_user):
    return make_user("delegate", delegation="CAN", name="Delegate of Canada")
