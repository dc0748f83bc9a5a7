"""each scheduler job run recorded with the leader that ran it (issue 15: one scheduler after a database restart)

Revision ID: 0005_scheduler_run
Revises: 0004_session_cancel
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_scheduler_run'
down_revision = '0004_session_cancel'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'scheduler_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.String(length=64), nullable=False),
        sa.Column('leader', sa.String(length=120), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_run')),
    )
    op.create_index(op.f('ix_scheduler_run_started_at'), 'scheduler_run', ['started_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_scheduler_run_started_at'), table_name='scheduler_run')
    op.drop_table('scheduler_run')
