"""exam plan per region: a city HR bureau may make a plan for one county below it besides its own, so a plan is unique
per year, category, organisation that runs it and region it is for (属地; 温人社发〔2020〕125号 第十条)

Revision ID: 0027_exam_plan_region_unique
Revises: 0026_exam_plan_region
Create Date: 2026-12-01 02:40:00
"""
from __future__ import annotations

from alembic import op

revision = '0027_exam_plan_region_unique'
down_revision = '0026_exam_plan_region'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam_plan') as batch:
        batch.drop_constraint('uq_exam_plan_year_category_owner', type_='unique')
        batch.create_unique_constraint('uq_exam_plan_year_category_owner_region',
                                       ['year', 'category', 'owner_org_id', 'region_code'])


def downgrade() -> None:
    with op.batch_alter_table('exam_plan') as batch:
        batch.drop_constraint('uq_exam_plan_year_category_owner_region', type_='unique')
        batch.create_unique_constraint('uq_exam_plan_year_category_owner', ['year', 'category', 'owner_org_id'])
