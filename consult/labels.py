"""Words shown for the platform's states, roles and kinds, in the reader's language."""

from __future__ import annotations

from babel import dates as babel_dates
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

LABELS = {
    # consultation and version states
    "open": _l("open"),
    "closed": _l("closed"),
    "draft": _l("draft"),
    "published": _l("published"),
    "superseded": _l("superseded"),
    "final": _l("final"),
    # how a paragraph follows its predecessor
    "kept": _l("kept"),
    "edited": _l("edited"),
    "moved": _l("moved"),
    "new": _l("new"),
    "removed": _l("removed"),
    # what the co-facilitators recorded about a paragraph ("open" alone is the
    # consultation's word, which some languages inflect otherwise)
    "status.open": _l("still open"),
    "agreed_ad_ref": _l("agreed ad referendum"),
    "agreed": _l("agreed"),
    "deleted": _l("deleted by agreement"),
    # where a silence procedure stands
    "running": _l("under silence procedure"),
    "broken": _l("silence broken"),
    "adopted": _l("adopted under silence procedure"),
    "withdrawn": _l("silence procedure withdrawn"),
    # roles
    "delegate": _l("delegate"),
    "observer": _l("observer"),
    "cofacilitator": _l("co-facilitator"),
    "secretariat": _l("secretariat"),
    # kinds of delegation
    "member_state": _l("Member State"),
    "observer_state": _l("observer State"),
    "group": _l("group of States"),
    "igo": _l("intergovernmental organisation"),
    "ngo": _l("non-governmental organisation"),
    "un_entity": _l("United Nations entity"),
    # kinds of submission (and of search result)
    "paragraph": _l("paragraph text"),
    "comment": _l("comment"),
    "amendment": _l("proposed amendment"),
    "support": _l("support"),
    "statement": _l("general statement"),
    # what became of a proposal
    "pending": _l("pending"),
    "incorporated": _l("incorporated"),
    "partly_incorporated": _l("partly incorporated"),
    "not_retained": _l("not retained"),
    # actions in the public log
    "version.publish": _l("version published"),
    "version.deadline": _l("comment deadline changed"),
    "version.translation": _l("text in another language added"),
    "submission.hide": _l("submission hidden"),
    "submission.restore": _l("submission restored"),
    "submission.disposition": _l("disposition recorded"),
    "submission.withdraw": _l("withdrawn by its author"),
    "paragraph.status": _l("paragraph status recorded"),
    "silence.start": _l("silence procedure started"),
    "silence.break": _l("silence broken"),
    "silence.withdraw": _l("silence procedure withdrawn"),
    "silence.adopt": _l("adopted under silence procedure"),
    "version.announced": _l("publication announced by e-mail"),
    "system": _l("system"),
}


def label(value) -> str:
    """The reader-facing word for an enum member or its value."""
    key = getattr(value, "value", value)
    return str(LABELS.get(key, key))


def status_label(value) -> str:
    """The word for a paragraph's status (open, agreed ad referendum, agreed, deleted)."""
    key = getattr(value, "value", value)
    return str(LABELS.get(f"status.{key}") or LABELS.get(key, key))


# The comma between items of a short list, and the full stop, as each language writes them.
_COMMA = {"ar": "، ", "zh": "、"}
_STOP = {"zh": "。"}


def sentence_list(items, locale: str) -> str:
    """"A, B and C" as the language writes a list (CLDR patterns, through Babel)."""
    from babel.lists import format_list

    items = [str(item) for item in items]
    return format_list(items, locale=locale) if items else ""


def list_punctuation(locale: str) -> tuple[str, str]:
    """(comma, full stop) for a sentence built from pieces in this language."""
    return _COMMA.get(locale, ", "), _STOP.get(locale, ".")


def _reader_babel_locale() -> str:
    # UN English writes dates in British order ("1 March 2010").
    locale = str(get_locale() or "en")
    return "en_GB" if locale == "en" else locale


def long_date(value) -> str:
    """A date in the reader's language's long form: "1 March 2010", "1 mars 2010",
    "2010年3月1日"."""
    if not value:
        return ""
    return babel_dates.format_date(value, "long", locale=_reader_babel_locale())


def date_and_time(value) -> str:
    """The date and time joined as the language joins them ("1 mars 2010, 18:00 UTC",
    "2010年3月1日 18:00 UTC"); times are UTC, as the UN states them."""
    if not value:
        return ""
    joined = babel_dates.get_datetime_format("medium", locale=_reader_babel_locale())
    return joined.replace("{1}", long_date(value)).replace("{0}", f"{value:%H:%M} UTC")
