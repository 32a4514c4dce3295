"""proposed wording rendered: proposals shown like the paragraph they replace

Proposed wording is Markdown, as paragraph text is. It used to be diffed as source
(`*Decides*` showed its asterisks, `*<del>Encourages</del><ins>Urges</ins>*`). Now both are
rendered and compared word by word (consult/comments/wording.py): `proposed_diff_html`
holds the changes marked on the rendered words, and the clean wording is derived from it
(`Submission.proposed_html`, deletions dropped). This recomputes `proposed_diff_html` for
every amendment and every stored earlier text of one, against the paragraph the amendment
was made on. No column changes: the Markdown stays the record; the HTML is derived data,
rendered here with the application's own renderer, as the services do when a proposal is
written.

Revision ID: b1c2d3e4f501
Revises: 7aed772ecc58
Create Date: 2026-12-06 06:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'b1c2d3e4f501'
down_revision = '7aed772ecc58'
branch_labels = None
depends_on = None

BATCH = 500

submission = sa.table(
    "submission", sa.column("id", sa.Integer), sa.column("paragraph_id", sa.Integer),
    sa.column("proposed_text", sa.Text), sa.column("proposed_diff_html", sa.Text))
revision_table = sa.table(
    "submission_revision", sa.column("id", sa.Integer), sa.column("submission_id", sa.Integer),
    sa.column("proposed_text", sa.Text), sa.column("proposed_diff_html", sa.Text))
paragraph = sa.table("paragraph", sa.column("id", sa.Integer), sa.column("text", sa.Text))


def _rewrite(render) -> None:
    """Set `proposed_diff_html` = render(paragraph text, proposed text) on every row that has
    proposed wording, in id-ordered batches (flat memory)."""
    bind = op.get_bind()
    owner = submission.alias("owner")
    for table, joined in (
            (submission, submission.join(paragraph,
                                         paragraph.c.id == submission.c.paragraph_id)),
            (revision_table, revision_table
             .join(owner, owner.c.id == revision_table.c.submission_id)
             .join(paragraph, paragraph.c.id == owner.c.paragraph_id))):
        last = 0
        while True:
            rows = bind.execute(
                sa.select(table.c.id, table.c.proposed_text, paragraph.c.text)
                .select_from(joined)
                .where(table.c.id > last, table.c.proposed_text.is_not(None))
                .order_by(table.c.id).limit(BATCH)).all()
            if not rows:
                break
            for row_id, proposed, paragraph_text in rows:
                bind.execute(sa.update(table).where(table.c.id == row_id)
                             .values(proposed_diff_html=render(paragraph_text, proposed)))
            last = rows[-1][0]


def upgrade():
    from consult.comments.wording import marked_html, wording_runs

    _rewrite(lambda old, new: marked_html(wording_runs(old, new)))


def downgrade():
    # The wording diffed as source, as the code before this revision wrote it.
    from consult.textdiff import diff_words

    _rewrite(diff_words)
