"""threads paged and the change clock

`submission.root_id` names the top of each reply's (and support's) thread, so that a page
of threads loads its replies with one indexed query and threads are ordered by their newest
activity in the database; filled here by walking up from each reply, one level per pass
(reply chains are a few levels deep). `change_clock` holds one number that moves in the
same transaction as every change a page could show (consult/change_clock.py); public pages
are validated against it before anything is rendered. An index on (consultation_id,
created_at) serves the public list of submissions, newest first; one on each
submission's place (version, paragraph, kind, visibility flags, thread, time) answers the
thread pages and counts from the index alone, and replaces the indexes on the two
visibility flags, which led SQLite's planner to read half the table for one paragraph.

Revision ID: c3d4e5f60712
Revises: b1c2d3e4f501
Create Date: 2026-12-06 08:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'c3d4e5f60712'
down_revision = 'b1c2d3e4f501'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_clock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_clock')))
    op.execute("INSERT INTO change_clock (id, seq) VALUES (1, 0)")
    # A plain column and plain indexes: no table copy on SQLite, however many rows.
    op.add_column('submission', sa.Column('root_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_submission_root_id'), 'submission', ['root_id'], unique=False)
    op.create_index('ix_submission_consultation_created', 'submission',
                    ['consultation_id', 'created_at'], unique=False)
    # Counts and threads by place from the index alone; the flags' own indexes misled
    # SQLite's planner (half the table read to count one paragraph's submissions).
    op.create_index('ix_submission_place', 'submission',
                    ['version_id', 'paragraph_id', 'kind', 'is_hidden', 'under_hidden',
                     'parent_id', 'root_id', 'created_at'], unique=False)
    op.drop_index('ix_submission_is_hidden', table_name='submission')
    op.drop_index('ix_submission_under_hidden', table_name='submission')
    op.execute("UPDATE submission SET root_id = parent_id WHERE parent_id IS NOT NULL")
    for _ in range(1000):  # a guard against a cycle, which the services never write
        moved = op.get_bind().execute(sa.text(
            "UPDATE submission SET root_id = (SELECT p.parent_id FROM submission p "
            "WHERE p.id = submission.root_id) "
            "WHERE root_id IN (SELECT id FROM submission WHERE parent_id IS NOT NULL)"))
        if not moved.rowcount:
            break


def downgrade():
    op.create_index('ix_submission_under_hidden', 'submission', ['under_hidden'])
    op.create_index('ix_submission_is_hidden', 'submission', ['is_hidden'])
    op.drop_index('ix_submission_place', table_name='submission')
    op.drop_index('ix_submission_consultation_created', table_name='submission')
    op.drop_index(op.f('ix_submission_root_id'), table_name='submission')
    op.execute("ALTER TABLE submission DROP COLUMN root_id")  # SQLite 3.35+ and PostgreSQL
    op.drop_table('change_clock')
