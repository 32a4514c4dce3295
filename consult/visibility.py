"""Which rows a reader may see, as SQL: the one visibility rule for lists and counts.

`consult.permissions` says it for one object (`view_version`, `view_submission`,
`find_unlisted_submission`); this module says the same for many rows at once, in the
database, and every page, API, export, feed, archive, compilation and the search filter
use it. tests/test_visibility.py checks, for every kind of reader and every state of a
submission, that both give the same answer.

- A version is public once published; a draft only to those who run its consultation.
- A submission is concealed when hidden by a moderator, itself or through a hidden
  submission above it (`under_hidden`, kept by the hide and restore services). Concealed
  rows are seen by their author and by those who run the consultation; by nobody else.
- Lists that find submissions (search, a delegation's page) also leave out withdrawn ones,
  except for the same two: their author and the consultation's staff.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, not_, or_, select, true

from consult import permissions
from consult.comments.models import Submission, SubmissionStatus
from consult.db import db
from consult.drafts.models import Consultation, Version, VersionStatus


def not_concealed(*, by_index: bool = True) -> ColumnElement[bool]:
    """Neither hidden nor under a hidden submission: what the public sees.

    `by_index=False` writes the same rule as one condition that no index serves: where
    another index (the parent's) must lead, SQLite without ANALYZE would otherwise read
    the whole table through the hidden flags' index."""
    if not by_index:
        return not_(or_(Submission.is_hidden, Submission.under_hidden))
    return Submission.is_hidden.is_(False) & Submission.under_hidden.is_(False)


def concealed() -> ColumnElement[bool]:
    """Hidden, or under a hidden submission: the opposite of not_concealed()."""
    return Submission.is_hidden.is_(True) | Submission.under_hidden.is_(True)


def public_versions() -> ColumnElement[bool]:
    """Versions the public may read: every one but drafts."""
    return Version.status != VersionStatus.draft


def account_id(user) -> int | None:
    """The reader's account, when it is one that may see its own concealed rows: logged
    in and not disabled (permissions' rule). None for the public and the command line."""
    if permissions.role_of(user) is None:
        return None
    return getattr(user, "id", None)


def consultations_run_by(user) -> list[int]:
    """The ids of the consultations this reader runs (all of them for the secretariat)."""
    if permissions.role_of(user) is None:
        return []
    return sorted(c.id for c in db.session.scalars(select(Consultation))
                  if permissions.can(user, "moderate_submissions", c))


def _runs(user, consultation) -> ColumnElement[bool]:
    if consultation is not None:
        return true() if permissions.can(user, "moderate_submissions", consultation) \
            else false()
    runs = consultations_run_by(user)
    return Submission.consultation_id.in_(runs) if runs else false()


def visible_submissions(user, consultation: Consultation | None = None
                        ) -> ColumnElement[bool]:
    """Submissions this reader may read (permissions' view_submission, without the
    version's part: see visible_versions): public ones, their own, and all of the
    consultations they run. Give `consultation` when every row is of that one (one
    permission check instead of a list of consultations)."""
    mine = account_id(user)
    return or_(not_concealed(), _runs(user, consultation),
               Submission.author_id == mine if mine is not None else false())


def listed_submissions(user, consultation: Consultation | None = None
                       ) -> ColumnElement[bool]:
    """Submissions a list that finds them shows this reader (permissions'
    find_unlisted_submission): public and not withdrawn, or their own, or of the
    consultations they run."""
    mine = account_id(user)
    return or_(not_concealed() & (Submission.status != SubmissionStatus.withdrawn),
               _runs(user, consultation),
               Submission.author_id == mine if mine is not None else false())


def counted_in_threads(user, consultation: Consultation) -> ColumnElement[bool]:
    """Submissions a thread's counts include for this reader: none under a hidden
    submission, unless they run the consultation (who see and count everything)."""
    return or_(_runs(user, consultation), Submission.under_hidden.is_(False))


def visible_versions(user) -> ColumnElement[bool]:
    """Versions this reader may read (permissions' view_version)."""
    runs = consultations_run_by(user)
    return or_(public_versions(), Version.consultation_id.in_(runs) if runs else false())


def search_reader(user) -> tuple[int | None, tuple[int, ...]]:
    """What the search index needs to know of a reader to filter as listed_submissions
    does: their account (None: the public) and the consultations they run."""
    return account_id(user), tuple(consultations_run_by(user))
