"""GET /api/v1/versions/{id}/compilation: public data only, whoever asks."""


import pytest

from consult.auth.services import create_token
from consult.comments import services as comments
from consult.comments.models import Disposition
from consult.db import db
from consult.drafts import services as drafts
from consult.moderation.services import hide_submission
from tests.comments.conftest import REV1, can, fra, nor, paragraph, version  # noqa: F401
from consult.permissions import COMMAND_LINE

# API.md: the fields of a submission, plus what the compilation adds.
PROPOSAL_FIELDS = {
    "id", "paragraph_id", "parent_id", "kind", "body", "html", "proposed_text", "author",
    "delegation", "created_at", "edited_at", "status", "supporters", "disposition",
    "proposed_diff_html", "disposition_note", "url",
}





def amend(user, version, label, proposed, body=""):
    made = comments.propose_amendment(user, paragraph(version, label), proposed, body)
    db.session.commit()
    return made


def support(user, amendment):
    made = comments.support_amendment(user, amendment)
    db.session.commit()
    return made


def url(version):
    return f"/api/v1/versions/{version.id}/compilation"


def proposals_on(data, label):
    return next(p for p in data["paragraphs"] if p["label"] == label)["proposals"]


@pytest.fixture
def bearer(make_user):
    """Authorization headers for a new account of a role."""

    def make(role="cofacilitator", **kwargs):
        user = make_user(role, **kwargs)
        _, secret = create_token(COMMAND_LINE, user)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def test_every_paragraph_with_its_attributed_proposals(client, version, fra, nor, can):
    amendment = amend(fra, version, "OP1", "*Calls upon* all States to act;", "Why.")
    support(nor, amendment)
    support(can, amendment)
    amendment.disposition = Disposition.not_retained
    amendment.disposition_note = "Out of scope."
    db.session.commit()

    response = client.get(url(version))
    assert response.status_code == 200
    data = response.get_json()
    assert data["version"] == {"id": version.id, "label": "Zero draft", "symbol": None,
                               "status": "published"}
    assert data["counts"] == {"pending": 0, "incorporated": 0, "partly_incorporated": 0,
                              "not_retained": 1}
    assert data["withdrawn_count"] == 0
    assert [p["label"] for p in data["paragraphs"]] == [p.label for p in version.paragraphs]
    op1 = next(p for p in data["paragraphs"] if p["label"] == "OP1")
    assert op1["text"] == "*Calls upon* Member States to act;" and op1["key"]
    [proposal] = op1["proposals"]
    assert set(proposal) >= PROPOSAL_FIELDS
    assert proposal["id"] == amendment.id and proposal["kind"] == "amendment"
    assert proposal["delegation"] == {"code": "FRA", "name": "France"}
    assert proposal["supporters"] == ["NOR", "CAN"]
    assert proposal["disposition"] == "not_retained"
    assert proposal["disposition_note"] == "Out of scope."
    assert proposal["proposed_diff_html"] == \
        "<em>Calls upon</em> <del>Member</del><ins>all</ins> States to act;"
    assert proposal["url"].endswith(f"/consultations/gpa/submissions/{amendment.id}")
    assert proposals_on(data, "OP3") == []


def test_hidden_and_withdrawn_are_left_out_for_everyone(client, version, fra, nor, can,
                                                        bearer, staff):
    shown = amend(fra, version, "OP1", "*Calls upon* all States to act;")
    hide_submission(staff, support(nor, shown), reason_code="abusive")
    support(can, shown)
    hidden = amend(nor, version, "OP2", "*Urges* States to protect victims zanzibarically:")
    hide_submission(staff, hidden, reason_code="abusive")
    withdrawn = amend(can, version, "OP3", "*Decides* to review the plan yearly.")
    comments.withdraw_submission(can, withdrawn)
    db.session.commit()

    for headers in ({}, bearer("cofacilitator")):
        response = client.get(url(version), headers=headers)
        data = response.get_json()
        assert [p["id"] for p in proposals_on(data, "OP1")] == [shown.id]
        assert proposals_on(data, "OP1")[0]["supporters"] == ["CAN"]
        assert proposals_on(data, "OP2") == [] and proposals_on(data, "OP3") == []
        assert data["withdrawn_count"] == 1
        assert "zanzibarically" not in response.get_data(as_text=True)
        # The same answer for everyone: shared caches may keep it.
        assert response.headers["Cache-Control"] == "public, no-cache"


def test_etag_and_304_until_something_changes(client, version, fra, nor):
    amendment = amend(fra, version, "OP1", "*Calls upon* all States to act;")
    first = client.get(url(version))
    etag = first.headers["ETag"]
    assert client.get(url(version), headers={"If-None-Match": etag}).status_code == 304
    support(nor, amendment)
    changed = client.get(url(version), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert proposals_on(changed.get_json(), "OP1")[0]["supporters"] == ["NOR"]


def test_a_draft_is_not_found_except_for_its_staff(client, version, consultation, staff,
                                                   bearer):
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=REV1)
    db.session.commit()
    missing = client.get(url(draft))
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert client.get(url(draft), headers=bearer("delegate")).status_code == 404

    response = client.get(url(draft), headers=bearer("cofacilitator"))
    assert response.status_code == 200
    assert response.get_json()["version"]["status"] == "draft"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get("/api/v1/versions/999999/compilation").status_code == 404


def test_the_openapi_document_describes_the_compilation(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    operation = document["paths"]["/versions/{id}/compilation"]["get"]
    assert operation["operationId"] == "getVersionCompilation"
    schemas = document["components"]["schemas"]
    assert set(schemas["CompilationParagraph"]["properties"]) >= {
        "id", "key", "label", "text", "proposals"}
    assert set(schemas["Compilation"]["properties"]) >= {"version", "counts", "paragraphs"}
