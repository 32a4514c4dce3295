"""Versions: import, match, correct, publish; public reading; draft visibility."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from consult.audit.models import LogEntry
from consult.db import db, utcnow
from consult.drafts import services
from consult.drafts.models import ParagraphKey, Version, VersionStatus
from consult.errors import Conflict, Forbidden, Invalid, NotFound
from tests.conftest import SMALL_DRAFT, csrf_token


def labels(version):
    return [p.label for p in version.paragraphs]


def keys(version):
    return {p.label: p.key.key for p in version.paragraphs}


def publish_text(actor, consultation, label, text):
    version = services.create_version(actor, consultation, label=label, text=text, publish=True)
    db.session.commit()
    return version


def test_import_labels_preambular_operative_and_subparagraphs(staff, consultation):
    version = publish_text(staff, consultation, "Zero draft", SMALL_DRAFT)
    assert labels(version) == ["H1", "PP1", "PP2", "OP1", "OP2", "OP2(a)", "OP2(b)", "OP3"]
    assert version.paragraphs[1].html == "<em>Recalling</em> the Charter of the United Nations,"


def test_stable_keys_insert_at_top_renumbers_everything(staff, consultation):
    zero = publish_text(staff, consultation, "Zero", "1. Alpha text here.\n\n2. Beta text here.\n")
    rev = publish_text(staff, consultation, "Rev.1",
                       "1. New first paragraph entirely.\n\n2. Alpha text here.\n\n3. Beta text here.\n")
    old, new = keys(zero), keys(rev)
    assert new["OP2"] == old["OP1"] and new["OP3"] == old["OP2"]
    assert new["OP1"] not in old.values()
    assert [p.match_status.value for p in rev.paragraphs] == ["new", "kept", "kept"]


def test_stable_keys_delete_swap_edit_split(staff, consultation):
    zero = publish_text(staff, consultation, "Zero",
                        "1. Prevent trafficking through awareness campaigns in schools.\n\n"
                        "2. Protect victims with shelters and legal aid everywhere.\n\n"
                        "3. Prosecute traffickers and confiscate their criminal assets.\n\n"
                        "4. Review progress every five years in the General Assembly.\n")
    old = keys(zero)
    # delete OP2, swap OP3/OP4, edit a word in OP1, split OP3 into two
    rev = publish_text(staff, consultation, "Rev.1",
                       "1. Prevent trafficking through awareness campaigns in universities.\n\n"
                       "2. Review progress every five years in the General Assembly.\n\n"
                       "3. Prosecute traffickers.\n\n"
                       "4. Confiscate their criminal assets and fund victim support.\n")
    new = {p.label: p for p in rev.paragraphs}
    assert new["OP1"].key.key == old["OP1"] and new["OP1"].match_status.value == "edited"
    assert new["OP2"].key.key == old["OP4"]
    assert {new["OP3"].key.key, new["OP4"].key.key} & {old["OP3"]}
    assert old["OP2"] not in {p.key.key for p in rev.paragraphs}
    ended = db.session.scalar(select(ParagraphKey).where(ParagraphKey.key == old["OP2"]))
    assert ended.ended_in_id == rev.id
    assert [p.label for p in services.removed_paragraphs(rev)] == ["OP2"]
    statuses = {p.label: p.match_status.value for p in rev.paragraphs}
    assert "moved" in statuses.values()


def test_browser_edit_keeps_keys_explicitly(staff, consultation):
    zero = publish_text(staff, consultation, "Zero", SMALL_DRAFT)
    text = services.editable_text(zero)
    assert "⟦¶" in text
    # Rewrite OP1 completely: the marker keeps its identity although no word survives.
    text = re.sub(r"\*Calls upon\* Member States to act;", "Totally different wording.", text)
    rev = publish_text(staff, consultation, "Rev.1", text)
    assert keys(rev)["OP1"] == keys(zero)["OP1"]
    assert "⟦" not in rev.source_text and all("⟦" not in p.text for p in rev.paragraphs)
    assert {p.label: p.match_status.value for p in rev.paragraphs}["OP1"] == "edited"


def test_cofacilitator_corrects_a_match_before_publishing(staff, consultation):
    zero = publish_text(staff, consultation, "Zero", "1. Alpha text here.\n\n2. Beta text here.\n")
    draft = services.create_version(staff, consultation, label="Rev.1",
                                    text="1. Alpha text here.\n\n2. Gamma completely new.\n")
    db.session.commit()
    gamma = draft.paragraphs[1]
    assert gamma.match_status.value == "new"
    services.correct_match(staff, draft, gamma.id, keys(zero)["OP2"])
    db.session.commit()
    assert keys(draft)["OP2"] == keys(zero)["OP2"]
    assert draft.paragraphs[1].match_status.value == "edited"
    # And back to new.
    services.correct_match(staff, draft, draft.paragraphs[1].id, None)
    db.session.commit()
    assert keys(draft)["OP2"] != keys(zero)["OP2"]
    with pytest.raises(Invalid):
        services.correct_match(staff, draft, draft.paragraphs[0].id, "knotakey")


def test_published_version_is_never_edited(staff, consultation):
    zero = publish_text(staff, consultation, "Zero", SMALL_DRAFT)
    with pytest.raises(Conflict):
        services.update_draft_text(staff, zero, text="1. Changed.")
    with pytest.raises(Conflict):
        services.publish_version(staff, zero)
    with pytest.raises(Conflict):
        services.correct_match(staff, zero, zero.paragraphs[0].id, None)


def test_publishing_supersedes_and_logs(staff, consultation):
    zero = publish_text(staff, consultation, "Zero", SMALL_DRAFT)
    rev = publish_text(staff, consultation, "Rev.1", SMALL_DRAFT + "\n4. One more.\n")
    db.session.refresh(zero)
    assert zero.status == VersionStatus.superseded and rev.status == VersionStatus.published
    actions = [e.action for e in db.session.scalars(select(LogEntry).order_by(LogEntry.id))]
    assert actions.count("version.publish") == 2


def test_stale_draft_cannot_fork_the_text(staff, consultation):
    zero = publish_text(staff, consultation, "Zero", SMALL_DRAFT)
    a = services.create_version(staff, consultation, label="Rev.1 (A)", text=SMALL_DRAFT)
    b = services.create_version(staff, consultation, label="Rev.1 (B)", text=SMALL_DRAFT)
    db.session.commit()
    services.publish_version(staff, a)
    db.session.commit()
    with pytest.raises(Conflict, match="was published after"):
        services.publish_version(staff, b)
    with pytest.raises(Conflict, match="no longer the newest"):
        services.create_version(staff, consultation, label="Rev.2", text=SMALL_DRAFT,
                                based_on_id=zero.id)


@pytest.mark.parametrize("text,message", [
    ("", "empty"), ("   \n\n  ", "empty"), ("x" * 600_000, "too long"),
])
def test_bad_drafts_are_refused(staff, consultation, text, message):
    with pytest.raises(Invalid, match=message):
        services.create_version(staff, consultation, label="Zero", text=text)
    db.session.rollback()
    assert db.session.scalar(select(Version)) is None


def test_duplicate_label_and_past_deadline_are_refused(staff, consultation):
    publish_text(staff, consultation, "Zero", SMALL_DRAFT)
    with pytest.raises(Conflict, match="already has a version labelled Zero"):
        services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    draft = services.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT,
                                    comments_close_at="2001-01-01T00:00Z")
    with pytest.raises(Invalid, match="deadline has already passed"):
        services.publish_version(staff, draft)
    with pytest.raises(Invalid, match="date and time"):
        services.set_deadline(staff, draft, "next tuesday")


def test_delegates_cannot_create_versions(make_user, consultation):
    delegate = make_user("delegate")
    with pytest.raises(Forbidden):
        services.create_version(delegate, consultation, label="Zero", text=SMALL_DRAFT)


def test_draft_versions_are_404_to_the_public_and_delegates(client, staff, consultation,
                                                               make_user):
    draft = services.create_version(staff, consultation, label="Secret draft", text=SMALL_DRAFT)
    db.session.commit()
    for path in (f"/consultations/gpa/versions/{draft.id}", f"/api/v1/versions/{draft.id}",
                 f"/consultations/gpa/versions/{draft.id}/paragraphs/OP1"):
        assert client.get(path).status_code == 404, path
    assert "Secret draft" not in client.get("/consultations/gpa").get_data(as_text=True)
    assert "Secret draft" not in client.get("/api/v1/consultations/gpa").get_data(as_text=True)
    with pytest.raises(NotFound):
        services.get_version(make_user("delegate"), draft.id)
    assert services.get_version(staff, draft.id).label == "Secret draft"


def test_public_reads_consultation_version_and_paragraph_pages(client, staff, consultation):
    version = publish_text(staff, consultation, "Zero draft", SMALL_DRAFT)
    page = client.get("/consultations/gpa").get_data(as_text=True)
    assert "Zero draft" in page and "A/RES/64/178, para. 8" in page
    html = client.get(f"/consultations/gpa/versions/{version.id}").get_data(as_text=True)
    assert 'id="OP2_a"' in html and "OP2(a)" in html and "With shelter" in html
    assert f'/consultations/gpa/versions/{version.id}/paragraphs/OP2_a' in html
    single = client.get(f"/consultations/gpa/versions/{version.id}/paragraphs/OP2_a")
    assert single.status_code == 200 and "With shelter" in single.get_data(as_text=True)
    assert client.get(f"/consultations/gpa/versions/{version.id}/paragraphs/OP99").status_code == 404
    assert client.get("/consultations/nope").status_code == 404


def test_paragraph_page_shows_its_history(client, staff, consultation):
    publish_text(staff, consultation, "Zero", "1. Alpha text here for all.\n")
    rev = publish_text(staff, consultation, "Rev.1",
                       "1. New one on top.\n\n2. Alpha text here for all of us.\n")
    html = client.get(f"/consultations/gpa/versions/{rev.id}/paragraphs/OP2").get_data(as_text=True)
    assert "Zero, OP1" in html and "Rev.1, OP2" in html


def test_cofacilitator_imports_reviews_and_publishes_in_the_browser(client, login_as,
                                                                    consultation):
    login_as("cofacilitator", delegation="PRT")
    path = "/consultations/gpa/versions/new"
    token = csrf_token(client, path)
    # Preview saves nothing.
    response = client.post(path, data={"csrf_token": token, "label": "Zero draft",
                                       "text": SMALL_DRAFT, "action": "preview"})
    assert response.status_code == 200 and "Preview: 8 paragraphs" in response.get_data(as_text=True)
    assert db.session.scalar(select(Version)) is None
    # Upload a file.
    import io
    response = client.post(path, data={
        "csrf_token": token, "label": "Zero draft", "text": "", "action": "save",
        "upload": (io.BytesIO(SMALL_DRAFT.encode()), "zero.md")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.rollback()
    version = db.session.scalar(select(Version))
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "8 new" in review
    deadline = (utcnow() + dt.timedelta(days=10)).strftime("%Y-%m-%d %H:%M")
    base = f"/consultations/gpa/versions/{version.id}"
    assert client.post(base + "/deadline", data={"csrf_token": token,
                                                 "comments_close_at": deadline}).status_code == 302
    # The first press asks (confirmation page, nothing published); the second publishes.
    asked = client.post(base + "/publish", data={"csrf_token": token})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.get_data(as_text=True)
    assert client.post(base + "/publish", data={"csrf_token": token,
                                                "confirm": "yes"}).status_code == 302
    db.session.rollback()
    version = db.session.get(Version, version.id)
    assert version.status == VersionStatus.published and version.comments_close_at is not None
    # Publishing twice is a clear refusal, not a 500.
    response = client.post(base + "/publish", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 409 and "can no longer be changed" in response.get_data(as_text=True)


def test_browser_edit_of_previous_version_prefills_with_markers(client, login_as, consultation):
    user = login_as("cofacilitator")
    zero = publish_text(user, consultation, "Zero", SMALL_DRAFT)
    html = client.get("/consultations/gpa/versions/new?from=previous").get_data(as_text=True)
    assert "⟦¶ " + keys(zero)["OP1"] in html


def test_bad_input_in_the_browser_shows_a_message(client, login_as, consultation):
    login_as("cofacilitator")
    path = "/consultations/gpa/versions/new"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "label": "Zero", "text": "  ",
                                       "action": "save"})
    assert response.status_code == 400 and "The draft is empty" in response.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": token, "label": "", "text": SMALL_DRAFT,
                                       "action": "save"})
    assert response.status_code == 400 and "Give the version a label" in response.get_data(as_text=True)
    import io
    response = client.post(path, data={"csrf_token": token, "label": "Zero", "action": "save",
                                       "upload": (io.BytesIO(b"\xff\xfe\x00bad"), "x.md")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "not UTF-8" in response.get_data(as_text=True)
    assert db.session.scalar(select(Version)) is None


def test_print_stylesheet_is_served(client):
    response = client.get("/static/consult.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "@media print" in css


@pytest.mark.parametrize("filename", ["23-oct-2015.md", "12-dec-2015.md"])
def test_browser_edit_round_trip_keeps_every_key_on_real_texts(staff, consultation, filename):
    """Saving the previous version's editable text unchanged keeps every paragraph and key."""
    from consult.demo import read_text

    zero = publish_text(staff, consultation, "Zero", read_text(f"cop21/{filename}"))
    rev = publish_text(staff, consultation, "Rev.1", services.editable_text(zero))
    assert [(p.label, p.text, p.key_id) for p in rev.paragraphs] == \
        [(p.label, p.text, p.key_id) for p in zero.paragraphs]
    assert {p.match_status.value for p in rev.paragraphs} == {"kept"}


def test_match_correction_in_the_browser(client, login_as, consultation):
    user = login_as("cofacilitator")
    zero = publish_text(user, consultation, "Zero", "1. Alpha text here.\n\n2. Beta text here.\n")
    draft = services.create_version(user, consultation, label="Rev.1",
                                    text="1. Alpha text here.\n\n2. Gamma completely new.\n")
    db.session.commit()
    page = f"/consultations/gpa/versions/{draft.id}/review"
    html = client.get(page).get_data(as_text=True)
    assert '<option value="OP2">' in html and "1 kept" in html and "1 new" in html
    token = csrf_token(client, page)
    gamma = draft.paragraphs[1]
    response = client.post(f"/consultations/gpa/versions/{draft.id}/match", data={
        "csrf_token": token, "paragraph_id": gamma.id, "old_label": "OP2"})
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "1 edited" in html and "0 removed" in html
    response = client.post(f"/consultations/gpa/versions/{draft.id}/match", data={
        "csrf_token": token, "paragraph_id": gamma.id, "old_label": "OP9"})
    assert response.status_code == 400 and "Zero has no paragraph OP9" in response.get_data(as_text=True)


def test_nul_characters_are_refused_clearly(client, login_as, consultation):
    login_as("cofacilitator")
    path = "/consultations/gpa/versions/new"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "label": "Zero\x00",
                                       "text": SMALL_DRAFT, "action": "save"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": token, "email": "a\x00@b.org",
                                            "password": "x"})
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(Version)) is None


def test_overtaken_draft_can_be_discarded(client, login_as, consultation):
    user = login_as("cofacilitator")
    publish_text(user, consultation, "Zero", SMALL_DRAFT)
    a = services.create_version(user, consultation, label="Rev.1", text=SMALL_DRAFT)
    b = services.create_version(user, consultation, label="Rev.1 (alt)", text=SMALL_DRAFT)
    db.session.commit()
    services.publish_version(user, a)
    db.session.commit()
    token = csrf_token(client, f"/consultations/gpa/versions/{b.id}/review")
    response = client.post(f"/consultations/gpa/versions/{b.id}/discard",
                           data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 302
    from tests.conftest import fresh
    fresh()
    assert [v.label for v in db.session.scalars(select(Version).order_by(Version.seq))] == \
        ["Zero", "Rev.1"]
    response = client.post(f"/consultations/gpa/versions/{a.id}/discard",
                           data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 409  # published versions stay


def test_stale_draft_edit_is_refused(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = services.create_version(user, consultation, label="Zero", text=SMALL_DRAFT)
    db.session.commit()
    page = f"/consultations/gpa/versions/{draft.id}/edit"
    html = client.get(page).get_data(as_text=True)
    stamp = re.search(r'name="stamp" value="([0-9a-f]+)"', html).group(1)
    token = csrf_token(client, page)
    # A colleague saves first.
    services.update_draft_text(user, draft, text=SMALL_DRAFT + "\n4. Added by a colleague.\n")
    db.session.commit()
    response = client.post(page, data={"csrf_token": token, "stamp": stamp, "label": "Zero",
                                       "text": SMALL_DRAFT + "\n4. Mine.\n", "action": "save"})
    assert response.status_code == 409, response.get_data(as_text=True)[-3000:]
    assert "changed by someone else" in response.get_data(as_text=True)
    from tests.conftest import fresh
    fresh()
    assert "colleague" in db.session.get(Version, draft.id).source_text


def test_edit_page_of_a_published_version_is_refused(client, login_as, consultation):
    user = login_as("cofacilitator")
    zero = publish_text(user, consultation, "Zero", SMALL_DRAFT)
    response = client.get(f"/consultations/gpa/versions/{zero.id}/edit")
    assert response.status_code == 409


def test_draft_pages_are_404_to_cofacilitators_of_other_consultations(client, make_user,
                                                                      consultation, staff):
    from tests.conftest import login

    draft = services.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT)
    db.session.commit()
    make_user("cofacilitator", email="other@example.org", consultations=[])
    login(client, "other@example.org")
    for suffix in ("", "/review", "/edit"):
        assert client.get(f"/consultations/gpa/versions/{draft.id}{suffix}").status_code == 404
    assert client.get("/consultations/gpa/versions/new").status_code == 403


def test_paragraph_history_hides_drafts(client, staff, consultation):
    zero = publish_text(staff, consultation, "Zero", "1. Alpha text here for all.\n")
    services.create_version(staff, consultation, label="Secret Rev", text="1. Alpha text here for all.\n")
    db.session.commit()
    html = client.get(f"/consultations/gpa/versions/{zero.id}/paragraphs/OP1").get_data(as_text=True)
    assert "Zero, OP1" in html and "Secret Rev" not in html
    assert [p.version.label for p in services.paragraph_history(staff, zero.paragraphs[0])] == \
        ["Zero", "Secret Rev"]


def test_version_page_answers_conditional_requests(client, staff, consultation):
    version = publish_text(staff, consultation, "Zero", SMALL_DRAFT)
    path = f"/consultations/gpa/versions/{version.id}"
    first = client.get(path)
    assert first.headers["ETag"] and "no-cache" in first.headers["Cache-Control"]
    assert "Set-Cookie" not in first.headers  # a public reader gets no session
    import time
    time.sleep(1.1)  # anything time-stamped in the page would change its ETag
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_parser_refusals_reach_the_user_in_plain_words(staff, consultation):
    with pytest.raises(Invalid, match="no paragraphs"):
        services.create_version(staff, consultation, label="Zero",
                                text="---\ntitle: x\n---\n\n<!-- only a comment -->\n")
    with pytest.raises(Invalid, match="NUL character"):
        services.create_version(staff, consultation, label="Zero", text="1. Text\x00.\n")
    too_many = "\n\n".join(f"{n}. Paragraph {n}." for n in range(1, 2100))
    with pytest.raises(Invalid, match="more than 2,000 paragraphs"):
        services.create_version(staff, consultation, label="Zero", text=too_many)
