"""brackets counted and marked: unagreed text shown as such

Square-bracketed text in a version is unagreed text (consult/drafts/brackets.py says what
counts as a bracket). Each paragraph now stores how many bracketed passages it holds
(`paragraph.brackets`, and `paragraph_translation.brackets` for its translations), and its
stored HTML marks them (`<span class="bracketed">`, each bracket in `<span
class="bracket">`). A version's paragraphs are rendered together, because a reference link
in one paragraph ("[the text][source]") is a link, not brackets, when another paragraph
defines "[source]: url"; so this fills both for every row, one version (or translation) at
a time, with the application's own renderer, as the services do when a text is saved.
Only paragraphs with a bracket character change: the others keep their HTML and count 0.
The Markdown stays the record; the count and the HTML are derived from it.

Revision ID: d1b2c3a4e5f6
Revises: c3d4e5f60712
Create Date: 2026-12-06 19:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'd1b2c3a4e5f6'
down_revision = 'c3d4e5f60712'
branch_labels = None
depends_on = None

BATCH = 200  # versions (or translations) read at a time

paragraph = sa.table(
    "paragraph", sa.column("id", sa.Integer), sa.column("version_id", sa.Integer),
    sa.column("position", sa.Integer), sa.column("text", sa.Text), sa.column("html", sa.Text),
    sa.column("brackets", sa.Integer))
translated = sa.table(
    "paragraph_translation", sa.column("id", sa.Integer),
    sa.column("translation_id", sa.Integer), sa.column("paragraph_id", sa.Integer),
    sa.column("text", sa.Text), sa.column("html", sa.Text), sa.column("brackets", sa.Integer))
version = sa.table("version", sa.column("id", sa.Integer))
version_translation = sa.table("version_translation", sa.column("id", sa.Integer))


def _groups(bind, table):
    """The ids of `table` (versions, translations) in batches, in id order."""
    last = 0
    while True:
        ids = bind.execute(sa.select(table.c.id).where(table.c.id > last)
                           .order_by(table.c.id).limit(BATCH)).scalars().all()
        if not ids:
            return
        yield from ids
        last = ids[-1]


def _texts(bind, table, group_id) -> list[tuple[int, str]]:
    """(row id, Markdown) of one version's or translation's paragraphs, in reading order."""
    if table is paragraph:
        query = (sa.select(paragraph.c.id, paragraph.c.text)
                 .where(paragraph.c.version_id == group_id).order_by(paragraph.c.position))
    else:
        query = (sa.select(translated.c.id, translated.c.text)
                 .join(paragraph, paragraph.c.id == translated.c.paragraph_id)
                 .where(translated.c.translation_id == group_id)
                 .order_by(paragraph.c.position))
    return [tuple(row) for row in bind.execute(query)]


def _rewrite(render, references=lambda texts: None) -> None:
    """Set (html, brackets) = render(text, references of its group) on every row whose
    text has a bracket character (no other text can change)."""
    bind = op.get_bind()
    for table, groups in ((paragraph, version), (translated, version_translation)):
        statement = (sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                     .values(html=sa.bindparam("new_html"),
                             brackets=sa.bindparam("new_brackets")))
        for group_id in _groups(bind, groups):
            rows = _texts(bind, table, group_id)
            changed = [(row_id, text) for row_id, text in rows if "[" in text or "]" in text]
            if not changed:
                continue
            defined = references([text for _row_id, text in rows])
            values = []
            for row_id, text in changed:
                html, count = render(text, defined)
                values.append({"row_id": row_id, "new_html": html, "new_brackets": count})
            bind.execute(statement, values)


def upgrade():
    op.add_column('paragraph', sa.Column('brackets', sa.Integer(), server_default='0',
                                         nullable=False))
    op.add_column('paragraph_translation', sa.Column('brackets', sa.Integer(),
                                                     server_default='0', nullable=False))
    from consult.markdown import draft_references, render_draft

    def render(text, defined):
        html, found = render_draft(text, defined)
        return html, found.count

    _rewrite(render, draft_references)


def downgrade():
    # The HTML as the code before this revision rendered it: unmarked, each paragraph alone.
    from consult.markdown import render_draft_unmarked

    _rewrite(lambda text, defined: (render_draft_unmarked(text), 0))
    op.execute("ALTER TABLE paragraph_translation DROP COLUMN brackets")  # SQLite 3.35+
    op.execute("ALTER TABLE paragraph DROP COLUMN brackets")
