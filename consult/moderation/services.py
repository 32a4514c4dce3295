"""Moderation: hiding and restoring submissions, dispositions, deadlines, the public log.

Every function takes the acting user, checks the right through `consult.permissions`,
refuses bad input before anything changes, writes its public log entry itself, queues the
search index in the same transaction, and leaves committing to the caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, selectinload

from consult import visibility
from consult import permissions
from consult.audit.models import LogEntry
from consult.audit.services import record_action, submission_facts, version_facts
from consult.db import db, utcnow
from consult.negotiation.silence import require_not_under_silence
from consult.notify.events import record_event
from consult.errors import Conflict, Invalid, NotFound
from consult.paging import Paged, require_page_exists, require_page_number
from consult.urls import MAX_ID
from consult.words import clean_words

# Why a submission may be hidden; the moderator adds their own words ("other" needs them).
HIDE_REASONS = {
    "off_topic": _l("Off topic: not about the text under consultation"),
    "abusive": _l("Abusive or offensive language"),
    "personal_data": _l("Personal data (for example about a victim)"),
    "duplicate": _l("Duplicate of another submission"),
    "advertising": _l("Advertising or spam"),
    "other": _l("Another reason (explained)"),
}
# The same in English, for the log's JSON and exports (read by machines and archives).
HIDE_REASONS_EN = {
    "off_topic": "Off topic", "abusive": "Abusive or offensive language",
    "personal_data": "Personal data", "duplicate": "Duplicate",
    "advertising": "Advertising or spam", "other": "Other",
}
MAX_REASON_CHARS = 2000
MAX_BULK = 500


# --- the log ---------------------------------------------------------------------------


@dataclasses.dataclass
class LogPage(Paged):
    """One page of the public log, newest first."""

    entries: list[LogEntry]
    total: int
    page: int
    per_page: int

LOG_ACTIONS = ("version.publish", "version.deadline", "version.translation", "submission.hide",
               "submission.restore", "submission.disposition", "submission.withdraw",
               "paragraph.status", "silence.start", "silence.break", "silence.withdraw",
               "silence.adopt", "version.announced")


def list_log(*, consultation=None, action: str | None = None, page: int = 1,
             per_page: int = 50) -> LogPage:
    """The public log, newest first, optionally of one consultation or one kind of action."""
    if action is not None and action not in LOG_ACTIONS:
        raise Invalid(_("Unknown action; choose one of: %(actions)s.",
                        actions=", ".join(LOG_ACTIONS)), field="action")
    if not 1 <= per_page <= 200:
        raise Invalid(_("per_page must be between 1 and 200."), field="per_page")
    require_page_number(page)
    conditions = []
    if consultation is not None:
        conditions.append(LogEntry.consultation_id == consultation.id)
    if action is not None:
        conditions.append(LogEntry.action == action)
    total = db.session.scalar(select(func.count(LogEntry.id)).where(*conditions))
    require_page_exists(page, total, per_page)
    entries = list(db.session.scalars(
        select(LogEntry).where(*conditions).order_by(LogEntry.at.desc(), LogEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    return LogPage(entries, total, page, per_page)


def hidden_targets(entries) -> set[int]:
    """Ids of the submissions named in these entries that are hidden now (not linked then)."""
    from consult.comments.models import Submission

    ids = {e.target_id for e in entries if e.target_type == "submission" and e.target_id}
    if not ids:
        return set()
    return set(db.session.scalars(select(Submission.id).where(
        Submission.id.in_(ids), visibility.concealed())))


def log_reason_text(entry: LogEntry) -> str:
    """The why of a log entry in English: the chosen reason, then the moderator's words."""
    code = (entry.details or {}).get("reason_code")
    words = entry.reason or ""
    if code:
        title = HIDE_REASONS_EN.get(code, code)
        return f"{title}: {words}" if words else title
    return words


# --- checks ----------------------------------------------------------------------------


def _clean_words(value, *, field: str, required: bool, message: str) -> str:
    return clean_words(value, field=field, limit=MAX_REASON_CHARS,
                       required_message=message if required else None)


def _lock(submission):
    """Re-read a submission under row locks, so moderators act one after the other.

    The top of its thread is locked first: hiding or restoring anywhere in a thread
    rewrites `under_hidden` below, so two such actions in one thread must take turns (and
    a reply being posted holds a share lock on the same row, see comments.services). On
    PostgreSQL the second waits for the first to commit and then sees its result (and gets
    a clear refusal if the first already did the same thing); SQLite serialises writing
    transactions anyway.
    """
    from consult.comments.models import Submission
    from consult.comments.services import thread_root_id

    root_id = thread_root_id(submission)
    db.session.execute(select(Submission.id).where(Submission.id == root_id)
                       .with_for_update())
    if root_id != submission.id:
        db.session.execute(select(Submission.id).where(Submission.id == submission.id)
                           .with_for_update())
    db.session.refresh(submission)
    return submission


def _children(parent_ids: list[int]) -> list:
    from consult.comments.models import Submission

    # Fresh rows, not what the session read before the lock was granted.
    return list(db.session.scalars(
        select(Submission).where(Submission.parent_id.in_(parent_ids))
        .execution_options(populate_existing=True)))


def _mark_subtree(root) -> None:
    """Recompute `under_hidden` below `root`: hidden when anything above is hidden."""
    concealed = {root.id: root.is_hidden or root.under_hidden}
    frontier = [root.id]
    while frontier:
        children = _children(frontier)
        for child in children:
            child.under_hidden = concealed[child.parent_id]
            concealed[child.id] = child.is_hidden or child.under_hidden
        frontier = [c.id for c in children]


# --- hiding and restoring ----------------------------------------------------------------


def hide_submission(actor, submission, *, reason_code, reason: str = "",
                    now: dt.datetime | None = None):
    """Hide a submission (and the replies under it) with a reason; it stays stored."""
    from consult.search.outbox import record_submission_change

    permissions.require(actor, "hide_submission", submission)
    if not isinstance(reason_code, str) or reason_code not in HIDE_REASONS:
        raise Invalid(_("Choose why the submission is hidden."), field="reason_code")
    reason = _clean_words(reason, field="reason", required=reason_code == "other",
                          message=_("Explain the reason in a few words."))
    now = now or utcnow()
    _lock(submission)
    if submission.is_hidden:
        raise Conflict(_("This submission was already hidden on %(date)s; nothing changed.",
                         date=submission.hidden_at.strftime("%Y-%m-%d %H:%M UTC")
                         if submission.hidden_at else "?"))
    submission.is_hidden = True
    submission.hidden_at = now
    submission.hidden_reason_code = reason_code
    submission.hidden_reason = reason
    submission.hidden_by_id = actor.id
    _mark_subtree(submission)
    db.session.flush()
    record_submission_change(submission.id, with_replies=True)
    record_action(actor, "submission.hide", "submission", submission.id,
                  consultation_id=submission.consultation_id,
                  target_facts=submission_facts(submission),
                  reason=reason, details={"reason_code": reason_code}, at=now)
    return submission


def restore_submission(actor, submission, *, reason, now: dt.datetime | None = None):
    """Show a hidden submission again (and the replies that were hidden with it)."""
    from consult.search.outbox import record_submission_change

    permissions.require(actor, "restore_submission", submission)
    reason = _clean_words(reason, field="reason", required=True,
                          message=_("Say why the submission is shown again."))
    now = now or utcnow()
    _lock(submission)
    if not submission.is_hidden:
        raise Conflict(_("This submission is not hidden; nothing changed."))
    submission.is_hidden = False
    submission.hidden_at = None
    submission.hidden_reason_code = None
    submission.hidden_reason = None
    submission.hidden_by_id = None
    _mark_subtree(submission)
    db.session.flush()
    record_submission_change(submission.id, with_replies=True)
    record_action(actor, "submission.restore", "submission", submission.id,
                  consultation_id=submission.consultation_id,
                  target_facts=submission_facts(submission),
                  reason=reason, at=now)
    return submission


# --- dispositions ------------------------------------------------------------------------


def _clean_disposition(value):
    from consult.comments.models import Disposition

    if not isinstance(value, str) or value not in Disposition.__members__:
        raise Invalid(_("Unknown disposition; use pending, incorporated, partly_incorporated "
                        "or not_retained."), field="disposition")
    return Disposition(value)


def _clean_note(disposition, note) -> str:
    from consult.comments.models import Disposition

    return _clean_words(note, field="note", required=disposition == Disposition.not_retained,
                        message=_("Say why the proposal is not retained."))


def _apply_disposition(actor, submission, disposition, note: str, now: dt.datetime,
                       *, bulk: bool = False) -> bool:
    """Set one proposal's disposition under a lock; False when it already had it."""
    from consult.comments.models import SubmissionKind
    from consult.search.outbox import record_submission_change

    if submission.kind != SubmissionKind.amendment:
        raise Invalid(_("Only a proposed amendment has a disposition."), field="disposition")
    _lock(submission)
    if submission.is_withdrawn:
        raise Conflict(_("This proposal was withdrawn by its author; it needs no "
                         "disposition."))
    if submission.is_concealed:
        raise Conflict(_("This proposal is hidden; restore it before deciding on it."))
    previous = submission.disposition
    if previous == disposition and (submission.disposition_note or "") == note:
        return False
    submission.disposition = disposition
    submission.disposition_note = note or None
    submission.disposition_at = now
    submission.disposition_by_id = actor.id
    db.session.flush()
    record_submission_change(submission.id)
    details = {"disposition": disposition.value,
               "previous": previous.value if previous else None}
    if bulk:
        details["bulk"] = True
    record_action(actor, "submission.disposition", "submission", submission.id,
                  consultation_id=submission.consultation_id,
                  target_facts=submission_facts(submission),
                  reason=note, details=details, at=now)
    record_event("disposition", consultation_id=submission.consultation_id,
                 version_id=submission.version_id, submission_id=submission.id,
                 delegation_id=submission.delegation_id, actor=actor,
                 details={"disposition": disposition.value}, at=now)
    return True


def set_disposition(actor, submission, disposition, note="", *,
                    now: dt.datetime | None = None):
    """Record what the co-facilitators decided about one proposed amendment."""
    permissions.require(actor, "set_disposition", submission)
    require_not_under_silence(submission.version)
    disposition = _clean_disposition(disposition)
    note = _clean_note(disposition, note)
    if not _apply_disposition(actor, submission, disposition, note, now or utcnow()):
        # Typically a colleague recorded the same decision a moment earlier.
        raise Conflict(_("This proposal already has that disposition and note; nothing "
                         "changed."))
    return submission


def set_dispositions(actor, version, submission_ids, disposition, note="", *,
                     now: dt.datetime | None = None) -> int:
    """Give many proposals of one consultation the same disposition; how many changed."""
    from consult.comments.models import Submission

    permissions.require(actor, "moderate_submissions", version.consultation)
    disposition = _clean_disposition(disposition)
    note = _clean_note(disposition, note)
    ids = sorted({i for i in submission_ids if isinstance(i, int) and 0 < i <= MAX_ID})
    if not ids or len(ids) != len(set(submission_ids)):
        raise Invalid(_("Choose at least one proposal."), field="ids")
    if len(ids) > MAX_BULK:
        raise Invalid(_("Choose at most %(count)d proposals at a time.", count=MAX_BULK),
                      field="ids")
    found = list(db.session.scalars(select(Submission).where(Submission.id.in_(ids))
                                    .order_by(Submission.id)))
    if len(found) != len(ids) or any(s.consultation_id != version.consultation_id
                                     for s in found):
        raise Invalid(_("Some of the chosen proposals are not of this consultation; nothing "
                        "changed."), field="ids")
    now = now or utcnow()
    changed = 0
    for submission in found:
        permissions.require(actor, "set_disposition", submission)
        require_not_under_silence(submission.version, now)
        changed += _apply_disposition(actor, submission, disposition, note, now, bulk=True)
    return changed


# --- deadlines ---------------------------------------------------------------------------


def change_deadline(actor, version, comments_close_at, *, reason,
                    now: dt.datetime | None = None):
    """Close a published version's comment period early, or extend (or reopen) it."""
    from consult.drafts.models import ConsultationStatus, VersionStatus
    from consult.drafts.services import _lock as lock_consultation
    from consult.drafts.services import _parse_deadline

    permissions.require(actor, "change_deadline", version)
    now = now or utcnow()
    reason = _clean_words(reason, field="reason", required=True,
                          message=_("Say why the deadline changes; the reason is published "
                                    "in the log."))
    if comments_close_at in (None, ""):
        raise Invalid(_("Give the new deadline."), field="comments_close_at")
    close_now = comments_close_at == "now"
    deadline = now if close_now else _parse_deadline(comments_close_at)
    lock_consultation(version.consultation)
    db.session.refresh(version)
    if version.status != VersionStatus.published:
        raise Conflict(_("Only the newest published version has a comment period to change."))
    if close_now and version.comments_close_at is not None and version.comments_close_at <= now:
        # Closing again would only move the recorded closing time (two clicks, say).
        raise Conflict(_("Comments on %(label)s already closed on %(date)s; nothing changed.",
                         label=version.label,
                         date=version.comments_close_at.strftime("%Y-%m-%d %H:%M UTC")))
    if version.consultation.status != ConsultationStatus.open:
        raise Conflict(_("%(title)s is closed: its record can no longer change.",
                         title=version.consultation.title))
    if deadline < now - dt.timedelta(minutes=1):
        raise Invalid(_("The new deadline has already passed; to close comments now, use "
                        "'Close now'."), field="comments_close_at")
    previous = version.comments_close_at
    if previous == deadline:
        raise Invalid(_("That is already the deadline; nothing changed."),
                      field="comments_close_at")
    version.comments_close_at = deadline
    db.session.flush()
    record_action(actor, "version.deadline", "version", version.id,
                  consultation_id=version.consultation_id,
                  target_facts=version_facts(version), reason=reason, at=now,
                  details={"from": previous.isoformat() if previous else None,
                           "to": deadline.isoformat()})
    record_event("deadline_moved", consultation_id=version.consultation_id,
                 version_id=version.id, actor=actor, at=now,
                 details={"deadline": deadline.isoformat(), "closed": close_now})
    return version


# --- what the co-facilitators work from --------------------------------------------------


def get_submission_to_moderate(actor, submission_id) -> object:
    """A submission of a consultation the actor runs (hidden ones included), else 404/403."""
    from consult.comments.models import Submission

    if isinstance(submission_id, bool) or not isinstance(submission_id, int) \
            or not 0 < submission_id <= MAX_ID:
        raise NotFound(_("Not found."))
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(_("Not found."))
    permissions.require(actor, "view_submission", submission)
    return submission


@dataclasses.dataclass
class QueuePage(Paged):
    """One page of the moderation queue: submissions, each amendment with its supports."""

    submissions: list
    total: int
    page: int
    per_page: int
    show: str
    # Amendment id → its supports worth a moderator's look: the active ones (the
    # supporters) and the hidden ones, oldest first. Supports are not items of their own.
    supports: dict = dataclasses.field(default_factory=dict)

    def supporters(self, amendment) -> list:
        """The delegations actively supporting an amendment of this page (none hidden)."""
        return [s.delegation for s in self.supports.get(amendment.id, [])
                if s.status.value == "active" and not s.is_concealed]



QUEUE_VIEWS = ("recent", "hidden", "pending")


def moderation_queue(actor, consultation, *, show: str = "recent", page: int = 1,
                     per_page: int = 50) -> QueuePage:
    """Submissions to review: newest first, the hidden ones, or the proposals still pending.

    Supports are not listed on their own: each amendment carries its supports
    (`QueuePage.supports`), and the hidden view lists an amendment when one of its supports
    is hidden. Counted and paged in SQL; the supports are fetched for the page's amendments
    only (at most one active support per delegation and amendment).
    """
    from consult.comments.models import (
        Disposition,
        Submission,
        SubmissionKind,
        SubmissionStatus,
    )
    from consult.drafts.models import Version

    permissions.require(actor, "moderate_submissions", consultation)
    if show not in QUEUE_VIEWS:
        show = "recent"
    page = min(max(page, 1), 100_000)
    conditions = [Submission.consultation_id == consultation.id,
                  Submission.kind != SubmissionKind.support]
    if show == "hidden":
        support = aliased(Submission)
        conditions.append(Submission.is_hidden.is_(True) | exists().where(
            support.parent_id == Submission.id, support.kind == SubmissionKind.support,
            support.is_hidden.is_(True)))
    elif show == "pending":
        conditions += [Submission.kind == SubmissionKind.amendment,
                       Submission.status == SubmissionStatus.active,
                       visibility.not_concealed(),
                       Submission.disposition == Disposition.pending]
    query = select(Submission).join(Version, Version.id == Submission.version_id).where(
        visibility.public_versions(), *conditions)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(
        query.options(selectinload(Submission.version), selectinload(Submission.paragraph))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    supports: dict[int, list] = defaultdict(list)
    amendment_ids = [s.id for s in rows if s.kind == SubmissionKind.amendment]
    if amendment_ids:
        for found in db.session.scalars(
                select(Submission).where(
                    Submission.parent_id.in_(amendment_ids),
                    Submission.kind == SubmissionKind.support,
                    (Submission.status == SubmissionStatus.active)
                    | Submission.is_hidden.is_(True))
                .order_by(Submission.created_at, Submission.id)):
            supports[found.parent_id].append(found)
    return QueuePage(rows, total, page, per_page, show, dict(supports))


@dataclasses.dataclass
class OpenProposal:
    """A pending proposal with its active supporters."""

    submission: object
    supporters: list


def _supporters(amendment_ids: list[int]) -> dict[int, list]:
    from consult.comments.models import Submission, SubmissionKind, SubmissionStatus

    found: dict[int, list] = defaultdict(list)
    if not amendment_ids:
        return found
    for support in db.session.scalars(
            select(Submission).where(Submission.parent_id.in_(amendment_ids),
                                     Submission.kind == SubmissionKind.support,
                                     Submission.status == SubmissionStatus.active,
                                     visibility.not_concealed())
            .order_by(Submission.created_at, Submission.id)):
        found[support.parent_id].append(support.delegation)
    return found


def open_proposals(actor, version, *, include_settled: bool = False) -> dict[int, list]:
    """Pending proposals on each paragraph key of `version`, from it and earlier versions.

    What the co-facilitators need next to the text while preparing the next revision;
    keyed by paragraph key id, oldest first.
    """
    from consult.comments.models import (
        Disposition,
        Submission,
        SubmissionKind,
        SubmissionStatus,
    )
    from consult.drafts.models import Paragraph, Version

    permissions.require(actor, "moderate_submissions", version.consultation)
    conditions = [Submission.consultation_id == version.consultation_id,
                  Submission.kind == SubmissionKind.amendment,
                  Submission.status == SubmissionStatus.active,
                  visibility.not_concealed(),
                  Submission.key_id.in_(select(Paragraph.key_id)
                                        .where(Paragraph.version_id == version.id)),
                  Version.seq <= version.seq, visibility.public_versions()]
    if not include_settled:
        conditions.append(Submission.disposition == Disposition.pending)
    rows = list(db.session.scalars(
        select(Submission).join(Version, Version.id == Submission.version_id)
        .where(*conditions)
        .options(selectinload(Submission.version), selectinload(Submission.paragraph))
        .order_by(Submission.created_at, Submission.id)))
    supporters = _supporters([s.id for s in rows])
    by_key: dict[int, list] = defaultdict(list)
    for s in rows:
        by_key[s.key_id].append(OpenProposal(s, supporters.get(s.id, [])))
    return by_key


@dataclasses.dataclass
class ProposalsOnParagraph:
    """Pending proposals made on one paragraph of the previous version, and what became of it."""

    old: object  # the paragraph they were made on
    new: object | None  # the same key in the new version (None: removed)
    change: str  # edited, moved, kept or removed
    proposals: list[OpenProposal]

    @property
    def changed(self) -> bool:
        """Whether the new version changed or dropped this paragraph's words."""
        return self.change in ("edited", "removed")


def proposals_to_settle(actor, version) -> list[ProposalsOnParagraph]:
    """Pending proposals on the version `version` replaced, paragraph by paragraph.

    Offered for disposition in bulk after publication: those on paragraphs whose words the
    new version changed or removed come first.
    """
    from consult.comments.models import (
        Disposition,
        Submission,
        SubmissionKind,
        SubmissionStatus,
    )
    from consult.drafts.models import MatchStatus, Paragraph

    permissions.require(actor, "moderate_submissions", version.consultation)
    if version.based_on_id is None:
        return []
    rows = list(db.session.scalars(
        select(Submission).where(Submission.version_id == version.based_on_id,
                                 Submission.kind == SubmissionKind.amendment,
                                 Submission.status == SubmissionStatus.active,
                                 visibility.not_concealed(),
                                 Submission.disposition == Disposition.pending)
        .order_by(Submission.created_at, Submission.id)))
    if not rows:
        return []
    supporters = _supporters([s.id for s in rows])
    old = {p.id: p for p in db.session.scalars(
        select(Paragraph).where(Paragraph.version_id == version.based_on_id))}
    new_by_key = {p.key_id: p for p in version.paragraphs}
    groups: dict[int, ProposalsOnParagraph] = {}
    for s in rows:
        paragraph = old[s.paragraph_id]
        if paragraph.id not in groups:
            new = new_by_key.get(paragraph.key_id)
            if new is None:
                change = "removed"
            elif " ".join(new.text.split()) != " ".join(paragraph.text.split()):
                change = "edited"
            elif new.match_status == MatchStatus.moved:
                change = "moved"  # same words elsewhere: nothing was taken up
            else:
                change = "kept"
            groups[paragraph.id] = ProposalsOnParagraph(paragraph, new, change, [])
        groups[paragraph.id].proposals.append(OpenProposal(s, supporters.get(s.id, [])))
    return sorted(groups.values(), key=lambda g: (not g.changed, g.old.position))


def hidden_submissions_of(user, *, limit: int = 100) -> list:
    """The user's own submissions that moderators hid, newest first, to tell them why."""
    from consult.comments.models import Submission

    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(
        select(Submission).where(Submission.author_id == user.id,
                                 visibility.concealed())
        .order_by(Submission.id.desc()).limit(limit)))
