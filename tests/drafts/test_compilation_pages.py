"""The compilation pages: HTML and .docx, what they show to whom, and their caching."""

import io
import re
import zipfile
from html import unescape

import docx
import pytest
from sqlalchemy import select

from consult.comments import services as comments
from consult.comments.models import Disposition, Submission
from consult.db import db
from consult.drafts import services as drafts
from consult.drafts.services import create_consultation
from consult.moderation.services import hide_submission
from tests.comments.conftest import REV1, can, fra, nor, paragraph, version  # noqa: F401
from consult.permissions import COMMAND_LINE

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"





def amend(user, version, label, proposed, body=""):
    made = comments.propose_amendment(user, paragraph(version, label), proposed, body)
    db.session.commit()
    return made


def support(user, amendment):
    made = comments.support_amendment(user, amendment)
    db.session.commit()
    return made


def page_url(version, suffix=""):
    return f"/consultations/gpa/versions/{version.id}/compilation{suffix}"


def visible_text(html: str) -> str:
    """The page as a reader sees it: tags dropped, spaces collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", text)))


def docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode("utf-8")


@pytest.fixture
def proposals(version, fra, nor, can):
    """An attributed, supported, partly incorporated proposal on OP1."""
    amendment = amend(fra, version, "OP1", "*Calls upon* all States to act without delay;",
                      "To stress **urgency**.")
    support(nor, amendment)
    support(can, amendment)
    amendment.disposition = Disposition.partly_incorporated
    amendment.disposition_note = "Merged with the proposal on OP2."
    db.session.commit()
    return amendment


def test_the_page_shows_each_paragraph_with_its_attributed_proposals(client, version,
                                                                    proposals):
    response = client.get(page_url(version))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = visible_text(html)

    assert "Proposed by France (FRA); supported by Norway (NOR) and Canada (CAN)" in text
    assert '<a href="/delegations/NOR" class="delegation">' in html  # links, not escaped
    assert "<del>Member</del><ins>all</ins> States to act<ins> without delay</ins>" in html
    assert "<strong>urgency</strong>" in html  # the explanation, as rendered when written
    assert "Disposition: partly incorporated — Merged with the proposal on OP2." in text
    assert f'href="/consultations/gpa/submissions/{proposals.id}"' in html
    assert "1 proposal: 1 partly incorporated." in text
    # Paragraphs without any proposal are part of the text too.
    assert "to review the plan." in text and "With legal aid;" in text
    assert f'href="{page_url(version, ".docx")}"' in html
    assert "compilation.css" in html


def test_the_page_works_for_a_version_without_proposals(client, version):
    text = visible_text(client.get(page_url(version)).get_data(as_text=True))
    assert "0 proposals." in text and "Calls upon Member States to act;" in text
    assert "Proposed by" not in text


def test_the_public_page_is_revalidated_with_its_etag(client, version, proposals, nor):
    first = client.get(page_url(version))
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    again = client.get(page_url(version), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""

    # A new proposal changes the compilation: the old copy is no longer current.
    amend(nor, version, "OP3", "*Decides* to review the plan every year.")
    changed = client.get(page_url(version), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Proposed by Norway (NOR)" in visible_text(changed.get_data(as_text=True))


def test_a_logged_in_readers_page_stays_private(client, version, proposals, login_as):
    login_as("delegate", delegation="DEU")
    response = client.get(page_url(version))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_withdrawn_proposal_is_left_out_with_a_note(client, version, fra, proposals):
    withdrawn = amend(fra, version, "OP2", "*Urges* States to shelter all victims:")
    comments.withdraw_submission(fra, withdrawn)
    db.session.commit()
    text = visible_text(client.get(page_url(version)).get_data(as_text=True))
    assert "1 proposal withdrawn by its author is not shown." in text
    assert "shelter all victims" not in text
    assert "Proposed by France (FRA); supported by Norway (NOR) and Canada (CAN)" in text


def test_hidden_proposals_and_supports_are_absent_even_for_a_cofacilitator(
        client, version, nor, can, proposals, login_as, staff):
    hidden = amend(nor, version, "OP2", "*Urges* States to protect victims zanzibarically:",
                   "Quixotic reasons.")
    hide_submission(staff, hidden, reason_code="abusive")
    can_support = db.session.scalar(select(Submission).where(
        Submission.parent_id == proposals.id, Submission.delegation.has(code="CAN")))
    hide_submission(staff, can_support, reason_code="abusive")
    db.session.commit()
    login_as("cofacilitator")

    text = visible_text(client.get(page_url(version)).get_data(as_text=True))
    assert "zanzibarically" not in text and "Quixotic" not in text
    assert "Proposed by France (FRA); supported by Norway (NOR)" in text
    assert "Canada (CAN)" not in text

    download = client.get(page_url(version, ".docx"))
    assert download.status_code == 200
    xml = docx_xml(download.data)
    assert "zanzibarically" not in xml and "Quixotic" not in xml
    assert "supported by Norway (NOR)" in xml and "Canada (CAN)" not in xml


def test_the_docx_download(client, version, proposals):
    response = client.get(page_url(version, ".docx"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == DOCX
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="gpa-zero-draft-compilation.docx"'
    assert response.headers["Cache-Control"] == "public, no-cache"
    document = docx.Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert "Proposed by France (FRA); supported by Norway (NOR) and Canada (CAN)" in texts
    assert "Disposition: Partly incorporated — Merged with the proposal on OP2." in texts
    # Each proposal names its permanent page.
    assert f"http://localhost/consultations/gpa/submissions/{proposals.id}" in \
        docx_xml(response.data)

    cached = client.get(page_url(version, ".docx"),
                        headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304 and cached.data == b""

    proposals.disposition = Disposition.incorporated
    db.session.commit()
    changed = client.get(page_url(version, ".docx"),
                         headers={"If-None-Match": response.headers["ETag"]})
    assert changed.status_code == 200
    assert "Disposition: Incorporated — Merged with the proposal on OP2." in \
        [p.text for p in docx.Document(io.BytesIO(changed.data)).paragraphs]


def test_a_draft_is_not_found_for_the_public_and_private_for_its_staff(
        client, version, consultation, staff, login_as):
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=REV1)
    db.session.commit()
    for suffix in ("", ".docx"):
        assert client.get(page_url(draft, suffix)).status_code == 404

    login_as("delegate", delegation="DEU")
    for suffix in ("", ".docx"):
        assert client.get(page_url(draft, suffix)).status_code == 404


def test_a_draft_compilation_is_never_cached(client, version, consultation, staff, login_as):
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=REV1)
    db.session.commit()
    login_as("cofacilitator")
    for suffix in ("", ".docx"):
        response = client.get(page_url(draft, suffix))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="gpa-rev-1-compilation.docx"'


def test_a_version_of_another_consultation_is_not_found(client, version):
    create_consultation(COMMAND_LINE, slug="other", title="Another consultation")
    db.session.commit()
    for suffix in ("", ".docx"):
        assert client.get(
            f"/consultations/other/versions/{version.id}/compilation{suffix}"
        ).status_code == 404
        assert client.get(f"/consultations/gpa/versions/999999/compilation{suffix}"
                          ).status_code == 404
