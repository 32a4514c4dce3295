"""Co-facilitators acting at the same moment: no fork of the text, no lost version, no 500."""

import threading

from sqlalchemy import select

from consult.auth.services import create_token
from consult.db import db
from consult.drafts import services
from consult.drafts.models import Consultation, Version, VersionStatus
from tests.conftest import SMALL_DRAFT, fresh
from consult.permissions import COMMAND_LINE


def _run_together(app, requests):
    """Send (method, path, headers, json) requests from parallel threads; return statuses."""
    barrier = threading.Barrier(len(requests))
    statuses = [None] * len(requests)

    def send(index, method, path, headers, body):
        client = app.test_client()
        barrier.wait()
        statuses[index] = client.open(path, method=method, headers=headers, json=body).status_code

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _headers(make_user):
    user = make_user("cofacilitator")
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_two_drafts_published_at_once_do_not_fork_the_text(app, make_user, consultation, staff):
    services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT, publish=True)
    a = services.create_version(staff, consultation, label="Rev.1 A", text=SMALL_DRAFT)
    b = services.create_version(staff, consultation, label="Rev.1 B", text=SMALL_DRAFT)
    db.session.commit()
    headers = _headers(make_user)
    statuses = _run_together(app, [("POST", f"/api/v1/versions/{v.id}/publish", headers, None)
                                   for v in (a, b)])
    assert sorted(statuses) == [200, 409]
    fresh()
    published = db.session.scalars(select(Version).where(
        Version.status == VersionStatus.published)).all()
    assert len(published) == 1
    found = db.session.scalar(select(Consultation))
    assert found.head_seq == published[0].seq


def test_versions_created_at_once_are_all_stored(app, make_user, consultation):
    headers = _headers(make_user)
    requests = [("POST", "/api/v1/consultations/gpa/versions", headers,
                 {"label": f"Draft {n}", "text": SMALL_DRAFT}) for n in range(6)]
    requests.append(("POST", "/api/v1/consultations/gpa/versions", headers,
                     {"label": "Draft 0", "text": SMALL_DRAFT}))  # same label as another
    statuses = _run_together(app, requests)
    assert sorted(statuses) == [201] * 6 + [409]
    fresh()
    versions = db.session.scalars(select(Version)).all()
    assert len(versions) == 6 and len({v.seq for v in versions}) == 6
