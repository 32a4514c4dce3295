"""Every user-facing string in the templates goes through the translation functions."""

import re
from pathlib import Path

from consult.settings import ROOT

# Text that is the same in every language.
ALLOWED = {"M49", "¶", "—", "←", "…", "English", "Français", "Español", "Русский", "العربية", "中文", "·", "›", ":", "(", ")"}


def visible_text(template: str) -> list[str]:
    text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", template, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"&[a-z]+;", " ", text)
    return [word for word in text.split() if word not in ALLOWED and re.search(r"\w", word)]


def test_templates_have_no_untranslated_text():
    leftovers = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        words = visible_text(path.read_text(encoding="utf-8"))
        if words:
            leftovers[str(path.relative_to(ROOT))] = words
    assert leftovers == {}


def test_templates_show_states_through_translated_labels():
    """Enum values are code, not words: they must pass through the |label filter."""
    raw = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found = re.findall(r">\s*\{\{[^}]*\.value\s*\}\}", path.read_text(encoding="utf-8"))
        if found:
            raw[str(path.relative_to(ROOT))] = found
    assert raw == {}


def test_service_messages_are_wrapped_for_translation():
    """Every refusal a service raises goes through gettext."""
    unwrapped = {}
    for path in sorted((ROOT / "consult").rglob("services.py")):
        found = re.findall(r"raise (?:Invalid|Conflict|NotFound|Forbidden|TooMany|Unauthorized)\(\s*f?[\"']",
                           path.read_text(encoding="utf-8"))
        if found:
            unwrapped[str(path.relative_to(ROOT))] = found
    assert unwrapped == {}


def test_english_catalog_exists():
    assert (ROOT / "consult" / "translations" / "en" / "LC_MESSAGES" / "messages.po").exists()


def test_delegation_names_follow_the_chosen_un_language(client):
    assert "Francia" in client.get("/delegations/FRA?lang=es").get_data(as_text=True)
    page = client.get("/delegations/CHN?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    page = client.get("/delegations/FRA", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Франция" in page
    assert client.get("/delegations/XYZ").status_code == 404


def test_language_choice_is_remembered(client):
    token = ""  # the language form carries no CSRF token (see consult/web.py)
    response = client.post("/language", data={"csrf_token": token, "lang": "fr",
                                              "next": "/delegations/DEU"})
    assert response.status_code == 302 and response.headers["Location"] == "/delegations/DEU"
    assert "Allemagne" in client.get("/delegations/DEU").get_data(as_text=True)
    assert client.post("/language", data={"lang": "xx"}).status_code == 400
    response = client.post("/language", data={"csrf_token": token, "lang": "zh",
                                              "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_dates_read_as_in_un_documents_in_each_language(client, staff, consultation):
    import datetime as dt

    from consult.db import db
    from consult.drafts.services import create_version
    from tests.conftest import SMALL_DRAFT

    create_version(staff, consultation, label="Zero", text=SMALL_DRAFT, publish=True,
                   comments_close_at=dt.datetime(2099, 3, 1, 18, 0, tzinfo=dt.timezone.utc))
    db.session.commit()
    assert "comments close 1 March 2099, 18:00 UTC" in client.get("/consultations/gpa").get_data(as_text=True)
    assert "1 mars 2099" in client.get("/consultations/gpa?lang=fr").get_data(as_text=True)
    assert "2099年3月1日" in client.get("/consultations/gpa?lang=zh").get_data(as_text=True)
