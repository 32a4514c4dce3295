"""mail outbox and account links

The mail outbox (one rendered message per event and recipient, UNIQUE key), the addresses
mail servers refused for good, the single-use links of invitations and password resets
(their SHA-256 only), and password-reset requests kept for throttling. New tables: nothing
to fill.

Revision ID: 0a1b2c3d4e5f
Revises: f3a4b5c6d7e8
Create Date: 2026-12-07 01:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from consult.db import UTCDateTime

revision = '0a1b2c3d4e5f'
down_revision = 'f3a4b5c6d7e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('to_name', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('unsubscribe_url', sa.String(length=1000), nullable=True),
        sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'bounced',
                                    name='mailstatus', native_enum=False, length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
        sa.Column('claimed_at', UTCDateTime(), nullable=True),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_mail_message_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_message')),
        sa.UniqueConstraint('key', name=op.f('uq_mail_message_key')))
    op.create_index(op.f('ix_mail_message_user_id'), 'mail_message', ['user_id'])
    op.create_index('ix_mail_message_status_next', 'mail_message',
                    ['status', 'next_attempt_at'])
    op.create_table(
        'undeliverable_address',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_undeliverable_address')),
        sa.UniqueConstraint('address', name=op.f('uq_undeliverable_address_address')))
    op.create_table(
        'account_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.Enum('invitation', 'password_reset', name='tokenpurpose',
                                     native_enum=False, length=20),
                  nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_account_token_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_token_token_hash')))
    op.create_index(op.f('ix_account_token_user_id'), 'account_token', ['user_id'])
    op.create_table(
        'password_reset_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_request')))
    op.create_index('ix_password_reset_request_address_at', 'password_reset_request',
                    ['address', 'at'])


def downgrade():
    op.drop_table('password_reset_request')
    op.drop_table('account_token')
    op.drop_table('undeliverable_address')
    op.drop_table('mail_message')
