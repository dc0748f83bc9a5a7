"""rosters: programmes filed by training organisers, attendee roster uploads and their rows (温人社发〔2020〕125号
第十三、十四条)

Revision ID: 0009_rosters
Revises: 0008_claims
Create Date: 2026-11-30 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_rosters'
down_revision = '0008_claims'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('hours_per_day', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('fee', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('approval_document', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decision_reason', sa.String(length=200), nullable=True),
    sa.Column('approved_by_org_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('filed','approved','rejected')", name=op.f('ck_programme_status')),
    sa.CheckConstraint("category IN ('general_public','industry_public','professional')",
                       name=op.f('ck_programme_category')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_programme_dates')),
    sa.CheckConstraint('hours_per_day > 0 AND hours_per_day <= 24', name=op.f('ck_programme_hours_per_day')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_programme_capacity')),
    sa.CheckConstraint('fee >= 0', name=op.f('ck_programme_fee')),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL",
                       name=op.f('ck_programme_rejected_with_reason')),
    sa.CheckConstraint("status <> 'approved' OR approved_by_org_id IS NOT NULL",
                       name=op.f('ck_programme_approved_by_org')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_programme_org_id_organisation')),
    sa.ForeignKeyConstraint(['approved_by_org_id'], ['organisation.id'],
                            name=op.f('fk_programme_approved_by_org_id_organisation')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_programme_decided_by_id_person')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['person.id'], name=op.f('fk_programme_filed_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    op.create_index(op.f('ix_programme_org_id'), 'programme', ['org_id'], unique=False)
    op.create_index(op.f('ix_programme_status'), 'programme', ['status'], unique=False)
    op.create_table('roster_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_refused', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('registered', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('checked','confirmed')", name=op.f('ck_roster_upload_status')),
    sa.CheckConstraint("status <> 'confirmed' OR (confirmed_by_id IS NOT NULL AND confirmed_at IS NOT NULL)",
                       name=op.f('ck_roster_upload_confirmed_by')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_roster_upload_programme_id_programme')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['person.id'], name=op.f('fk_roster_upload_uploaded_by_id_person')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id'],
                            name=op.f('fk_roster_upload_confirmed_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_upload'))
    )
    op.create_index(op.f('ix_roster_upload_programme_id'), 'roster_upload', ['programme_id'], unique=False)
    op.create_table('roster_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=False),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('ok','waiting','refused','credited')", name=op.f('ck_roster_row_status')),
    sa.CheckConstraint("status <> 'refused' OR reason IS NOT NULL", name=op.f('ck_roster_row_refused_with_reason')),
    sa.ForeignKeyConstraint(['upload_id'], ['roster_upload.id'], name=op.f('fk_roster_row_upload_id_roster_upload')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_roster_row_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_row')),
    sa.UniqueConstraint('upload_id', 'line', name='uq_roster_row_line')
    )
    op.create_index(op.f('ix_roster_row_upload_id'), 'roster_row', ['upload_id'], unique=False)
    op.create_index('ix_roster_row_waiting', 'roster_row', ['id_number', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_roster_row_waiting', table_name='roster_row')
    op.drop_index(op.f('ix_roster_row_upload_id'), table_name='roster_row')
    op.drop_table('roster_row')
    op.drop_index(op.f('ix_roster_upload_programme_id'), table_name='roster_upload')
    op.drop_table('roster_upload')
    op.drop_index(op.f('ix_programme_status'), table_name='programme')
    op.drop_index(op.f('ix_programme_org_id'), table_name='programme')
    op.drop_table('programme')
