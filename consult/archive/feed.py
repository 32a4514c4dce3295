"""A consultation as an Atom 1.0 feed: publications, new submissions, dispositions.

Built with lxml, which the Akoma Ntoso export needs anyway: the feed is a small document,
and building it by hand keeps every byte decided here (no generator timestamps), so the
same record gives the same bytes and the ETag holds. feedgen, the usual library, would add
a dependency and stamp its own build time.

Only what the public may read goes in, whoever asks: every submission and every
disposition target is re-checked in SQL (not hidden, not under a hidden submission, on a
version that is not a draft); draft versions never appear; authors are delegations, never
accounts (no names of persons, no e-mail addresses).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from consult import visibility
from consult.archive.akn import MEDIA_TYPE as AKN_MEDIA_TYPE
from consult.archive.akn import xml_text
from consult.audit.models import LogEntry
from consult.comments.models import Submission, SubmissionKind
from consult.db import db
from consult.drafts.models import Version
from consult.labels import label
from consult.comments.wording import markdown_plain, proposal_plain
from consult.moderation.log_text import describe_target, reason_plain

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
# How many of the newest submissions, and of the newest dispositions, the feed carries.
FEED_SIZE = 100
SUMMARY_CHARS = 1000
# The co-facilitators act as a body here: the log names the person, the feed need not.
STAFF_AUTHOR = _l("Co-facilitators")

# Entry titles of submissions, by kind (a reply is a comment with a parent); the feed is
# worded in the reader's language (Accept-Language or ?lang=), like the pages.
_SUBMISSION_TITLES = {
    "comment": _l("%(delegation)s: comment on %(place)s"),
    "reply": _l("%(delegation)s: reply on %(place)s"),
    "amendment": _l("%(delegation)s: amendment on %(place)s"),
    "statement": _l("%(delegation)s: general statement on %(place)s"),
}


def _public(query):
    """Only submissions anyone may read: not hidden, not under a hidden one, not on a draft."""
    return query.where(visibility.not_concealed(), visibility.public_versions())


@dataclasses.dataclass
class _Entry:
    id: str
    title: str
    updated: dt.datetime
    published: dt.datetime
    author: str
    link: str
    category: str
    summary: str
    related: tuple[str, str] | None = None  # (href, media type)


def _timestamp(value: dt.datetime) -> str:
    """RFC 3339 in UTC, as Atom wants it."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _shorten(text: str) -> str:
    text = text.strip()
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1].rstrip() + "…"


class _Links:
    """Absolute addresses of the site's permanent pages, with or without a request."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.adapter = current_app.url_map.bind("localhost")
        host = urlsplit(base_url).hostname or "localhost"
        self.host = host.lower()

    def url(self, endpoint: str, **values) -> str:
        return self.base + self.adapter.build(endpoint, values)

    def tag(self, consultation, specific: str) -> str:
        """A tag: URI (RFC 4151): the entry keeps its id however the feed is fetched."""
        return f"tag:{self.host},{consultation.created_at:%Y-%m-%d}:{consultation.slug}/{specific}"


def _publications(consultation, links: _Links) -> list[_Entry]:
    versions = db.session.scalars(
        select(Version).where(Version.consultation_id == consultation.id,
                              visibility.public_versions(),
                              Version.published_at.is_not(None)))
    entries = []
    for version in versions:
        title = _("%(version)s published (%(symbol)s)", version=version.label,
                  symbol=version.symbol) if version.symbol \
            else _("%(version)s published", version=version.label)
        entries.append(_Entry(
            id=links.tag(consultation, f"versions/{version.id}/published"),
            title=title, updated=version.published_at, published=version.published_at,
            author=str(STAFF_AUTHOR),
            link=links.url("drafts.version", slug=consultation.slug, version_id=version.id),
            category="publication",
            summary=_("%(version)s of “%(title)s” is published.", version=version.label,
                      title=consultation.title),
            related=(links.url("api.version_akn", version_id=version.id), AKN_MEDIA_TYPE)))
    return entries


def _submission_title(submission: Submission) -> str:
    who = submission.delegation.code
    where = submission.version.label
    if submission.paragraph is not None:
        where = _("%(paragraph)s (%(version)s)", paragraph=submission.paragraph.label,
                  version=where)
    if submission.kind == SubmissionKind.support:
        proposer = submission.parent.delegation.code if submission.parent is not None else "?"
        title = _("%(delegation)s supports the amendment by %(proposer)s on %(place)s",
                  delegation=who, proposer=proposer, place=where)
    else:
        kind = "reply" if submission.parent_id is not None else submission.kind.value
        template = _SUBMISSION_TITLES.get(kind)
        title = str(template) % {"delegation": who, "place": where} if template else \
            _("%(delegation)s: %(kind)s on %(place)s", delegation=who, kind=label(kind),
              place=where)
    return _("%(title)s [withdrawn]", title=title) if submission.is_withdrawn else title


def _submission_summary(submission: Submission) -> str:
    # The words as readers see them: Markdown is markup, not text, in a feed reader.
    body = markdown_plain(submission.body)
    if submission.kind == SubmissionKind.amendment and submission.proposed_text:
        text = _("Proposed text: %(text)s", text=proposal_plain(submission.proposed_text))
        if body:
            text += f"\n\n{body}"
        return _shorten(text)
    return _shorten(body)


def _submissions(consultation, links: _Links, locale: str) -> list[_Entry]:
    rows = db.session.scalars(_public(
        select(Submission).join(Version, Version.id == Submission.version_id)
        .where(Submission.consultation_id == consultation.id))
        .options(contains_eager(Submission.version), selectinload(Submission.paragraph),
                 selectinload(Submission.parent))
        .order_by(Submission.created_at.desc(), Submission.id.desc()).limit(FEED_SIZE))
    entries = []
    for submission in rows:
        updated = max(t for t in (submission.created_at, submission.edited_at,
                                  submission.withdrawn_at) if t is not None)
        entries.append(_Entry(
            id=links.tag(consultation, f"submissions/{submission.id}"),
            title=_submission_title(submission), updated=updated,
            published=submission.created_at, author=submission.delegation.name(locale),
            link=links.url("comments.submission", slug=consultation.slug,
                           submission_id=submission.id),
            category=submission.kind.value, summary=_submission_summary(submission)))
    return entries


def _dispositions(consultation, links: _Links) -> list[_Entry]:
    rows = db.session.execute(_public(
        select(LogEntry, Submission.id)
        .join(Submission, Submission.id == LogEntry.target_id)
        .join(Version, Version.id == Submission.version_id)
        .where(LogEntry.consultation_id == consultation.id,
               LogEntry.action == "submission.disposition",
               LogEntry.target_type == "submission"))
        .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(FEED_SIZE)).all()
    entries = []
    for entry, submission_id in rows:
        decided = label((entry.details or {}).get("disposition") or "")
        entries.append(_Entry(
            id=links.tag(consultation, f"log/{entry.id}"),
            # Worded from what the log recorded (delegation, version, paragraph).
            title=_("Disposition of %(target)s: %(disposition)s",
                    target=describe_target(entry), disposition=decided),
            updated=entry.at, published=entry.at, author=str(STAFF_AUTHOR),
            link=links.url("comments.submission", slug=consultation.slug,
                           submission_id=submission_id),
            category="disposition",
            summary=_shorten(reason_plain(entry) or _("The proposal is %(disposition)s.",
                                                      disposition=decided))))
    return entries


_SILENCE_ACTIONS = ("silence.start", "silence.break", "silence.withdraw", "silence.adopt")


def _silence_events(consultation, links: _Links, locale: str) -> list[_Entry]:
    """Silence procedures started, broken, withdrawn and texts adopted (from the log)."""
    from consult.auth.models import Delegation

    rows = db.session.scalars(
        select(LogEntry).where(LogEntry.consultation_id == consultation.id,
                               LogEntry.action.in_(_SILENCE_ACTIONS),
                               LogEntry.target_type == "version")
        .order_by(LogEntry.at.desc(), LogEntry.id.desc()).limit(FEED_SIZE)).all()
    codes = {(e.details or {}).get("delegation") for e in rows} - {None}
    delegations = {d.code: d for d in db.session.scalars(
        select(Delegation).where(Delegation.code.in_(codes)))} if codes else {}
    entries = []
    for entry in rows:
        details = entry.details or {}
        version = (details.get("target") or {}).get("version_label") or ""
        author, summary = str(STAFF_AUTHOR), reason_plain(entry)
        if entry.action == "silence.start":
            until = dt.datetime.fromisoformat(details["until"]) if details.get("until") else None
            title = _("%(version)s put under silence procedure until %(date)s",
                      version=version, date=_timestamp(until) if until else "?")
        elif entry.action == "silence.break":
            found = delegations.get(details.get("delegation"))
            author = found.name(locale) if found else details.get("delegation") or "?"
            title = _("%(delegation)s broke silence on %(version)s", delegation=author,
                      version=version)
        elif entry.action == "silence.withdraw":
            title = _("Silence procedure on %(version)s withdrawn", version=version)
        else:
            title = _("%(version)s adopted under silence procedure", version=version)
            summary = _("Silence was not broken before the deadline: %(version)s is the "
                        "final text.", version=version)
        entries.append(_Entry(
            id=links.tag(consultation, f"log/{entry.id}"), title=title, updated=entry.at,
            published=entry.at, author=author,
            link=links.url("drafts.version", slug=consultation.slug,
                           version_id=entry.target_id),
            category=entry.action.replace(".", "-"), summary=_shorten(summary or "")))
    return entries


def _add(parent, tag: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    for name, value in attributes.items():
        element.set(name, xml_text(value))
    if text is not None:
        element.text = xml_text(text)
    return element


def _write_entry(feed, entry: _Entry) -> None:
    node = _add(feed, "entry")
    _add(node, "id", entry.id)
    _add(node, "title", entry.title, type="text")
    _add(node, "updated", _timestamp(entry.updated))
    _add(node, "published", _timestamp(entry.published))
    _add(_add(node, "author"), "name", entry.author)
    _add(node, "link", rel="alternate", type="text/html", href=entry.link)
    if entry.related is not None:
        _add(node, "link", rel="related", type=entry.related[1], href=entry.related[0])
    _add(node, "category", term=entry.category)
    if entry.summary:  # a support often says nothing; its title says it all
        _add(node, "summary", entry.summary, type="text")


def consultation_feed(consultation, *, base_url: str) -> bytes:
    """The consultation's public activity as Atom 1.0, newest first, UTF-8.

    Worded in the reader's language (the request's locale; English without a request).
    """
    links = _Links(base_url)
    locale = str(get_locale() or "en")
    entries = (_publications(consultation, links) + _submissions(consultation, links, locale)
               + _dispositions(consultation, links)
               + _silence_events(consultation, links, locale))
    # Newest first; ties in a fixed order, so that the same record gives the same bytes.
    entries.sort(key=lambda e: (e.updated, e.id), reverse=True)

    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", locale)
    _add(feed, "id", links.tag(consultation, "feed"))
    _add(feed, "title", consultation.title, type="text")
    _add(feed, "subtitle", _("Publications, submissions and dispositions"), type="text")
    updated = entries[0].updated if entries else consultation.created_at
    _add(feed, "updated", _timestamp(updated))
    # RFC 4287 wants an author on the feed when an entry may lack one (an empty feed).
    _add(_add(feed, "author"), "name", str(STAFF_AUTHOR))
    _add(feed, "link", rel="self", type=MEDIA_TYPE,
         href=links.url("api.consultation_feed", slug=consultation.slug))
    _add(feed, "link", rel="alternate", type="text/html",
         href=links.url("drafts.consultation", slug=consultation.slug))
    _add(feed, "generator", "Consult")
    for entry in entries:
        _write_entry(feed, entry)
    etree.indent(feed)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8") + b"\n"
