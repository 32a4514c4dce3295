"""Issue 13, item 4: Publish and Discard ask for confirmation, without JavaScript.

The first press (a POST without confirm=yes) shows a page saying what will happen, with a
confirm button (CSRF) and a cancel link; nothing changes until the second press.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from consult.db import db, utcnow
from consult.drafts import services
from consult.drafts.models import Version, VersionStatus
from tests.conftest import SMALL_DRAFT, csrf_token, fresh, login


def _draft(user, consultation, **kwargs):
    services.create_version(user, consultation, label="Zero draft", text=SMALL_DRAFT,
                            publish=True)
    draft = services.create_version(user, consultation, label="Rev.1",
                                    text=SMALL_DRAFT + "\n4. *Decides* to meet again.\n",
                                    **kwargs)
    db.session.commit()
    return draft


def test_publish_asks_first_and_says_what_will_happen(client, login_as, consultation):
    user = login_as("cofacilitator")
    deadline = (utcnow() + dt.timedelta(days=10)).replace(microsecond=0)
    draft = _draft(user, consultation, comments_close_at=deadline)
    base = f"/consultations/gpa/versions/{draft.id}"
    review = client.get(base + "/review").get_data(as_text=True)
    assert f'action="{base}/publish"' in review  # the button is still a plain form
    token = csrf_token(client, base + "/review")

    asked = client.post(base + "/publish", data={"csrf_token": token})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Publish Rev.1?" in page
    assert "becomes public" in page and "can no longer be changed" in page
    assert "It replaces <bdi>Zero draft</bdi> as the newest version" in page
    assert f"Comments close {deadline.day} " in page
    assert 'name="confirm" value="yes"' in page and 'name="csrf_token"' in page
    assert f'href="{base}/review">Cancel</a>' in page
    assert "numbering" not in page.split("<main")[1].lower()  # nothing to confirm there
    assert asked.headers["Cache-Control"] == "private, no-store"
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.draft

    done = client.post(base + "/publish", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.published


def test_publish_without_a_deadline_says_so(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = _draft(user, consultation)
    token = csrf_token(client, f"/consultations/gpa/versions/{draft.id}/review")
    page = client.post(f"/consultations/gpa/versions/{draft.id}/publish",
                       data={"csrf_token": token}).get_data(as_text=True)
    assert "No comment deadline is set" in page


def test_publish_confirmation_needs_the_csrf_token(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = _draft(user, consultation)
    response = client.post(f"/consultations/gpa/versions/{draft.id}/publish",
                           data={"confirm": "yes"})
    assert response.status_code == 400
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.draft


def test_others_get_no_confirmation_page(client, make_user, consultation, staff):
    draft = _draft(staff, consultation)
    delegate = make_user("delegate", delegation="FRA")
    db.session.commit()
    login(client, delegate.email)
    token = csrf_token(client, "/")
    for action in ("publish", "discard"):
        response = client.post(f"/consultations/gpa/versions/{draft.id}/{action}",
                               data={"csrf_token": token})
        assert response.status_code in (403, 404)
        assert "Rev.1" not in response.get_data(as_text=True)


def test_discard_asks_first_and_warns_it_cannot_be_undone(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = _draft(user, consultation)
    base = f"/consultations/gpa/versions/{draft.id}"
    token = csrf_token(client, base + "/review")
    asked = client.post(base + "/discard", data={"csrf_token": token})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Discard Rev.1?" in page
    assert "will be deleted" in page and "This cannot be undone." in page
    assert "(9 paragraphs)" in page
    assert 'name="confirm" value="yes"' in page and f'href="{base}/review">Cancel</a>' in page
    fresh()
    assert db.session.get(Version, draft.id) is not None

    done = client.post(base + "/discard", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302
    fresh()
    assert [v.label for v in db.session.scalars(select(Version))] == ["Zero draft"]


def test_published_versions_get_no_confirmation_page(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = _draft(user, consultation)
    services.publish_version(user, draft)
    db.session.commit()
    token = csrf_token(client, f"/consultations/gpa/versions/{draft.id}/review")
    for action in ("publish", "discard"):
        response = client.post(f"/consultations/gpa/versions/{draft.id}/{action}",
                               data={"csrf_token": token})
        assert response.status_code == 409
        assert "can no longer be changed" in response.get_data(as_text=True)
