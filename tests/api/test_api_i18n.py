"""JSON API errors: the `code` stays English, the `message` follows the reader's language."""

import re

import flask_babel
import pytest

from consult.auth.services import create_token
from consult.db import db
from consult.settings import ROOT
from consult.permissions import COMMAND_LINE


def in_language(app, lang: str, english: str, **variables) -> str:
    """An English message as the catalog of `lang` gives it (English while untranslated)."""
    # A fresh app context: Flask-Babel keeps the locale it chose in `g`.
    with app.app_context(), app.test_request_context(f"/?lang={lang}"):
        return flask_babel.gettext(english, **variables)


@pytest.fixture
def cofacilitator(make_user, consultation):
    user = make_user("cofacilitator")
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert "Accept-Language" in response.headers.get("Vary", "")
    return response.get_json()["error"]


# (name, status, request, the English message; None: a service's own)
NOT_FOUND = "There is nothing at this address. It may have been mistyped."
NOT_ALLOWED = "This address does not accept that kind of request."
NO_LABEL = "Give the version a label, such as Zero draft or Rev.1."
LOG_IN = "Log in or send Authorization: Bearer TOKEN."
BAD_TOKEN = "The API token is missing, invalid or revoked."

CASES = [
    ("404 route", 404, lambda c, h: c.get("/api/v1/no/such/thing", headers=h), NOT_FOUND),
    ("404 object", 404, lambda c, h: c.get("/api/v1/versions/999999", headers=h), None),
    ("405", 405, lambda c, h: c.delete("/api/v1/consultations", headers=h), NOT_ALLOWED),
    ("400 validation", 400, lambda c, h: c.post(
        "/api/v1/consultations/gpa/versions", headers=h, json={"label": " ", "text": "1. A."}),
     NO_LABEL),
    ("401", 401, lambda c, h: c.post("/api/v1/consultations/gpa/versions",
                                     headers={k: v for k, v in h.items() if k != "Authorization"},
                                     json={}), LOG_IN),
    ("401 token", 401, lambda c, h: c.get("/api/v1/consultations",
                                          headers={**h, "Authorization": "Bearer cst_nope"}),
     BAD_TOKEN),
]
# Messages the French catalog translates today: these must not read as English.
TRANSLATED_IN_FRENCH = {NOT_FOUND, NOT_ALLOWED, NO_LABEL}


@pytest.mark.parametrize("name,status,call,english", CASES, ids=[c[0] for c in CASES])
def test_error_messages_follow_accept_language_and_codes_stay(
        app, client, cofacilitator, name, status, call, english):
    in_english = _error(call(client, {**cofacilitator, "Accept-Language": "en"}), status)
    in_french = _error(call(client, {**cofacilitator, "Accept-Language": "fr-CH, fr;q=0.9"}),
                       status)
    assert in_french["code"] == in_english["code"]
    if english is None:  # a service's message: gettext'd where it is raised
        assert in_french["message"] and in_english["message"]
        return
    assert in_english["message"] == english
    # Through the French catalog, whatever it holds today…
    assert in_french["message"] == in_language(app, "fr", english)
    # …and for what it already translates, not English.
    if english in TRANSLATED_IN_FRENCH:
        assert in_french["message"] != in_english["message"]


def test_lang_in_the_address_wins_over_the_browser(client, consultation):
    english = _error(client.get("/api/v1/no/such/thing"), 404)
    asked = _error(client.get("/api/v1/no/such/thing?lang=ru",
                              headers={"Accept-Language": "fr"}), 404)
    assert asked["code"] == english["code"] == "not_found"
    assert asked["message"] != english["message"]
    assert re.search("[а-яА-Я]", asked["message"])  # Russian, from the catalog


def test_service_refusals_are_translated_too(app, client, consultation):
    english = _error(client.get("/api/v1/consultations/nowhere"), 404)
    arabic = _error(client.get("/api/v1/consultations/nowhere",
                               headers={"Accept-Language": "ar"}), 404)
    assert arabic["code"] == english["code"] == "not_found"
    assert arabic["message"] != english["message"]


@pytest.mark.fresh_app  # adds a route: an app of its own
def test_nul_characters_and_server_errors_are_worded_in_the_readers_language(app, client):
    def fail():
        raise RuntimeError("boom")

    app.add_url_rule("/api/v1/test-failure", "test_failure", fail)  # before any request
    app.config["PROPAGATE_EXCEPTIONS"] = False
    english = "NUL characters are not accepted."
    refused = _error(client.get("/api/v1/consultations?q=a%00b",
                                headers={"Accept-Language": "es"}), 400)
    assert refused == {"code": "invalid", "message": in_language(app, "es", english)}
    apology = ("Something went wrong on our side and nothing was saved. Please try again; if it "
               "happens again, tell the secretariat.")
    failed = _error(client.get("/api/v1/test-failure", headers={"Accept-Language": "zh"}), 500)
    assert failed == {"code": "internal_error", "message": in_language(app, "zh", apology)}
    assert failed["message"] != apology  # translated in every catalog


def test_no_english_literal_is_left_in_api_messages():
    """Every message the API builds goes through gettext (as services' messages do)."""
    raw = re.compile(r"raise (?:Invalid|Conflict|NotFound|Forbidden|TooMany|Unauthorized)"
                     r"\(\s*f?[\"']|json_error\([^)]*?,\s*f?[\"'][^\"']*[\"']\s*\)")
    found = {}
    for path in [*sorted((ROOT / "consult" / "api").glob("*.py")), ROOT / "consult" / "web.py",
                 ROOT / "consult" / "archive" / "akn.py"]:
        hits = raw.findall(path.read_text(encoding="utf-8"))
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert found == {}
