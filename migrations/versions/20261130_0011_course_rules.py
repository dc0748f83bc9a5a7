"""course rules per policy: enrolment.year_slot (the one-course-a-year index becomes the policy's per_year), how an
enrolment completes (exam or study), a course's owning organisation and industry

Revision ID: 0011_course_rules
Revises: 0010_messages
Create Date: 2026-11-30 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_course_rules'
down_revision = '0010_messages'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('uq_enrolment_one_general_public_per_year', table_name='enrolment',
                  sqlite_where=sa.text("category = 'general_public'"),
                  postgresql_where=sa.text("category = 'general_public'"))
    with op.batch_alter_table('enrolment') as batch:
        batch.add_column(sa.Column('year_slot', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('completion', sa.String(length=8), server_default='exam', nullable=False))
        batch.create_check_constraint(op.f('ck_enrolment_year_slot_positive'), 'year_slot IS NULL OR year_slot >= 1')
        batch.create_check_constraint(op.f('ck_enrolment_completion'), "completion IN ('exam','study')")
    # Every enrolment so far was made under the one-general-public-course-a-year rule (温 第八条) and completes
    # with the exam (第十条).
    op.execute("UPDATE enrolment SET year_slot = 1 WHERE category = 'general_public'")
    op.create_index('uq_enrolment_year_slot', 'enrolment', ['person_id', 'year', 'category', 'year_slot'],
                    unique=True, sqlite_where=sa.text('year_slot IS NOT NULL'),
                    postgresql_where=sa.text('year_slot IS NOT NULL'))
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('owner_org_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('industry', sa.String(length=32), nullable=True))
        batch.create_foreign_key(op.f('fk_course_owner_org_id_organisation'), 'organisation', ['owner_org_id'],
                                 ['id'])
        batch.create_index(op.f('ix_course_owner_org_id'), ['owner_org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('course') as batch:
        batch.drop_index(op.f('ix_course_owner_org_id'))
        batch.drop_constraint(op.f('fk_course_owner_org_id_organisation'), type_='foreignkey')
        batch.drop_column('industry')
        batch.drop_column('owner_org_id')
    op.drop_index('uq_enrolment_year_slot', table_name='enrolment', sqlite_where=sa.text('year_slot IS NOT NULL'),
                  postgresql_where=sa.text('year_slot IS NOT NULL'))
    with op.batch_alter_table('enrolment') as batch:
        batch.drop_constraint(op.f('ck_enrolment_completion'), type_='check')
        batch.drop_constraint(op.f('ck_enrolment_year_slot_positive'), type_='check')
        batch.drop_column('completion')
        batch.drop_column('year_slot')
    op.create_index('uq_enrolment_one_general_public_per_year', 'enrolment', ['person_id', 'year'], unique=True,
                    sqlite_where=sa.text("category = 'general_public'"),
                    postgresql_where=sa.text("category = 'general_public'"))
