"""hour claims (issue 12): claims, their evidence files and every filing and decision of their review

Revision ID: 0008_claims
Revises: 0007_organisations
Create Date: 2026-11-30 14:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_claims'
down_revision = '0007_organisations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hour_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('policy', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('kind_label', sa.String(length=100), nullable=False),
    sa.Column('rule', sa.String(length=160), nullable=False),
    sa.Column('chain', sa.String(length=40), nullable=False),
    sa.Column('steps', sa.Integer(), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('item_id', sa.String(length=200), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('hours_claimed', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('credited_hours', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(status = 'approved') = (step = steps AND credited_hours IS NOT NULL)", name=op.f('ck_hour_claim_approved')),
    sa.CheckConstraint("status IN ('pending','returned','approved','rejected')", name=op.f('ck_hour_claim_status')),
    sa.CheckConstraint('hours_claimed >= 0', name=op.f('ck_hour_claim_hours_claimed')),
    sa.CheckConstraint('step >= 0 AND step <= steps', name=op.f('ck_hour_claim_step_in_chain')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_hour_claim_version')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['person.id'], name=op.f('fk_hour_claim_filed_by_id_person')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_hour_claim_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hour_claim'))
    )
    with op.batch_alter_table('hour_claim', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hour_claim_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hour_claim_year'), ['year'], unique=False)
        batch_op.create_index('uq_hour_claim_open_item', ['person_id', 'year', 'item_id'], unique=True, sqlite_where=sa.text("status IN ('pending','returned') AND item_id IS NOT NULL"), postgresql_where=sa.text("status IN ('pending','returned') AND item_id IS NOT NULL"))

    op.create_table('claim_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('mime', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=100), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("mime IN ('application/pdf','image/jpeg','image/png')", name=op.f('ck_claim_evidence_mime')),
    sa.CheckConstraint('size > 0 AND size <= 10485760', name=op.f('ck_claim_evidence_size')),
    sa.ForeignKeyConstraint(['claim_id'], ['hour_claim.id'], name=op.f('fk_claim_evidence_claim_id_hour_claim')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_claim_evidence_uploaded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_evidence')),
    sa.UniqueConstraint('claim_id', 'key', name='uq_claim_evidence_file')
    )
    with op.batch_alter_table('claim_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_evidence_claim_id'), ['claim_id'], unique=False)

    op.create_table('claim_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=120), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('org_name', sa.String(length=100), nullable=True),
    sa.Column('facts', sa.Text(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("decision IN ('submit','resubmit','approve','return','reject')", name=op.f('ck_claim_step_decision')),
    sa.CheckConstraint("(decision IN ('submit','resubmit')) = (facts IS NOT NULL)", name=op.f('ck_claim_step_filing_facts')),
    sa.CheckConstraint("decision NOT IN ('return','reject') OR (reason IS NOT NULL AND reason <> '')", name=op.f('ck_claim_step_reason_given')),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_claim_step_actor_id_person')),
    sa.ForeignKeyConstraint(['claim_id'], ['hour_claim.id'], name=op.f('fk_claim_step_claim_id_hour_claim')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_claim_step_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_step')),
    sa.UniqueConstraint('claim_id', 'version', name='uq_claim_step_version')
    )
    with op.batch_alter_table('claim_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_step_claim_id'), ['claim_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('claim_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_step_claim_id'))

    op.drop_table('claim_step')
    with op.batch_alter_table('claim_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_evidence_claim_id'))

    op.drop_table('claim_evidence')
    with op.batch_alter_table('hour_claim', schema=None) as batch_op:
        batch_op.drop_index('uq_hour_claim_open_item', sqlite_where=sa.text("status IN ('pending','returned') AND item_id IS NOT NULL"), postgresql_where=sa.text("status IN ('pending','returned') AND item_id IS NOT NULL"))
        batch_op.drop_index(batch_op.f('ix_hour_claim_year'))
        batch_op.drop_index(batch_op.f('ix_hour_claim_person_id'))

    op.drop_table('hour_claim')
