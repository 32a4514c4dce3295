"""The compilation text: what it shows (public data only) and its Word document."""

import datetime as dt
import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from consult.permissions import COMMAND_LINE
from consult.moderation import services as moderation
from consult.comments import services as comments
from consult.comments.models import Disposition
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.compilation.services import compile_version, fingerprint
from consult.compilation.docx_export import compilation_docx, word_safe
from consult.errors import NotFound
from tests.comments.conftest import REV1, can, fra, nor, paragraph, version  # noqa: F401

OP1_NEW = "*Calls upon* all States to act without delay;"  # OP1: "… Member States to act;"





def amend(user, version, label, proposed, body="", **kwargs):
    made = comments.propose_amendment(user, paragraph(version, label), proposed, body,
                                      **kwargs)
    db.session.commit()
    return made


def support(user, amendment):
    made = comments.support_amendment(user, amendment)
    db.session.commit()
    return made


def entry(compilation, label):
    return next(e for e in compilation.entries if e.paragraph.label == label)


def open_docx(data):
    return docx.Document(io.BytesIO(data))


def document_xml(data) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read("word/document.xml").decode("utf-8")


def paragraph_after(document, text):
    """The paragraph following the first one that contains `text`."""
    paragraphs = document.paragraphs
    index = next(i for i, p in enumerate(paragraphs) if text in p.text)
    return paragraphs[index + 1]


@pytest.fixture
def deu(make_user):
    return make_user("delegate", delegation="DEU", name="Delegate of Germany")


# --- the service -----------------------------------------------------------------------


def test_every_paragraph_is_listed_with_its_proposals_and_supporters_in_order(
        version, fra, nor, can):
    amendment = amend(fra, version, "OP1", OP1_NEW, "Stronger wording.")
    support(nor, amendment)
    support(can, amendment)

    found = compile_version(None, version)

    assert [e.paragraph.label for e in found.entries] == [p.label for p in version.paragraphs]
    [proposal] = entry(found, "OP1").proposals
    assert proposal.submission.id == amendment.id
    # Order of support, not of the alphabet.
    assert proposal.supporter_codes == ["NOR", "CAN"]
    assert proposal.disposition == Disposition.pending and proposal.note == ""
    assert entry(found, "OP3").proposals == []  # the whole text, proposals or not
    assert found.counts == {"pending": 1, "incorporated": 0, "partly_incorporated": 0,
                            "not_retained": 0}
    assert found.proposal_count == 1 and found.withdrawn_count == 0


def test_proposals_on_a_paragraph_come_oldest_first(version, fra, nor):
    later = amend(fra, version, "OP2", "*Urges* States to protect all victims:")
    earlier = amend(nor, version, "OP2", "*Urges* States to protect victims at once:",
                    now=utcnow() - dt.timedelta(hours=1))
    found = compile_version(None, version)
    assert [p.submission.id for p in entry(found, "OP2").proposals] == [earlier.id, later.id]


def test_withdrawn_and_hidden_supports_are_not_counted(version, fra, nor, can, deu):
    amendment = amend(fra, version, "OP1", OP1_NEW)
    support(nor, amendment)
    hidden = support(can, amendment)
    withdrawn = support(deu, amendment)
    comments.withdraw_submission(deu, withdrawn)
    moderation.hide_submission(COMMAND_LINE, hidden, reason_code="off_topic")
    db.session.commit()

    [proposal] = entry(compile_version(None, version), "OP1").proposals
    assert proposal.supporter_codes == ["NOR"]


def test_a_hidden_amendment_is_left_out_even_for_a_cofacilitator(version, fra, nor, staff):
    shown = amend(fra, version, "OP1", OP1_NEW)
    hidden = amend(nor, version, "OP1", "*Calls upon* Member States to act ruthlessly;")
    moderation.hide_submission(staff, hidden, reason_code="off_topic")
    db.session.commit()

    found = compile_version(staff, version)
    assert [p.submission.id for p in entry(found, "OP1").proposals] == [shown.id]
    assert found.proposal_count == 1 and found.withdrawn_count == 0


def test_a_withdrawn_amendment_is_left_out_and_counted(version, fra, nor):
    kept = amend(nor, version, "OP1", OP1_NEW)
    withdrawn = amend(fra, version, "OP2", "*Urges* States to shelter victims:")
    comments.withdraw_submission(fra, withdrawn)
    db.session.commit()

    found = compile_version(None, version)
    assert [p.submission.id for p in found.proposals] == [kept.id]
    assert entry(found, "OP2").proposals == []
    assert found.withdrawn_count == 1 and found.proposal_count == 1


def test_dispositions_and_notes_are_counted_and_shown(version, fra, nor, can):
    first = amend(fra, version, "OP1", OP1_NEW)
    second = amend(nor, version, "OP2", "*Urges* States to shelter victims:")
    amend(can, version, "OP3", "*Decides* to review the plan every year.")
    first.disposition = Disposition.partly_incorporated
    first.disposition_note = "Merged with the proposal of Norway."
    second.disposition = Disposition.not_retained
    db.session.commit()

    found = compile_version(None, version)
    assert found.counts == {"pending": 1, "incorporated": 0, "partly_incorporated": 1,
                            "not_retained": 1}
    [op1] = entry(found, "OP1").proposals
    assert op1.disposition == Disposition.partly_incorporated
    assert op1.note == "Merged with the proposal of Norway."


def test_a_draft_version_is_not_found_for_the_public(version, consultation, staff, fra):
    draft = drafts.create_version(staff, consultation, label="Rev.1", text=REV1)
    db.session.commit()
    with pytest.raises(NotFound):
        compile_version(None, draft)
    with pytest.raises(NotFound):
        compile_version(fra, draft)
    assert [e.paragraph.label for e in compile_version(staff, draft).entries] == \
        [p.label for p in draft.paragraphs]


def test_proposals_of_other_versions_stay_out(version, consultation, staff, fra, nor):
    amend(fra, version, "OP1", OP1_NEW)
    rev1 = drafts.create_version(staff, consultation, label="Rev.1", text=REV1, publish=True,
                                 comments_close_at=utcnow() + dt.timedelta(days=5))
    db.session.commit()
    assert compile_version(None, rev1).proposals == []


def test_the_fingerprint_changes_with_a_support_and_a_disposition(version, fra, nor):
    amendment = amend(fra, version, "OP1", OP1_NEW)
    before = fingerprint(compile_version(None, version))
    assert fingerprint(compile_version(None, version)) == before
    support(nor, amendment)
    supported = fingerprint(compile_version(None, version))
    assert supported != before
    amendment.disposition = Disposition.incorporated
    db.session.commit()
    assert fingerprint(compile_version(None, version)) != supported


def test_compiling_costs_a_fixed_number_of_queries(version, fra, nor, can):
    from sqlalchemy import event

    for label in ("PP1", "PP2", "OP1", "OP2", "OP2(a)", "OP2(b)", "OP3"):
        amendment = amend(fra, version, label, paragraph(version, label).text + " More.")
        support(nor, amendment)
        support(can, amendment)
    db.session.expire_all()
    version = drafts.get_version(None, version.id)
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = compile_version(None, version)
        fingerprint(found)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert found.proposal_count == 7
    # Counted in the database (amendments by paragraph and disposition, supports' newest
    # change), then the amendments, their supports, and the consultation's title: not one
    # query per paragraph or proposal.
    assert len(statements) <= 5, statements


# --- the Word document -----------------------------------------------------------------


def test_docx_shows_attribution_marked_changes_and_disposition(version, fra, nor, can):
    amendment = amend(fra, version, "OP1", OP1_NEW, "To stress urgency.")
    support(nor, amendment)
    support(can, amendment)
    amendment.disposition = Disposition.partly_incorporated
    amendment.disposition_note = "Merged with OP2."
    db.session.commit()

    data = compilation_docx(compile_version(None, version))
    document = open_docx(data)
    texts = [p.text for p in document.paragraphs]

    assert document.core_properties.title == "Global Plan of Action — Zero draft"
    assert "Proposed by France (FRA); supported by Norway (NOR) and Canada (CAN)" in texts
    wording = paragraph_after(document, "Proposed by France (FRA)")
    runs = [(r.text, bool(r.bold), bool(r.underline), bool(r.font.strike))
            for r in wording.runs]
    assert ("Member", False, False, True) in runs  # deleted: struck through
    assert ("all", True, True, False) in runs  # inserted: bold and underlined
    assert (" without delay", True, True, False) in runs
    # Unchanged: neither bold nor struck, and italic as in the paragraph (issue 13).
    assert ("Calls upon", False, False, False) in runs
    assert [r.text for r in wording.runs if r.italic] == ["Calls upon"]
    assert "*" not in wording.text
    assert "Explanation: To stress urgency." in texts
    assert "Disposition: Partly incorporated — Merged with OP2." in texts
    assert "1 proposal: 1 partly incorporated." in texts
    # The paragraph itself, with its label and its emphasis as italics.
    op1 = next(p for p in document.paragraphs if p.text.startswith("[OP1]"))
    assert op1.text == "[OP1] 1.\tCalls upon Member States to act;"
    assert [r.text for r in op1.runs if r.italic] == ["Calls upon"]


def test_docx_lists_paragraphs_without_proposals_and_the_withdrawn_count(version, fra):
    withdrawn = amend(fra, version, "OP2", "*Urges* States to shelter victims:")
    comments.withdraw_submission(fra, withdrawn)
    db.session.commit()

    data = compilation_docx(compile_version(None, version))
    texts = [p.text for p in open_docx(data).paragraphs]
    assert "[OP3] 3.\tDecides to review the plan." in texts
    assert "[OP2(a)] (a)\tWith shelter;" in texts
    assert "1 proposal withdrawn by its author is not shown." in texts
    assert "shelter victims" not in document_xml(data)
    assert not any(t.startswith("Proposed by") for t in texts)


def test_docx_leaves_out_a_hidden_amendment(version, fra, nor, staff):
    amend(fra, version, "OP1", OP1_NEW)
    hidden = amend(nor, version, "OP1", "*Calls upon* Member States to act zanzibarically;",
                   "Quixotic explanation.")
    moderation.hide_submission(staff, hidden, reason_code="off_topic")
    db.session.commit()

    xml = document_xml(compilation_docx(compile_version(staff, version)))
    assert "without delay" in xml
    assert "zanzibarically" not in xml and "Quixotic" not in xml and "NOR" not in xml


def test_chinese_and_arabic_proposals_survive_into_the_docx(version, fra, nor):
    amend(fra, version, "OP1", "各国必须立即采取行动。", "中文说明。", language="zh")
    amend(nor, version, "OP2", "يجب على الدول أن تتخذ إجراءات عاجلة", "شرح", language="ar")

    data = compilation_docx(compile_version(None, version))
    document = open_docx(data)
    chinese = paragraph_after(document, "Proposed by France (FRA)")
    arabic = paragraph_after(document, "Proposed by Norway (NOR)")

    def proposed(wording):
        """The proposal as read once the struck-through words are left out."""
        return "".join(r.text for r in wording.runs if not r.font.strike)

    assert proposed(chinese) == "各国必须立即采取行动。"
    assert proposed(arabic) == "يجب على الدول أن تتخذ إجراءات عاجلة"
    # Right to left, and the inserted Arabic words bold in the complex-script font too.
    assert arabic._p.pPr.find(qn("w:bidi")) is not None
    inserted = [r for r in arabic.runs if r.bold and r.underline]
    assert inserted and all(r.font.cs_bold and r.font.rtl for r in inserted)
    xml = document_xml(data)
    assert "中文说明。" in xml and "شرح" in xml


def test_control_characters_do_not_break_the_docx(version, fra):
    amend(fra, version, "OP1", "*Calls upon* States\x0b to act\x1b[0m now\x07;",
          "Bell\x07 and form\x0c feed.")

    data = compilation_docx(compile_version(None, version))
    document = open_docx(data)
    wording = paragraph_after(document, "Proposed by France (FRA)")
    assert wording.text == "Calls upon Member States to act[0m now;"
    assert "Explanation: Bell and form feed." in [p.text for p in document.paragraphs]


def test_word_safe_keeps_text_and_line_breaks_and_drops_what_xml_forbids():
    assert word_safe("a\x00b\x0bc\x1fd\ufffee\r\nf\tg") == "abcde\nf\tg"
    assert word_safe("é 中 ي 😀") == "é 中 ي 😀"
    assert word_safe(None) == ""


def test_the_same_compilation_gives_the_same_bytes(version, fra, nor):
    amendment = amend(fra, version, "OP1", OP1_NEW)
    support(nor, amendment)
    first = compilation_docx(compile_version(None, version))
    assert compilation_docx(compile_version(None, version)) == first
