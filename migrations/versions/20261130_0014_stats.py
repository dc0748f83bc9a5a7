"""stats: the statistics' summary tables (person-years, cells, claims waiting, when each was rebuilt), issue 14

Revision ID: 0014_stats
Revises: 0013_exchange
Create Date: 2026-11-30 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_stats'
down_revision = '0013_exchange'
branch_labels = None
depends_on = None

HOURS = sa.Numeric(precision=10, scale=2)
SUMS = sa.Numeric(precision=14, scale=2)
SOURCES = ('src_study', 'src_exam', 'src_claim', 'src_roster', 'src_transfer', 'src_other')


def upgrade() -> None:
    op.create_table('stats_person_year',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('policy', sa.String(length=40), nullable=False),
    sa.Column('general_public', HOURS, nullable=False),
    sa.Column('industry_public', HOURS, nullable=False),
    sa.Column('professional', HOURS, nullable=False),
    sa.Column('total', HOURS, nullable=False),
    *[sa.Column(c, HOURS, nullable=False) for c in SOURCES],
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('professional_ok', sa.Boolean(), nullable=False),
    sa.Column('public_ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'year', name=op.f('pk_stats_person_year'))
    )
    op.create_index('ix_stats_person_year_region', 'stats_person_year', ['year', 'region', 'industry'])
    op.create_index('ix_stats_person_year_employer', 'stats_person_year', ['year', 'employer_id'])
    op.create_index('ix_stats_person_year_industry', 'stats_person_year', ['year', 'industry'])
    op.create_table('stats_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Integer(), nullable=False),
    sa.Column('professional_ok', sa.Integer(), nullable=False),
    sa.Column('public_ok', sa.Integer(), nullable=False),
    sa.Column('general_public', SUMS, nullable=False),
    sa.Column('industry_public', SUMS, nullable=False),
    sa.Column('professional', SUMS, nullable=False),
    *[sa.Column(c, SUMS, nullable=False) for c in SOURCES],
    sa.CheckConstraint('complete <= persons AND participants <= persons', name=op.f('ck_stats_cell_counts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_cell'))
    )
    op.create_index('ix_stats_cell_year_region', 'stats_cell', ['year', 'region'])
    op.create_index('ix_stats_cell_year_employer', 'stats_cell', ['year', 'employer_id'])
    op.create_table('stats_claim_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=True),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('up_to_7', sa.Integer(), nullable=False),
    sa.Column('up_to_30', sa.Integer(), nullable=False),
    sa.Column('up_to_90', sa.Integer(), nullable=False),
    sa.Column('over_90', sa.Integer(), nullable=False),
    sa.Column('oldest', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending','returned')", name=op.f('ck_stats_claim_cell_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_claim_cell'))
    )
    op.create_index('ix_stats_claim_cell_region', 'stats_claim_cell', ['region'])
    op.create_table('stats_refresh',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_stats_refresh'))
    )


def downgrade() -> None:
    op.drop_table('stats_refresh')
    op.drop_index('ix_stats_claim_cell_region', table_name='stats_claim_cell')
    op.drop_table('stats_claim_cell')
    op.drop_index('ix_stats_cell_year_employer', table_name='stats_cell')
    op.drop_index('ix_stats_cell_year_region', table_name='stats_cell')
    op.drop_table('stats_cell')
    op.drop_index('ix_stats_person_year_industry', table_name='stats_person_year')
    op.drop_index('ix_stats_person_year_employer', table_name='stats_person_year')
    op.drop_index('ix_stats_person_year_region', table_name='stats_person_year')
    op.drop_table('stats_person_year')
