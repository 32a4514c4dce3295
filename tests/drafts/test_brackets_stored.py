"""Issue 16, part 1: brackets counted when a version is saved, shown, and checked at publication.

Each paragraph stores its count of bracketed passages (`Paragraph.brackets`) and its HTML
with the passages marked; the version page shows both, and the version's total; screen
readers hear where a bracketed passage starts and ends, in the reader's language.
Publishing a version whose brackets do not balance asks the co-facilitator first, as a
numbering slip does. A bis paragraph renumbered in a later version keeps its key.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from consult.db import db
from consult.drafts import services
from consult.drafts.diff import compare_version_ids
from consult.drafts.models import (MatchStatus, Paragraph, ParagraphTranslation, Version,
                                   VersionStatus)
from consult.migrate import alembic_config, upgrade_to_head
from tests.conftest import _reset_postgres_schema, csrf_token, fresh

DRAFT = """# Draft outcome

*Recalling* the [report of the Secretary-General][report],

1. *Calls upon* States to adopt [[domestic laws],[policies]] against trafficking;

2. *Urges* States to protect victims [, in particular women and children][^1];

3. *Decides* to review the plan [in 2015][at its next session].

[report]: https://undocs.org/A/64/290

[^1]: [One delegation] asked that this be recorded.
"""
UNBALANCED = DRAFT.replace("[in 2015][at its next session].", "[in 2015][at its next session.")


def paragraphs_of(version) -> dict[str, Paragraph]:
    return {p.label: p for p in version.paragraphs}


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def para_div(html: str, anchor: str):
    """The paragraph's element on a page, as a reader (or a screen reader) gets it."""
    return lxml.html.fromstring(html).get_element_by_id(anchor)


# --- stored when saved -------------------------------------------------------------------------

def test_counts_and_marks_are_stored_with_each_paragraph(staff, consultation):
    version = services.create_version(staff, consultation, label="Zero draft", text=DRAFT)
    db.session.commit()
    found = paragraphs_of(version)
    assert {label: p.brackets for label, p in found.items()} == {
        "H1": 0, "PP1": 0, "OP1": 3, "OP2": 1, "OP3": 2, "PP2": 0, "PP3": 1}
    assert version.brackets == 7
    # "[report]" is defined in another paragraph: a link, not a bracket.
    assert '<a href="https://undocs.org/A/64/290">report of the Secretary-General</a>' in \
        found["PP1"].html
    assert found["OP1"].html.count('<span class="bracketed">') == 3
    assert "[^1]" in found["OP2"].html  # the footnote mark is text, unmarked
    # Editing the draft counts again.
    services.update_draft_text(staff, version, text=DRAFT.replace("[policies]", "policies"))
    db.session.commit()
    assert paragraphs_of(version)["OP1"].brackets == 2 and version.brackets == 6


def test_a_translation_keeps_its_own_count(staff, consultation):
    from consult.drafts.translations import add_translation

    version = services.create_version(staff, consultation, label="Zero draft", text=DRAFT)
    french = (DRAFT.replace("Draft outcome", "Projet de document final")
              .replace("[, in particular women and children]",
                       "[, en particulier] [les femmes]"))
    add_translation(staff, version, "fr", french)
    db.session.commit()
    translated = {row.paragraph_id: row.brackets
                  for row in db.session.scalars(select(ParagraphTranslation))}
    op2 = paragraphs_of(version)["OP2"]
    assert (op2.brackets, translated[op2.id]) == (1, 2)


# --- shown ---------------------------------------------------------------------------------------

@pytest.fixture
def published(staff, consultation):
    version = services.create_version(staff, consultation, label="Zero draft", text=DRAFT,
                                      publish=True)
    db.session.commit()
    return version


def test_the_version_page_marks_bracketed_text_and_counts_it(client, published):
    html = page(client, f"/consultations/gpa/versions/{published.id}")
    assert "7 bracketed passages in this text." in html
    op1 = para_div(html, "OP1")
    text = op1.find_class("text")[0]
    # The brackets stay where they are; each passage is marked, nested ones inside.
    assert "[[domestic laws],[policies]]" in text.text_content().replace(
        "bracketed text: ", "").replace(" end of bracketed text", "")
    passages = text.find_class("bracketed")
    assert [p.text_content().count("[") for p in passages] == [3, 1, 1]
    # Screen readers hear where each passage starts and ends (visually hidden).
    hidden = [s.text_content() for s in text.find_class("visually-hidden")]
    assert hidden.count("bracketed text: ") == 3 and hidden.count(" end of bracketed text") == 3
    assert op1.find_class("bracket-count")[0].text_content() == "3 bracketed passages"
    assert para_div(html, "OP2").find_class("bracket-count")[0].text_content() == \
        "1 bracketed passage"
    assert not para_div(html, "PP1").find_class("bracket-count")  # none: nothing said


def test_other_languages_hear_and_read_it_in_their_own(client, published):
    html = page(client, f"/consultations/gpa/versions/{published.id}?lang=fr")
    assert "7 passages entre crochets dans ce texte." in html
    op1 = para_div(html, "OP1")
    assert op1.find_class("bracket-count")[0].text_content() == "3 passages entre crochets"
    hidden = op1.find_class("visually-hidden")[0]
    assert hidden.get("lang") == "fr" and "texte entre crochets" in hidden.text_content()
    arabic = page(client, f"/consultations/gpa/versions/{published.id}?lang=ar")
    marker = para_div(arabic, "OP1").find_class("visually-hidden")[0]
    assert (marker.get("lang"), marker.get("dir")) == ("ar", "rtl")


def test_the_paragraph_page_and_the_comparison_show_the_marks(client, staff, consultation,
                                                              published):
    html = page(client, f"/consultations/gpa/versions/{published.id}/paragraphs/OP1")
    assert "3 bracketed passages" in html and 'class="bracketed"' in html
    revised = services.create_version(staff, consultation, label="Rev.1", publish=True,
                                      text=DRAFT.replace("[in 2015][at its next session]",
                                                         "at its next session"))
    db.session.commit()
    compared = page(client, f"/consultations/gpa/compare/{published.id}/{revised.id}")
    assert 'class="bracketed"' in compared and "bracketed text:" in compared


def test_a_text_without_brackets_says_so(client, staff, consultation):
    version = services.create_version(staff, consultation, label="Final", publish=True,
                                      text="*Recalling* its resolutions,\n\n1. *Decides*.\n")
    db.session.commit()
    html = page(client, f"/consultations/gpa/versions/{version.id}")
    assert "No bracketed text." in html and "bracket-count" not in html.split("<article")[1]


def test_printed_and_word_copies_keep_plain_brackets(client, published):
    response = client.get("/static/consult.css")
    css = response.get_data(as_text=True)
    response.close()
    print_rules = css[css.index("@media print {\n  header.site"):]
    print_rules = print_rules[:print_rules.index("\n}") + 2]
    assert (".bracketed, .bracketed .bracketed, .bracketed .bracketed .bracketed "
            "{ background: none; text-decoration: none; }") in print_rules
    from docx import Document
    import io

    docx = client.get(f"/consultations/gpa/versions/{published.id}/compilation.docx")
    assert docx.status_code == 200
    words = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "adopt [[domestic laws],[policies]] against trafficking" in words
    assert "span" not in words and "bracket" not in words


# --- checked before publishing --------------------------------------------------------------------

def test_the_service_refuses_unbalanced_brackets_unless_confirmed(staff, consultation):
    with pytest.raises(services.NumberingUnconfirmed) as refused:
        services.create_version(staff, consultation, label="Zero draft", text=UNBALANCED,
                                publish=True, confirm_numbering=False)
    [warning] = refused.value.warnings
    assert (warning["kind"], warning["labels"], warning["unclosed"], warning["stray"]) == \
        ("brackets", ["OP3"], 1, 0)
    assert warning["lines"] == [9]
    assert warning["message"] == "OP3: 1 opening bracket is not closed in this paragraph."
    assert "Brackets do not balance in 1 paragraph of Zero draft (OP3)" in \
        refused.value.message
    db.session.rollback()
    services.create_version(staff, consultation, label="Zero draft", text=UNBALANCED,
                            publish=True, confirm_numbering=True)
    db.session.commit()


def test_a_passage_over_several_paragraphs_says_where_it_closes(staff, consultation):
    text = "1. [All Parties shall act;\n\n2. Report;\n\n3. Review.]\n"
    draft = services.create_version(staff, consultation, label="Zero draft", text=text)
    report = services.bracket_report(draft)
    assert [(w["labels"], w["closes_in"], w["opened_in"]) for w in report] == [
        (["OP1"], ["OP3"], []), (["OP3"], [], ["OP1"])]
    assert report[0]["message"] == ("OP1: 1 opening bracket is not closed in this paragraph. "
                                    "A closing bracket follows in OP3.")


def test_the_pages_name_the_paragraphs_and_ask_before_publishing(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = services.create_version(user, consultation, label="Zero draft", text=UNBALANCED)
    db.session.commit()
    base = f"/consultations/gpa/versions/{draft.id}"
    review = page(client, base + "/review")
    assert "Check the brackets before publishing" in review
    assert "OP3: 1 opening bracket is not closed in this paragraph." in review
    assert "You will be asked to confirm the brackets named above." in review
    assert review.index("Check the brackets") < review.index("Publish Zero draft")
    token = csrf_token(client, base + "/review")
    asked = client.post(base + "/publish", data={"csrf_token": token}).get_data(as_text=True)
    assert "OP3: 1 opening bracket" in asked and "I have checked these brackets" in asked
    refused = client.post(base + "/publish", data={"csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 409
    assert "Brackets do not balance in 1 paragraph" in refused.get_data(as_text=True)
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.draft
    done = client.post(base + "/publish", data={"csrf_token": token, "confirm": "yes",
                                                "confirm_numbering": "yes"})
    assert done.status_code == 302
    fresh()
    assert db.session.get(Version, draft.id).status == VersionStatus.published


def test_the_preview_names_them_too(client, login_as, consultation):
    login_as("cofacilitator")
    token = csrf_token(client, "/consultations/gpa/versions/new")
    html = client.post("/consultations/gpa/versions/new", data={
        "csrf_token": token, "label": "Zero draft", "text": UNBALANCED,
        "action": "preview"}).get_data(as_text=True)
    assert "Check the brackets before publishing" in html
    assert "OP3: 1 opening bracket is not closed in this paragraph." in html
    assert "3 bracketed passages" in html  # OP1 in the preview


def test_the_command_line_asks_for_accept_numbering(runner, tmp_path, consultation):
    path = tmp_path / "draft.md"
    path.write_text(UNBALANCED, encoding="utf-8")
    args = ["drafts", "import", "--consultation", "gpa", "--label", "Zero draft", "--publish",
            str(path)]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "OP3: 1 opening bracket is not closed" in result.output
    assert "--accept-numbering" in result.output
    assert runner.invoke(args=args + ["--accept-numbering"]).exit_code == 0


# --- bis paragraphs across versions ---------------------------------------------------------------

BIS = """1. *Decides* to act;

2. *Requests* a report:

(a) On victims;

2 bis. *Invites* States to contribute:

(a) To the fund;

3. *Decides* to remain seized.
"""
RENUMBERED = """1. *Decides* to act;

2. *Requests* a report:

(a) On victims;

3. *Invites* States to contribute:

(a) To the fund;

4. *Decides* to remain seized.
"""


def test_a_bis_paragraph_renumbered_later_keeps_its_key(client, staff, consultation):
    first = services.create_version(staff, consultation, label="Zero draft", text=BIS,
                                    publish=True, confirm_numbering=False)
    db.session.commit()
    old = paragraphs_of(first)
    assert ["OP2bis", "OP2bis(a)"] == [label for label in old if "bis" in label]
    second = services.create_version(staff, consultation, label="Rev.1", text=RENUMBERED,
                                     publish=True, confirm_numbering=False)
    db.session.commit()
    new = paragraphs_of(second)
    for before, after in (("OP2bis", "OP3"), ("OP2bis(a)", "OP3(a)"), ("OP3", "OP4")):
        assert new[after].key_id == old[before].key_id, after
        assert (new[after].match_status, new[after].previous_label) == \
            (MatchStatus.kept, before)
    comparison = compare_version_ids(None, first.id, second.id)
    assert comparison.counts["added"] == comparison.counts["removed"] == 0
    moved = next(c for c in comparison.changes if c.from_label == "OP2bis")
    assert (moved.change, moved.to_label, moved.is_renumbered) == ("unchanged", "OP3", True)
    html = page(client, f"/consultations/gpa/compare/{first.id}/{second.id}")
    assert "OP2bis → OP3" in html
    version_page = page(client, f"/consultations/gpa/versions/{first.id}")
    assert '<span class="num" dir="ltr">2 bis.</span>' in version_page
    assert 'id="OP2bis_a"' in version_page
    jump = client.get(f"/consultations/gpa/versions/{first.id}?to=2 bis(a)")
    assert jump.status_code == 302 and jump.headers["Location"].endswith("#OP2bis_a")
    # The record prints the number as the UN does.
    akn = client.get(f"/api/v1/versions/{first.id}/akn.xml").get_data(as_text=True)
    assert 'eId="para_2bis"' in akn and "<num>2 bis.</num>" in akn
    from docx import Document
    import io

    docx = client.get(f"/consultations/gpa/versions/{first.id}/compilation.docx")
    words = [p.text for p in Document(io.BytesIO(docx.data)).paragraphs]
    assert "[OP2bis] 2 bis.\tInvites States to contribute:" in words, words


def test_bis_labels_survive_editing_in_the_browser(staff, consultation):
    first = services.create_version(staff, consultation, label="Zero draft", text=BIS,
                                    publish=True)
    db.session.commit()
    text = services.editable_text(first)
    assert "2 bis. *Invites* States to contribute:" in text
    again = services.create_version(staff, consultation, label="Rev.1", text=text)
    assert [(p.label, p.match_status) for p in again.paragraphs] == \
        [(p.label, MatchStatus.kept) for p in first.paragraphs]


# --- the migration -------------------------------------------------------------------------------

BEFORE = "c3d4e5f60712"


def _database(database_url: str, tmp_path) -> str:
    """An empty database of the kind under test, of its own."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'old-brackets.sqlite3'}"
    base, name = database_url.rsplit("/", 1)
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}_brmig"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}_brmig"'))
    admin.dispose()
    _reset_postgres_schema(f"{base}/{name}_brmig")
    return f"{base}/{name}_brmig"


def test_the_migration_counts_and_marks_existing_paragraphs(database_url, tmp_path):
    from consult.markdown import render_draft_unmarked

    engine = sa.create_engine(_database(database_url, tmp_path))
    upgrade_to_head(engine, BEFORE)
    texts = ["*Recalling* the [report][report],", "*Calls upon* States [[to act],[now]];",
             "[report]: https://undocs.org/A/64/290", "*Decides* to meet."]
    tables = sa.MetaData()
    tables.reflect(engine)
    table = tables.tables
    when = dt.datetime(2026, 12, 1)
    with engine.begin() as connection:
        connection.execute(table["consultation"].insert().values(
            id=1, slug="gpa", title="Plan", mandate="", description="", cofacilitators="",
            status="open", head_seq=1, created_at=when, language="en"))
        connection.execute(table["version"].insert().values(
            id=1, consultation_id=1, seq=1, label="Zero draft", status="published",
            source_text="\n\n".join(texts), created_at=when, language="en"))
        for position, text in enumerate(texts, start=1):
            connection.execute(table["paragraph_key"].insert().values(
                id=position, consultation_id=1, key=f"k{position}", created_in_id=1))
            connection.execute(table["paragraph"].insert().values(
                id=position, version_id=1, key_id=position, position=position,
                kind="preambular", label=f"PP{position}", text=text,
                html=render_draft_unmarked(text), match_status="new"))
        connection.execute(table["version_translation"].insert().values(
            id=1, version_id=1, language="fr", source_text="", original_stamp="",
            created_at=when))
        for position, text in enumerate(["[Rappelant]", "[[agir],[maintenant]]", "", "x"],
                                        start=1):
            connection.execute(table["paragraph_translation"].insert().values(
                id=position, translation_id=1, paragraph_id=position, language="fr",
                text=text, html=render_draft_unmarked(text)))
    unchanged_html = render_draft_unmarked(texts[3])

    upgrade_to_head(engine)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT label, brackets, html FROM paragraph ORDER BY position")).all()
        translated = connection.execute(sa.text(
            "SELECT brackets FROM paragraph_translation ORDER BY id")).scalars().all()
    assert [(label, brackets) for label, brackets, _html in rows] == \
        [("PP1", 0), ("PP2", 3), ("PP3", 0), ("PP4", 0)]
    assert '<a href="https://undocs.org/A/64/290">report</a>' in rows[0][2]  # a link now
    assert rows[1][2].count('<span class="bracketed">') == 3
    assert rows[3][2] == unchanged_html
    assert translated == [1, 3, 0, 0]

    with engine.begin() as connection:  # and back
        command.downgrade(alembic_config(connection), BEFORE)
    with engine.connect() as connection:
        html = connection.execute(sa.text(
            "SELECT html FROM paragraph ORDER BY position")).scalars().all()
        columns = [c["name"] for c in sa.inspect(connection).get_columns("paragraph")]
    assert html == [render_draft_unmarked(text) for text in texts]
    assert "brackets" not in columns
    engine.dispose()
