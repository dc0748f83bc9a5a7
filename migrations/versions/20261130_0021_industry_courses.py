"""industry public subjects: a course's approval by the city HR bureau, and one exam plan of a year and category
per organisation that runs it (温人社发〔2020〕125号 第十一条)

Revision ID: 0021_industry_courses
Revises: 0020_findings_audits
Create Date: 2026-11-30 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021_industry_courses'
down_revision = '0020_findings_audits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('approved_by_org_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key(op.f('fk_course_approved_by_org_id_organisation'), 'organisation',
                                 ['approved_by_org_id'], ['id'])
        batch.create_check_constraint(op.f('ck_course_approved_dated'),
                                      '(approved_by_org_id IS NULL) = (approved_at IS NULL)')
    with op.batch_alter_table('exam_plan') as batch:
        batch.drop_constraint('uq_exam_plan_year_category', type_='unique')
        batch.create_unique_constraint('uq_exam_plan_year_category_owner', ['year', 'category', 'owner_org_id'])


def downgrade() -> None:
    with op.batch_alter_table('exam_plan') as batch:
        batch.drop_constraint('uq_exam_plan_year_category_owner', type_='unique')
        batch.create_unique_constraint('uq_exam_plan_year_category', ['year', 'category'])
    with op.batch_alter_table('course') as batch:
        batch.drop_constraint(op.f('ck_course_approved_dated'), type_='check')
        batch.drop_constraint(op.f('fk_course_approved_by_org_id_organisation'), type_='foreignkey')
        batch.drop_column('approved_at')
        batch.drop_column('approved_by_org_id')
