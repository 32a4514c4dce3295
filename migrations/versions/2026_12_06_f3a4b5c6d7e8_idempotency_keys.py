"""idempotency keys of the API's writes

The answer to each state-changing API request sent with an Idempotency-Key header, stored
in the same transaction as the change, so that a retry gets it again instead of making the
change twice (consult/api/idempotency.py). UNIQUE(account_id, key): of two requests sent at
once with one key, only one can commit. A new table: nothing to fill.

Revision ID: f3a4b5c6d7e8
Revises: e7f8a9b0c1d2
Create Date: 2026-12-06 21:50:00.000000
"""
from alembic import op
import sqlalchemy as sa

from consult.db import UTCDateTime

revision = 'f3a4b5c6d7e8'
down_revision = 'e7f8a9b0c1d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idempotency_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['user.id'],
                                name=op.f('fk_idempotency_key_account_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
        sa.UniqueConstraint('account_id', 'key', name=op.f('uq_idempotency_key_account_id_key')))


def downgrade():
    op.drop_table('idempotency_key')
