"""The API is declared once (consult.api.declare): bodies and queries are read through their
models, answers are built as models, and the OpenAPI document is generated from them."""

import pytest
from sqlalchemy import func, select

from consult.api import declare
from consult.api.openapi import build_document
from consult.api.participation import Submission, SubmissionEdit
from consult.api.views import NewVersion, api_routes
from consult.auth.services import create_token
from consult.db import db
from consult.drafts.models import Version
from consult.permissions import COMMAND_LINE
from consult.routes import Routes
from tests.conftest import SMALL_DRAFT


@pytest.fixture
def headers(make_user, consultation):
    user = make_user("cofacilitator")
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _document(app) -> dict:
    with app.test_request_context("/"):
        return build_document("http://localhost/api/v1", api_routes())


def _versions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Version))


def test_the_document_is_the_models_own_schema(app):
    schemas = _document(app)["components"]["schemas"]
    # A field declared on a model is in the document, with the model's own constraints.
    assert set(schemas["Submission"]["properties"]) == {
        field.alias or name for name, field in Submission.model_fields.items()}
    assert set(schemas["NewVersion"]["required"]) == {"label", "text"}
    assert schemas["NewVersion"]["additionalProperties"] is False
    assert set(schemas["SubmissionEdit"]["properties"]) == set(SubmissionEdit.model_fields)
    assert schemas["Submission"]["properties"]["created_at"] == {
        "type": "string", "format": "date-time"}


def test_an_api_view_without_a_declaration_cannot_be_published(app):
    routes = Routes()

    @routes.get("/undeclared")
    def undeclared():
        return {}

    with app.test_request_context("/"), pytest.raises(LookupError, match="undeclared"):
        build_document("http://localhost/api/v1", [routes])


def test_every_operation_names_its_answers_and_every_write_its_body(app):
    document = _document(app)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"] and operation["summary"], (path, method)
            assert any(status.startswith("2") for status in operation["responses"]), path
            if method in ("post", "patch") and path not in ("/comments/{id}/withdraw",):
                assert "requestBody" in operation, (path, method)


def test_an_unknown_field_is_refused_by_name_and_nothing_is_stored(client, headers):
    response = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Zero draft", "text": SMALL_DRAFT, "colour": "blue"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "colour" in message and "label" in message  # what was wrong, and what is known
    assert _versions() == 0


@pytest.mark.parametrize("sent, words", [
    ({"label": "Rev.1"}, "'text' is required"),
    ({"label": "Rev.1", "text": SMALL_DRAFT, "publish": "yes"}, "'publish' must be true or "
                                                                "false"),
    ({"label": "Rev.1", "text": SMALL_DRAFT, "publish": 1}, "'publish' must be true or false"),
    ({"label": 7, "text": SMALL_DRAFT}, "'label' must be a string"),
    ({"label": "Rev.1", "text": SMALL_DRAFT, "based_on": "3"}, "'based_on' must be a version "
                                                               "id (integer)"),
])
def test_a_field_of_the_wrong_type_gets_a_clear_message(client, headers, sent, words):
    response = client.post("/api/v1/consultations/gpa/versions", headers=headers, json=sent)
    assert response.status_code == 400
    assert words in response.get_json()["error"]["message"]
    assert _versions() == 0


def test_the_messages_follow_the_readers_language(client, headers):
    response = client.post("/api/v1/consultations/gpa/versions?lang=fr", headers=headers,
                           json={"label": "Rev.1", "text": SMALL_DRAFT, "publish": "oui"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == \
        "Le champ «\u00a0publish\u00a0» doit valoir true ou false."
    refused = client.get("/api/v1/moderation-log?per_page=500&lang=ar")
    assert refused.get_json()["error"]["message"] == \
        "يجب أن تكون قيمة 'per_page' بين 1 و200."


@pytest.mark.parametrize("query, words", [
    ("per_page=abc", "'per_page' must be a positive integer"),
    ("per_page=0", "'per_page' must be a positive integer"),
    ("per_page=101", "'per_page' must be between 1 and 100"),
    ("page=-2", "'page' must be a positive integer"),
])
def test_a_bad_query_argument_is_refused_with_its_name(client, headers, query, words):
    created = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Zero draft", "text": SMALL_DRAFT, "publish": True}).get_json()
    response = client.get(f"/api/v1/versions/{created['id']}/comments?{query}")
    assert response.status_code == 400
    assert words in response.get_json()["error"]["message"]
    # An empty argument is as good as none.
    assert client.get(f"/api/v1/versions/{created['id']}/comments?page=&per_page=")\
        .status_code == 200


def test_an_answer_leaves_out_what_does_not_apply_to_it(client, headers):
    created = client.post("/api/v1/consultations/gpa/versions", headers=headers, json={
        "label": "Zero draft", "text": SMALL_DRAFT, "publish": True}).get_json()
    thread = client.get(f"/api/v1/versions/{created['id']}/comments").get_json()
    assert "detached" in thread and "earlier" not in thread
    # Times are written as they always were (Python's ISO 8601), not rewritten.
    assert created["created_at"] == declare._iso(
        db.session.get(Version, created["id"]).created_at)
