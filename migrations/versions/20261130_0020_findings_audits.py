"""forged evidence (issue 12, item 7: findings, sanctions; 温人社发〔2020〕125号 第十五条, 浙人社发〔2016〕63号 第十六条)
and the random audit of approved claims (item 11)

Revision ID: 0020_findings_audits
Revises: 0019_stats_area
Create Date: 2026-11-30 17:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020_findings_audits'
down_revision = '0019_stats_area'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('claim_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('evidence_key', sa.String(length=80), nullable=True),
    sa.Column('evidence_mime', sa.String(length=40), nullable=True),
    sa.Column('evidence_size', sa.Integer(), nullable=True),
    sa.Column('evidence_filename', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reversed_hours', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_name', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("outcome IN ('rejected','reversed','already_rejected')", name=op.f('ck_claim_finding_outcome')),
    sa.CheckConstraint("(outcome = 'reversed') = (reversed_hours IS NOT NULL)",
                       name=op.f('ck_claim_finding_reversed_hours')),
    sa.CheckConstraint("finding <> ''", name=op.f('ck_claim_finding_finding_given')),
    sa.CheckConstraint("evidence_key IS NULL OR (evidence_mime IN ('application/pdf','image/jpeg','image/png') "
                       "AND evidence_size > 0)", name=op.f('ck_claim_finding_evidence_file')),
    sa.ForeignKeyConstraint(['claim_id'], ['hour_claim.id'], name=op.f('fk_claim_finding_claim_id_hour_claim')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_claim_finding_person_id_person')),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_claim_finding_actor_id_person')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_claim_finding_org_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_finding')),
    sa.UniqueConstraint('claim_id', name='uq_claim_finding_claim')
    )
    op.create_index(op.f('ix_claim_finding_person_id'), 'claim_finding', ['person_id'], unique=False)
    op.create_table('person_sanction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=120), nullable=False),
    sa.Column('claim_title', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=50), nullable=False),
    sa.Column('org_name', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('no_title_application')", name=op.f('ck_person_sanction_kind')),
    sa.CheckConstraint("rule <> ''", name=op.f('ck_person_sanction_rule_given')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_sanction_person_id_person')),
    sa.ForeignKeyConstraint(['finding_id'], ['claim_finding.id'],
                            name=op.f('fk_person_sanction_finding_id_claim_finding')),
    sa.ForeignKeyConstraint(['actor_id'], ['person.id'], name=op.f('fk_person_sanction_actor_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_sanction')),
    sa.UniqueConstraint('finding_id', name='uq_person_sanction_finding')
    )
    op.create_index(op.f('ix_person_sanction_person_id'), 'person_sanction', ['person_id'], unique=False)
    op.create_table('claim_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('org_name', sa.String(length=100), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('population_digest', sa.String(length=64), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('drawn_by_id', sa.Integer(), nullable=False),
    sa.Column('drawn_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('percent > 0 AND percent <= 100', name=op.f('ck_claim_audit_percent')),
    sa.CheckConstraint('seed >= 0', name=op.f('ck_claim_audit_seed')),
    sa.CheckConstraint('sample_size >= 0 AND sample_size <= population', name=op.f('ck_claim_audit_sample_size')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_claim_audit_org_id_organisation')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['person.id'], name=op.f('fk_claim_audit_drawn_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_audit'))
    )
    op.create_index(op.f('ix_claim_audit_org_id'), 'claim_audit', ['org_id'], unique=False)
    op.create_table('claim_audit_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('confirmed','finding')", name=op.f('ck_claim_audit_item_outcome')),
    sa.CheckConstraint("(outcome = 'finding') = (finding_id IS NOT NULL)",
                       name=op.f('ck_claim_audit_item_finding_linked')),
    sa.CheckConstraint('(outcome IS NULL) = (decided_by_id IS NULL)', name=op.f('ck_claim_audit_item_decided')),
    sa.ForeignKeyConstraint(['audit_id'], ['claim_audit.id'], name=op.f('fk_claim_audit_item_audit_id_claim_audit')),
    sa.ForeignKeyConstraint(['claim_id'], ['hour_claim.id'], name=op.f('fk_claim_audit_item_claim_id_hour_claim')),
    sa.ForeignKeyConstraint(['finding_id'], ['claim_finding.id'],
                            name=op.f('fk_claim_audit_item_finding_id_claim_finding')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_claim_audit_item_decided_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_audit_item')),
    sa.UniqueConstraint('audit_id', 'claim_id', name='uq_claim_audit_item_claim')
    )
    op.create_index(op.f('ix_claim_audit_item_audit_id'), 'claim_audit_item', ['audit_id'], unique=False)
    op.create_index(op.f('ix_claim_audit_item_claim_id'), 'claim_audit_item', ['claim_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_claim_audit_item_claim_id'), table_name='claim_audit_item')
    op.drop_index(op.f('ix_claim_audit_item_audit_id'), table_name='claim_audit_item')
    op.drop_table('claim_audit_item')
    op.drop_index(op.f('ix_claim_audit_org_id'), table_name='claim_audit')
    op.drop_table('claim_audit')
    op.drop_index(op.f('ix_person_sanction_person_id'), table_name='person_sanction')
    op.drop_table('person_sanction')
    op.drop_index(op.f('ix_claim_finding_person_id'), table_name='claim_finding')
    op.drop_table('claim_finding')
