"""printed registration sheets (hours_sheet) and the bureau named on each certificate

Revision ID: 0003_hours_sheet
Revises: 0002
Create Date: 2026-11-30 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_hours_sheet'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hours_sheet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('policy', sa.String(length=32), nullable=False),
    sa.Column('issuer', sa.String(length=100), nullable=False),
    sa.Column('total_hours', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('general_public', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('industry_public', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('professional', sa.Numeric(precision=7, scale=2), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_hours_sheet_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_sheet')),
    sa.UniqueConstraint('code', name=op.f('uq_hours_sheet_code')),
    sa.UniqueConstraint('person_id', 'year', 'fingerprint', name='uq_hours_sheet_person_year_data')
    )
    with op.batch_alter_table('hours_sheet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hours_sheet_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('hours_certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hours_certificate', schema=None) as batch_op:
        batch_op.drop_column('issuer')
    with op.batch_alter_table('hours_sheet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hours_sheet_person_id'))
    op.drop_table('hours_sheet')
