"""messages: in-app messages, the e-mail outbox, and a person's optional e-mail address (issue 12 item 10)

Revision ID: 0010_messages
Revises: 0009_rosters
Create Date: 2026-11-30 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_messages'
down_revision = '0009_rosters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.create_check_constraint(op.f('ck_person_email'), "email IS NULL OR (email LIKE '%_@_%' AND length(email) <= 254)")
    op.create_table(
        'message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('ref', sa.String(length=80), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_message_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message')),
        sa.UniqueConstraint('person_id', 'kind', 'ref', name='uq_message_person_kind_ref'),
    )
    op.create_index('ix_message_person_unread', 'message', ['person_id', 'read_at'], unique=False)
    op.create_table(
        'outbox_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('send_before', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('pending','sending','sent','failed','expired')",
                           name=op.f('ck_outbox_mail_state')),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_mail_attempts')),
        sa.CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_outbox_mail_sent_at')),
        sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_outbox_mail_message_id_message')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_outbox_mail_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mail')),
    )
    op.create_index('ix_outbox_mail_due', 'outbox_mail', ['state', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_mail_person_id'), 'outbox_mail', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_mail_person_id'), table_name='outbox_mail')
    op.drop_index('ix_outbox_mail_due', table_name='outbox_mail')
    op.drop_table('outbox_mail')
    op.drop_index('ix_message_person_unread', table_name='message')
    op.drop_table('message')
    with op.batch_alter_table('person') as batch:
        batch.drop_constraint(op.f('ck_person_email'), type_='check')
        batch.drop_column('email')
