"""notifications

Notification events (one row per thing that happened, fanned out to recipients by the mail
worker; UNIQUE key so a scheduled event is made once), each person's choices per
consultation and kind of event, and the period each person's last daily summary covered.
New tables: nothing to fill (no row means the default choices).

Revision ID: 1b2c3d4e5f60
Revises: 0a1b2c3d4e5f
Create Date: 2026-12-07 02:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from consult.db import UTCDateTime

revision = '1b2c3d4e5f60'
down_revision = '0a1b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('delegation_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('fanned_out_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                                name=op.f('fk_notification_event_consultation_id_consultation')),
        sa.ForeignKeyConstraint(['version_id'], ['version.id'],
                                name=op.f('fk_notification_event_version_id_version')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                                name=op.f('fk_notification_event_submission_id_submission')),
        sa.ForeignKeyConstraint(['delegation_id'], ['delegation.id'],
                                name=op.f('fk_notification_event_delegation_id_delegation')),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                                name=op.f('fk_notification_event_actor_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_event')),
        sa.UniqueConstraint('key', name=op.f('uq_notification_event_key')))
    op.create_index(op.f('ix_notification_event_consultation_id'), 'notification_event',
                    ['consultation_id'])
    op.create_index('ix_notification_event_fanned_out_at', 'notification_event',
                    ['fanned_out_at'])
    op.create_index('ix_notification_event_created_at', 'notification_event', ['created_at'])
    op.create_table(
        'notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('frequency', sa.Enum('immediate', 'daily', 'none', name='frequency',
                                       native_enum=False, length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_notification_preference_user_id_user')),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_notification_preference_consultation_id_consultation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
        sa.UniqueConstraint(
            'user_id', 'consultation_id', 'category',
            name=op.f('uq_notification_preference_user_id_consultation_id_category')))
    op.create_index(op.f('ix_notification_preference_user_id'), 'notification_preference',
                    ['user_id'])
    op.create_index('ix_notification_preference_consultation_category',
                    'notification_preference', ['consultation_id', 'category', 'frequency'])
    op.create_table(
        'notification_digest',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('covered_until', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_notification_digest_user_id_user')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_digest')))


def downgrade():
    op.drop_table('notification_digest')
    op.drop_table('notification_preference')
    op.drop_table('notification_event')
