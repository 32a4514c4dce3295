"""paragraph status and the silence procedure

Each paragraph of a version gets the co-facilitators' status (open by default: every
existing paragraph is open, as nothing was recorded before) with its note and time; its
history is the public log. `silence_procedure` and `silence_break` record silence
procedures on published versions and the Member States' statements breaking them.

Revision ID: e7f8a9b0c1d2
Revises: d1b2c3a4e5f6
Create Date: 2026-12-06 19:20:00.000000
"""
from alembic import op
import sqlalchemy as sa

from consult.db import UTCDateTime

revision = 'e7f8a9b0c1d2'
down_revision = 'd1b2c3a4e5f6'
branch_labels = None
depends_on = None


def upgrade():
    # Plain columns with constant defaults: no table copy on SQLite, however many rows
    # (a copy would also trip the foreign keys of the submissions on paragraphs).
    op.add_column('paragraph', sa.Column(
        'status', sa.Enum('open', 'agreed_ad_ref', 'agreed', 'deleted',
                          name='paragraphstatus', native_enum=False, length=20),
        nullable=False, server_default='open'))
    op.add_column('paragraph', sa.Column('status_note', sa.Text(), nullable=False,
                                         server_default=''))
    op.add_column('paragraph', sa.Column('status_changed_at', UTCDateTime(), nullable=True))
    op.create_table(
        'silence_procedure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('running', 'broken', 'adopted', 'withdrawn',
                                   name='silencestate', native_enum=False, length=20), nullable=False),
        sa.Column('until', UTCDateTime(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.Column('withdraw_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                                name=op.f('fk_silence_procedure_consultation_id_consultation')),
        sa.ForeignKeyConstraint(['ended_by_id'], ['user.id'],
                                name=op.f('fk_silence_procedure_ended_by_id_user')),
        sa.ForeignKeyConstraint(['started_by_id'], ['user.id'],
                                name=op.f('fk_silence_procedure_started_by_id_user')),
        sa.ForeignKeyConstraint(['version_id'], ['version.id'],
                                name=op.f('fk_silence_procedure_version_id_version')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_silence_procedure')))
    for column in ('version_id', 'consultation_id', 'started_by_id', 'ended_by_id'):
        op.create_index(op.f(f'ix_silence_procedure_{column}'), 'silence_procedure',
                        [column], unique=False)
    op.create_index('ix_silence_procedure_state_until', 'silence_procedure',
                    ['state', 'until'], unique=False)
    op.create_table(
        'silence_break',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('delegation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['delegation_id'], ['delegation.id'],
                                name=op.f('fk_silence_break_delegation_id_delegation')),
        sa.ForeignKeyConstraint(['procedure_id'], ['silence_procedure.id'],
                                name=op.f('fk_silence_break_procedure_id_silence_procedure')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_silence_break_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_silence_break')),
        sa.UniqueConstraint('procedure_id', 'delegation_id',
                            name=op.f('uq_silence_break_procedure_id_delegation_id')))
    for column in ('procedure_id', 'delegation_id', 'user_id'):
        op.create_index(op.f(f'ix_silence_break_{column}'), 'silence_break', [column],
                        unique=False)


def downgrade():
    op.drop_table('silence_break')
    op.drop_table('silence_procedure')
    for column in ('status_changed_at', 'status_note', 'status'):
        op.execute(f"ALTER TABLE paragraph DROP COLUMN {column}")  # SQLite 3.35+, PostgreSQL
