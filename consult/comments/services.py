"""Participation: comments, replies, amendments, support, statements, edits and withdrawals.

Every function checks the caller's rights through `consult.permissions`, refuses bad input
with a ServiceError before anything is written, and leaves committing to the caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import limits
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from consult import permissions, visibility
from consult.audit.services import record_action, submission_facts
from consult.auth.models import Delegation
from consult.comments.models import (
    Disposition,
    Submission,
    SubmissionKind,
    SubmissionRevision,
    SubmissionStatus,
)
from consult.comments.wording import is_unchanged, marked_html, wording_runs
from consult.db import db, utcnow
from consult.drafts.models import Paragraph, Version
from consult.drafts.services import is_open_for_comment
from consult.negotiation.silence import require_not_under_silence
from consult.notify.events import record_event
from consult.errors import Conflict, Invalid, NotFound, ServiceError, TooMany
from consult.markdown import render_user_markdown
from consult.paging import Paged, require_page_exists, require_page_number
from consult.search.outbox import record_submission_change
from consult.urls import MAX_ID


class TooLarge(ServiceError):
    """The text is longer than the platform accepts."""

    status = 413
    code = "too_large"


# Kinds that make up a thread; supports are shown as "supported by …" on their amendment.
THREAD_KINDS = (SubmissionKind.comment, SubmissionKind.amendment, SubmissionKind.statement)


# --- checks ----------------------------------------------------------------------------


def _config(name: str):
    return current_app.config[name]


def _clean_text(value, *, field: str, limit_key: str, required: bool, blank_message: str) -> str:
    """Text as stored: a string without NUL, within the size limit; blank only if allowed."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(_("The text must be a string."), field=field)
    if "\x00" in value:
        raise Invalid(_("The text contains a NUL character, which cannot be stored."),
                      field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(_("The text is not valid Unicode."), field=field) from None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    limit = _config(limit_key)
    if len(value) > limit:
        raise TooLarge(_("The text is %(length)d characters long; at most %(limit)d are "
                         "accepted. Nothing was saved.", length=len(value), limit=limit),
                       field=field)
    if required and not value.strip():
        raise Invalid(blank_message, field=field)
    return value.strip("\n") if value.strip() else ""


def _clean_body(value, *, required: bool = True) -> str:
    return _clean_text(value, field="body", limit_key="MAX_SUBMISSION_CHARS", required=required,
                       blank_message=_("Write something before sending: the text is empty."))


def _clean_proposed(value) -> str:
    text = _clean_text(value, field="proposed_text", limit_key="MAX_PROPOSED_CHARS",
                       required=True,
                       blank_message=_("An amendment needs the proposed wording of the "
                                       "paragraph."))
    return text.strip()


def _clean_language(value) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in _config("LANGUAGES"):
        raise Invalid(_("Unknown language; choose one of the six UN languages."),
                      field="language")
    return value


def rate_limit() -> limits.RateLimitItem:
    """The posting limit configured in POST_RATE_LIMIT."""
    return limits.parse(_config("POST_RATE_LIMIT"))


def _check_rate(actor, now: dt.datetime) -> None:
    """Refuse with 429 when the account has posted its allowance inside the window.

    Counted in the database (the source of truth), so the limit holds across processes.
    """
    item = rate_limit()
    since = now - dt.timedelta(seconds=item.get_expiry())
    posted = db.session.scalar(
        select(func.count(Submission.id)).where(
            Submission.author_id == actor.id, Submission.created_at > since))
    # An edit is sent like a post (and keeps a revision): it counts the same.
    posted += db.session.scalar(
        select(func.count(SubmissionRevision.id))
        .join(Submission, Submission.id == SubmissionRevision.submission_id)
        .where(Submission.author_id == actor.id, SubmissionRevision.replaced_at > since))
    if posted >= item.amount:
        raise TooMany(ngettext("You have sent %(num)d submission in a short time, the most "
                               "allowed. Please wait a minute and send again; nothing was "
                               "saved.",
                               "You have sent %(num)d submissions in a short time, the most "
                               "allowed. Please wait a minute and send again; nothing was "
                               "saved.", posted))


def _require_open(version: Version, now: dt.datetime) -> None:
    require_not_under_silence(version, now)
    if is_open_for_comment(version, now):
        return
    if version.comments_close_at is not None and now >= version.comments_close_at:
        raise Conflict(_("Comments on %(version)s closed on %(date)s. You can still read "
                         "everything; nothing was saved.", version=version.label,
                         date=version.comments_close_at.strftime("%Y-%m-%d %H:%M UTC")))
    raise Conflict(_("%(version)s is not open for comment; nothing was saved.",
                     version=version.label))


def _require_postable(actor, version: Version, now: dt.datetime) -> None:
    permissions.require(actor, "view_version", version)
    permissions.require(actor, "post_submission", version)
    _require_open(version, now)


def thread_root_id(submission: Submission) -> int:
    """The id of the submission at the top of this one's thread (itself if it has no parent)."""
    current, seen = submission.id, set()
    parent_id = submission.parent_id
    while parent_id is not None and parent_id not in seen:
        seen.add(current)
        current = parent_id
        parent_id = db.session.scalar(select(Submission.parent_id).where(
            Submission.id == current))
    return current


def _hold_thread(submission: Submission) -> Submission:
    """Share-lock the top of a submission's thread, then re-read the submission.

    Hiding or restoring anything in a thread takes an exclusive lock on that same row
    (moderation.services._lock), so a reply or support is either written before the
    moderator starts (and is then hidden with the rest) or sees the hide and is refused:
    never a visible reply under a hidden submission. SQLite serialises writes anyway.
    """
    db.session.execute(select(Submission.id).where(Submission.id == thread_root_id(submission))
                       .with_for_update(read=True))
    return db.session.scalars(select(Submission).where(Submission.id == submission.id)
                              .execution_options(populate_existing=True)).one()


def _load_parent(parent_id, *, version: Version, paragraph: Paragraph | None) -> Submission:
    if isinstance(parent_id, bool) or not isinstance(parent_id, int) or not 0 < parent_id <= MAX_ID:
        raise Invalid(_("The submission you reply to is not a valid id."), field="parent_id")
    parent = db.session.get(Submission, parent_id)
    if parent is not None:
        parent = _hold_thread(parent)
    if parent is None or parent.is_concealed:
        raise NotFound(_("The submission you reply to does not exist or is not visible."))
    same_place = (parent.version_id == version.id and parent.paragraph_id == (
        paragraph.id if paragraph is not None else None))
    if not same_place:
        raise Invalid(_("You can only reply to a submission on the same paragraph of the "
                        "same version."), field="parent_id")
    if parent.is_withdrawn:
        raise Conflict(_("That submission was withdrawn by its author; it can no longer be "
                         "answered or supported."))
    if parent.kind == SubmissionKind.support:
        raise Invalid(_("A support cannot be answered; reply to the proposal instead."),
                      field="parent_id")
    return parent


def _add(submission: Submission, parent: Submission | None = None) -> Submission:
    db.session.add(submission)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("Your delegation already supports this proposal.")) from None
    record_submission_change(submission.id)
    if parent is not None:  # a reply or a support: the delegation answered is told
        _record_answer(submission, parent)
    return submission


def _record_answer(submission: Submission, parent: Submission) -> None:
    kind = "support" if submission.kind == SubmissionKind.support else "reply"
    record_event(kind, consultation_id=submission.consultation_id,
                 version_id=submission.version_id, submission_id=submission.id,
                 delegation_id=parent.delegation_id, actor=submission.author,
                 key=f"{kind}:{submission.id}", at=submission.created_at)


def _wording_columns(paragraph: Paragraph | None, proposed_text: str | None) -> dict:
    """The stored rendering of proposed wording: marked against the paragraph."""
    if proposed_text is None or paragraph is None:
        return {"proposed_diff_html": None}
    # The clean wording (Submission.proposed_html) derives from it.
    return {"proposed_diff_html": marked_html(wording_runs(paragraph.text, proposed_text))}


def _new(actor, kind: SubmissionKind, version: Version, paragraph: Paragraph | None, *,
         body: str, language: str | None, parent: Submission | None, now: dt.datetime,
         proposed_text: str | None = None) -> Submission:
    return Submission(
        consultation_id=version.consultation_id, version_id=version.id,
        paragraph_id=paragraph.id if paragraph else None,
        key_id=paragraph.key_id if paragraph else None,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None, kind=kind,
        delegation_id=actor.delegation_id, author_id=actor.id, language=language,
        body=body, body_html=render_user_markdown(body) if body else "",
        proposed_text=proposed_text,
        **_wording_columns(paragraph, proposed_text),
        disposition=Disposition.pending if kind == SubmissionKind.amendment else None,
        created_at=now, status=SubmissionStatus.active, revision=0)


# --- posting ---------------------------------------------------------------------------


def post_comment(actor, paragraph: Paragraph, body, *, parent_id=None, language=None,
                 now: dt.datetime | None = None) -> Submission:
    """A comment on a paragraph, or a reply in one of its threads."""
    now = now or utcnow()
    version = paragraph.version
    _require_postable(actor, version, now)
    body = _clean_body(body)
    language = _clean_language(language)
    parent = None
    if parent_id is not None:
        parent = _load_parent(parent_id, version=version, paragraph=paragraph)
    _check_rate(actor, now)
    return _add(_new(actor, SubmissionKind.comment, version, paragraph, body=body,
                     language=language, parent=parent, now=now), parent)


def propose_amendment(actor, paragraph: Paragraph, proposed_text, body="", *, language=None,
                      now: dt.datetime | None = None) -> Submission:
    """Replacement wording for a paragraph, with an optional explanation."""
    now = now or utcnow()
    version = paragraph.version
    _require_postable(actor, version, now)
    proposed = _clean_proposed(proposed_text)
    if proposed == paragraph.text.strip() or is_unchanged(paragraph.text, proposed):
        raise Invalid(_("The proposed wording is the same as the current text; change it to "
                        "propose an amendment."), field="proposed_text")
    body = _clean_body(body, required=False)
    language = _clean_language(language)
    _check_rate(actor, now)
    return _add(_new(actor, SubmissionKind.amendment, version, paragraph, body=body,
                     language=language, parent=None, now=now, proposed_text=proposed))


def support_amendment(actor, amendment: Submission, body="", *,
                      now: dt.datetime | None = None) -> Submission:
    """Record the actor's delegation as supporting another delegation's amendment."""
    now = now or utcnow()
    permissions.require(actor, "view_submission", amendment)
    version = amendment.version
    _require_postable(actor, version, now)
    if amendment.kind != SubmissionKind.amendment:
        raise Invalid(_("Only a proposed amendment can be supported."), field="parent_id")
    amendment = _hold_thread(amendment)
    if amendment.is_concealed:
        raise NotFound(_("Not found."))
    if amendment.is_withdrawn:
        raise Conflict(_("That submission was withdrawn by its author; it can no longer be "
                         "answered or supported."))
    if amendment.delegation_id == actor.delegation_id:
        raise Invalid(_("This is your own delegation's proposal; it cannot be supported by "
                        "the delegation that made it."))
    if permissions.is_decided(amendment):
        # The supporters are part of what the co-facilitators decided on.
        raise Conflict(permissions.decided_refusal(amendment, support=True).reason())
    if _active_support(amendment, actor.delegation_id) is not None:
        raise Conflict(_("Your delegation already supports this proposal."))
    body = _clean_body(body, required=False)
    _check_rate(actor, now)
    return _add(_new(actor, SubmissionKind.support, version, amendment.paragraph, body=body,
                     language=None, parent=amendment, now=now), amendment)


def _active_support(amendment: Submission, delegation_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.parent_id == amendment.id, Submission.kind == SubmissionKind.support,
        Submission.delegation_id == delegation_id,
        Submission.status == SubmissionStatus.active))


def withdraw_support(actor, amendment: Submission, *, now: dt.datetime | None = None
                     ) -> Submission:
    """Withdraw the support the actor's delegation gave to an amendment."""
    permissions.require(actor, "view_submission", amendment)
    # Only those who speak for a delegation hold a support: others are refused as such
    # (401/403), not told that "their delegation" supports nothing.
    permissions.require(actor, "post_submission")
    support = _active_support(amendment, actor.delegation_id)
    if support is None:
        raise NotFound(_("Your delegation does not support this proposal."))
    return withdraw_submission(actor, support, now=now)


def post_statement(actor, version: Version, body, *, parent_id=None, language=None,
                   now: dt.datetime | None = None) -> Submission:
    """A general statement on a whole version, or a reply to one."""
    now = now or utcnow()
    _require_postable(actor, version, now)
    body = _clean_body(body)
    language = _clean_language(language)
    parent = None
    if parent_id is not None:
        parent = _load_parent(parent_id, version=version, paragraph=None)
    kind = SubmissionKind.comment if parent else SubmissionKind.statement
    _check_rate(actor, now)
    return _add(_new(actor, kind, version, None, body=body, language=language, parent=parent,
                     now=now), parent)


def post_submission(actor, *, paragraph: Paragraph | None = None, version: Version | None = None,
                    kind, body=None, proposed_text=None, parent_id=None, language=None,
                    now: dt.datetime | None = None) -> Submission:
    """Any kind of submission from one set of fields (the JSON API's single entry point)."""
    kinds = {k.value for k in SubmissionKind}
    if not isinstance(kind, str) or kind not in kinds:
        raise Invalid(_("Unknown kind; use comment, amendment, support or statement."),
                      field="kind")
    kind = SubmissionKind(kind)
    if paragraph is None:
        if kind == SubmissionKind.statement or (kind == SubmissionKind.comment and parent_id):
            return post_statement(actor, version, body, parent_id=parent_id, language=language,
                                  now=now)
        raise Invalid(_("On a whole version, post a statement or a reply to one."), field="kind")
    if kind == SubmissionKind.comment:
        return post_comment(actor, paragraph, body, parent_id=parent_id, language=language,
                            now=now)
    if kind == SubmissionKind.amendment:
        if parent_id is not None:
            raise Invalid(_("An amendment proposes wording for the paragraph itself; it "
                            "cannot be a reply."), field="parent_id")
        if proposed_text is None:
            raise Invalid(_("An amendment needs the proposed wording of the paragraph."),
                          field="proposed_text")
        return propose_amendment(actor, paragraph, proposed_text, body or "",
                                 language=language, now=now)
    if kind == SubmissionKind.support:
        if parent_id is None:
            raise Invalid(_("Say which amendment you support (parent_id)."), field="parent_id")
        _require_postable(actor, paragraph.version, now or utcnow())
        amendment = _load_parent(parent_id, version=paragraph.version, paragraph=paragraph)
        return support_amendment(actor, amendment, body or "", now=now)
    raise Invalid(_("A statement is made on a whole version, not on one paragraph."),
                  field="kind")


# --- changing one's own submissions ---------------------------------------------------


def edit_submission(actor, submission: Submission, *, body=None, proposed_text=None,
                    expected_revision: int | None = None,
                    now: dt.datetime | None = None) -> Submission:
    """Change the text of one's own submission; the earlier text is kept as a revision."""
    now = now or utcnow()
    permissions.require(actor, "view_submission", submission)
    permissions.require(actor, "edit_submission", submission)
    if submission.kind == SubmissionKind.support:
        raise Invalid(_("A support has no text to edit; withdraw it instead."))
    if submission.is_withdrawn:
        raise Conflict(_("A withdrawn submission cannot be edited."))
    if submission.is_concealed:
        raise Conflict(_("A hidden submission cannot be edited."))
    _require_open(submission.version, now)
    most = _config("MAX_SUBMISSION_EDITS")
    if submission.revision >= most:
        raise Conflict(ngettext(
            "This submission has been edited %(num)d time, the most allowed. To say more, "
            "reply to it or write a new one; nothing was saved.",
            "This submission has been edited %(num)d times, the most allowed. To say more, "
            "reply to it or write a new one; nothing was saved.", most))
    _check_rate(actor, now)
    is_amendment = submission.kind == SubmissionKind.amendment
    if proposed_text is not None and not is_amendment:
        raise Invalid(_("Only an amendment has proposed wording."), field="proposed_text")
    new_body = submission.body if body is None else _clean_body(body, required=not is_amendment)
    new_proposed = submission.proposed_text
    if is_amendment and proposed_text is not None:
        new_proposed = _clean_proposed(proposed_text)
        if new_proposed == submission.paragraph.text.strip() or is_unchanged(
                submission.paragraph.text, new_proposed):
            raise Invalid(_("The proposed wording is the same as the current text; change it "
                            "to propose an amendment."), field="proposed_text")
    if new_body == submission.body and new_proposed == submission.proposed_text:
        raise Invalid(_("Nothing was changed."))
    if expected_revision is not None and expected_revision != submission.revision:
        raise Conflict(_("This submission was edited elsewhere meanwhile. Reload it, then "
                         "make your change again; nothing was saved."))
    # Compare and set: of two edits from the same revision, only the first is applied.
    started_from = submission.revision
    done = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.revision == started_from,
               Submission.status == SubmissionStatus.active,
               visibility.not_concealed(), _undecided())
        .values(revision=started_from + 1)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        _refuse_if_decided_meanwhile(actor, submission, "edit_submission")
        raise Conflict(_("This submission was edited elsewhere meanwhile. Reload it, then "
                         "make your change again; nothing was saved."))
    db.session.add(SubmissionRevision(
        submission_id=submission.id, number=started_from, body=submission.body,
        body_html=submission.body_html, proposed_text=submission.proposed_text,
        proposed_diff_html=submission.proposed_diff_html,
        written_at=submission.edited_at or submission.created_at, replaced_at=now))
    submission.revision = started_from + 1
    submission.body = new_body
    submission.body_html = render_user_markdown(new_body) if new_body else ""
    if is_amendment:
        submission.proposed_text = new_proposed
        for column, value in _wording_columns(submission.paragraph, new_proposed).items():
            setattr(submission, column, value)
    submission.edited_at = now
    db.session.flush()
    record_submission_change(submission.id)
    return submission


def _undecided():
    """The submission is no proposal, or one the co-facilitators have not decided on."""
    return Submission.disposition.is_(None) | (Submission.disposition == Disposition.pending)


def _parent_undecided():
    """The submission is no support, or one of a proposal not decided on yet."""
    parent = aliased(Submission)
    return (Submission.kind != SubmissionKind.support) | ~exists().where(
        parent.id == Submission.parent_id, parent.disposition.is_not(None),
        parent.disposition != Disposition.pending)


def _refuse_if_decided_meanwhile(actor, submission: Submission, rule: str) -> None:
    """After a lost compare-and-set: say so if a decision came in between (409 with why)."""
    db.session.refresh(submission)
    if submission.parent_id is not None:
        db.session.refresh(submission.parent)
    permissions.require(actor, rule, submission)


def withdraw_submission(actor, submission: Submission, *, now: dt.datetime | None = None
                        ) -> Submission:
    """Mark one's own submission withdrawn; it stays in the record."""
    now = now or utcnow()
    permissions.require(actor, "view_submission", submission)
    permissions.require(actor, "withdraw_submission", submission)
    if submission.is_withdrawn:
        raise Conflict(_("This submission is already withdrawn."))
    _require_open(submission.version, now)
    done = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == SubmissionStatus.active,
               _undecided(), _parent_undecided())
        .values(status=SubmissionStatus.withdrawn, withdrawn_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        _refuse_if_decided_meanwhile(actor, submission, "withdraw_submission")
        raise Conflict(_("This submission is already withdrawn."))
    db.session.refresh(submission)
    record_submission_change(submission.id)
    # Withdrawals go into the public log too: the record shows who took back what, when.
    record_action(actor, "submission.withdraw", "submission", submission.id,
                  consultation_id=submission.consultation_id, at=now,
                  target_facts=submission_facts(submission))
    return submission


# --- reading ---------------------------------------------------------------------------


def get_submission(user, submission_id: int) -> Submission:
    """One submission the user may see (hidden ones: moderators and the author only)."""
    if isinstance(submission_id, bool) or not 0 < submission_id <= MAX_ID:
        raise NotFound(_("Not found."))
    submission = db.session.scalar(
        select(Submission).where(Submission.id == submission_id)
        .options(selectinload(Submission.revisions)))
    if submission is None:
        raise NotFound(_("Not found."))
    permissions.require(user, "view_submission", submission)
    return submission


@dataclasses.dataclass
class ThreadItem:
    """A submission with its visible replies and, for amendments, its supporters."""

    submission: Submission
    replies: list[ThreadItem]
    supporters: list  # Delegation objects, in the order they gave support

    @property
    def supporter_codes(self) -> list[str]:
        """The supporting delegations' codes."""
        return [d.code for d in self.supporters]


@dataclasses.dataclass
class Thread(Paged):
    """The visible conversations on one paragraph (or one version) of one version, or one
    page of them: `items` are the conversations shown, `count` counts every submission of
    the whole thread (replies included, supports not)."""

    version: Version
    paragraph: Paragraph | None
    items: list[ThreadItem]
    # The languages its conversations were started in (to narrow it to one), and the one
    # it is narrowed to, if any.
    languages: list[str] = dataclasses.field(default_factory=list)
    language: str | None = None
    count: int = 0
    conversations: int = 0  # how many conversations (top submissions) in all
    page: int = 1
    per_page: int = 0
    order: str = "activity"

    @property
    def total(self) -> int:
        """What is paged: the conversations (so `pages` counts pages of conversations)."""
        return self.conversations


# How a thread's conversations may be ordered: by their newest visible submission (the
# default: where the discussion is), or by when each was started.
THREAD_ORDERS = ("activity", "oldest")


def _link_items(rows: list[Submission]) -> dict[int, ThreadItem]:
    """Thread items by id, each with its replies (in time order) and active supporters."""
    ordered = sorted(rows, key=lambda s: (s.created_at, s.id))
    items = {s.id: ThreadItem(s, [], []) for s in ordered if s.kind in THREAD_KINDS}
    for s in ordered:
        parent = items.get(s.parent_id)
        if parent is None:
            continue
        if s.kind == SubmissionKind.support:
            # Hidden supports count for nobody, as in supporters_of().
            if s.status == SubmissionStatus.active and not s.is_concealed:
                parent.supporters.append(s.delegation)
        elif s.id in items:
            parent.replies.append(items[s.id])
    return items


def _rows(user, consultation, *conditions) -> list[Submission]:
    return list(db.session.scalars(
        select(Submission).where(visibility.visible_submissions(user, consultation), *conditions)
        .order_by(Submission.created_at, Submission.id)))


def _per_page(per_page: int | None) -> int:
    return per_page or current_app.config["THREADS_PER_PAGE"]


def _thread_page(user, version: Version, paragraph: Paragraph | None, *, page: int = 1,
                 per_page: int | None = None, language: str | None = None,
                 order: str = "activity", showing: int | None = None) -> Thread:
    """One page of the visible conversations at one place (a paragraph, or a version's
    general statements), counted and ordered in the database.

    A conversation is a top submission with every visible reply and support below it; only
    the conversations of the page are loaded. Replies share their top's place. `showing`
    (a submission id) puts that submission's conversation first when it is not on the page:
    a refused reply comes back in its own form, beside what it answered.
    """
    if order not in THREAD_ORDERS:
        raise Invalid(_("Unknown order; use activity or oldest."), field="order")
    require_page_number(page)
    per_page = _per_page(per_page)
    consultation = version.consultation
    visible = visibility.visible_submissions(user, consultation)
    place = (Submission.version_id == version.id,
             Submission.paragraph_id == paragraph.id if paragraph is not None
             else Submission.paragraph_id.is_(None))
    tops = [*place, Submission.parent_id.is_(None), Submission.kind.in_(THREAD_KINDS), visible]
    languages = sorted(db.session.scalars(
        select(Submission.language).where(*tops, Submission.language.is_not(None))
        .distinct()))
    language = language if language in languages else None
    if language:
        tops.append(Submission.language == language)
    conversations = db.session.scalar(select(func.count(Submission.id)).where(*tops))
    require_page_exists(page, conversations, per_page)
    thread_of = func.coalesce(Submission.root_id, Submission.id)
    counted = [*place, Submission.kind != SubmissionKind.support, visible,
               visibility.counted_in_threads(user, consultation)]
    if language:
        counted.append(thread_of.in_(select(Submission.id).where(*tops)))
    count = db.session.scalar(select(func.count(Submission.id)).where(*counted))
    if order == "activity":
        # The newest visible submission of each conversation, supports included: a
        # conversation somebody just answered or supported comes first.
        activity = (select(thread_of.label("top"), func.max(Submission.created_at).label("at"))
                    .where(*place, visible).group_by(thread_of).subquery())
        chosen = (select(Submission.id).join(activity, activity.c.top == Submission.id)
                  .where(*tops).order_by(activity.c.at.desc(), Submission.id.desc()))
    else:
        chosen = select(Submission.id).where(*tops).order_by(Submission.created_at,
                                                             Submission.id)
    ids = list(db.session.scalars(chosen.offset((page - 1) * per_page).limit(per_page)))
    if showing is not None:
        top = db.session.scalar(select(thread_of).where(Submission.id == showing, *place))
        if top is not None and top not in ids:
            ids.insert(0, top)
    items = _link_items(_rows(user, consultation, or_(Submission.id.in_(ids),
                                                      Submission.root_id.in_(ids)))) \
        if ids else {}
    return Thread(version, paragraph, [items[i] for i in ids if i in items], languages,
                  language, count=count, conversations=conversations, page=page,
                  per_page=per_page, order=order)


def paragraph_threads(user, paragraph: Paragraph, language: str | None = None, *,
                      page: int = 1, per_page: int | None = None, order: str = "activity",
                      earlier_items: int = 0,
                      showing: int | None = None) -> tuple[Thread, list[Thread]]:
    """A page of the thread on this paragraph, and the threads on the same key in earlier
    versions.

    Earlier threads come newest version first, each labelled by its own version and
    paragraph, with their counts (and, with `earlier_items`, the first that many
    conversations of each); versions
    the user may not see are left out. With `language`, only the conversations started in
    that language (with all their replies).
    """
    version = paragraph.version
    permissions.require(user, "view_version", version)
    current = _thread_page(user, version, paragraph, page=page, per_page=per_page,
                           language=language, order=order, showing=showing)
    counts = dict(db.session.execute(
        select(Submission.paragraph_id, func.count(Submission.id))
        .join(Version, Version.id == Submission.version_id)
        .where(Submission.key_id == paragraph.key_id, Version.seq < version.seq,
               Submission.kind != SubmissionKind.support,
               visibility.visible_submissions(user, version.consultation),
               visibility.counted_in_threads(user, version.consultation))
        .group_by(Submission.paragraph_id)).all())
    earlier_paragraphs = db.session.scalars(
        select(Paragraph).join(Version)
        .where(Paragraph.id.in_(counts)).order_by(Version.seq.desc())) if counts else []
    earlier = []
    for p in earlier_paragraphs:
        if not permissions.can(user, "view_version", p.version):
            continue
        if earlier_items:
            shown = _thread_page(user, p.version, p, per_page=earlier_items, order=order,
                                 language=current.language)
            if shown.items:
                earlier.append(shown)
        else:
            earlier.append(Thread(p.version, p, [], count=counts[p.id]))
    return current, earlier


def statement_thread(user, version: Version, *, page: int = 1, per_page: int | None = None,
                     order: str = "activity", showing: int | None = None) -> Thread:
    """A page of the general statements on a version, with their replies."""
    permissions.require(user, "view_version", version)
    return _thread_page(user, version, None, page=page, per_page=per_page, order=order,
                        showing=showing)


def count_statements(user, version: Version) -> int:
    """How many general statements (not their replies) the user may see on a version."""
    return db.session.scalar(select(func.count(Submission.id)).where(
        Submission.version_id == version.id, Submission.paragraph_id.is_(None),
        Submission.parent_id.is_(None), Submission.kind.in_(THREAD_KINDS),
        visibility.visible_submissions(user, version.consultation)))


def count_submissions(user, version: Version) -> dict[int, int]:
    """Visible submissions per paragraph of a version and its earlier versions (by key).

    Maps paragraph id → (count on this version); supports are not counted, and replies
    under a hidden submission are counted only if the reader may see the whole thread.
    """
    rows = db.session.execute(
        select(Submission.paragraph_id, func.count(Submission.id))
        .where(Submission.version_id == version.id, Submission.paragraph_id.is_not(None),
               Submission.kind != SubmissionKind.support,
               visibility.visible_submissions(user, version.consultation),
               visibility.counted_in_threads(user, version.consultation))
        .group_by(Submission.paragraph_id))
    return {paragraph_id: count for paragraph_id, count in rows}


def _counts_by_paragraph(user, version_ids) -> dict[int, int]:
    """Visible submissions (supports not) per paragraph of these versions: one grouped
    query that an index on the place of each submission answers on its own."""
    if not version_ids:
        return {}
    consultation = db.session.get(Version, version_ids[0]).consultation
    return dict(db.session.execute(
        select(Submission.paragraph_id, func.count(Submission.id))
        .where(Submission.version_id.in_(version_ids), Submission.paragraph_id.is_not(None),
               Submission.kind != SubmissionKind.support,
               visibility.visible_submissions(user, consultation),
               visibility.counted_in_threads(user, consultation))
        .group_by(Submission.paragraph_id)).all())


def _earlier_versions(version: Version, *, published_only: bool) -> list[int]:
    query = select(Version.id).where(Version.consultation_id == version.consultation_id,
                                     Version.seq < version.seq)
    if published_only:
        query = query.where(visibility.public_versions())
    return list(db.session.scalars(query))


def _keys_of(paragraph_ids) -> dict[int, int]:
    """paragraph id → key id, for a few hundred paragraphs at most."""
    return dict(db.session.execute(select(Paragraph.id, Paragraph.key_id)
                                   .where(Paragraph.id.in_(list(paragraph_ids)))).all())


def count_earlier_submissions(user, version: Version) -> dict[int, int]:
    """Visible submissions made on earlier versions, per paragraph key of this version."""
    counts = _counts_by_paragraph(user, _earlier_versions(version, published_only=True))
    present = set(db.session.scalars(select(Paragraph.key_id)
                                     .where(Paragraph.version_id == version.id)))
    by_key: dict[int, int] = defaultdict(int)
    for paragraph_id, key_id in _keys_of(counts).items():
        if key_id in present:
            by_key[key_id] += counts[paragraph_id]
    return dict(by_key)


@dataclasses.dataclass
class DetachedThread:
    """Submissions on a paragraph of an earlier version that this version no longer has."""

    version: Version
    paragraph: Paragraph
    count: int  # submissions, replies included, supports not
    delegations: list  # who started its conversations, by code


def detached_threads(user, version: Version) -> list[DetachedThread]:
    """Threads on paragraphs of earlier versions whose key this version no longer has:
    counted in the database, newest version first."""
    permissions.require(user, "view_version", version)
    counts = _counts_by_paragraph(user, _earlier_versions(version, published_only=False))
    present = set(db.session.scalars(select(Paragraph.key_id)
                                     .where(Paragraph.version_id == version.id)))
    detached = [p for p, key in _keys_of(counts).items() if key not in present]
    if not detached:
        return []
    starters = defaultdict(list)
    for paragraph_id, code in db.session.execute(
            select(Submission.paragraph_id, Delegation.code)
            .join(Delegation, Delegation.id == Submission.delegation_id)
            .where(Submission.paragraph_id.in_(detached), Submission.parent_id.is_(None),
                   Submission.kind.in_(THREAD_KINDS),
                   visibility.visible_submissions(user, version.consultation))
            .distinct().order_by(Delegation.code)):
        starters[paragraph_id].append(code)
    threads = [DetachedThread(p.version, p, counts[p.id], starters[p.id])
               for p in db.session.scalars(select(Paragraph).where(Paragraph.id.in_(detached)))
               if permissions.can(user, "view_version", p.version)]
    threads.sort(key=lambda t: (-t.version.seq, t.paragraph.position))
    return threads


def supporters_of(submission: Submission) -> list:
    """The delegations actively supporting an amendment, in the order they gave support."""
    if submission.kind != SubmissionKind.amendment:
        return []
    return [s.delegation for s in db.session.scalars(
        select(Submission).where(
            Submission.parent_id == submission.id, Submission.kind == SubmissionKind.support,
            Submission.status == SubmissionStatus.active, visibility.not_concealed())
        .order_by(Submission.created_at, Submission.id))]


def replies_to(user, submission: Submission) -> list[ThreadItem]:
    """The visible replies under one submission, threaded (only its own thread is read)."""
    top = submission.root_id or submission.id
    rows = _rows(user, submission.version.consultation,
                 or_(Submission.id == top, Submission.root_id == top))
    items = _link_items(rows)
    found = items.get(submission.id)
    return found.replies if found else []


