"""Paragraph statuses (issue 16, part 2): recorded by the co-facilitators, logged, carried
into the next version while the words stay the same, and shown to everyone."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.db import db
from consult.drafts import services
from consult.drafts.models import Paragraph, ParagraphStatus
from consult.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from consult.negotiation import status
from tests.conftest import SMALL_DRAFT, csrf_token, fresh


def _status_of(version, label):
    fresh()
    return db.session.scalar(select(Paragraph.status).where(
        Paragraph.version_id == version.id, Paragraph.label == label))


def _log_count():
    return db.session.scalar(select(func.count(LogEntry.id)).where(
        LogEntry.action == "paragraph.status"))


def test_statuses_are_recorded_logged_and_counted(published, staff):
    changes = status.set_paragraph_statuses(staff, published, ["OP1", "OP2(a)"], "agreed",
                                            "Agreed in informals, 3 May")
    db.session.commit()
    assert [(c.label, c.before.value, c.after.value) for c in changes] == [
        ("OP1", "open", "agreed"), ("OP2(a)", "open", "agreed")]
    assert _status_of(published, "OP1") == ParagraphStatus.agreed
    entries = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "paragraph.status").order_by(LogEntry.id)).all()
    assert [(e.details["paragraph"], e.details["from"], e.details["to"], e.reason)
            for e in entries] == [("OP1", "open", "agreed", "Agreed in informals, 3 May"),
                                  ("OP2(a)", "open", "agreed", "Agreed in informals, 3 May")]
    counts = status.count_statuses([published.id])[published.id]
    assert counts == {"open": 6, "agreed_ad_ref": 0, "agreed": 2, "deleted": 0}
    # The same status and note again changes nothing and logs nothing.
    assert status.set_paragraph_statuses(staff, published, ["OP1"], "agreed",
                                         "Agreed in informals, 3 May") == []
    assert _log_count() == 2


@pytest.mark.parametrize("labels, value, error", [
    (["OP1"], "closed", Invalid), (["OP1"], "", Invalid), ([], "agreed", Invalid),
    (["OP99"], "agreed", NotFound), ("OP1", "agreed", Invalid), ([None], "agreed", Invalid)])
def test_bad_statuses_and_labels_are_refused_and_change_nothing(published, staff, labels,
                                                                value, error):
    with pytest.raises(error):
        status.set_paragraph_statuses(staff, published, labels, value)
    db.session.rollback()
    assert _status_of(published, "OP1") == ParagraphStatus.open
    assert _log_count() == 0


def test_a_note_too_long_or_with_nul_is_refused(published, staff):
    for note in ("x" * 2001, "a\x00b"):
        with pytest.raises(Invalid):
            status.set_paragraph_statuses(staff, published, ["OP1"], "agreed", note)
        db.session.rollback()
    assert _status_of(published, "OP1") == ParagraphStatus.open


def test_only_the_consultations_staff_may_record_statuses(published, make_user):
    delegate = make_user("delegate", delegation="FRA")
    other_cofac = make_user("cofacilitator", delegation="MEX", consultations=[])
    for actor, error in ((None, Unauthorized), (delegate, Forbidden),
                         (other_cofac, Forbidden)):
        with pytest.raises(error):
            status.set_paragraph_statuses(actor, published, ["OP1"], "agreed")
        db.session.rollback()
    assert _status_of(published, "OP1") == ParagraphStatus.open


def test_a_superseded_version_keeps_its_statuses(published, staff, consultation):
    rev1 = services.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT,
                                   publish=True)
    db.session.commit()
    with pytest.raises(Conflict, match="no longer the newest"):
        status.set_paragraph_statuses(staff, published, ["OP1"], "agreed")
    db.session.rollback()
    assert status.set_paragraph_statuses(staff, rev1, ["OP1"], "agreed")


def test_agreed_paragraphs_stay_agreed_while_their_words_do_not_change(published, staff,
                                                                       consultation):
    status.set_paragraph_statuses(staff, published, ["OP1", "OP3"], "agreed", "ok")
    status.set_paragraph_statuses(staff, published, ["PP2"], "deleted", "by consensus")
    db.session.commit()
    text = SMALL_DRAFT.replace("to review the plan", "to review the plan every five years")
    draft = services.create_version(staff, consultation, label="Rev.1", text=text)
    db.session.commit()
    fresh()
    assert _status_of(draft, "OP1") == ParagraphStatus.agreed
    assert _status_of(draft, "PP2") == ParagraphStatus.deleted
    assert _status_of(draft, "OP3") == ParagraphStatus.open  # its words changed
    draft = services.get_version(staff, draft.id)
    reopened = status.reopened_paragraphs(draft)
    assert [(p.label, before.status.value) for p, before in reopened] == [("OP3", "agreed")]
    # Statuses recorded in the draft survive an edit of its text elsewhere.
    status.set_paragraph_statuses(staff, draft, ["OP2"], "agreed_ad_ref")
    db.session.commit()
    assert not _log_count() > 3  # drafts are not logged
    services.update_draft_text(staff, services.get_version(staff, draft.id),
                               text=text + "\n4. *Decides* to meet again.\n")
    db.session.commit()
    assert _status_of(draft, "OP2") == ParagraphStatus.agreed_ad_ref
    assert _status_of(draft, "OP1") == ParagraphStatus.agreed
    assert _status_of(draft, "OP4") == ParagraphStatus.open


def test_the_version_page_shows_statuses_and_narrows_to_open_ones(client, published, staff):
    status.set_paragraph_statuses(staff, published, ["OP1"], "agreed")
    status.set_paragraph_statuses(staff, published, ["PP2"], "deleted")
    db.session.commit()
    base = f"/consultations/gpa/versions/{published.id}"
    page = client.get(base).get_data(as_text=True)
    assert '<span class="status-badge status-agreed">agreed</span>' in page
    assert "deleted by agreement" in page and 'class="para preambular status-deleted' in page
    assert f'href="{base}?status=open">still open (6)</a>' in page
    narrowed = client.get(base + "?status=open").get_data(as_text=True)
    assert 'id="OP2"' in narrowed and 'id="OP1"' not in narrowed and 'id="PP2"' not in narrowed
    bad = client.get(base + "?status=nonsense")
    assert bad.status_code == 400 and "Unknown status" in bad.get_data(as_text=True)


def test_co_facilitators_record_statuses_from_the_pages(client, login_as, published):
    login_as("cofacilitator", delegation="MEX")
    base = f"/consultations/gpa/versions/{published.id}"
    page = client.get(base + "/statuses")
    assert page.status_code == 200 and 'name="labels" value="OP2(b)"' in page.get_data(
        as_text=True)
    token = csrf_token(client, base + "/statuses")
    done = client.post(base + "/statuses", data={"csrf_token": token, "status": "agreed",
                                                 "labels": ["OP1", "OP2"], "note": "ok"})
    assert done.status_code == 303
    assert _status_of(published, "OP2") == ParagraphStatus.agreed
    one = client.post(base + "/paragraphs/OP3/status",
                      data={"csrf_token": token, "status": "agreed_ad_ref"})
    assert one.status_code == 303 and one.headers["Location"].endswith("/paragraphs/OP3")
    assert _status_of(published, "OP3") == ParagraphStatus.agreed_ad_ref
    refused = client.post(base + "/statuses", data={"csrf_token": token, "status": "done",
                                                    "labels": ["OP1"]})
    assert refused.status_code == 400 and "Unknown status" in refused.get_data(as_text=True)
    no_token = client.post(base + "/paragraphs/OP1/status", data={"status": "open"})
    assert no_token.status_code == 400
    assert _status_of(published, "OP1") == ParagraphStatus.agreed
    log = client.get("/moderation-log?action=paragraph.status").get_data(as_text=True)
    assert "paragraph status recorded" in log


def test_delegates_see_no_status_form_and_are_refused(client, login_as, published):
    login_as("delegate", delegation="FRA")
    base = f"/consultations/gpa/versions/{published.id}"
    assert "paragraph-status-form" not in client.get(base + "/paragraphs/OP1").get_data(
        as_text=True)
    token = csrf_token(client, base)
    refused = client.post(base + "/paragraphs/OP1/status",
                          data={"csrf_token": token, "status": "agreed"})
    assert refused.status_code == 403
    assert _status_of(published, "OP1") == ParagraphStatus.open


def test_the_co_facilitator_is_told_which_agreed_paragraphs_reopen(client, login_as,
                                                                   published, staff,
                                                                   consultation):
    status.set_paragraph_statuses(staff, published, ["OP1", "OP3"], "agreed")
    db.session.commit()
    text = SMALL_DRAFT.replace("to review the plan", "to review the plan every five years")
    draft = services.create_version(staff, consultation, label="Rev.1", text=text)
    db.session.commit()
    login_as("cofacilitator", delegation="MEX")
    base = f"/consultations/gpa/versions/{draft.id}"
    review = client.get(base + "/review").get_data(as_text=True)
    assert "1 agreed paragraph goes back to open" in review
    assert "was agreed in Zero draft as OP3" in review and "as OP1" not in review
    asked = client.post(base + "/publish", data={"csrf_token": csrf_token(client, base +
                                                                          "/review")})
    assert "1 agreed paragraph goes back to open" in asked.get_data(as_text=True)


def test_a_refusal_is_said_once_on_the_page(client, login_as, published):
    login_as("cofacilitator", delegation="MEX")
    base = f"/consultations/gpa/versions/{published.id}"
    token = csrf_token(client, base + "/statuses")
    page = client.post(base + "/statuses", data={"csrf_token": token, "status": "agreed"})
    assert page.status_code == 400
    assert page.get_data(as_text=True).count("Choose at least one paragraph.") == 1
