"""claimant copies: each claim carries its claimant's region, industry and current employer, kept by triggers, so
that the reviewers' queues select and count a territory's claims without joining them to their persons (issue 14
item 6; lms/claims/claimant.py)

Revision ID: 0028_claimant_copies
Revises: 0027_exam_plan_region_unique
Create Date: 2026-12-01 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028_claimant_copies'
down_revision = '0027_exam_plan_region_unique'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from lms.claims.claimant import BACKFILL, claimant_ddl
    op.add_column('hour_claim', sa.Column('claimant_region', sa.String(length=32), nullable=True))
    op.add_column('hour_claim', sa.Column('claimant_industry', sa.String(length=32), nullable=True))
    op.add_column('hour_claim', sa.Column('claimant_employer_id', sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    for stmt in claimant_ddl(op.get_bind().dialect.name):
        op.execute(stmt)
    op.create_index('ix_hour_claim_pending_claimant', 'hour_claim',
                    ['claimant_region', 'claimant_industry', 'policy', 'chain', 'step'],
                    postgresql_include=['kind', 'kind_label', 'year', 'claimant_employer_id', 'updated_at'],
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_hour_claim_pending_employer', 'hour_claim', ['claimant_employer_id', 'updated_at', 'id'],
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    from lms.claims.claimant import drop_claimant_ddl
    op.drop_index('ix_hour_claim_pending_employer', table_name='hour_claim')
    op.drop_index('ix_hour_claim_pending_claimant', table_name='hour_claim')
    for stmt in drop_claimant_ddl(op.get_bind().dialect.name):
        op.execute(stmt)
    with op.batch_alter_table('hour_claim') as batch:
        batch.drop_column('claimant_employer_id')
        batch.drop_column('claimant_industry')
        batch.drop_column('claimant_region')
