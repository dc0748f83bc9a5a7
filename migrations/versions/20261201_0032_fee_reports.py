"""fee reports: the continuing-education training fees an employer or agency reports for a year and how many of its
staff attended (川人社发〔2016〕20号 七(三): HR departments keep statistics of funding by region and industry); one
report per organisation and year, a correction replaces it

Revision ID: 0032_fee_reports
Revises: 0031_exchange_export_jobs
Create Date: 2026-12-01 11:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032_fee_reports'
down_revision = '0031_exchange_export_jobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fee_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('trained', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('reported_by_id', sa.Integer(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('amount >= 0 AND amount < 10000000000', name=op.f('ck_fee_report_amount')),
        sa.CheckConstraint('trained >= 0', name=op.f('ck_fee_report_trained')),
        sa.CheckConstraint('year >= 2000', name=op.f('ck_fee_report_year')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_fee_report_org_id_organisation')),
        sa.ForeignKeyConstraint(['reported_by_id'], ['person.id'], name=op.f('fk_fee_report_reported_by_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_report')),
        sa.UniqueConstraint('org_id', 'year', name=op.f('uq_fee_report_org_id_year')),
    )


def downgrade() -> None:
    op.drop_table('fee_report')
