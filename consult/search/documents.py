"""What the index holds for each submission and each published paragraph, read from the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from sqlalchemy import select

from consult.auth.models import Delegation
from consult.comments.models import Submission, SubmissionStatus
from consult.comments.wording import markdown_plain, paragraph_plain, proposal_plain
from consult.db import db
from consult.drafts.models import Paragraph, ParagraphTranslation, Version, VersionStatus
from consult.search.analysis import LANGUAGES, detect_language

PUBLIC_VERSION_STATES = (VersionStatus.published, VersionStatus.superseded, VersionStatus.final)

_SUBMISSION_COLUMNS = (
    Submission.id, Submission.consultation_id, Submission.version_id, Submission.kind,
    Submission.language, Submission.body, Submission.proposed_text, Submission.status,
    Submission.is_hidden, Submission.parent_id, Submission.author_id, Submission.created_at,
    Submission.disposition, Submission.revision, Delegation.code.label("delegation_code"),
    Delegation.kind.label("delegation_kind"), Version.status.label("version_status"),
)


def submission_id(doc_id: int) -> str:
    """The index id of a submission."""
    return f"s{doc_id}"


def paragraph_id(doc_id: int) -> str:
    """The index id of a paragraph."""
    return f"p{doc_id}"


def translation_id(doc_id: int) -> str:
    """The index id of a paragraph's text in another language (a ParagraphTranslation)."""
    return f"t{doc_id}"


def _epoch(value: dt.datetime | None) -> int:
    if value is None:
        return 0
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return int(value.timestamp())


def submission_text(body: str | None, proposed_text: str | None) -> str:
    """The searchable text of a submission: its body, then any proposed wording.

    Both as readers see them, without Markdown: a snippet reads "Calls upon Member
    States", never "Calls upon* Member States".
    """
    parts = (markdown_plain(body) if body else "", proposal_plain(proposed_text)
             if proposed_text else "")
    return "\n\n".join(part for part in parts if part)


def paragraph_text(text: str | None) -> str:
    """The searchable text of a paragraph (or its translation): its words, no Markdown."""
    return paragraph_plain(text)


def _visibility(status, hidden: bool, version_status=None) -> str:
    # "public": anyone; "withdrawn": its author and the staff; "hidden": the same, after
    # moderation (a reply under a hidden submission is hidden with it); "draft": on a
    # version not published, which no service lets anyone write on, but which the public
    # must never find if such a row exists (consult/visibility.py).
    if version_status is not None and version_status not in PUBLIC_VERSION_STATES:
        return "draft"
    if hidden:
        return "hidden"
    return "withdrawn" if status == SubmissionStatus.withdrawn else "public"


def _submission_doc(row, hidden: bool) -> dict | None:
    text = submission_text(row.body, row.proposed_text)
    if not text.strip():
        return None  # a support without a word of its own: nothing to find
    lang = row.language if row.language in LANGUAGES else detect_language(text)
    visibility = _visibility(row.status, hidden, row.version_status)
    disposition = row.disposition.value if row.disposition else ""
    doc = {
        "id": submission_id(row.id),
        "stamp": f"{row.revision}:{visibility}:{disposition}:{lang}",
        "type": row.kind.value,
        "consultation": str(row.consultation_id),
        "version": str(row.version_id),
        "delegation": row.delegation_code,
        "dtype": row.delegation_kind.value,
        "lang": lang,
        "disposition": disposition,
        "visibility": visibility,
        "author": str(row.author_id),
        "created": _epoch(row.created_at),
        f"text_{lang}": text,
        "spell": text,
    }
    return doc


def hidden_ids(rows_by_id: dict[int, tuple[int | None, bool]], ids: Iterable[int]) -> set[int]:
    """Which of `ids` are hidden themselves or under a hidden ancestor."""
    hidden: set[int] = set()
    for start in ids:
        current, seen = start, set()
        while current is not None and current not in seen:
            seen.add(current)
            parent_id, is_hidden = rows_by_id.get(current, (None, False))
            if is_hidden:
                hidden.add(start)
                break
            current = parent_id
    return hidden


def ancestry(ids: Iterable[int]) -> dict[int, tuple[int | None, bool]]:
    """parent and hidden flag of each of `ids` and of all their ancestors."""
    known: dict[int, tuple[int | None, bool]] = {}
    wanted = set(ids)
    while wanted:
        rows = db.session.execute(
            select(Submission.id, Submission.parent_id, Submission.is_hidden)
            .where(Submission.id.in_(list(wanted)))).all()
        for row in rows:
            known[row.id] = (row.parent_id, row.is_hidden)
        wanted = {row.parent_id for row in rows
                  if row.parent_id is not None and row.parent_id not in known}
    return known


def submission_docs(ids: list[int]) -> tuple[list[dict], set[int]]:
    """Documents for these submission ids, and the ids that must not be in the index."""
    docs: list[dict] = []
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = db.session.execute(
            select(*_SUBMISSION_COLUMNS)
            .join(Delegation, Delegation.id == Submission.delegation_id)
            .join(Version, Version.id == Submission.version_id)
            .where(Submission.id.in_(chunk))).all()
        hidden = hidden_ids(ancestry(r.id for r in rows), (r.id for r in rows))
        for row in rows:
            doc = _submission_doc(row, row.id in hidden)
            if doc is not None:
                found.add(row.id)
                docs.append(doc)
    return docs, set(ids) - found


def all_submission_docs(batch: int = 5000) -> Iterator[dict]:
    """Every submission's document, read in batches (for a rebuild)."""
    tree = {row.id: (row.parent_id, row.is_hidden) for row in db.session.execute(
        select(Submission.id, Submission.parent_id, Submission.is_hidden))}
    last = 0
    while True:
        rows = db.session.execute(
            select(*_SUBMISSION_COLUMNS)
            .join(Delegation, Delegation.id == Submission.delegation_id)
            .join(Version, Version.id == Submission.version_id)
            .where(Submission.id > last).order_by(Submission.id).limit(batch)).all()
        if not rows:
            return
        hidden = hidden_ids(tree, (r.id for r in rows))
        for row in rows:
            doc = _submission_doc(row, row.id in hidden)
            if doc is not None:
                yield doc
        last = rows[-1].id


def _paragraph_doc(row) -> dict:
    text = paragraph_text(row.text)
    lang = detect_language(text)
    return {
        "id": paragraph_id(row.id),
        "stamp": f"paragraph:{lang}",
        "type": "paragraph",
        "consultation": str(row.consultation_id),
        "version": str(row.version_id),
        "delegation": "",
        "dtype": "",
        "lang": lang,
        "disposition": "",
        "visibility": "public",
        "author": "",
        "created": _epoch(row.published_at),
        f"text_{lang}": text,
        "spell": text,
    }


def _paragraph_rows(*conditions):
    return db.session.execute(
        select(Paragraph.id, Paragraph.version_id, Paragraph.text, Version.consultation_id,
               Version.status, Version.published_at)
        .join(Version, Version.id == Paragraph.version_id)
        .where(Version.status.in_(PUBLIC_VERSION_STATES), *conditions)
        .order_by(Paragraph.id)).all()


def _translation_doc(row) -> dict:
    # The declared language, not a guess: each language's text gets its own analyzer.
    lang = row.language if row.language in LANGUAGES else detect_language(row.text)
    doc = _paragraph_doc(row)
    doc.pop(f"text_{doc['lang']}")
    doc.update({"id": translation_id(row.id), "stamp": f"translation:{lang}", "lang": lang,
                f"text_{lang}": paragraph_text(row.text)})
    return doc


def _translation_rows(*conditions):
    return db.session.execute(
        select(ParagraphTranslation.id, ParagraphTranslation.language, ParagraphTranslation.text,
               Paragraph.version_id, Version.consultation_id, Version.status,
               Version.published_at)
        .join(Paragraph, Paragraph.id == ParagraphTranslation.paragraph_id)
        .join(Version, Version.id == Paragraph.version_id)
        .where(Version.status.in_(PUBLIC_VERSION_STATES), *conditions)
        .order_by(ParagraphTranslation.id)).all()


def version_docs(version_id: int) -> tuple[list[dict], list[str]]:
    """Documents for a published version's paragraphs in every language it has (none while
    it is a draft), and the index ids of its paragraphs that must not be in the index."""
    rows = _paragraph_rows(Paragraph.version_id == version_id)
    all_ids = db.session.scalars(
        select(Paragraph.id).where(Paragraph.version_id == version_id)).all()
    shown = {row.id for row in rows}
    translated = _translation_rows(Paragraph.version_id == version_id)
    all_translated = db.session.scalars(
        select(ParagraphTranslation.id)
        .join(Paragraph, Paragraph.id == ParagraphTranslation.paragraph_id)
        .where(Paragraph.version_id == version_id)).all()
    shown_translated = {row.id for row in translated}
    docs = [_paragraph_doc(row) for row in rows] + [_translation_doc(row) for row in translated]
    gone = [paragraph_id(i) for i in all_ids if i not in shown] + [
        translation_id(i) for i in all_translated if i not in shown_translated]
    return docs, gone


def all_paragraph_docs() -> Iterator[dict]:
    """Every published paragraph's document, in every language (for a rebuild)."""
    for row in _paragraph_rows():
        yield _paragraph_doc(row)
    for row in _translation_rows():
        yield _translation_doc(row)


def expected_stamps() -> dict[str, str]:
    """The id → stamp of every document the index should hold (for `search check`)."""
    stamps = {doc["id"]: doc["stamp"] for doc in all_submission_docs()}
    stamps.update((doc["id"], doc["stamp"]) for doc in all_paragraph_docs())
    return stamps

