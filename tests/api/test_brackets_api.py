"""Issue 16, part 1: `brackets` on each paragraph and on the version, and the publication
check, in the API (every answer here is also checked against the OpenAPI document)."""

from __future__ import annotations

import pytest

from consult.auth.services import create_token
from consult.db import db
from consult.demo import read_text
from consult.drafts import services
from consult.permissions import COMMAND_LINE

COP21 = [("23 October", "cop21/23-oct-2015.md", 1003), ("4 December", "cop21/4-dec-2015.md", 996),
         ("9 December", "cop21/9-dec-2015.md", 207), ("12 December", "cop21/12-dec-2015.md", 0)]


def test_the_four_cop21_texts_count_their_bracketed_passages(client, staff, consultation):
    versions = []
    for label, name, _total in COP21:
        versions.append(services.create_version(staff, consultation, label=label,
                                                text=read_text(name), publish=True))
        db.session.commit()
    for version, (label, _name, total) in zip(versions, COP21):
        answer = client.get(f"/api/v1/versions/{version.id}")
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["brackets"] == total, label
        assert sum(p["brackets"] for p in body["paragraphs"]) == total
    october = {p["label"]: p for p in
               client.get(f"/api/v1/versions/{versions[0].id}").get_json()["paragraphs"]}
    # "*In [furtherance][pursuit]* of the objective, [principles and provisions] …"
    assert october["PP6"]["brackets"] == 5
    assert october["PP6"]["html"].count('<span class="bracketed">') == 5
    assert october["PP1"]["brackets"] == 0  # "[final draft negotiating text][source]"


@pytest.fixture
def bearer(staff):
    _row, token = create_token(COMMAND_LINE, staff)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_count_is_the_originals_in_every_language(client, staff, consultation, bearer):
    from consult.drafts.translations import add_translation

    version = services.create_version(staff, consultation, label="Zero draft", publish=True,
                                      text="1. *Decides* [to act][to consider acting].\n")
    add_translation(staff, version, "fr", "1. *Décide* [d'agir].\n")
    db.session.commit()
    french = client.get(f"/api/v1/versions/{version.id}?lang=fr").get_json()
    [paragraph] = french["paragraphs"]
    assert (paragraph["language"], paragraph["brackets"], french["brackets"]) == ("fr", 2, 2)
    assert paragraph["html"].count('<span class="bracketed">') == 1  # the French text's


def test_publishing_unbalanced_brackets_asks_for_confirmation(client, staff, consultation,
                                                              bearer):
    draft = services.create_version(staff, consultation, label="Zero draft",
                                    text="1. [All Parties shall act;\n\n2. Report.]\n\n"
                                         "3. Review [the plan.\n")
    db.session.commit()
    refused = client.post(f"/api/v1/versions/{draft.id}/publish", headers=bearer)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "numbering_unconfirmed"
    assert [(w["kind"], w["labels"], w["closes_in"], w["opened_in"])
            for w in error["warnings"]] == [
        ("brackets", ["OP1"], ["OP2"], []), ("brackets", ["OP2"], [], ["OP1"]),
        ("brackets", ["OP3"], [], [])]
    assert error["warnings"][2]["message"] == \
        "OP3: 1 opening bracket is not closed in this paragraph."
    assert "OP1, OP2, OP3" in error["message"]
    done = client.post(f"/api/v1/versions/{draft.id}/publish", headers=bearer,
                       json={"confirm_numbering": True})
    assert done.status_code == 200 and done.get_json()["status"] == "published"
    assert done.get_json()["brackets"] == 0  # nothing balanced within a paragraph
    # Importing and publishing at once asks the same; a balanced text needs nothing.
    created = client.post("/api/v1/consultations/gpa/versions", headers=bearer, json={
        "label": "Rev.1", "text": "1. [All Parties shall act;\n", "publish": True})
    assert created.status_code == 409
    assert created.get_json()["error"]["warnings"][0]["unclosed"] == 1
    balanced = client.post("/api/v1/consultations/gpa/versions", headers=bearer, json={
        "label": "Rev.1", "text": "1. [All Parties] shall act;\n", "publish": True})
    assert balanced.status_code == 201 and balanced.get_json()["brackets"] == 1


def test_absurd_brackets_are_a_clear_answer_never_a_500(client, staff, consultation, bearer):
    deep = "1. " + "[" * 1000 + "deep" + "]" * 1000 + "\n\n2. " + "[" * 10_000 + "\n"
    created = client.post("/api/v1/consultations/gpa/versions", headers=bearer,
                          json={"label": "Deep", "text": deep})
    assert created.status_code == 201
    body = created.get_json()
    assert [p["brackets"] for p in body["paragraphs"]] == [1000, 0]
    refused = client.post(f"/api/v1/versions/{body['id']}/publish", headers=bearer)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["warnings"][0]["unclosed"] == 10_000
    too_long = client.post("/api/v1/consultations/gpa/versions", headers=bearer,
                           json={"label": "Long", "text": "[" * 500_001})
    assert too_long.status_code in (400, 413)
    versions = client.get("/api/v1/consultations/gpa", headers=bearer).get_json()["versions"]
    assert [v["label"] for v in versions] == ["Deep"]  # nothing half stored
