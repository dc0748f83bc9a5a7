"""late filing grants: the county HR bureau lets one claim be filed after its deadline, with a reason (issue 12
item 5; 桐人社发〔2018〕26号 第十三条)

Revision ID: 0016_late_filing
Revises: 0015_reminders
Create Date: 2026-11-30 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_late_filing'
down_revision = '0015_reminders'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'late_filing_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('activity_end', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('org_name', sa.String(length=100), nullable=False),
        sa.Column('granted_at', sa.DateTime(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=False),
        sa.Column('claim_id', sa.Integer(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('length(reason) >= 2', name=op.f('ck_late_filing_grant_reason_given')),
        sa.CheckConstraint('(claim_id IS NULL) = (used_at IS NULL)', name=op.f('ck_late_filing_grant_used_with_claim')),
        sa.CheckConstraint('valid_until >= activity_end', name=op.f('ck_late_filing_grant_valid_after_activity')),
        sa.ForeignKeyConstraint(['claim_id'], ['hour_claim.id'], name=op.f('fk_late_filing_grant_claim_id_hour_claim')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['person.id'],
                                name=op.f('fk_late_filing_grant_granted_by_id_person')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_late_filing_grant_org_id_organisation')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_late_filing_grant_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_late_filing_grant')),
        sa.UniqueConstraint('claim_id', name=op.f('uq_late_filing_grant_claim_id')),
    )
    op.create_index(op.f('ix_late_filing_grant_person_id'), 'late_filing_grant', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_late_filing_grant_person_id'), table_name='late_filing_grant')
    op.drop_table('late_filing_grant')
