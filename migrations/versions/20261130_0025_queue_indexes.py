"""queue indexes: a territory's practitioners by region and industry, the claims pending oldest first and by
claimant (the reviewers' queues, lms/claims/queues.py)

Revision ID: 0025_queue_indexes
Revises: 0024_course_submission
Create Date: 2026-11-30 22:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025_queue_indexes'
down_revision = '0024_course_submission'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_person_practitioner_region_industry', 'person', ['region', 'industry', 'id'],
                    sqlite_where=sa.text("role = 'practitioner'"), postgresql_where=sa.text("role = 'practitioner'"))
    op.create_index('ix_hour_claim_pending_since', 'hour_claim', ['updated_at', 'id'],
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_hour_claim_pending_person', 'hour_claim', ['person_id', 'policy', 'chain', 'step'],
                    postgresql_include=['kind', 'kind_label', 'year', 'updated_at'],
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_hour_claim_pending_person', table_name='hour_claim')
    op.drop_index('ix_hour_claim_pending_since', table_name='hour_claim')
    op.drop_index('ix_person_practitioner_region_industry', table_name='person')
