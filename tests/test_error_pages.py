"""Error pages: one template, one title per status, ways on; a 403 says who may."""

from __future__ import annotations

import re

import pytest

from consult.db import db
from consult.drafts import services as drafts
from tests.conftest import SMALL_DRAFT


def main_of(html: str) -> str:
    """The page's <main>, where error pages differ from each other."""
    return html[html.index('<main id="main">'):html.index("</main>")]


def title_of(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


def test_an_unknown_address_and_a_missing_object_read_the_same(client, consultation, staff):
    drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                          publish=True)
    db.session.commit()
    unknown = client.get("/no/such/page")
    missing = client.get("/consultations/gpa/submissions/99999")
    no_consultation = client.get("/consultations/nothing-here")
    assert unknown.status_code == missing.status_code == no_consultation.status_code == 404
    page = unknown.get_data(as_text=True)
    assert title_of(page) == "Page not found"
    assert "404 Not Found" not in page and "Not possible" not in page
    assert main_of(page) == main_of(missing.get_data(as_text=True)) \
        == main_of(no_consultation.get_data(as_text=True))
    # Ways on: the home page and search.
    assert 'href="/"' in main_of(page) and 'href="/search"' in main_of(page)


def test_a_past_the_end_page_is_the_same_404(client):
    page = client.get("/delegations/FRA?page=5").get_data(as_text=True)
    assert title_of(page) == "Page not found"


def test_other_errors_share_the_layout_with_their_own_titles(client, login_as):
    wrong_method = client.get("/logout")
    assert wrong_method.status_code == 405
    html = wrong_method.get_data(as_text=True)
    assert title_of(html) == "Request not accepted"
    assert 'class="error-code"' in html and "405" in main_of(html)
    assert 'href="/search"' in main_of(html)
    expired = client.post("/logout", data={"csrf_token": "stale"})
    assert expired.status_code == 400
    assert title_of(expired.get_data(as_text=True)) == "Form expired"


def test_a_403_names_who_may_do_it(client, login_as):
    login_as("delegate", delegation="FRA")
    response = client.get("/consultations/new")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert title_of(html) == "Not allowed"
    assert "Only co-facilitators and the secretariat may open a consultation." in html
    assert "Your account may not do this." in html


def test_a_403_in_the_api_names_who_may_and_stays_json(client, app, consultation, staff,
                                                       make_user):
    from consult.auth.services import create_token

    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT)
    delegate = make_user("delegate", delegation="FRA")
    _token, secret = create_token(delegate, delegate, "test")
    db.session.commit()
    response = client.post(f"/api/v1/versions/{version.id}/publish",
                           headers={"Authorization": f"Bearer {secret}"})
    # A draft reads as missing to a delegate; publishing an existing public version shows
    # the rule instead.
    assert response.status_code in (403, 404)
    assert response.is_json and set(response.json["error"]) == {"code", "message"}
    drafts.publish_version(staff, version)
    db.session.commit()
    response = client.post(f"/api/v1/consultations/gpa/versions",
                           json={"label": "Rev.1", "text": SMALL_DRAFT},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403 and response.is_json
    assert response.json["error"]["code"] == "forbidden"
    assert response.json["error"]["message"] == (
        "Your account may not do this. Only the co-facilitators of this consultation and the secretariat may prepare and "
        "publish its versions.")


def test_the_api_keeps_json_errors(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404 and response.is_json
    assert response.json["error"]["code"] == "not_found"


def test_a_403_for_a_cofacilitator_of_another_consultation(client, login_as, consultation):
    login_as("cofacilitator", delegation="PRT", consultations=[])
    response = client.get("/consultations/gpa/versions/new")
    assert response.status_code == 403
    assert ("Only the co-facilitators of this consultation and the secretariat may prepare "
            "and publish its versions.") in response.get_data(as_text=True)


@pytest.mark.fresh_app  # adds a route: an app of its own
def test_a_server_error_is_the_same_page_and_json_in_the_api(app):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken", "broken", broken)
    app.add_url_rule("/api/v1/broken", "api_broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    page = client.get("/broken")
    assert page.status_code == 500
    html = page.get_data(as_text=True)
    assert title_of(html) == "Server error" and "boom" not in html
    assert 'href="/search"' in main_of(html)
    api = client.get("/api/v1/broken")
    assert api.status_code == 500 and api.json["error"]["code"] == "internal_error"


def test_a_conflict_reads_as_not_possible_now(app):
    from consult.errors import Conflict
    from consult.web import error_page

    with app.test_request_context("/"):
        body, status = error_page(Conflict.status, "Already published.")
    assert status == 409 and "<h1>Not possible now</h1>" in body
    assert "Already published." in body


def test_every_rule_a_user_can_be_refused_says_who_may():
    from consult import permissions

    # Refused as "not found" (drafts, hidden submissions), or open to every account, or
    # only ever asked with can() to decide what to list.
    silent = permissions.HIDDEN_WHEN_REFUSED | {"manage_own_tokens",
                                                "find_unlisted_submission"}
    missing = set(permissions.RULES) - set(permissions.WHO_MAY) - silent
    assert not missing, f"add to permissions.WHO_MAY who may: {sorted(missing)}"
