"""`flask demo --comments N --seed S`: synthetic submissions for benchmarks."""

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from consult.auth.models import Delegation, User
from consult.comments import services as comments
from consult.comments.models import Submission, SubmissionKind, SubmissionStatus
from consult.db import db
from consult.demo import GPA_SLUG
from consult.demo.synthetic import SYNTHETIC_DOMAIN
from consult.drafts.models import Consultation, Paragraph
from tests.conftest import fresh


def _synthetic():
    return select(Submission).join(User, Submission.author_id == User.id).where(
        User.email.like(f"synthetic+%@{SYNTHETIC_DOMAIN}")).order_by(Submission.id)


def _snapshot():
    """What a run wrote, independent of row ids."""
    rows = list(db.session.scalars(_synthetic()))
    first = rows[0].id if rows else 0
    return [(s.kind, s.language, s.body, s.proposed_text, s.delegation.code, s.paragraph_id,
             s.parent_id - first if s.parent_id else None, s.status, s.is_hidden)
            for s in rows]


def _demo(runner, *args):
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    fresh()
    return result


def test_synthetic_submissions_are_realistic_and_consistent(runner):
    result = _demo(runner, "--comments", "300", "--seed", "7")
    assert "300 synthetic submissions" in result.output
    rows = list(db.session.scalars(_synthetic()))
    assert len(rows) == 300
    gpa = db.session.scalar(select(Consultation).where(Consultation.slug == GPA_SLUG))
    assert {s.consultation_id for s in rows} == {gpa.id}
    assert {s.version_id for s in rows} == {v.id for v in gpa.versions}

    languages = Counter(s.language for s in rows)
    assert set(languages) == {"en", "fr", "es", "ru", "ar", "zh"}
    assert 0.6 <= languages["en"] / 300 <= 0.8
    assert any("êtres humains" in s.body or "victimes" in s.body
               for s in rows if s.language == "fr")
    assert any("\u0400" <= ch <= "\u04ff" for s in rows if s.language == "ru" for ch in s.body)
    assert any("\u0600" <= ch <= "\u06ff" for s in rows if s.language == "ar" for ch in s.body)
    assert any("\u4e00" <= ch <= "\u9fff" for s in rows if s.language == "zh" for ch in s.body)

    kinds = Counter(s.kind for s in rows)
    assert 0.5 <= kinds[SubmissionKind.comment] / 300 <= 0.75
    assert 0.15 <= kinds[SubmissionKind.amendment] / 300 <= 0.35
    assert kinds[SubmissionKind.support] > 0 and kinds[SubmissionKind.statement] > 0
    assert len({s.delegation_id for s in rows}) > 50
    assert any(s.status == SubmissionStatus.withdrawn and s.withdrawn_at for s in rows)

    paragraphs = {p.id: p for p in db.session.scalars(select(Paragraph))}
    replies = 0
    for s in rows:
        assert s.author.delegation_id == s.delegation_id
        assert s.body_html or (s.kind == SubmissionKind.support and not s.body)
        if s.kind == SubmissionKind.statement:
            assert s.paragraph_id is None and s.key_id is None and s.parent_id is None
            continue
        paragraph = paragraphs[s.paragraph_id]
        assert paragraph.version_id == s.version_id and paragraph.key_id == s.key_id
        if s.kind == SubmissionKind.amendment:
            assert s.proposed_text and s.proposed_text != paragraph.text
            assert "<ins>" in s.proposed_diff_html or "<del>" in s.proposed_diff_html
        if s.parent_id is not None:
            parent = s.parent
            assert parent.id < s.id and parent.created_at <= s.created_at
            assert parent.paragraph_id == s.paragraph_id and parent.version_id == s.version_id
            if s.kind == SubmissionKind.support:
                assert parent.kind == SubmissionKind.amendment
                assert parent.delegation_id != s.delegation_id
            else:
                assert s.kind == SubmissionKind.comment
                assert parent.kind == SubmissionKind.comment
                replies += 1
    assert replies > 0

    support = aliased(Submission)
    duplicates = db.session.execute(
        select(support.parent_id, support.delegation_id, func.count())
        .where(support.kind == SubmissionKind.support, support.status == SubmissionStatus.active)
        .group_by(support.parent_id, support.delegation_id).having(func.count() > 1)).all()
    assert duplicates == []

    # The bulk insert bypasses the search outbox; the index was rebuilt and agrees.
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output


def test_same_seed_same_corpus_and_reruns_do_not_duplicate(runner):
    _demo(runner, "--comments", "300", "--seed", "7")
    first = _snapshot()
    demo_rows = db.session.scalar(select(func.count(Submission.id))) - 300
    assert demo_rows > 0  # the hand-written demo submissions

    _demo(runner, "--comments", "300", "--seed", "7")
    assert _snapshot() == first
    assert db.session.scalar(select(func.count(Submission.id))) == demo_rows + 300
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email.like(f"synthetic+%@{SYNTHETIC_DOMAIN}"))) == \
        db.session.scalar(select(func.count(Delegation.id)).where(Delegation.is_reference))

    _demo(runner, "--comments", "120", "--seed", "8")
    other = _snapshot()
    assert len(other) == 120 and [r[2] for r in other] != [r[2] for r in first[:120]]
    assert db.session.scalar(select(func.count(Submission.id))) == demo_rows + 120

    _demo(runner)  # without --comments, the synthetic rows stay as they are
    assert len(_snapshot()) == 120


def test_the_platform_goes_on_after_synthetic_rows(runner):
    """Explicit ids must not collide with later posts (PostgreSQL sequences)."""
    _demo(runner, "--comments", "50", "--seed", "3")
    gpa = db.session.scalar(select(Consultation).where(Consultation.slug == GPA_SLUG))
    rev1 = gpa.versions[-1]
    delegate = db.session.scalar(select(User).where(User.email == "delegate.fra@consult.example"))
    paragraph = next(p for p in rev1.paragraphs if p.label == "OP1")
    posted = comments.post_comment(delegate, paragraph, "France supports this paragraph.",
                                   language="en")
    db.session.commit()
    assert posted.id > db.session.scalar(
        select(func.max(Submission.id)).where(Submission.id != posted.id))


def test_bad_arguments_are_refused(runner):
    result = runner.invoke(args=["demo", "--comments", "-1"])
    assert result.exit_code != 0
