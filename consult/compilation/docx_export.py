"""The compilation text as a Word document (.docx), which delegations edit in Word.

Proposed changes are real character formatting, not colours: inserted words bold and
underlined, deleted words struck through, as in UN compilation texts, so they survive
printing in black and white and copying into another document.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from consult.comments.models import Disposition, Submission
from consult.comments.wording import (
    DELETE,
    INSERT,
    Run,
    paragraph_tokens,
    plain_text,
    styled_runs,
    user_tokens,
    wording_runs,
)
from consult.compilation.services import Compilation, Proposal, Summary, parts_of
from consult.drafts.models import ParagraphKind
from consult.drafts.parsing import printed_number
from consult.labels import date_and_time, label, list_punctuation, sentence_list

# XML 1.0 allows tab, newline, carriage return and these ranges; anything else (control
# characters, lone surrogates, U+FFFE/U+FFFF) would make the whole document unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Pages of the same content must give the same bytes (caches, checksums of the archive).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_PROPOSAL_INDENT = Cm(1.0)
_MUTED = RGBColor(0x59, 0x59, 0x59)
# Elements that follow <w:bidi> in a paragraph's properties (Word insists on the order).
_BIDI_SUCCESSORS = (
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange")


def word_safe(text: str | None) -> str:
    """Text Word can store: characters XML 1.0 forbids are dropped, line ends unified."""
    return _NOT_XML.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def _is_rtl(text: str, language: str | None = None) -> bool:
    """Whether a paragraph reads right to left: declared Arabic, or its first letter is."""
    if language == "ar":
        return True
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def _set_rtl(paragraph) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    if p_pr.find(qn("w:bidi")) is None:
        p_pr.insert_element_before(OxmlElement("w:bidi"), *_BIDI_SUCCESSORS)


def _run(paragraph, text: str, *, bold=False, italic=False, underline=False, strike=False,
         rtl=False, muted=False, size=None):
    """Append formatted text; complex-script twins set too, or Arabic would stay plain."""
    text = word_safe(text)
    if not text:
        return None
    run = paragraph.add_run(text)
    font = run.font
    if bold:
        font.bold = font.cs_bold = True
    if italic:
        font.italic = font.cs_italic = True
    if underline:
        font.underline = True
    if strike:
        font.strike = True
    if rtl:
        font.rtl = True
    if muted:
        font.color.rgb = _MUTED
    if size is not None:
        font.size = size
    return run


def _styled_runs(paragraph, runs: list[Run], *, rtl: bool) -> None:
    """Rendered Markdown as Word runs: emphasis as real italics and bold, link targets left
    out; proposed insertions bold and underlined, deletions struck through."""
    for r in runs:
        style = r.style
        _run(paragraph, r.text, rtl=rtl, italic=style.em,
             bold=style.strong or r.op == INSERT, underline=r.op == INSERT,
             strike=style.strike or r.op == DELETE)


def _markdown_runs(paragraph, text: str, *, rtl: bool) -> None:
    """An official paragraph's Markdown as runs, as its page renders it."""
    _styled_runs(paragraph, styled_runs(paragraph_tokens(text)), rtl=rtl)


def _styled(document):
    """Fonts for every script: Latin and Cyrillic, Chinese, and Arabic (complex script)."""
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "SimSun")
    fonts.set(qn("w:cs"), "Times New Roman")
    return document


def _paragraph_number(kind: ParagraphKind, number: str | None) -> str:
    if not number:
        return ""
    if kind == ParagraphKind.operative:
        return f"{printed_number(number)}.\t"  # "7 bis."
    if kind == ParagraphKind.subparagraph:
        return f"({number})\t"
    return ""


def _attribution(proposal: Proposal, locale: str) -> str:
    # "France (FRA); supported by Norway (NOR) and Canada (CAN)", as on the page.
    delegation = proposal.submission.delegation
    proposer = f"{delegation.name(locale)} ({delegation.code})"
    if proposal.supporters:
        supporters = sentence_list([f"{d.name(locale)} ({d.code})" for d in proposal.supporters],
                                   locale)
        return _("Proposed by %(proposer)s; supported by %(supporters)s", proposer=proposer,
                 supporters=supporters)
    return _("Proposed by %(proposer)s", proposer=proposer)


def disposition_text(proposal: Proposal) -> str:
    """"Disposition: Partly incorporated — note", in the reader's language."""
    word = label(proposal.disposition)
    word = word[:1].upper() + word[1:]
    if proposal.note:
        # The note's Markdown read as text: "now reads Urges", not "now reads *Urges*".
        return _("Disposition: %(disposition)s — %(note)s", disposition=word,
                 note=proposal.note_plain)
    return _("Disposition: %(disposition)s", disposition=word)


def summary_text(compilation: Compilation | Summary) -> str:
    """"4 proposals: 2 pending, 1 incorporated…", with every disposition that occurs."""
    total = compilation.proposal_count
    head = ngettext("%(num)d proposal", "%(num)d proposals", total)
    parts = [f"{compilation.counts[d.value]} {label(d)}" for d in Disposition
             if compilation.counts.get(d.value)]
    return f"{head}: {', '.join(parts)}." if parts else f"{head}."


def withdrawn_text(compilation: Compilation | Summary) -> str:
    """The one-line note on proposals left out because their authors withdrew them."""
    return ngettext("%(num)d proposal withdrawn by its author is not shown.",
                    "%(num)d proposals withdrawn by their authors are not shown.",
                    compilation.withdrawn_count)


def _new_paragraph(document) -> Paragraph:
    """A paragraph appended at the end of the body in constant time.

    python-docx's add_paragraph() looks for the section properties among all the body's
    children before inserting, so a document of n paragraphs costs n²: 213 s for the
    compilation of 12,000 proposals. compilation_docx takes the section properties out
    while it writes and puts them back last.
    """
    element = OxmlElement("w:p")
    document.element.body.append(element)
    return Paragraph(element, document)


def _indented(document, *, rtl: bool = False):
    paragraph = _new_paragraph(document)
    paragraph.paragraph_format.left_indent = _PROPOSAL_INDENT
    paragraph.paragraph_format.space_after = Pt(3)
    if rtl:
        _set_rtl(paragraph)
    return paragraph


def _add_proposal(document, paragraph_text: str, proposal: Proposal, locale: str,
                  url: str | None) -> None:
    s: Submission = proposal.submission
    head = _indented(document)
    head.paragraph_format.space_before = Pt(6)
    head.paragraph_format.keep_with_next = True
    _run(head, _attribution(proposal, locale), bold=True)

    # The same styled words as the page: the proposal rendered like the paragraph.
    runs = wording_runs(word_safe(paragraph_text), word_safe(s.proposed_text))
    rtl = _is_rtl(plain_text(runs), s.language)
    wording = _indented(document, rtl=rtl)
    _styled_runs(wording, runs, rtl=rtl)

    if s.body.strip():
        body = styled_runs(user_tokens(word_safe(s.body)))
        rtl = _is_rtl(plain_text(body), s.language)
        explanation = _indented(document, rtl=rtl)
        _run(explanation, _("Explanation:") + " ", italic=True)
        _styled_runs(explanation, body, rtl=rtl)

    outcome = _indented(document)
    _run(outcome, disposition_text(proposal), italic=True)
    if url:
        _run(_indented(document), url, muted=True, size=Pt(9))


def _add_paragraph(document, p) -> None:
    text = word_safe(p.text)
    if p.kind == ParagraphKind.heading:
        level = min(max(p.heading_level or 1, 1), 8)
        heading = document.add_heading(level=level)
        if _is_rtl(text):
            _set_rtl(heading)
        _markdown_runs(heading, text, rtl=_is_rtl(text))
        return
    rtl = _is_rtl(text)
    para = _new_paragraph(document)
    para.paragraph_format.space_before = Pt(9)
    if rtl:
        _set_rtl(para)
    # The label (PP3, OP12(b)) is how negotiators cite a paragraph.
    _run(para, f"[{p.label}] ", muted=True, size=Pt(9))
    _run(para, _paragraph_number(p.kind, p.number), rtl=rtl)
    _markdown_runs(para, text, rtl=rtl)


def compilation_docx(compilation: Compilation | Summary, *,
                     proposal_url: Callable[[Submission], str] | None = None,
                     parts: Iterable[Compilation] | None = None,
                     as_at: dt.datetime | None = None) -> bytes:
    """The compilation as one Word document; `proposal_url` links each proposal's page;
    `as_at`, the moment it shows, is stated under the title (a kept document may be
    read while a newer one is being built).

    A compilation gives its own paragraphs; a summary gives every page, read one after
    the other (or `parts`, the pages as read by the caller), so that the rows of only one
    page are held at a time beside the document being built.
    """
    version = compilation.version
    consultation = version.consultation
    locale = str(get_locale() or "en")
    document = _styled(Document())

    title = word_safe(f"{consultation.title} — {version.label}")
    properties = document.core_properties
    properties.title = title
    properties.subject = word_safe(_("Compilation text"))
    properties.author = properties.last_modified_by = "Consult"
    properties.revision = 1
    stamp = version.published_at or version.created_at
    properties.created = _naive_utc(stamp)
    properties.modified = _naive_utc(compilation.last_changed_at or stamp)

    # The lines the platform writes around the text are in the reader's language: right
    # to left in Arabic, whatever the consultation's own language.
    rtl = locale == "ar"

    def line(style=None):
        paragraph = document.add_paragraph(style=style)
        if rtl:
            _set_rtl(paragraph)
        return paragraph

    heading = document.add_heading(level=0)
    if _is_rtl(consultation.title):
        _set_rtl(heading)
    _run(heading, consultation.title, rtl=_is_rtl(consultation.title))
    subtitle = line("Subtitle")
    _run(subtitle, version.label, rtl=rtl)
    if version.symbol:
        _run(subtitle, f" ({version.symbol})", rtl=rtl)
    _run(subtitle, " — " + _("Compilation text"), rtl=rtl)
    if not version.is_public:
        _run(line(), _("Unpublished draft: not for circulation."), bold=True, rtl=rtl)
    if as_at is not None:
        _run(line(), _("As at %(time)s.", time=date_and_time(as_at)), rtl=rtl)
    legend = line()
    _run(legend, _("Proposed changes to the text:") + " ", rtl=rtl)
    comma, stop = list_punctuation(locale)
    _run(legend, _("additions"), bold=True, underline=True, rtl=rtl)
    _run(legend, comma, rtl=rtl)
    _run(legend, _("deletions"), strike=True, rtl=rtl)
    _run(legend, stop, rtl=rtl)
    _run(line(), summary_text(compilation), rtl=rtl)
    if compilation.withdrawn_count:
        _run(line(), withdrawn_text(compilation), italic=True, rtl=rtl)

    body = document.element.body
    section = body.sectPr  # last in the body, as Word requires; put back below
    if section is not None:
        body.remove(section)
    for part in parts if parts is not None else parts_of(compilation):
        for entry in part.entries:
            _add_paragraph(document, entry.paragraph)
            for proposal in entry.proposals:
                _add_proposal(document, entry.paragraph.text, proposal, locale,
                              proposal_url(proposal.submission) if proposal_url else None)
    if section is not None:
        body.append(section)

    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _stable_zip(data: bytes) -> bytes:
    """The same package with fixed member times: the same content gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
