"""Choosing the interface language: Accept-Language, the switcher (cookie), the account, ?lang=."""

from __future__ import annotations

from sqlalchemy import select

from consult.auth.models import User
from consult.db import db
from tests.conftest import csrf_token, fresh, login


def html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_first_visit_follows_the_browser(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "es-ES,es;q=0.9"})) == "es"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE, ru;q=0.5"})) == "ru"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE"})) == "en"
    page = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert 'dir="rtl"' in page


def test_an_anonymous_readers_choice_is_kept_in_a_cookie(client):
    response = client.post("/language", data={"lang": "zh", "next": "/delegations/FRA?x=1&lang=ar"})
    # Back where the reader was, without the ?lang= that would override the new choice.
    assert response.status_code == 302 and response.headers["Location"] == "/delegations/FRA?x=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=zh") and "Max-Age=" in cookie and "SameSite=Lax" in cookie
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"})) == "zh"
    assert "法国" in client.get("/delegations/FRA").get_data(as_text=True)


def test_a_link_can_carry_the_language_for_that_page(client):
    client.post("/language", data={"lang": "ru", "next": "/"})
    assert html_lang(client.get("/?lang=fr")) == "fr"
    assert html_lang(client.get("/")) == "ru"  # the reader's own choice is unchanged
    # An unknown ?lang= is ignored: the page comes in the reader's language, never a 500.
    for asked in ("xx", "", "fr-FR", "<script>", "../../"):
        response = client.get(f"/?lang={asked}")
        assert response.status_code == 200 and html_lang(response) == "ru"


def test_the_switcher_on_every_page_links_back_without_the_lang_parameter(client):
    page = client.get("/delegations/FRA?lang=fr").get_data(as_text=True)
    assert 'name="next" value="/delegations/FRA"' in page
    for code, name in (("en", "English"), ("fr", "Français"), ("ar", "العربية"),
                       ("zh", "中文"), ("ru", "Русский"), ("es", "Español")):
        assert f'value="{code}" lang="{code}"' in page and name in page


def test_a_users_choice_is_saved_on_the_account_and_used_at_every_later_log_in(
        app, client, make_user):
    user = make_user("delegate", email="delegate@example.org")
    login(client, user.email)
    token = csrf_token(client, "/account")
    response = client.post("/language", data={"lang": "ar", "next": "/account",
                                              "csrf_token": token})
    assert response.status_code == 302
    fresh()
    assert db.session.scalar(select(User.language).where(User.id == user.id)) == "ar"
    # Another browser, another device: no cookie, a French browser; the account decides.
    other = app.test_client()
    assert html_lang(other.get("/", headers={"Accept-Language": "fr"})) == "fr"
    login(other, user.email)
    page = other.get("/", headers={"Accept-Language": "fr"})
    assert html_lang(page) == "ar" and 'dir="rtl"' in page.get_data(as_text=True)
    # ?lang= still wins for one page.
    assert html_lang(other.get("/?lang=zh")) == "zh"


def test_without_a_valid_token_the_account_is_not_changed(app, client, make_user):
    user = make_user("delegate", email="delegate@example.org")
    login(client, user.email)
    response = client.post("/language", data={"lang": "es", "next": "/"})
    # This browser changes language (cookie), but a forged form cannot touch the account.
    assert response.status_code == 302 and html_lang(client.get("/")) == "es"
    fresh()
    assert db.session.scalar(select(User.language).where(User.id == user.id)) is None


def test_a_language_outside_the_six_is_refused_with_a_message(client):
    response = client.post("/language", data={"lang": "de", "next": "/"})
    assert response.status_code == 400
    assert "six languages" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_a_cross_site_language_switch_cannot_log_anyone_out(app, client, make_user):
    """Issue 17: a form on another site posting to /language arrives without the session
    cookie (SameSite=Lax); the answer must set no session cookie, or it would replace the
    visitor's own and log them out."""
    from tests.conftest import login

    make_user("delegate", delegation="FRA", email="d@example.org")
    login(client, "d@example.org")
    cross_site = app.test_client()  # what the browser sends: no session cookie
    answer = cross_site.post("/language", data={"lang": "fr", "next": "/account"})
    assert answer.status_code == 302
    cookies = answer.headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in cookies] == ["lang"]
    assert client.get("/account").status_code == 200  # still logged in
