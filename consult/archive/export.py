"""Open data: the public record of a consultation as one JSON document or as CSV tables.

What goes in is what the public may read on the site, and nothing else: published versions
(never a draft), submissions that are neither hidden nor under a hidden submission (withdrawn
ones included, marked), supports counted only when visible and active, the moderation log
(public by design: it names its targets and never quotes them). No e-mail address and no
account detail: the author is the name the site shows.

Everything streams: rows are read in batches by id (keyset pagination, only the columns
needed, on a connection of their own, so the ORM session never fills up), one query per
batch for the supporters, small lookups (paragraphs, versions, delegations) cached in
dicts; the memory used does not grow with the number of submissions.

The columns of each table are declared once, in TABLES below: they make the CSV header, the
JSON field names, the OpenAPI schemas and the data dictionary page, so those never disagree.

CSV choices (documented on the data dictionary page):
- one table per file (`table=submissions`, the default, `versions`, `paragraphs`, `log`);
- UTF-8 without a byte-order mark by default, as data tools expect; `bom=True` adds one
  so that Excel reads Chinese, Arabic and Cyrillic text right when the file is opened;
- a text cell that begins with = + - @, a tab or a carriage return (which a spreadsheet
  could run as a formula), or with an apostrophe, gets one apostrophe in front; removing
  the first character of any cell that begins with an apostrophe gives the exact text back.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Iterator

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult import visibility
from consult.audit.models import LogEntry
from consult.auth.models import Delegation, User
from consult.comments.models import (
    Submission,
    SubmissionKind,
    SubmissionRevision,
    SubmissionStatus,
)
from consult.db import db, get_engine, utcnow
from consult.drafts.models import (
    Consultation,
    Paragraph,
    ParagraphKey,
    ParagraphStatus,
    Version,
)
from consult.negotiation.models import SilenceProcedure
from consult.errors import Invalid
from consult.moderation.services import log_reason_text

# Bumped whenever a column is added, renamed or changes meaning (it is part of the ETag).
FORMAT_VERSION = 1
BATCH_SIZE = 1000
DEFAULT_TABLE = "submissions"
Progress = Callable[[int, int], None]


# --- the data dictionary ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an export table: its name, type and meaning."""

    name: str
    type: str  # a key of TYPES
    description: str
    nullable: bool = False  # may be empty (null in JSON, an empty cell in CSV)


@dataclasses.dataclass(frozen=True)
class Table:
    """One table of the exports: a CSV file of its own, and a list in the JSON document."""

    name: str  # the CSV `table=` value
    json_key: str  # where its rows sit in the JSON document
    title: str
    description: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """The column names, in order: the CSV header and the JSON fields."""
        return [c.name for c in self.columns]


# Types as shown on the data dictionary page; the JSON type follows in OPENAPI_TYPES.
TYPES = {
    "integer": _l("whole number"),
    "string": _l("text"),
    "markdown": _l("text as written (Markdown)"),
    "datetime": _l("date and time, ISO 8601, in UTC"),
    "date": _l("date, ISO 8601"),
    "codes": _l("list of delegation codes (in CSV: separated by spaces)"),
    "object": _l("object (in CSV: written as JSON)"),
}
OPENAPI_TYPES = {
    "integer": {"type": "integer"},
    "string": {"type": "string"},
    "markdown": {"type": "string"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "codes": {"type": "array", "items": {"type": "string"}},
    "object": {"type": "object"},
}

C = Column
CONSULTATION = Table(
    "consultation", "consultation", _l("The consultation"),
    _l("The object at the top of the JSON document (not a CSV table)."),
    (
        C("slug", "string", _l("Short name of the consultation, as in its addresses.")),
        C("title", "string", _l("Title.")),
        C("status", "string", _l("open or closed.")),
        C("mandate", "string", _l("The mandate, e.g. A/RES/64/178, para. 8.")),
        C("description", "markdown", _l("Description.")),
        C("cofacilitators", "string", _l("The co-facilitators, as announced.")),
        C("reference_date", "date", _l("Date at which membership of the United Nations is "
                                       "counted."), True),
        C("url", "string", _l("The consultation's page.")),
    ))

VERSIONS = Table(
    "versions", "versions", _l("Versions"),
    _l("Every published text of the draft, oldest first. Drafts being prepared are not "
       "included. In the JSON document each version also holds its paragraphs."),
    (
        C("id", "integer", _l("Version id, permanent.")),
        C("consultation", "string", _l("The consultation's short name.")),
        C("seq", "integer", _l("Order of the version within the consultation.")),
        C("label", "string", _l("Its name: Zero draft, Rev.1…")),
        C("symbol", "string", _l("UN document symbol, if it has one."), True),
        C("status", "string", _l("published (open for comment until its deadline), "
                                 "superseded (a later version exists) or final.")),
        C("based_on", "integer", _l("The version it was made from."), True),
        C("published_at", "datetime", _l("When it was published."), True),
        C("comments_close_at", "datetime", _l("Deadline for comments."), True),
        C("paragraph_count", "integer", _l("How many paragraphs it has.")),
        C("brackets", "integer", _l("Bracketed passages left in its text (nested pairs "
                                    "counted).")),
        C("paragraphs_open", "integer", _l("How many of them are still open.")),
        C("paragraphs_agreed_ad_ref", "integer", _l("How many are agreed ad referendum.")),
        C("paragraphs_agreed", "integer", _l("How many are agreed.")),
        C("paragraphs_deleted", "integer", _l("How many are deleted by agreement.")),
        C("silence", "string", _l("Its latest silence procedure: running, broken, adopted or "
                                  "withdrawn; empty if it never had one."), True),
        C("silence_until", "datetime", _l("The deadline of that silence procedure."), True),
        C("url", "string", _l("The version's page.")),
    ))

PARAGRAPHS = Table(
    "paragraphs", "paragraphs", _l("Paragraphs"),
    _l("Every paragraph of every published version, in order. In the JSON document they "
       "sit inside their version."),
    (
        C("id", "integer", _l("Paragraph id, permanent; submissions refer to it.")),
        C("version_id", "integer", _l("The version it belongs to.")),
        C("version_label", "string", _l("That version's name.")),
        C("position", "integer", _l("Place in the version, from 1.")),
        C("key", "string", _l("Identity of the paragraph across versions: the same key in "
                              "two versions is the same paragraph, even renumbered.")),
        C("label", "string", _l("Its number in this version: PP3, OP12, OP12(b); H for "
                                "headings.")),
        C("kind", "string", _l("heading, preambular, operative or subparagraph.")),
        C("text", "markdown", _l("The text.")),
        C("match", "string", _l("Compared with the version it was based on: kept, edited, "
                                "moved or new.")),
        C("previous_label", "string", _l("Its number in that earlier version."), True),
        C("brackets", "integer", _l("Bracketed passages in its text (nested pairs "
                                    "counted).")),
        C("status", "string", _l("What the co-facilitators recorded: open, agreed_ad_ref "
                                 "(agreed ad referendum), agreed or deleted (by agreement).")),
        C("status_note", "string", _l("Their note on that status."), True),
        C("url", "string", _l("The paragraph's page.")),
    ))

SUBMISSIONS = Table(
    "submissions", "submissions", _l("Submissions"),
    _l("What delegations wrote on the published versions, by id (the order they were "
       "written). Withdrawn submissions are kept and marked; submissions hidden by the "
       "co-facilitators, and the replies under them, are left out (the moderation log says "
       "why)."),
    (
        C("id", "integer", _l("Submission id, permanent.")),
        C("consultation", "string", _l("The consultation's short name.")),
        C("version_id", "integer", _l("The version commented on.")),
        C("version_label", "string", _l("That version's name.")),
        C("paragraph_id", "integer", _l("The paragraph commented on; empty for a general "
                                        "statement on the version and its replies."), True),
        C("paragraph_label", "string", _l("That paragraph's number in the version."), True),
        C("paragraph_key", "string", _l("That paragraph's key, stable across versions."),
          True),
        C("parent_id", "integer", _l("The submission replied to, or the amendment "
                                     "supported."), True),
        C("kind", "string", _l("comment (or a reply), amendment (proposed wording), support "
                               "(for another delegation's amendment) or statement (on a "
                               "whole version).")),
        C("language", "string", _l("Language declared by the author: en, fr, es, ru, ar or "
                                   "zh."), True),
        C("delegation_code", "string", _l("Who speaks: ISO 3166-1 alpha-3 code of a State "
                                          "(FRA), or the code of a group or organisation "
                                          "(EU, G77).")),
        C("delegation_name", "string", _l("The delegation's name in English.")),
        C("delegation_type", "string", _l("member_state, observer_state, group, igo, ngo or "
                                          "un_entity.")),
        C("author", "string", _l("Name of the delegate who wrote it, as the site shows it.")),
        C("body", "markdown", _l("The text (its newest wording; earlier wordings are on its "
                                 "page).")),
        C("proposed_text", "markdown", _l("Amendments: the proposed wording of the "
                                          "paragraph."), True),
        C("created_at", "datetime", _l("When it was written.")),
        C("edited_at", "datetime", _l("When it was last edited."), True),
        C("withdrawn_at", "datetime", _l("When its author withdrew it."), True),
        C("status", "string", _l("active or withdrawn.")),
        C("supporters", "codes", _l("Amendments: the delegations that support it now, in "
                                    "the order they gave support.")),
        C("disposition", "string", _l("Amendments: what the co-facilitators decided: "
                                      "pending, incorporated, partly_incorporated or "
                                      "not_retained."), True),
        C("disposition_note", "string", _l("Their note on that decision."), True),
        C("url", "string", _l("The submission's page.")),
    ))

LOG = Table(
    "log", "moderation_log", _l("Moderation log"),
    _l("Every publication and moderation action on the consultation, oldest first: who, "
       "when, what, why. Entries name what they act on and never quote a submission."),
    (
        C("id", "integer", _l("Entry id.")),
        C("at", "datetime", _l("When.")),
        C("consultation", "string", _l("The consultation's short name.")),
        C("action", "string", _l("version.publish, version.deadline, submission.hide, "
                                 "submission.restore, submission.disposition or "
                                 "submission.withdraw.")),
        C("actor_name", "string", _l("Who acted (name at the time).")),
        C("actor_role", "string", _l("Their role: cofacilitator, secretariat, delegate, "
                                     "observer or system.")),
        C("target_type", "string", _l("What was acted on: version or submission.")),
        C("target_id", "integer", _l("Its id."), True),
        C("target_label", "string", _l("How the log names it, e.g. amendment FRA Rev.1 OP3.")),
        C("target_url", "string", _l("Its page (a hidden submission's page is not public)."),
          True),
        C("reason", "string", _l("Why, in English: the reason chosen, then the words of "
                                 "whoever acted.")),
        C("reason_code", "string", _l("Code of the reason for hiding: off_topic, abusive, "
                                      "personal_data, duplicate, advertising or other."), True),
        C("details", "object", _l("Particulars of the action, e.g. the disposition before "
                                  "and after, or the deadline before and after.")),
    ))
del C

TABLES: dict[str, Table] = {t.name: t for t in (SUBMISSIONS, VERSIONS, PARAGRAPHS, LOG)}


def export_tables() -> dict[str, Table]:
    """The CSV tables by name (iterating gives the names), submissions first."""
    return dict(TABLES)


def document_tables() -> list[Table]:
    """Every part of the JSON document, in the order it is written (consultation first)."""
    return [CONSULTATION, VERSIONS, PARAGRAPHS, SUBMISSIONS, LOG]


def _table(name) -> Table:
    if not isinstance(name, str) or name not in TABLES:
        raise Invalid(_("Unknown table %(table)s; choose one of: %(tables)s.",
                        table=str(name)[:40], tables=", ".join(TABLES)), field="table")
    return TABLES[name]


# --- reading the record ----------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


class _Links:
    """Addresses of the site's pages, absolute when a base URL is known.

    Built from the URL map directly (not url_for), so that they work outside a request,
    e.g. for the static archive, and cost a string concatenation per row.
    """

    def __init__(self, base_url: str | None):
        self.base = (base_url or "").rstrip("/")
        self.adapter = current_app.url_map.bind("localhost", script_name="/")
        self._prefixes: dict[tuple, str] = {}

    def url(self, endpoint: str, **values) -> str:
        """The address of one page."""
        return self.base + self.adapter.build(endpoint, values)

    def by_id(self, endpoint: str, name: str, ident: int, **values) -> str:
        """The address of a page whose last segment is an id (cached per endpoint)."""
        cache_key = (endpoint, name, tuple(sorted(values.items())))
        prefix = self._prefixes.get(cache_key)
        if prefix is None:
            probe = self.url(endpoint, **values, **{name: 4242})
            if not probe.endswith("/4242") or self.url(endpoint, **values, **{name: 7}) != \
                    probe[:-4] + "7":
                return self.url(endpoint, **values, **{name: ident})
            prefix = self._prefixes[cache_key] = probe[:-4]
        return prefix + str(ident)


@dataclasses.dataclass
class _Export:
    """What one export knows before it starts reading: the consultation and where links go."""

    consultation_id: int
    slug: str
    links: _Links

    @classmethod
    def start(cls, consultation, base_url: str | None) -> _Export:
        """Settle everything the export needs before streaming begins."""
        return cls(consultation.id, consultation.slug, _Links(base_url))


@contextlib.contextmanager
def _snapshot() -> Iterator:
    """A read-only connection of its own, on one snapshot of the database.

    Every batch then sees the same state (a hide between two batches cannot make a reply
    appear without its parent). PostgreSQL: REPEATABLE READ; SQLite: one read transaction.
    """
    with get_engine().connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ",
                                         postgresql_readonly=True)
        with connection.begin():
            yield connection


def _consultation_row(conn, ex: _Export) -> dict:
    c = conn.execute(select(
        Consultation.slug, Consultation.title, Consultation.status, Consultation.mandate,
        Consultation.description, Consultation.cofacilitators, Consultation.reference_date)
        .where(Consultation.id == ex.consultation_id)).one()
    return {"slug": c.slug, "title": c.title, "status": c.status.value, "mandate": c.mandate,
            "description": c.description, "cofacilitators": c.cofacilitators,
            "reference_date": _iso(c.reference_date),
            "url": ex.links.url("drafts.consultation", slug=ex.slug)}


def _version_rows(conn, ex: _Export) -> list[dict]:
    """The published versions, oldest first (a handful: kept in memory)."""
    counts, brackets = {}, {}
    for version_id, count, bracketed in conn.execute(
            select(Paragraph.version_id, func.count(Paragraph.id),
                   func.coalesce(func.sum(Paragraph.brackets), 0))
            .join(Version, Version.id == Paragraph.version_id)
            .where(Version.consultation_id == ex.consultation_id)
            .group_by(Paragraph.version_id)):
        counts[version_id], brackets[version_id] = count, int(bracketed)
    rows = conn.execute(select(
        Version.id, Version.seq, Version.label, Version.symbol, Version.status,
        Version.based_on_id, Version.published_at, Version.comments_close_at)
        .where(Version.consultation_id == ex.consultation_id,
               visibility.public_versions())
        .order_by(Version.seq))
    rows = list(rows)
    statuses = {}
    for version_id, status, count in conn.execute(
            select(Paragraph.version_id, Paragraph.status, func.count(Paragraph.id))
            .join(Version, Version.id == Paragraph.version_id)
            .where(Version.consultation_id == ex.consultation_id)
            .group_by(Paragraph.version_id, Paragraph.status)):
        statuses[(version_id, getattr(status, "value", status))] = count
    silences = {}
    for version_id, state, until in conn.execute(
            select(SilenceProcedure.version_id, SilenceProcedure.state, SilenceProcedure.until)
            .where(SilenceProcedure.consultation_id == ex.consultation_id)
            .order_by(SilenceProcedure.started_at, SilenceProcedure.id)):
        silences[version_id] = (state, until)  # the latest wins
    now = utcnow()

    def silence_state(version_id):
        found = silences.get(version_id)
        if found is None:
            return None
        state = getattr(found[0], "value", found[0])
        # A deadline passed unbroken is an adoption, recorded or not yet.
        return "adopted" if state == "running" and found[1] <= now else state

    return [{"id": v.id, "consultation": ex.slug, "seq": v.seq, "label": v.label,
             "symbol": v.symbol, "status": v.status.value, "based_on": v.based_on_id,
             "published_at": _iso(v.published_at),
             "comments_close_at": _iso(v.comments_close_at),
             "paragraph_count": counts.get(v.id, 0),
             "brackets": brackets.get(v.id, 0),
             **{f"paragraphs_{s.value}": statuses.get((v.id, s.value), 0)
                for s in ParagraphStatus},
             "silence": silence_state(v.id),
             "silence_until": _iso(silences[v.id][1]) if v.id in silences else None,
             "url": ex.links.by_id("drafts.version", "version_id", v.id, slug=ex.slug)}
            for v in rows]


def _paragraph_rows(conn, ex: _Export, version: dict) -> list[dict]:
    """The paragraphs of one published version, in order."""
    rows = conn.execute(select(
        Paragraph.id, Paragraph.position, Paragraph.label, Paragraph.kind, Paragraph.text,
        Paragraph.match_status, Paragraph.previous_label, Paragraph.brackets, Paragraph.status,
        Paragraph.status_note, ParagraphKey.key)
        .join(ParagraphKey, ParagraphKey.id == Paragraph.key_id)
        .where(Paragraph.version_id == version["id"]).order_by(Paragraph.position))
    return [{"id": p.id, "version_id": version["id"], "version_label": version["label"],
             "position": p.position, "key": p.key, "label": p.label, "kind": p.kind.value,
             "text": p.text, "match": p.match_status.value,
             "previous_label": p.previous_label, "brackets": p.brackets,
             "status": getattr(p.status, "value", p.status), "status_note": p.status_note,
             # Paragraph.anchor is the page's own rule for a label in an address.
             "url": ex.links.url("comments.paragraph", slug=ex.slug, version_id=version["id"],
                                 label=Paragraph.anchor.fget(p))}
            for p in rows]


def _public_submissions(ex: _Export, version_ids: list[int]):
    """The WHERE clause of the public submissions (the same for counting and reading)."""
    return (Submission.consultation_id == ex.consultation_id,
            Submission.version_id.in_(version_ids), visibility.not_concealed())


def _count_submissions(conn, ex: _Export, version_ids: list[int]) -> int:
    if not version_ids:
        return 0
    return conn.scalar(select(func.count(Submission.id))
                       .where(*_public_submissions(ex, version_ids)))


def _count_log(conn, ex: _Export) -> int:
    return conn.scalar(select(func.count(LogEntry.id))
                       .where(LogEntry.consultation_id == ex.consultation_id))


def _batches(conn, query, id_column) -> Iterator[list]:
    """Rows of a query by ascending id, BATCH_SIZE at a time (keyset pagination)."""
    last = 0
    while True:
        rows = conn.execute(query.where(id_column > last).order_by(id_column)
                            .limit(BATCH_SIZE)).all()
        if not rows:
            return
        yield rows
        if len(rows) < BATCH_SIZE:
            return
        last = rows[-1].id


def _submission_batches(conn, ex: _Export, versions: list[dict]) -> Iterator[list[dict]]:
    """The public submissions as rows of the submissions table, a batch at a time."""
    if not versions:
        return
    version_labels = {v["id"]: v["label"] for v in versions}
    paragraphs = {p.id: (p.label, p.key) for p in conn.execute(
        select(Paragraph.id, Paragraph.label, ParagraphKey.key)
        .join(ParagraphKey, ParagraphKey.id == Paragraph.key_id)
        .where(Paragraph.version_id.in_(list(version_labels))))}
    delegations: dict[int, tuple[str, str, str]] = {}
    query = (select(
        Submission.id, Submission.version_id, Submission.paragraph_id, Submission.parent_id,
        Submission.kind, Submission.language, Submission.delegation_id,
        User.name.label("author"), Submission.body, Submission.proposed_text,
        Submission.created_at, Submission.edited_at, Submission.withdrawn_at,
        Submission.status, Submission.disposition, Submission.disposition_note)
        .join(User, User.id == Submission.author_id)
        .where(*_public_submissions(ex, list(version_labels))))
    for rows in _batches(conn, query, Submission.id):
        missing = {r.delegation_id for r in rows} - delegations.keys()
        if missing:
            for d in conn.execute(select(Delegation.id, Delegation.code, Delegation.name_en,
                                         Delegation.kind).where(Delegation.id.in_(missing))):
                delegations[d.id] = (d.code, d.name_en, d.kind.value)
        supporters = _supporters(conn, [r.id for r in rows
                                        if r.kind == SubmissionKind.amendment])
        batch = []
        for r in rows:
            label, key = paragraphs.get(r.paragraph_id, (None, None))
            code, name, kind = delegations[r.delegation_id]
            batch.append({
                "id": r.id, "consultation": ex.slug, "version_id": r.version_id,
                "version_label": version_labels[r.version_id],
                "paragraph_id": r.paragraph_id, "paragraph_label": label,
                "paragraph_key": key, "parent_id": r.parent_id, "kind": r.kind.value,
                "language": r.language, "delegation_code": code, "delegation_name": name,
                "delegation_type": kind, "author": r.author, "body": r.body,
                "proposed_text": r.proposed_text, "created_at": _iso(r.created_at),
                "edited_at": _iso(r.edited_at), "withdrawn_at": _iso(r.withdrawn_at),
                "status": r.status.value, "supporters": supporters.get(r.id, []),
                "disposition": r.disposition.value if r.disposition else None,
                "disposition_note": r.disposition_note,
                "url": ex.links.by_id("comments.submission", "submission_id", r.id,
                                      slug=ex.slug),
            })
        yield batch


def _supporters(conn, amendment_ids: list[int]) -> dict[int, list[str]]:
    """Codes of the delegations actively and visibly supporting each amendment, in order.

    As supporters_of() in comments.services: a hidden (or withdrawn) support counts for
    nobody.
    """
    if not amendment_ids:
        return {}
    found: dict[int, list[str]] = {}
    for parent_id, code in conn.execute(
            select(Submission.parent_id, Delegation.code)
            .join(Delegation, Delegation.id == Submission.delegation_id)
            .where(Submission.parent_id.in_(amendment_ids),
                   Submission.kind == SubmissionKind.support,
                   Submission.status == SubmissionStatus.active,
                   # The parent_id index must lead (see not_concealed).
                   visibility.not_concealed(by_index=False))
            .order_by(Submission.created_at, Submission.id)):
        found.setdefault(parent_id, []).append(code)
    return found


def _log_batches(conn, ex: _Export) -> Iterator[list[dict]]:
    """The consultation's log entries as rows of the log table, oldest first."""
    query = select(LogEntry.id, LogEntry.at, LogEntry.action, LogEntry.actor_name,
                   LogEntry.actor_role, LogEntry.target_type, LogEntry.target_id,
                   LogEntry.target_label, LogEntry.reason, LogEntry.details) \
        .where(LogEntry.consultation_id == ex.consultation_id)
    for rows in _batches(conn, query, LogEntry.id):
        batch = []
        for e in rows:
            details = dict(e.details or {})
            url = None
            if e.target_id and e.target_type == "submission":
                url = ex.links.by_id("comments.submission", "submission_id", e.target_id,
                                     slug=ex.slug)
            elif e.target_id and e.target_type == "version":
                url = ex.links.by_id("drafts.version", "version_id", e.target_id,
                                     slug=ex.slug)
            batch.append({
                "id": e.id, "at": _iso(e.at), "consultation": ex.slug, "action": e.action,
                "actor_name": e.actor_name, "actor_role": e.actor_role,
                "target_type": e.target_type, "target_id": e.target_id,
                "target_label": e.target_label, "target_url": url,
                "reason": log_reason_text(e), "reason_code": details.pop("reason_code", None),
                "details": details,
            })
        yield batch


# --- JSON ------------------------------------------------------------------------------


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _pick(table: Table, row: dict) -> dict:
    """The row with exactly the table's columns, in order (a missing one is a bug: KeyError)."""
    return {name: row[name] for name in table.names}


def iter_export_json(consultation, *, base_url: str | None = None,
                     progress: Progress | None = None,
                     generated_at: dt.datetime | None = None) -> Iterator[str]:
    """The public record as one JSON document, in chunks: join them, or write them out.

    `base_url` makes links absolute (the view passes the site's root); without it, links
    are paths. `progress(done, total)` is told after each batch, in
    rows (submissions and log entries). `generated_at` fixes the stamp (reproducible files).
    """
    ex = _Export.start(consultation, base_url)
    return _json_chunks(ex, progress, generated_at or utcnow())


def _json_chunks(ex: _Export, progress: Progress | None, generated_at: dt.datetime
                 ) -> Iterator[str]:
    with _snapshot() as conn:
        versions = _version_rows(conn, ex)
        version_ids = [v["id"] for v in versions]
        total = _count_submissions(conn, ex, version_ids) + _count_log(conn, ex)
        done = 0
        if progress:
            progress(done, total)
        # One element per line: the file reads well in a text editor and diffs line by line.
        header = _dumps(_pick(CONSULTATION, _consultation_row(conn, ex)))
        dictionary = _dumps(ex.links.url("archive.data_dictionary", slug=ex.slug))
        yield (f'{{"format_version":{FORMAT_VERSION},\n"consultation":{header},\n'
               f'"generated_at":{_dumps(_iso(generated_at))},\n'
               f'"data_dictionary":{dictionary},\n"versions":[')
        for i, version in enumerate(versions):
            item = _pick(VERSIONS, version)
            item["paragraphs"] = [_pick(PARAGRAPHS, p)
                                  for p in _paragraph_rows(conn, ex, version)]
            yield ("," if i else "") + "\n" + _dumps(item)
        for key, table, batches in (
                ("submissions", SUBMISSIONS, _submission_batches(conn, ex, versions)),
                ("moderation_log", LOG, _log_batches(conn, ex))):
            yield f'\n],\n"{key}":['
            first = True
            for batch in batches:
                yield ("\n" if first else ",\n") + ",\n".join(
                    _dumps(_pick(table, row)) for row in batch)
                first = False
                done += len(batch)
                if progress:
                    progress(done, total)
        yield "\n]}\n"


# --- CSV -------------------------------------------------------------------------------

# A spreadsheet runs a cell starting with these as a formula (OWASP "CSV injection");
# the apostrophe is included so that the escape can be undone without ambiguity.
_RISKY_START = ("=", "+", "-", "@", "\t", "\r", "'")


def csv_cell(value) -> str:
    """One value as a CSV cell: empty for none, codes joined by spaces, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        text = " ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(_RISKY_START) else text


def iter_export_csv(consultation, table: str = DEFAULT_TABLE, *, base_url: str | None = None,
                    progress: Progress | None = None, bom: bool = False) -> Iterator[str]:
    """One table of the public record as CSV (header row first), in chunks.

    Unknown tables are refused at once (Invalid), before anything is read. `bom` starts
    the file with a UTF-8 byte-order mark, for Excel.
    """
    chosen = _table(table)
    ex = _Export.start(consultation, base_url)
    return _csv_chunks(ex, chosen, progress, bom)


def _csv_chunks(ex: _Export, table: Table, progress: Progress | None, bom: bool
                ) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    with _snapshot() as conn:
        versions = _version_rows(conn, ex)
        if table is VERSIONS:
            total, batches = len(versions), iter([versions] if versions else [])
        elif table is PARAGRAPHS:
            total = sum(v["paragraph_count"] for v in versions)
            batches = (_paragraph_rows(conn, ex, v) for v in versions)
        elif table is SUBMISSIONS:
            total = _count_submissions(conn, ex, [v["id"] for v in versions])
            batches = _submission_batches(conn, ex, versions)
        else:
            total, batches = _count_log(conn, ex), _log_batches(conn, ex)
        done = 0
        if progress:
            progress(done, total)
        writer.writerow(table.names)
        yield ("\ufeff" if bom else "") + flush()
        for batch in batches:
            writer.writerows([csv_cell(row[name]) for name in table.names] for row in batch)
            yield flush()
            done += len(batch)
            if progress:
                progress(done, total)


# --- conditional requests ---------------------------------------------------------------


def record_etag(consultation, representation: str, base_url: str | None = None) -> str:
    """A validator of the public record: it changes whenever anything an export shows does.

    Built from signals that indexes answer without reading the submissions themselves (a
    few milliseconds at 100,000), so a client that has the file gets 304 cheaply:
    - the consultation's fields, and each public version's (publication, deadlines);
    - posting: how many submissions the consultation has, and the newest id;
    - editing: the newest earlier-text id (every edit keeps the replaced text as a row);
    - hiding and restoring: how many rows are hidden, and under a hidden one;
    - the log, how many entries and the newest id: every publication, deadline change,
      hide, restore, disposition and withdrawal writes one in the same transaction;
    - the names of delegations and accounts, which rows copy.
    Drafts are left out, so the validator says nothing about them. `representation`
    tells JSON from each CSV table and variant; `base_url` is part of the links. (The demo
    generator rewrites rows behind the services' back; nothing here notices that.)
    """
    cid = consultation.id
    parts: list = [FORMAT_VERSION, representation, base_url or "",
                   consultation.slug, consultation.title, consultation.status.value,
                   consultation.mandate, consultation.description, consultation.cofacilitators,
                   _iso(consultation.reference_date)]
    parts.append([tuple(_iso(v) if isinstance(v, dt.datetime) else str(v) for v in row)
                  for row in db.session.execute(
                      select(Version.id, Version.status, Version.label, Version.symbol,
                             Version.based_on_id, Version.published_at,
                             Version.comments_close_at)
                      .where(Version.consultation_id == cid,
                             visibility.public_versions())
                      .order_by(Version.id))])
    in_consultation = Submission.consultation_id == cid
    parts.append(tuple(db.session.execute(
        select(func.count(Submission.id), func.max(Submission.id)).where(in_consultation)
    ).one()))
    # Each count on its own, so that the (small) set of hidden rows is read by its index.
    parts.append(db.session.scalar(select(func.count(Submission.id)).where(
        in_consultation, Submission.is_hidden.is_(True))))
    parts.append(db.session.scalar(select(func.count(Submission.id)).where(
        in_consultation, Submission.under_hidden.is_(True))))
    parts.append(db.session.scalar(select(func.max(SubmissionRevision.id))))
    parts.append(tuple(db.session.execute(
        select(func.count(LogEntry.id), func.max(LogEntry.id))
        .where(LogEntry.consultation_id == cid)).one()))
    names = hashlib.sha256()
    for rows in (db.session.execute(select(Delegation.id, Delegation.code, Delegation.name_en,
                                           Delegation.kind).order_by(Delegation.id)),
                 db.session.execute(select(User.id, User.name).order_by(User.id))):
        for row in rows:
            names.update(repr(tuple(row)).encode())
    parts.append(names.hexdigest())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
