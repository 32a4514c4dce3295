"""What a log entry is about, recorded as facts and put into words in the reader's language.

The log stores who acted on what (the kind of submission, the delegation's code, the
version's label, the paragraph's label) in `details["target"]`, never a sentence: pages,
the API and the feed word it at reading time through gettext. `target_label` keeps the old
English name ("amendment FRA Rev.1 OP3") for programs and exports that read it.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from consult.audit.services import target_facts
from consult.db import db
from consult.labels import label

# How a submission is named, by (kind, whether it is on a paragraph). Anything else falls
# back to the kind's label in `_ANY_ON_PARAGRAPH` / `_ANY_ON_VERSION`.
_SUBMISSION = {
    ("comment", True): _l("comment by %(delegation)s on %(version)s %(paragraph)s"),
    ("reply", True): _l("reply by %(delegation)s on %(version)s %(paragraph)s"),
    ("reply", False): _l("reply by %(delegation)s on %(version)s"),
    ("amendment", True): _l("amendment by %(delegation)s on %(version)s %(paragraph)s"),
    ("support", True): _l("support by %(delegation)s on %(version)s %(paragraph)s"),
    ("statement", False): _l("general statement by %(delegation)s on %(version)s"),
}
_SUPPORT_OF = _l("support by %(delegation)s for the amendment by %(proposer)s on "
                 "%(version)s %(paragraph)s")
_ANY_ON_PARAGRAPH = _l("%(kind)s by %(delegation)s on %(version)s %(paragraph)s")
_ANY_ON_VERSION = _l("%(kind)s by %(delegation)s on %(version)s")
_VERSION_WITH_SYMBOL = _l("%(version)s (%(symbol)s)")


# --- what the reader sees ----------------------------------------------------------------


def delegation_names(entries, locale: str | None = None) -> dict[str, str]:
    """Names, in the reader's language, of the delegations these entries name (one query)."""
    from consult.auth.models import Delegation

    codes = set()
    for entry in entries:
        facts = target_facts(entry) or {}
        codes.update(c for c in (facts.get("delegation"), facts.get("proposer")) if c)
    if not codes:
        return {}
    locale = locale or str(get_locale() or "en")
    return {d.code: d.name(locale) for d in db.session.scalars(
        select(Delegation).where(Delegation.code.in_(codes)))}


def _code(code: str, names: dict[str, str] | None, html: bool):
    name = (names or {}).get(code)
    if html and name:
        return Markup('<abbr title="%s">%s</abbr>') % (name, code)
    return code


def _words(template, values: dict, html: bool):
    if html:
        # The translation is trusted text; the values are escaped (but for the <abbr>s) and
        # isolated, so that "Rev.1" or "OP9(a)" read the right way round in Arabic.
        return Markup(escape(str(template))) % {
            name: Markup("<bdi>%s</bdi>") % value for name, value in values.items()}
    return str(template) % values


def describe_target(entry, *, names: dict[str, str] | None = None, html: bool = False):
    """What the entry acted on, in the reader's language ("amendment by FRA on Rev.1 OP3").

    With `html`, a Markup whose delegation codes carry their name (`names`, from
    `delegation_names`) as a tooltip. An entry without recorded facts (none after the
    migration `log_entries_structured`) shows its stored label.
    """
    facts = target_facts(entry)
    if facts is None:
        return escape(entry.target_label) if html else entry.target_label
    version = facts.get("version_label") or ""
    if entry.target_type == "version":
        if facts.get("symbol"):
            return _words(_VERSION_WITH_SYMBOL, {"version": version,
                                                 "symbol": facts["symbol"]}, html)
        return Markup("<bdi>%s</bdi>") % version if html else version
    kind = facts.get("kind") or ""
    on_paragraph = bool(facts.get("paragraph"))
    values = {"delegation": _code(facts.get("delegation") or "?", names, html),
              "version": version, "paragraph": facts.get("paragraph") or "",
              "kind": label(kind)}
    if kind == "support" and on_paragraph and facts.get("proposer"):
        values["proposer"] = _code(facts["proposer"], names, html)
        return _words(_SUPPORT_OF, values, html)
    key = ("reply" if facts.get("reply") else kind, on_paragraph)
    template = _SUBMISSION.get(key) or (_ANY_ON_PARAGRAPH if on_paragraph else _ANY_ON_VERSION)
    return _words(template, values, html)


def deadline_change(entry) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A deadline entry's deadline before and after, as datetimes (for the |datetime filter)."""
    details = entry.details or {}

    def parse(value):
        try:
            found = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None
        if found is not None:  # stored in UTC; shown in UTC
            found = found.replace(tzinfo=dt.UTC) if found.tzinfo is None \
                else found.astimezone(dt.UTC)
        return found

    return parse(details.get("from")), parse(details.get("to"))


def silence_deadline(entry) -> dt.datetime | None:
    """The deadline a silence procedure was started with, as a datetime."""
    value = (entry.details or {}).get("until")
    try:
        found = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return found.astimezone(dt.UTC) if found and found.tzinfo else found


def actor_text(entry) -> str:
    """Who acted: the name recorded then, or "system" (in the reader's language) for none."""
    if entry.actor_id is None and entry.actor_role == "system":
        return label("system")
    return entry.actor_name


def reason_html(entry) -> Markup:
    """The moderator's words as inline HTML: their Markdown rendered ("now reads *Urges*"
    shows Urges in italics), raw HTML escaped, links validated as for any user text."""
    from consult.comments.wording import inline_html

    return Markup(inline_html(entry.reason)) if entry.reason else Markup("")


def reason_plain(entry) -> str:
    """The moderator's words without Markdown, for the feed and other plain-text outputs."""
    from consult.comments.wording import markdown_plain

    return markdown_plain(entry.reason) if entry.reason else ""
