"""org resubmission: a rejected registration of an employer, agency or training organiser is corrected by its own
administrator and submitted again (桐人社发〔2018〕26号 第十七条; 川人社发〔2016〕20号 二(一)); the organisation counts its
submissions, and a pending registration carries no decision (the earlier rejection stays in the audit log)

Revision ID: 0030_org_resubmission
Revises: 0029_hours_person_year
Create Date: 2026-12-01 05:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0030_org_resubmission'
down_revision = '0029_hours_person_year'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation') as batch:
        batch.add_column(sa.Column('submission', sa.Integer(), server_default=sa.text('1'), nullable=False))
        batch.create_check_constraint(op.f('ck_organisation_submission_counted'), 'submission >= 1')
        batch.create_check_constraint(op.f('ck_organisation_pending_undecided'),
                                      "status <> 'pending' OR (decided_at IS NULL AND decided_by_id IS NULL "
                                      "AND decision_reason IS NULL)")


def downgrade() -> None:
    with op.batch_alter_table('organisation') as batch:
        batch.drop_constraint(op.f('ck_organisation_pending_undecided'), type_='check')
        batch.drop_constraint(op.f('ck_organisation_submission_counted'), type_='check')
        batch.drop_column('submission')
