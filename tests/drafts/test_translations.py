"""Parallel texts: a version's text in other UN languages, paragraph for paragraph."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from consult.audit.models import LogEntry
from consult.db import db, utcnow
from consult.demo import read_text
from consult.drafts import services as drafts
from consult.drafts.models import ParagraphTranslation, VersionTranslation
from consult.drafts.translations import TranslationMisaligned, add_translation
from consult.errors import Conflict, Forbidden, Invalid
from tests.conftest import SMALL_DRAFT, csrf_token, fresh
from consult.permissions import COMMAND_LINE

FRENCH = """# Projet de plan

*Rappelant* la Charte des Nations Unies,

*Préoccupée* par la traite des personnes,

1. *Engage* les États Membres à agir ;

2. *Exhorte* les États à protéger les victimes :

(a) En leur offrant un abri ;

(b) En leur offrant une aide juridique ;

3. *Décide* de réexaminer le plan.
"""

ARABIC = """# مشروع الخطة

*إذ تشير* إلى ميثاق الأمم المتحدة،

*وإذ يساورها القلق* إزاء الاتجار بالأشخاص،

1. *تهيب* بالدول الأعضاء أن تتخذ إجراءات؛

2. *تحث* الدول على حماية الضحايا:

(a) بتوفير المأوى؛

(b) بتوفير المساعدة القانونية؛

3. *تقرر* استعراض الخطة.
"""


def published(staff, consultation, text=SMALL_DRAFT, label="Zero draft"):
    version = drafts.create_version(staff, consultation, label=label, text=text, publish=True,
                                    comments_close_at=utcnow() + dt.timedelta(days=10))
    db.session.commit()
    return version


def stored_rows():
    fresh()
    return (db.session.scalar(select(func.count(VersionTranslation.id))),
            db.session.scalar(select(func.count(ParagraphTranslation.id))))


# --- service ---------------------------------------------------------------------------

def test_a_translation_lines_up_paragraph_for_paragraph(staff, consultation):
    version = published(staff, consultation)
    translation = add_translation(staff, version, "fr", FRENCH)
    db.session.commit()
    by_label = {p.label: p for p in version.paragraphs}
    rows = {row.paragraph_id: row for row in translation.paragraphs}
    assert len(rows) == len(version.paragraphs) == 8
    assert "États Membres" in rows[by_label["OP1"].id].text
    assert "<em>Engage</em>" in rows[by_label["OP1"].id].html
    assert "abri" in rows[by_label["OP2(a)"].id].text
    # Publishing it is on the public record.
    entry = db.session.scalar(select(LogEntry).where(LogEntry.action == "version.translation"))
    assert entry.details["language"] == "fr" and entry.target_id == version.id


def test_a_misaligned_translation_names_each_paragraph_and_stores_nothing(staff, consultation):
    version = published(staff, consultation)
    # OP2(b) dropped and an extra preambular paragraph: both named, nothing else.
    text = FRENCH.replace("(b) En leur offrant une aide juridique ;\n\n", "").replace(
        "*Rappelant*", "*Notant*\n\n*Rappelant*")
    with pytest.raises(TranslationMisaligned) as refused:
        add_translation(staff, version, "fr", text)
    db.session.rollback()
    problems = [(p.expected, p.found) for p in refused.value.problems]
    assert (None, "PP3") in problems or ("PP2", "PP3") in problems
    assert ("OP2(b)", None) in problems
    assert len(problems) <= 3  # one shift does not mislabel every paragraph after it
    assert stored_rows() == (0, 0)


@pytest.mark.parametrize("language, text, message", [
    ("de", FRENCH, "six official languages"),
    ("xx", FRENCH, "six official languages"),
    ("", FRENCH, "six official languages"),
    ("en", FRENCH, "was written in this language"),
    ("fr", "", "empty"),
    ("fr", "   \n", "empty"),
    ("fr", "x" * 500_001, "too long"),
])
def test_bad_translations_are_refused_with_a_reason(staff, consultation, language, text,
                                                     message):
    version = published(staff, consultation)
    with pytest.raises(Invalid) as refused:
        add_translation(staff, version, language, text)
    db.session.rollback()
    assert message in refused.value.message
    assert stored_rows() == (0, 0)


def test_published_text_never_changes_but_a_drafts_translation_may_be_replaced(
        staff, consultation):
    version = published(staff, consultation)
    add_translation(staff, version, "fr", FRENCH)
    db.session.commit()
    with pytest.raises(Conflict):
        add_translation(staff, version, "fr", FRENCH.replace("agir", "agir sans tarder"))
    db.session.rollback()
    assert stored_rows() == (1, 8)
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT)
    add_translation(staff, draft, "fr", FRENCH)
    db.session.commit()
    add_translation(staff, draft, "fr", FRENCH.replace("agir", "agir sans tarder"))
    db.session.commit()
    fresh()
    rows = db.session.scalars(select(ParagraphTranslation.text).join(VersionTranslation)
                              .where(VersionTranslation.version_id == draft.id)).all()
    assert len(rows) == 8 and any("sans tarder" in text for text in rows)


def test_a_drafts_translation_survives_an_edit_that_keeps_its_paragraphs(staff, consultation):
    from consult.drafts.translations import is_outdated, translated_paragraphs

    draft = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT)
    add_translation(staff, draft, "fr", FRENCH)
    db.session.commit()
    drafts.update_draft_text(staff, draft, text=SMALL_DRAFT.replace("act;", "act now;"))
    db.session.commit()
    fresh()
    assert len(translated_paragraphs(draft, "fr")) == 8
    assert is_outdated(draft.translations[0])  # the co-facilitator is told to check it
    # A paragraph fewer: the translation no longer lines up; it is kept, but shows nothing.
    drafts.update_draft_text(staff, draft, text=SMALL_DRAFT.replace("3. *Decides* to review "
                                                                      "the plan.\n", ""))
    db.session.commit()
    fresh()
    assert translated_paragraphs(draft, "fr") == {}
    assert draft.translations[0].source_text == FRENCH


def test_only_the_consultations_staff_may_add_a_translation(staff, consultation, make_user):
    version = published(staff, consultation)
    outsider = make_user("cofacilitator", consultations=[])
    for actor in (make_user("delegate"), outsider, None):
        with pytest.raises(Exception) as refused:
            add_translation(actor, version, "fr", FRENCH)
        assert isinstance(refused.value, (Forbidden,)) or refused.value.status in (401, 403)
        db.session.rollback()
    assert stored_rows() == (0, 0)


# --- pages -----------------------------------------------------------------------------

def test_readers_choose_the_text_language_apart_from_the_interface(client, staff,
                                                                   consultation):
    version = published(staff, consultation)
    add_translation(staff, version, "fr", FRENCH)
    add_translation(staff, version, "ar", ARABIC)
    db.session.commit()
    base = f"/consultations/gpa/versions/{version.id}"
    english = client.get(base).get_data(as_text=True)
    assert "Calls upon" in english and "Text in:" in english
    assert "(original)" in english
    # The text in French under an English interface.
    page = client.get(base + "?text=fr").get_data(as_text=True)
    assert "États Membres" in page and "Calls upon" not in page and "Text in:" in page
    assert 'lang="fr" dir="auto"' in page
    # Side by side: French and English, each marked with its language.
    page = client.get(base + "?text=fr&beside=en").get_data(as_text=True)
    assert "États Membres" in page and "Calls upon" in page
    assert 'lang="en" dir="auto"' in page and "parallel-texts" in page
    # A French interface reads the French text by default, and says which is the original.
    page = client.get(base + "?lang=fr").get_data(as_text=True)
    assert "États Membres" in page
    # A language the version does not have falls back to the original, never a 500.
    for asked in ("ru", "xx", "../etc"):
        response = client.get(base + f"?text={asked}")
        assert response.status_code == 200 and "Calls upon" in response.get_data(as_text=True)
    # The paragraph page follows the same choice; the thread is the paragraph's.
    page = client.get(base + "/paragraphs/OP1?text=ar").get_data(as_text=True)
    assert "بالدول الأعضاء" in page and 'id="thread"' in page


def test_a_paragraph_without_its_translation_shows_the_original_and_says_so(client, staff,
                                                                          consultation):
    draft = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT)
    add_translation(staff, draft, "fr", FRENCH)
    drafts.update_draft_text(staff, draft, text=SMALL_DRAFT + "\n4. *Requests* a report.\n")
    db.session.commit()
    client.post("/login")  # no-op: the draft is seen by its staff only
    from tests.conftest import login
    login(client, staff.email)
    page = client.get(f"/consultations/gpa/versions/{draft.id}?text=fr").get_data(as_text=True)
    # The translation no longer lines up: every paragraph shows the original, said so.
    assert "Not translated into" in page and "Calls upon" in page


def test_a_cofacilitator_adds_a_translation_in_the_browser(client, staff, consultation):
    from tests.conftest import login

    version = published(staff, consultation)
    login(client, staff.email)
    path = f"/consultations/gpa/versions/{version.id}/translations"
    page = client.get(path).get_data(as_text=True)
    assert "Add a text in another language" in page
    token = csrf_token(client, path)
    # Misaligned: the page lists the paragraphs and keeps the text typed.
    bad = FRENCH.replace("3. *Décide* de réexaminer le plan.\n", "")
    response = client.post(path, data={"csrf_token": token, "language": "fr", "text": bad})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "does not line up" in page and "OP3" in page and "Engage" in page
    assert stored_rows() == (0, 0)
    response = client.post(path, data={"csrf_token": token, "language": "fr", "text": FRENCH})
    assert response.status_code == 303 and "text=fr#main" in response.headers["Location"]
    assert stored_rows() == (1, 8)
    # The confirmation names the language, in the reader's language.
    assert "The text in French is stored." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    # A second French text for a published version is refused, with the reason.
    response = client.post(path, data={"csrf_token": token, "language": "fr", "text": FRENCH})
    assert response.status_code == 409 and "never changes" in response.get_data(as_text=True)
    # Without a token nothing is stored.
    response = client.post(path, data={"language": "ar", "text": ARABIC})
    assert response.status_code == 400 and stored_rows() == (1, 8)


def test_the_translation_page_is_for_the_staff_only(client, staff, consultation, login_as):
    version = published(staff, consultation)
    path = f"/consultations/gpa/versions/{version.id}/translations"
    assert client.get(path).status_code in (302, 401)
    login_as("delegate")
    assert client.get(path).status_code == 403
    # A version of another consultation under this one's address: not found.
    other = drafts.create_consultation(COMMAND_LINE, slug="other", title="Other")
    db.session.commit()
    assert client.get(f"/consultations/other/versions/{version.id}/translations"
                      ).status_code == 404
    assert other.id


# --- API, command line, search, compilation, comparison ----------------------------------

def test_api_reads_and_adds_translations(client, staff, consultation, make_user):
    from consult.auth.services import create_token

    version = published(staff, consultation)
    _token, secret = create_token(staff, staff, "tests")
    db.session.commit()
    auth = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/versions/{version.id}/translations"
    assert client.post(url, json={"language": "fr", "text": FRENCH}).status_code == 401
    refused = client.post(url, json={"language": "fr", "text": FRENCH.replace(
        "(b) En leur offrant une aide juridique ;\n\n", "")}, headers=auth)
    error = refused.get_json()["error"]
    assert refused.status_code == 400 and error["code"] == "misaligned"
    assert {"position": 7, "expected": "OP2(b)", "found": None} in error["paragraphs"]
    for body in ({"language": "fr"}, {"language": 3, "text": FRENCH}, {"language": "it",
                                                                      "text": FRENCH}):
        response = client.post(url, json=body, headers=auth)
        assert response.status_code == 400 and response.get_json()["error"]["message"]
    assert stored_rows() == (0, 0)
    created = client.post(url, json={"language": "fr", "text": FRENCH}, headers=auth)
    assert created.status_code == 201
    assert created.get_json()["paragraph_count"] == 8
    assert client.post(url, json={"language": "fr", "text": FRENCH},
                       headers=auth).status_code == 409

    original = client.get(f"/api/v1/versions/{version.id}").get_json()
    french = client.get(f"/api/v1/versions/{version.id}?lang=fr").get_json()
    assert original["languages"] == ["en", "fr"] and original["original_language"] == "en"
    assert french["language"] == "fr"
    assert [(p["id"], p["key"]) for p in french["paragraphs"]] == \
        [(p["id"], p["key"]) for p in original["paragraphs"]]
    op1 = next(p for p in french["paragraphs"] if p["label"] == "OP1")
    assert "États Membres" in op1["text"] and "<em>Engage</em>" in op1["html"]
    assert op1["language"] == "fr"
    # Russian is one of the six but not yet there: the original, each paragraph saying so.
    missing = client.get(f"/api/v1/versions/{version.id}?lang=ru").get_json()
    assert missing["language"] == "en" and missing["languages"] == ["en", "fr"]
    assert {p["language"] for p in missing["paragraphs"]} == {"en"}
    assert client.get(f"/api/v1/versions/{version.id}?lang=xx").status_code == 400


def test_the_command_line_imports_a_translation(app, runner, staff, consultation, tmp_path):
    version = published(staff, consultation)
    good = tmp_path / "fr.md"
    good.write_text(FRENCH, encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text(FRENCH.replace("3. *Décide* de réexaminer le plan.\n", ""), encoding="utf-8")
    args = ["drafts", "import-translation", "--version", str(version.id), "--language", "fr"]
    result = runner.invoke(args=args + [str(bad)])
    assert result.exit_code == 1 and "OP3" in result.output and "line up" in result.output
    assert stored_rows() == (0, 0)
    result = runner.invoke(args=args + [str(good)])
    assert result.exit_code == 0, result.output
    assert "8 paragraphs" in result.output and stored_rows() == (1, 8)
    result = runner.invoke(args=["drafts", "import-translation", "--version", "999999",
                                 "--language", "fr", str(good)])
    assert result.exit_code == 1 and "no version" in result.output


def test_search_finds_each_language_with_its_analyzer_and_opens_it_in_that_language(
        app, client, staff, consultation):
    from consult.search.services import search

    version = published(staff, consultation)
    add_translation(staff, version, "fr", FRENCH)
    add_translation(staff, version, "ar", ARABIC)
    db.session.commit()
    from consult.search.sync import sync_index
    sync_index()
    # French stemming: "victime" finds "victimes".
    found = client.get("/api/v1/search?q=victime&type=paragraph").get_json()
    french = [r for r in found["results"] if r["language"] == "fr"]
    assert french and french[0]["url"].endswith("text=fr")
    page = client.get(french[0]["url"]).get_data(as_text=True)
    assert "victimes" in page
    found = client.get("/api/v1/search?q=الضحايا").get_json()
    assert any(r["language"] == "ar" for r in found["results"])
    assert search  # the service the API calls


def test_compilation_and_comparison_work_in_a_language_both_versions_have(
        client, staff, consultation):
    zero = published(staff, consultation)
    rev = published(staff, consultation, SMALL_DRAFT.replace("to act;", "to act now;"),
                    label="Rev.1")
    add_translation(staff, zero, "fr", FRENCH)
    add_translation(staff, rev, "fr", FRENCH.replace("à agir ;", "à agir sans tarder ;"))
    db.session.commit()
    diff = client.get(f"/api/v1/versions/{zero.id}/diff/{rev.id}?lang=fr").get_json()
    assert diff["language"] == "fr"
    op1 = next(c for c in diff["changes"] if c["to_label"] == "OP1")
    assert op1["change"] == "modified" and "<ins>sans tarder" in op1["html"]
    page = client.get(f"/consultations/gpa/compare/{zero.id}/{rev.id}?text=fr"
                      ).get_data(as_text=True)
    assert "tarder" in page
    assert client.get(f"/api/v1/versions/{zero.id}/diff/{rev.id}?lang=ar").status_code == 404
    compilation = client.get(f"/api/v1/versions/{rev.id}/compilation?lang=fr").get_json()
    assert compilation["language"] == "fr"
    assert any("sans tarder" in p["html"] for p in compilation["paragraphs"])
    page = client.get(f"/consultations/gpa/versions/{rev.id}/compilation?text=fr"
                      ).get_data(as_text=True)
    assert "sans tarder" in page
    docx = client.get(f"/consultations/gpa/versions/{rev.id}/compilation.docx?text=fr")
    english = client.get(f"/consultations/gpa/versions/{rev.id}/compilation.docx")
    assert docx.status_code == 200 and docx.headers["ETag"] != english.headers["ETag"]


def test_a_thread_can_be_narrowed_to_one_language(client, staff, consultation, make_user):
    from consult.comments import services as comments

    version = published(staff, consultation)
    op1 = next(p for p in version.paragraphs if p.label == "OP1")
    fra, egy = make_user("delegate", delegation="FRA"), make_user("delegate", delegation="EGY")
    french = comments.post_comment(fra, op1, "Nous appuyons ce paragraphe.", language="fr")
    comments.post_comment(egy, op1, "نؤيد هذه الفقرة.", language="ar")
    # A reply in English stays with the French conversation it answers.
    comments.post_comment(egy, op1, "Agreed with France.", parent_id=french.id, language="en")
    db.session.commit()
    base = f"/consultations/gpa/versions/{version.id}/paragraphs/OP1"
    page = client.get(base).get_data(as_text=True)
    assert "Conversations in:" in page and "?in=fr#thread" in page and "?in=ar#thread" in page
    page = client.get(base + "?in=fr").get_data(as_text=True)
    assert "Nous appuyons" in page and "Agreed with France." in page
    assert "نؤيد هذه الفقرة" not in page
    # An unknown or absent language shows every conversation.
    page = client.get(base + "?in=xx").get_data(as_text=True)
    assert "Nous appuyons" in page and "نؤيد هذه الفقرة" in page


def test_when_every_language_is_there_the_form_says_so(client, staff, consultation):
    from tests.conftest import login

    version = published(staff, consultation)
    for code in ("fr", "ar"):
        add_translation(staff, version, code, FRENCH if code == "fr" else ARABIC)
    db.session.commit()
    login(client, staff.email)
    path = f"/consultations/gpa/versions/{version.id}/translations"
    page = client.get(path).get_data(as_text=True)
    # French and Arabic are stored for good: only the other three are offered.
    assert '<option value="fr"' not in page and '<option value="ru"' in page
    for code in ("zh", "ru", "es"):
        add_translation(staff, version, code, FRENCH)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "every one of the six languages" in page and 'name="language"' not in page


def test_the_openapi_document_describes_translations(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    post = document["paths"]["/versions/{id}/translations"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "NewTranslation")
    assert {"201", "400", "409"} <= set(post["responses"])
    get = document["paths"]["/versions/{id}"]["get"]
    assert "lang" in [p["name"] for p in get["parameters"]]
    version = document["components"]["schemas"]["VersionSummary"]["properties"]
    assert {"original_language", "languages"} <= set(version)
