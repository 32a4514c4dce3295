"""What each archived page depends on, as a short digest computed without rendering it.

An incremental export (`archive export --update`) renders again only the pages whose digest
changed since the archive it updates. Two kinds of page carry nearly all of a large
archive's files and get a digest of their own:

- a submission's page depends on its whole thread (the submission, its replies and supports,
  their texts, statuses, moderation and decisions) and on the "frame" around every page;
- a paragraph's thread page (any page of it, in any text language) depends on every thread
  on that paragraph's key, in all versions, and on the frame;
- a version's compilation (its pages and its .docx, slow to build) depends on the threads
  on that version and on the frame.

The frame is what any page may show besides submissions: consultations, versions, their
paragraphs and translations, delegations and accounts' names, the deadlines passed, and the
code that renders pages. Every other page (lists, versions, delegations, the log) has no
digest and is always rendered again: they are a few thousand at most.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from flask import Flask
from sqlalchemy import func, select

from consult.code_stamp import code_stamp
from consult.db import db, utcnow

_SUBMISSION_PAGE = re.compile(r"^/consultations/[^/]+/submissions/(\d+)$")
_PARAGRAPH_PAGE = re.compile(r"^/consultations/[^/]+/versions/(\d+)/paragraphs/([^/?]+)")
_COMPILATION = re.compile(r"^/consultations/[^/]+/versions/(\d+)/compilation(\.docx)?(\?|$)")
# The columns of a submission that any page can show, directly or through its state.
_SHOWN = ("id", "parent_id", "kind", "delegation_id", "author_id", "language", "body_html",
          "proposed_diff_html", "status", "created_at", "edited_at", "withdrawn_at",
          "revision", "is_hidden", "under_hidden", "hidden_reason_code", "hidden_reason",
          "disposition", "disposition_note", "disposition_at")


class RecordStamps:
    """Digests of the frame, of each thread and of each paragraph key, read in one pass."""

    def __init__(self, app: Flask):
        self.frame = _frame_digest(code_stamp(app))
        self.threads: dict[int, str] = {}
        self.root_of: dict[int, int] = {}
        self.keys: dict[int, str] = {}
        self.versions: dict[int, str] = {}
        self._paragraph_keys: dict[tuple[int, str], int] = {}
        self._read_submissions()
        self._read_paragraphs()

    def _read_submissions(self) -> None:
        from consult.comments.models import Submission

        threads: dict[int, hashlib._Hash] = defaultdict(hashlib.sha256)
        key_threads: dict[int, set[int]] = defaultdict(set)
        version_threads: dict[int, set[int]] = defaultdict(set)
        columns = [getattr(Submission, name) for name in _SHOWN]
        rows = db.session.execute(select(
            func.coalesce(Submission.root_id, Submission.id), Submission.key_id,
            Submission.version_id, *columns).order_by(Submission.id)).yield_per(5000)
        for root, key_id, version_id, *values in rows:
            threads[root].update(repr(values).encode())
            self.root_of[values[0]] = root
            version_threads[version_id].add(root)
            if key_id is not None:
                key_threads[key_id].add(root)
        self.threads = {root: digest.hexdigest() for root, digest in threads.items()}
        self.keys = {key_id: self._of(roots) for key_id, roots in key_threads.items()}
        self.versions = {version_id: self._of(roots)
                         for version_id, roots in version_threads.items()}

    def _of(self, roots) -> str:
        digest = hashlib.sha256()
        for root in sorted(roots):
            digest.update(self.threads[root].encode())
        return digest.hexdigest()

    def _read_paragraphs(self) -> None:
        from consult.drafts.models import Paragraph

        from consult.drafts.models import paragraph_anchor

        for version_id, label, key_id in db.session.execute(
                select(Paragraph.version_id, Paragraph.label, Paragraph.key_id)):
            self._paragraph_keys[(version_id, label)] = key_id
            self._paragraph_keys[(version_id, paragraph_anchor(label))] = key_id

    def page(self, address: str) -> str | None:
        """The digest of the page at this archive address, or None: render it again."""
        found = _SUBMISSION_PAGE.match(address)
        if found:
            root = self.root_of.get(int(found.group(1)))
            return None if root is None else f"{self.frame}.s.{self.threads[root]}"
        found = _COMPILATION.match(address)
        if found:  # its pages and its .docx: the proposals made on that version
            return f"{self.frame}.c.{self.versions.get(int(found.group(1)), '-')}"
        found = _PARAGRAPH_PAGE.match(address)
        if found:
            # The address names the paragraph by its label or its anchor (OP9(a), OP9_a).
            key_id = self._paragraph_keys.get((int(found.group(1)), found.group(2)))
            if key_id is None:
                return None
            return f"{self.frame}.p.{self.keys.get(key_id, '-')}"
        return None


def _frame_digest(code: str) -> str:
    """Everything but submissions that pages show, and the code that renders them."""
    from consult.auth.models import Delegation, User
    from consult.drafts.models import (
        Consultation,
        Paragraph,
        ParagraphKey,
        ParagraphTranslation,
        Version,
        VersionTranslation,
    )

    digest = hashlib.sha256(code.encode())
    for model in (Consultation, Version, ParagraphKey, Paragraph, VersionTranslation,
                  ParagraphTranslation, Delegation):
        table = model.__table__
        for row in db.session.execute(select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    for row in db.session.execute(select(User.id, User.name, User.role, User.delegation_id)
                                  .order_by(User.id)):
        digest.update(repr(tuple(row)).encode())
    passed = db.session.scalar(select(func.count(Version.id)).where(
        Version.comments_close_at <= utcnow()))
    digest.update(f"deadlines passed: {passed}".encode())
    return digest.hexdigest()[:32]
