"""course submission: an authority submits its course for review and filing, a bureau may return it with a reason
(温人社发〔2020〕125号 第十一条; 桐人社发〔2018〕26号 第九条); every course has an owning organisation

Revision ID: 0024_course_submission
Revises: 0023_claim_four_eyes
Create Date: 2026-11-30 22:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024_course_submission'
down_revision = '0023_claim_four_eyes'
branch_labels = None
depends_on = None

HR = "kind IN ('province_hr','city_hr','county_hr')"


def upgrade() -> None:
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('returned_by_org_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('returned_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch.create_foreign_key(op.f('fk_course_returned_by_org_id_organisation'), 'organisation',
                                 ['returned_by_org_id'], ['id'])
        batch.create_check_constraint(op.f('ck_course_returned_dated'),
                                      '(returned_by_org_id IS NULL) = (returned_at IS NULL) AND '
                                      '(returned_at IS NULL) = (return_reason IS NULL)')
        batch.create_check_constraint(op.f('ck_course_filed_submitted'),
                                      'filed_at IS NULL OR submitted_at IS NOT NULL')
    # Courses made before they had an owner are their creator's organisation's, else the city bureau's whose
    # catalogue the platform served (温人社发〔2020〕125号 第七条).
    op.execute("UPDATE course SET owner_org_id = (SELECT p.org_id FROM person p WHERE p.id = course.created_by_id) "
               "WHERE owner_org_id IS NULL")
    op.execute(f"UPDATE course SET owner_org_id = (SELECT o.id FROM organisation o WHERE o.region_code = 'wenzhou' "
               f"AND o.{HR}) WHERE owner_org_id IS NULL")
    # Courses filed before submission existed were submitted when the first level filed them.
    op.execute("UPDATE course SET submitted_at = COALESCE(county_filed_at, approved_at) "
               "WHERE submitted_at IS NULL AND (approved_at IS NOT NULL OR county_filed_at IS NOT NULL)")


def downgrade() -> None:
    with op.batch_alter_table('course') as batch:
        batch.drop_constraint(op.f('ck_course_filed_submitted'), type_='check')
        batch.drop_constraint(op.f('ck_course_returned_dated'), type_='check')
        batch.drop_constraint(op.f('fk_course_returned_by_org_id_organisation'), type_='foreignkey')
        batch.drop_column('return_reason')
        batch.drop_column('returned_at')
        batch.drop_column('returned_by_org_id')
        batch.drop_column('submitted_at')
