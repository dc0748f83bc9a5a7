"""login sessions: one row per login, named by the session cookie; logging out ends it (issue 15)

Revision ID: 0006_login_session
Revises: 0005_scheduler_run
Create Date: 2026-11-30 14:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_login_session'
down_revision = '0005_scheduler_run'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Cookies signed before this revision name no login: everyone signs in once more.
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('device', sa.String(length=255), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.CheckConstraint('(ended_at IS NULL) = (end_reason IS NULL)',
                           name=op.f('ck_login_session_ended_with_reason')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_login_session_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    )
    op.create_index(op.f('ix_login_session_person_id'), 'login_session', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_login_session_person_id'), table_name='login_session')
    op.drop_table('login_session')
