"""Parallel texts: a version's text in other UN languages, paragraph for paragraph.

A translation is an addition, not an edit: it may be added to a draft or to a published
version. A published version's translation never changes once stored (published text never
changes); a draft's may be replaced. Threads belong to the paragraph, whatever language it
is read in, so a translation only adds text and HTML beside each paragraph.
"""

from __future__ import annotations

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import delete, select

from consult import permissions
from consult.audit.services import record_action, version_facts
from consult.db import db
from consult.drafts.alignment import (Misalignment, misalignments, original_stamp,
                                      parse_translation)
from consult.drafts.models import (UN_LANGUAGES, Paragraph, ParagraphTranslation, Version,
                                   VersionTranslation)
from consult.drafts.parsing import DraftError
from consult.drafts.services import (_draft_error_message, _lock,
                                     attach_translated_paragraphs, require_un_language)
from consult.errors import Conflict, Invalid, NotFound
from consult.search.outbox import record_version_change

MAX_TRANSLATION_CHARS = 500_000


class TranslationMisaligned(Invalid):
    """The translation does not have the original's paragraphs in the original's order."""

    code = "misaligned"

    def __init__(self, message: str, problems: list[Misalignment]):
        super().__init__(message, field="text")
        self.problems = problems


def _check_language(version: Version, language) -> str:
    language = require_un_language(
        (language or "").strip().lower() if isinstance(language, str) else "")
    if language == version.language:
        raise Invalid(_("%(label)s was written in this language: its original text cannot be "
                        "replaced by a translation.", label=version.label), field="language")
    return language


def _parse(text) -> list:
    if not isinstance(text, str) or not text.strip():
        raise Invalid(_("The translation is empty: paste or upload its Markdown text."),
                      field="text")
    if len(text) > MAX_TRANSLATION_CHARS:
        raise Invalid(_("The translation is too long (%(value)s characters; %(max_chars)s at "
                        "most).", value=format_number(len(text)),
                        max_chars=format_number(MAX_TRANSLATION_CHARS)), field="text")
    try:
        return parse_translation(text)
    except DraftError as exc:
        raise Invalid(_draft_error_message(exc), field="text") from None


def add_translation(actor, version: Version, language, text) -> VersionTranslation:
    """Store a version's text in another UN language; refuse it unless it lines up."""
    permissions.require(actor, "add_translation", version.consultation)
    language = _check_language(version, language)
    parsed = _parse(text)
    # One writer per consultation at a time, and re-read: the draft may have been
    # published or edited since the request read it.
    _lock(version.consultation)
    db.session.refresh(version)
    paragraphs = list(db.session.scalars(
        select(Paragraph).where(Paragraph.version_id == version.id).order_by(Paragraph.position)))
    problems = misalignments(parsed, [p.label for p in paragraphs])
    if problems:
        raise TranslationMisaligned(
            _("The translation does not line up with %(label)s: every paragraph must carry "
              "the same label, in the same order, as in the original. Nothing was stored.",
              label=version.label), problems)
    translation = db.session.scalar(
        select(VersionTranslation).where(VersionTranslation.version_id == version.id,
                                         VersionTranslation.language == language))
    replaced = translation is not None
    if translation is not None:
        if version.is_public:
            raise Conflict(_("%(label)s is published and already has its text in this "
                             "language; published text never changes.", label=version.label))
        db.session.execute(delete(ParagraphTranslation)
                           .where(ParagraphTranslation.translation_id == translation.id)
                           .execution_options(synchronize_session="fetch"))
        translation.source_text = text
        translation.created_by_id = getattr(actor, "id", None)
    else:
        translation = VersionTranslation(version_id=version.id, language=language,
                                         source_text=text, created_by_id=getattr(actor, "id", None))
        db.session.add(translation)
    translation.original_stamp = original_stamp(version.source_text)
    db.session.flush()
    attach_translated_paragraphs(translation, paragraphs, parsed)
    if version.is_public:
        record_version_change(version.id)
        record_action(actor, "version.translation", "version", version.id,
                      consultation_id=version.consultation_id,
                      target_facts=version_facts(version),
                      details={"language": language, "replaced": replaced})
    db.session.expire(version, ["translations"])
    return translation


def translation_overview(actor, version: Version) -> dict:
    """What the translations page shows its staff: the stored texts by language, those a
    draft's later edits made outdated, and the languages a text may still be added in."""
    permissions.require(actor, "add_translation", version.consultation)
    stored = {t.language: t for t in version.translations}
    outdated = set() if version.is_public else {
        code for code, t in stored.items() if is_outdated(t)}
    others = [code for code in UN_LANGUAGES if code != version.language]
    return {"stored": stored, "outdated": outdated, "languages": others,
            "open_languages": [code for code in others
                               if not (version.is_public and code in stored)]}


def is_outdated(translation: VersionTranslation) -> bool:
    """Whether the original changed after this translation was made (drafts only)."""
    return translation.original_stamp != original_stamp(translation.version.source_text)


def text_languages(version: Version) -> list[str]:
    """The languages a version can be read in: its original first, then the translations."""
    return [version.language] + sorted(
        (t.language for t in version.translations if t.language != version.language),
        key=UN_LANGUAGES.index)


def translated_paragraphs(version: Version, language: str,
                          paragraph_ids: list[int] | None = None) -> dict[int, ParagraphTranslation]:
    """The version's paragraphs (or some of them) in one language, by paragraph id."""
    if language == version.language:
        return {}
    query = (select(ParagraphTranslation)
             .join(Paragraph, Paragraph.id == ParagraphTranslation.paragraph_id)
             .where(Paragraph.version_id == version.id, ParagraphTranslation.language == language))
    if paragraph_ids is not None:
        query = query.where(ParagraphTranslation.paragraph_id.in_(paragraph_ids))
    return {row.paragraph_id: row for row in db.session.scalars(query)}


# The ISO 639-2 codes (Akoma Ntoso, library catalogues) of the six languages.
ISO_639_2 = {"ar": "ara", "zh": "zho", "en": "eng", "fr": "fra", "ru": "rus", "es": "spa"}


def _language_code(asked) -> str | None:
    """The two-letter code of a language asked for (en/fr… or eng/fra…); Invalid otherwise."""
    if asked is None or asked == "":
        return None
    code = asked.strip().lower() if isinstance(asked, str) else ""
    code = next((two for two, three in ISO_639_2.items() if code == three), code)
    if code not in UN_LANGUAGES:
        raise Invalid(_("Unknown language: give an ISO 639-2 code such as eng, fra or zho "
                        "(or en, fr, es, ru, ar, zh)."), field="lang")
    return code


def text_language_if_any(asked, version: Version) -> str | None:
    """The language asked for if the version can be read in it, else None (the original);
    Invalid for a code that is not one of the six."""
    code = _language_code(asked)
    return code if code in text_languages(version) else None


def require_text_language(asked, *versions: Version) -> str | None:
    """The language asked for (en/fr… or eng/fra…) if every one of these versions can be
    read in it; None when nothing was asked. Invalid or NotFound (saying which languages
    there are) otherwise."""
    code = _language_code(asked)
    if code is None:
        return None
    for version in versions:
        if code not in text_languages(version):
            raise NotFound(_("%(label)s has no text in this language yet. It can be read in: "
                             "%(languages)s.", label=version.label,
                             languages=", ".join(text_languages(version))))
    return code


def common_languages(*versions: Version) -> list[str]:
    """The languages every one of these versions can be read in (for comparisons)."""
    sets = [set(text_languages(v)) for v in versions]
    shared = set.intersection(*sets) if sets else set()
    return [code for code in UN_LANGUAGES if code in shared]


def choose_texts(version: Version, asked=None, beside=None, interface=None,
                 paragraph_ids: list[int] | None = None) -> dict:
    """Which languages to show a version's text in, with the translated paragraphs.

    The text follows `asked` (?text=), else the reader's interface language when the
    version has it, else the original; `beside` (?beside=) adds a second column.
    """
    available = text_languages(version)
    text = (asked if asked in available
            else interface if interface in available else version.language)
    beside = beside if beside in available and beside != text else None
    translated = {}
    for code in (text, beside):
        if code and code != version.language:
            translated[code] = translated_paragraphs(version, code, paragraph_ids)
    link_args = {name: value for name, value in
                 (("text", asked if asked in available else None), ("beside", beside)) if value}
    return {"available": available, "text_lang": text, "beside_lang": beside,
            "translated": translated, "link_args": link_args}


class ParagraphInLanguage:
    """A paragraph read in another language: its own facts (label, key, kind…), the
    translation's words (text, html). Threads and ids stay the paragraph's."""

    def __init__(self, paragraph: Paragraph, translated: ParagraphTranslation):
        self._paragraph = paragraph
        self.text, self.html = translated.text, translated.html
        self.text_language = translated.language

    def __getattr__(self, name):
        return getattr(self._paragraph, name)


def paragraphs_in(version: Version, language: str | None) -> list:
    """The version's paragraphs in order, in `language` where translated (else original)."""
    paragraphs = sorted(version.paragraphs, key=lambda p: p.position)
    if not language or language == version.language:
        return paragraphs
    rows = translated_paragraphs(version, language)
    return [ParagraphInLanguage(p, rows[p.id]) if p.id in rows else p for p in paragraphs]
