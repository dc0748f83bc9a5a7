"""stats_area: the statistics' cells summed over employers, per year, region and industry (issue 14: a city's
dashboard reads ~150 rows instead of one per employer)

Revision ID: 0019_stats_area
Revises: 0018_password_reset_code
Create Date: 2026-11-30 18:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019_stats_area'
down_revision = '0018_password_reset_code'
branch_labels = None
depends_on = None

SUMS = sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    op.create_table('stats_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=True),
    *[sa.Column(c, sa.Integer(), nullable=False)
      for c in ('persons', 'participants', 'complete', 'professional_ok', 'public_ok')],
    *[sa.Column(c, SUMS, nullable=False)
      for c in ('general_public', 'industry_public', 'professional', 'src_study', 'src_exam', 'src_claim',
                'src_roster', 'src_transfer', 'src_other')],
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_area'))
    )
    op.create_index('ix_stats_area_year_region', 'stats_area', ['year', 'region'])
    # Areas of the years already summarised (the next refresh rebuilds them anyway).
    op.execute("INSERT INTO stats_area (year, region, industry, persons, participants, complete, professional_ok, "
               "public_ok, general_public, industry_public, professional, src_study, src_exam, src_claim, "
               "src_roster, src_transfer, src_other) SELECT year, region, industry, sum(persons), sum(participants), "
               "sum(complete), sum(professional_ok), sum(public_ok), sum(general_public), sum(industry_public), "
               "sum(professional), sum(src_study), sum(src_exam), sum(src_claim), sum(src_roster), "
               "sum(src_transfer), sum(src_other) FROM stats_cell GROUP BY year, region, industry")


def downgrade() -> None:
    op.drop_index('ix_stats_area_year_region', table_name='stats_area')
    op.drop_table('stats_area')
