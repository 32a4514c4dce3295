"""Issue 13, item 3: a numbering slip must not silently rename every paragraph.

Two operative paragraphs numbered "5." made the numbers repeat, so every operative label
gained its section (I-OP1, II-OP10…) with no warning, and Review counted them "kept".
Duplicate and out-of-order numbers, and labels built otherwise than in the previous
version, are now named paragraph by paragraph in Preview and Review, and publishing (page,
API, command line) waits for an explicit confirmation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.db import db
from consult.drafts import services
from consult.drafts.models import Version, VersionStatus
from consult.drafts.parsing import (
    ParsedParagraph,
    label_scheme,
    numbering_warnings,
    parse_draft,
    scheme_change,
)
from tests.conftest import SMALL_DRAFT, csrf_token, fresh
from consult.permissions import COMMAND_LINE

DEMO = Path(__file__).resolve().parents[2] / "consult" / "demo"
GPA = (DEMO / "gpa-zero-draft.md").read_text(encoding="utf-8")
# Paragraph 6 (line 49) numbered "5." as well, by mistake.
SLIP = GPA.replace("\n6. *Encourages* Member States to strengthen the coll",
                   "\n5. *Encourages* Member States to strengthen the coll")
assert SLIP != GPA


def kinds(warnings):
    return [w.kind for w in warnings]


# --- the parser -----------------------------------------------------------------------------

def test_the_slip_renames_every_paragraph_and_is_named():
    parsed = parse_draft(SLIP)
    operative = [p.label for p in parsed if p.kind == "operative"]
    assert operative[:6] == ["I-OP1", "I-OP2", "I-OP3", "I-OP4", "I-OP5", "I-OP5-2"]
    warnings = numbering_warnings(parsed)
    assert kinds(warnings) == ["duplicate", "out_of_order", "prefixed"]
    duplicate, follows, prefixed = warnings
    assert (duplicate.number, duplicate.labels, duplicate.lines) == \
        ("5", ("I-OP5", "I-OP5-2"), (39, 49))
    assert duplicate.message == "OP5 appears 2 times (lines 39, 49): labelled I-OP5, I-OP5-2."
    assert follows.message == "OP7 follows OP5 (line 51): labelled I-OP7."
    assert len(prefixed.labels) == 30 and prefixed.labels[0] == "I-OP1"


def test_regular_numbering_has_no_warning():
    for name in ("gpa-zero-draft.md", "gpa-rev1.md", "gpa-zero-draft.fr.md",
                 "gpa-zero-draft.zh.md", "gpa-zero-draft.ar.md"):
        assert numbering_warnings(parse_draft((DEMO / name).read_text(encoding="utf-8"))) == [], name
    assert numbering_warnings(parse_draft(SMALL_DRAFT)) == []
    # An excerpt may start anywhere.
    assert numbering_warnings(parse_draft("7. Decides to act.\n\n8. Decides to stay.\n")) == []


def test_legitimate_restarts_are_not_warnings():
    articles = ("## Article 1\n\n1. One.\n\n2. Two.\n\n## Article 2\n\n1. Uno.\n\n2. Dos.\n")
    parsed = parse_draft(articles)
    assert [p.label for p in parsed if p.kind == "operative"] == \
        ["Art.1-OP1", "Art.1-OP2", "Art.2-OP1", "Art.2-OP2"]
    assert numbering_warnings(parsed) == []
    options = "Option 1:\n\n1. One.\n\n2. Two.\n\nOption 2:\n\n1. Uno.\n\n2. Dos.\n"
    assert numbering_warnings(parse_draft(options)) == []


def test_gaps_steps_back_and_restarts_without_a_heading():
    gap = numbering_warnings(parse_draft("1. One.\n\n2. Two.\n\n4. Four.\n\n5. Five.\n"))
    assert [(w.kind, w.number, w.previous, w.lines) for w in gap] == \
        [("out_of_order", "4", "2", (5,))]
    assert gap[0].message == "OP4 follows OP2 (line 5): labelled OP4."
    back = numbering_warnings(parse_draft("1. One.\n\n2. Two.\n\n3. Three.\n\n2. Again.\n"))
    assert [(w.kind, w.number, w.labels) for w in back] == [("duplicate", "2", ("OP2", "OP2-2"))]
    restart = numbering_warnings(parse_draft("1. One.\n\n2. Two.\n\n1. Again.\n"))
    assert [(w.kind, w.number, w.lines) for w in restart] == [("duplicate", "1", (1, 5))]


def test_label_schemes_and_scheme_change():
    assert label_scheme("OP3") == label_scheme("OP3(a)") == "plain"
    assert label_scheme("I-OP3") == label_scheme("Art.2-OP1(a)") == "section"
    assert label_scheme("PP3") is None and label_scheme("H1") is None
    assert scheme_change([("OP1", "OP2"), ("Art.1-OP1", "Art.2-OP1"), ("PP1", "PP2")]) is None
    change = scheme_change([("OP3", "I-OP3"), ("OP3(a)", "I-OP3(a)"), ("PP1", "PP1")])
    assert change.renames == (("OP3", "I-OP3"), ("OP3(a)", "I-OP3(a)"))
    assert change.message == "Labels change scheme from OP3 to I-OP3: 2 paragraphs would be renamed."


def test_line_numbers_do_not_change_equality():
    parsed = parse_draft("# Plan\n\n1. Decides.\n")
    assert [p.line for p in parsed] == [1, 3]
    assert parsed[1] == ParsedParagraph(kind="operative", label="OP1", number="1",
                                        text="Decides.")


# --- preview, review, publish -----------------------------------------------------------------

@pytest.fixture
def zero(client, login_as, consultation):
    user = login_as("cofacilitator")
    version = services.create_version(user, consultation, label="Zero draft", text=GPA,
                                      publish=True)
    db.session.commit()
    version.user = user
    return version


def _slip_from_previous(client):
    """The previous text as the browser editor gives it (key marks), with the slip."""
    html = client.get("/consultations/gpa/versions/new?from=previous").get_data(as_text=True)
    import html as html_module
    text = html_module.unescape(re.search(r'<textarea[^>]*id="text"[^>]*>(.*?)</textarea>',
                                          html, re.S).group(1))
    slipped = re.sub(r"^6\. \*Encourages\* Member States to strengthen the coll",
                     "5. *Encourages* Member States to strengthen the coll", text, flags=re.M)
    assert slipped != text
    return slipped


def test_preview_names_the_numbering_problems(client, zero):
    text = _slip_from_previous(client)
    token = csrf_token(client, "/consultations/gpa/versions/new?from=previous")
    response = client.post("/consultations/gpa/versions/new?from=previous", data={
        "csrf_token": token, "label": "Rev.1", "text": text, "action": "preview",
        "based_on": str(zero.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check the numbering before publishing" in page
    assert "OP5 appears 2 times (lines" in page
    assert "OP7 follows OP5 (line" in page
    assert "Labels change scheme from OP1 to I-OP1: 43 paragraphs would be renamed." in page
    assert "<bdi>OP6</bdi> → <bdi>I-OP5-2</bdi>" in page
    # Before the paragraphs, not after them.
    assert page.index("Check the numbering") < page.index('class="draft"')
    # An unchanged text has nothing to check.
    clean = client.post("/consultations/gpa/versions/new?from=previous", data={
        "csrf_token": token, "label": "Rev.1", "action": "preview", "based_on": str(zero.id),
        "text": services.editable_text(zero)}).get_data(as_text=True)
    assert "Check the numbering" not in clean


def _save_slip(client, zero):
    text = _slip_from_previous(client)
    token = csrf_token(client, "/consultations/gpa/versions/new?from=previous")
    response = client.post("/consultations/gpa/versions/new?from=previous", data={
        "csrf_token": token, "label": "Rev.1", "text": text, "action": "save",
        "based_on": str(zero.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh()
    return db.session.scalar(select(Version).where(Version.label == "Rev.1")), token


def test_review_warns_before_the_publish_button_and_counts_renamed_not_kept(client, zero):
    draft, _token = _save_slip(client, zero)
    page = client.get(f"/consultations/gpa/versions/{draft.id}/review").get_data(as_text=True)
    assert "OP5 appears 2 times" in page
    assert page.index("Check the numbering") < page.index("Publish Rev.1")
    # Same text under a new label is "renamed", not "kept".
    assert "16 kept" in page and "43 renamed" in page  # headings and PP kept
    review = services.get_draft_review(zero.user, draft)
    assert review["counts"]["kept"] == 16 and review["counts"]["renamed"] == 43


def test_publishing_waits_for_the_numbering_to_be_confirmed(client, zero):
    draft, token = _save_slip(client, zero)
    base = f"/consultations/gpa/versions/{draft.id}/publish"
    asked = client.post(base, data={"csrf_token": token}).get_data(as_text=True)
    assert "OP5 appears 2 times" in asked and "I have checked these numbering changes" in asked
    refused = client.post(base, data={"csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "changes paragraph labels" in page and "OP5 appears 2 times" in page
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.draft
    done = client.post(base, data={"csrf_token": token, "confirm": "yes",
                                   "confirm_numbering": "yes"})
    assert done.status_code == 302
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.published


def test_the_service_refuses_unless_confirmed(zero):
    user = zero.user
    with pytest.raises(services.NumberingUnconfirmed) as refused:
        services.create_version(user, zero.consultation, label="Rev.1", text=SLIP, publish=True,
                                confirm_numbering=False)
    assert [w["kind"] for w in refused.value.warnings] == ["duplicate", "out_of_order",
                                                           "prefixed", "scheme_change"]
    db.session.rollback()
    # A regular text needs no confirmation.
    services.create_version(user, zero.consultation, label="Rev.1", text=GPA, publish=True,
                            confirm_numbering=False)
    db.session.commit()


def test_api_publish_refuses_with_the_list_until_confirmed(client, zero, make_user):
    from consult.auth.services import create_token
    _row, token = create_token(COMMAND_LINE, zero.user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    draft = services.create_version(zero.user, zero.consultation, label="Rev.1", text=SLIP)
    db.session.commit()
    refused = client.post(f"/api/v1/versions/{draft.id}/publish", headers=headers)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "numbering_unconfirmed"
    assert [w["kind"] for w in error["warnings"]] == ["duplicate", "out_of_order", "prefixed",
                                                      "scheme_change"]
    assert error["warnings"][0]["lines"] == [39, 49]
    assert error["warnings"][0]["message"].startswith("OP5 appears 2 times (lines 39, 49)")
    assert {"from": "OP6", "to": "I-OP5-2"} in error["warnings"][3]["renames"]
    bad = client.post(f"/api/v1/versions/{draft.id}/publish", headers=headers,
                      json={"confirm_numbering": "yes"})
    assert bad.status_code == 400
    done = client.post(f"/api/v1/versions/{draft.id}/publish", headers=headers,
                       json={"confirm_numbering": True})
    assert done.status_code == 200 and done.get_json()["status"] == "published"
    # Importing and publishing at once asks the same.
    created = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Rev.2", "text": SLIP.replace("\n5. *Encourages* Member States to strengthen",
                                               "\n5. *Encourages* States to strengthen"),
        "publish": True})
    assert created.status_code == 409
    assert created.get_json()["error"]["code"] == "numbering_unconfirmed"


def test_cli_import_publish_refuses_unless_accepted(runner, tmp_path, zero):
    draft = tmp_path / "slip.md"
    draft.write_text(SLIP, encoding="utf-8")
    args = ["drafts", "import", "--consultation", "gpa", "--label", "Rev.1", "--publish",
            str(draft)]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "OP5 appears 2 times (lines 39, 49)" in result.output
    assert "OP1 -> I-OP1" in result.output and "--accept-numbering" in result.output
    fresh()
    assert db.session.scalar(select(Version).where(Version.label == "Rev.1")) is None
    result = runner.invoke(args=args + ["--accept-numbering"])
    assert result.exit_code == 0, result.output
    # Without --publish the draft is saved; the numbering is checked when it is published.
    other = tmp_path / "other.md"
    other.write_text(SLIP.replace("to prevent trafficking for the", "to stop trafficking for"),
                     encoding="utf-8")
    result = runner.invoke(args=["drafts", "import", "--consultation", "gpa", "--label",
                                 "Rev.2", str(other)])
    assert result.exit_code == 0, result.output
