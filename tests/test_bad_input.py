"""Bad input anywhere gets a clear refusal, never a 500 (exceptions propagate in tests)."""

import pytest
from sqlalchemy import select

from consult.auth.services import create_token
from consult.db import db
from consult.drafts import services
from consult.drafts.models import Version
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD, csrf_token, login
from consult.permissions import COMMAND_LINE


@pytest.fixture
def published(staff, consultation):
    version = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT,
                                      publish=True)
    db.session.commit()
    return version


@pytest.mark.parametrize("path", [
    "/api/v1/versions/9223372036854775808",
    "/api/v1/versions/99999999999999999999999999999/publish",
    "/consultations/gpa/versions/999999999999999999999999999999",
    "/consultations/gpa/versions/0",
    "/consultations/gpa/versions/-1",
    "/admin/users/99999999999999999999",
    "/consultations/gpa/versions/1/paragraphs/%00",
])
def test_huge_or_odd_ids_are_404(client, consultation, path):
    assert client.get(path).status_code in (404, 405)


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/%09/evil.example", "/%0a/evil.example",
    "/\\evil.example", "/%5Cevil.example", "javascript:alert(1)",
])
def test_login_never_redirects_off_site(client, make_user, target):
    make_user("delegate", email="r@example.org")
    token = csrf_token(client)
    response = client.post(f"/login?next={target}", data={
        "email": "r@example.org", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location or location.startswith("/%")


def test_login_keeps_a_local_next(client, make_user):
    make_user("delegate", email="s@example.org")
    token = csrf_token(client)
    response = client.post("/login?next=/consultations/gpa?x=1", data={
        "email": "s@example.org", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/consultations/gpa?x=1"


@pytest.mark.parametrize("deadline", ["9999-12-31T23:59-05:00", "0001-01-01T00:00+05:00",
                                      "1900-01-01T00:00Z", "2010-13-45T00:00Z"])
def test_deadlines_out_of_range_are_refused(client, consultation, make_user, deadline):
    _, secret = create_token(COMMAND_LINE, make_user("cofacilitator"))
    db.session.commit()
    response = client.post("/api/v1/consultations/gpa/versions",
                           headers={"Authorization": f"Bearer {secret}"},
                           json={"label": "Zero", "text": SMALL_DRAFT,
                                 "comments_close_at": deadline})
    assert response.status_code == 400
    assert "deadline" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("body", [
    b"[" * 100_000,
    b'{"label": "Zero\\ud800", "text": "1. a"}',
    b'{"label": "Zero", "text": "1. a\\udfff"}',
])
def test_hostile_json_is_refused(client, consultation, make_user, body):
    _, secret = create_token(COMMAND_LINE, make_user("cofacilitator"))
    db.session.commit()
    response = client.post("/api/v1/consultations/gpa/versions", data=body,
                           headers={"Authorization": f"Bearer {secret}"},
                           content_type="application/json")
    assert response.status_code == 400
    assert db.session.scalar(select(Version)) is None


def test_huge_based_on_is_refused(client, consultation, make_user):
    _, secret = create_token(COMMAND_LINE, make_user("cofacilitator"))
    db.session.commit()
    response = client.post("/api/v1/consultations/gpa/versions",
                           headers={"Authorization": f"Bearer {secret}"},
                           json={"label": "Zero", "text": SMALL_DRAFT, "based_on": 10**30})
    assert response.status_code == 400


def test_non_numeric_based_on_in_the_form_is_refused(client, login_as, consultation):
    login_as("cofacilitator")
    path = "/consultations/gpa/versions/new"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "label": "Zero", "text": SMALL_DRAFT,
                                       "action": "save", "based_on": "abc"})
    assert response.status_code == 400


def test_overlong_labels_are_refused_clearly(staff, consultation):
    text = "# Article " + "9" * 120 + "\n\n1. One.\n\n# Article " + "9" * 120 + "1\n\n1. Two.\n"
    from consult.errors import Invalid
    with pytest.raises(Invalid, match="label would be too long"):
        services.create_version(staff, consultation, label="Zero", text=text)


def test_a_paragraph_copied_with_its_mark_is_split_not_a_crash(staff, published, consultation):
    text = services.editable_text(published)
    op1 = next(block for block in text.split("\n\n") if block.startswith("1. "))
    text = text.replace(op1, op1 + "\n\n" + op1.replace("1. ", "1bis. ", 1))
    rev = services.create_version(staff, consultation, label="Rev.1", text=text)
    keys = [p.key.key for p in rev.paragraphs]
    assert len(keys) == len(set(keys)) == len(published.paragraphs) + 1


def test_anchors_are_unique_on_real_texts(staff, consultation):
    from consult.demo import read_text

    for n, name in enumerate(["23-oct-2015.md", "4-dec-2015.md", "9-dec-2015.md",
                              "12-dec-2015.md"]):
        version = services.create_version(staff, consultation, label=f"V{n}",
                                          text=read_text(f"cop21/{name}"), publish=True)
        anchors = [p.anchor for p in version.paragraphs]
        assert len(anchors) == len(set(anchors)), name
        for paragraph in version.paragraphs[::25]:
            assert services.get_paragraph(None, version, paragraph.anchor) is paragraph
            assert services.get_paragraph(None, version, paragraph.label) is paragraph


def test_account_password_change_needs_the_current_password(app, client, login_as):
    user = login_as("delegate", email="pw@example.org")
    token = csrf_token(client, "/account")
    response = client.post("/account", data={
        "csrf_token": token, "action": "password", "password-current": "wrong password",
        "password-password": "a brand new password"})
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)
    response = client.post("/account", data={
        "csrf_token": token, "action": "password", "password-current": TEST_PASSWORD,
        "password-password": "a brand new password"})
    assert response.status_code == 302
    assert "password has been changed" in client.get("/account").get_data(as_text=True)
    assert login(app.test_client(), "pw@example.org", "a brand new password").status_code == 302
    assert login(app.test_client(), "pw@example.org", TEST_PASSWORD).status_code == 401


def test_account_page_refuses_unknown_actions_and_long_token_names(client, login_as):
    login_as("delegate")
    token = csrf_token(client, "/account")
    assert client.post("/account", data={"csrf_token": token, "action": "bogus"}).status_code == 400
    response = client.post("/account", data={"csrf_token": token, "action": "create_token",
                                             "token-name": "x" * 150})
    assert response.status_code == 400


def test_chromium_variable_is_not_a_setting(monkeypatch, tmp_path):
    from consult.settings import load_settings

    monkeypatch.setenv("CONSULT_CHROMIUM", "/usr/bin/chromium")
    assert "CHROMIUM" not in load_settings()
