"""course filing: the county bureau's review of an authority's course and the credits and category fixed once filed
(桐人社发〔2018〕26号 第九条)

Revision ID: 0022_course_filing
Revises: 0021_industry_courses
Create Date: 2026-11-30 18:25:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022_course_filing'
down_revision = '0021_industry_courses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('county_filed_by_org_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('county_filed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('filed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('filed_hours', sa.Numeric(precision=6, scale=2), nullable=True))
        batch.add_column(sa.Column('filed_category', sa.String(length=20), nullable=True))
        batch.create_foreign_key(op.f('fk_course_county_filed_by_org_id_organisation'), 'organisation',
                                 ['county_filed_by_org_id'], ['id'])
        batch.create_check_constraint(op.f('ck_course_county_filed_dated'),
                                      '(county_filed_by_org_id IS NULL) = (county_filed_at IS NULL)')
        batch.create_check_constraint(op.f('ck_course_filed_fixed'),
                                      'filed_at IS NULL OR (credited_hours = filed_hours AND category = filed_category)')
    # Courses approved before: filed with the credits and category they have.
    op.execute("UPDATE course SET filed_at = approved_at, filed_hours = credited_hours, filed_category = category "
               "WHERE approved_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('course') as batch:
        batch.drop_constraint(op.f('ck_course_filed_fixed'), type_='check')
        batch.drop_constraint(op.f('ck_course_county_filed_dated'), type_='check')
        batch.drop_constraint(op.f('fk_course_county_filed_by_org_id_organisation'), type_='foreignkey')
        batch.drop_column('filed_category')
        batch.drop_column('filed_hours')
        batch.drop_column('filed_at')
        batch.drop_column('county_filed_at')
        batch.drop_column('county_filed_by_org_id')
