"""exam plan region: every exam plan belongs to the region of the body that runs it, and only that region's
practitioners book it (属地; 温人社发〔2020〕125号 第十条)

Revision ID: 0026_exam_plan_region
Revises: 0025_queue_indexes
Create Date: 2026-11-30 22:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026_exam_plan_region'
down_revision = '0025_queue_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam_plan') as batch:
        batch.add_column(sa.Column('region_code', sa.String(length=32), nullable=True))
    # Plans made before: the region of the organisation that runs them, else of the clerk who made them, else the
    # default region (the platform began as Wenzhou's).
    op.execute("UPDATE exam_plan SET region_code = coalesce("
               "(SELECT o.region_code FROM organisation o WHERE o.id = exam_plan.owner_org_id),"
               "(SELECT p.region FROM person p WHERE p.id = exam_plan.created_by_id "
               " AND p.region IN (SELECT code FROM region)),"
               "'wenzhou')")
    with op.batch_alter_table('exam_plan') as batch:
        batch.alter_column('region_code', existing_type=sa.String(length=32), nullable=False)
        batch.create_foreign_key(op.f('fk_exam_plan_region_code_region'), 'region', ['region_code'], ['code'])
        batch.create_index(op.f('ix_exam_plan_region_code'), ['region_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exam_plan') as batch:
        batch.drop_index(op.f('ix_exam_plan_region_code'))
        batch.drop_constraint(op.f('fk_exam_plan_region_code_region'), type_='foreignkey')
        batch.drop_column('region_code')
