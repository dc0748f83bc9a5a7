"""exchange export jobs: an export is asked for in the web request and written by the scheduler (a city's year took
25 s as CSV and 237 s as XLSX inside the request); the export row carries its state (pending, running, ready,
failed), the latest claim, the runs that took it, when it finished and why it failed. Exports written before were
written in their request: they are ready, finished when they were made.

Revision ID: 0031_exchange_export_jobs
Revises: 0030_org_resubmission
Create Date: 2026-12-01 06:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0031_exchange_export_jobs'
down_revision = '0030_org_resubmission'
branch_labels = None
depends_on = None

STATE_CHECKS = {
    'state': "state IN ('pending','running','ready','failed')",
    'attempts': 'attempts >= 0',
    'ready_has_file': "(state = 'ready') = (key IS NOT NULL AND rows IS NOT NULL AND finished_at IS NOT NULL)",
    'running_claimed': "state <> 'running' OR claimed_at IS NOT NULL",
    'failed_says_why': "state <> 'failed' OR (error IS NOT NULL AND finished_at IS NOT NULL)",
}


def upgrade() -> None:
    with op.batch_alter_table('exchange_export') as batch:
        batch.add_column(sa.Column('state', sa.String(length=8), server_default='ready', nullable=False))
        batch.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch.add_column(sa.Column('finished_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('error', sa.String(length=300), nullable=True))
        batch.alter_column('rows', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('key', existing_type=sa.String(length=80), nullable=True)
    op.execute("UPDATE exchange_export SET finished_at = created_at")
    with op.batch_alter_table('exchange_export') as batch:
        batch.alter_column('state', existing_type=sa.String(length=8), server_default=None)
        batch.alter_column('attempts', existing_type=sa.Integer(), server_default=None)
        for name, condition in STATE_CHECKS.items():
            batch.create_check_constraint(op.f(f'ck_exchange_export_{name}'), condition)
    op.create_index('ix_exchange_export_state', 'exchange_export', ['state'])


def downgrade() -> None:
    # Exports never written have no file to keep: they go with the columns.
    op.execute("DELETE FROM exchange_export WHERE state <> 'ready'")
    op.drop_index('ix_exchange_export_state', table_name='exchange_export')
    with op.batch_alter_table('exchange_export') as batch:
        for name in reversed(list(STATE_CHECKS)):
            batch.drop_constraint(op.f(f'ck_exchange_export_{name}'), type_='check')
        batch.alter_column('key', existing_type=sa.String(length=80), nullable=False)
        batch.alter_column('rows', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('error')
        batch.drop_column('finished_at')
        batch.drop_column('attempts')
        batch.drop_column('claimed_at')
        batch.drop_column('state')
