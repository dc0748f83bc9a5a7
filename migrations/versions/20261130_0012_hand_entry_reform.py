"""hand entry reformed (issue 12, item 6): corrections approved by a second clerk; a transferred-hours certificate
merged once (威人社字〔2022〕2号 三)

Revision ID: 0012_hand_entry_reform
Revises: 0011_course_rules
Create Date: 2026-11-30 17:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012_hand_entry_reform'
down_revision = '0011_course_rules'
branch_labels = None
depends_on = None

TRANSFER = sa.text("kind = 'transfer_in' AND status <> 'rejected'")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table('hours_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_name', sa.String(length=100), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.CheckConstraint('hours < 0', name=op.f('ck_hours_correction_lowers')),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_hours_correction_status')),
    sa.CheckConstraint("(status = 'pending') = (decided_by_id IS NULL)", name=op.f('ck_hours_correction_decided')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> filed_by_id',
                       name=op.f('ck_hours_correction_four_eyes')),
    sa.CheckConstraint("status <> 'rejected' OR (decision_reason IS NOT NULL AND decision_reason <> '')",
                       name=op.f('ck_hours_correction_rejection_reason')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_hours_correction_person_id_person')),
    sa.ForeignKeyConstraint(['entry_id'], ['hours_entry.id'], name=op.f('fk_hours_correction_entry_id_hours_entry')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'],
                            name=op.f('fk_hours_correction_org_id_organisation')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['person.id'], name=op.f('fk_hours_correction_filed_by_id_person')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_hours_correction_decided_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_correction'))
    )
    with op.batch_alter_table('hours_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_correction_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hours_correction_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hours_correction_org_id'), ['org_id'], unique=False)
        batch_op.create_index('uq_hours_correction_pending_entry', ['entry_id'], unique=True,
                              sqlite_where=PENDING, postgresql_where=PENDING)
    with op.batch_alter_table('hour_claim', schema=None) as batch_op:
        batch_op.create_index('uq_hour_claim_transfer_certificate', ['item_id'], unique=True,
                              sqlite_where=TRANSFER, postgresql_where=TRANSFER)


def downgrade() -> None:
    with op.batch_alter_table('hour_claim', schema=None) as batch_op:
        batch_op.drop_index('uq_hour_claim_transfer_certificate', sqlite_where=TRANSFER, postgresql_where=TRANSFER)
    with op.batch_alter_table('hours_correction', schema=None) as batch_op:
        batch_op.drop_index('uq_hours_correction_pending_entry', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.drop_index(batch_op.f('ix_hours_correction_org_id'))
        batch_op.drop_index(batch_op.f('ix_hours_correction_entry_id'))
        batch_op.drop_index(batch_op.f('ix_hours_correction_person_id'))
    op.drop_table('hours_correction')
