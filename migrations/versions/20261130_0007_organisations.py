"""organisations: the region tree with its HR bureaus, employers and other organisations, employment periods,
administrator changes; staff accounts belong to an organisation; audit entries name the actor's organisation

Revision ID: 0007_organisations
Revises: 0006_login_session
Create Date: 2026-11-30 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_organisations'
down_revision = '0006_login_session'
branch_labels = None
depends_on = None

HR = "kind IN ('province_hr','city_hr','county_hr')"
OLD_ROLES = "role IN ('practitioner','bureau','proctor')"
NEW_ROLES = "role IN ('practitioner','bureau','authority','employer','agency','organiser','proctor','supervisor')"


def upgrade() -> None:
    op.create_table('region',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('policy', sa.String(length=40), nullable=True),
    sa.CheckConstraint("level IN ('province','city','county')", name=op.f('ck_region_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['region.code'], name=op.f('fk_region_parent_code_region')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=32), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decision_reason', sa.String(length=200), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind <> 'authority' OR industry IS NOT NULL", name=op.f('ck_organisation_authority_industry')),
    sa.CheckConstraint("kind <> 'employer' OR uscc IS NOT NULL", name=op.f('ck_organisation_employer_uscc')),
    sa.CheckConstraint("kind IN ('province_hr','city_hr','county_hr','authority','employer','agency','organiser')",
                       name=op.f('ck_organisation_kind')),
    sa.CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL",
                       name=op.f('ck_organisation_rejected_with_reason')),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_organisation_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['person.id'], name=op.f('fk_organisation_decided_by_id_person')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_organisation_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('uscc', name=op.f('uq_organisation_uscc'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_region_code'), ['region_code'], unique=False)
        batch_op.create_index('uq_organisation_hr_region', ['region_code'], unique=True,
                              sqlite_where=sa.text(HR), postgresql_where=sa.text(HR))
        batch_op.create_index('uq_organisation_authority', ['region_code', 'industry'], unique=True,
                              sqlite_where=sa.text("kind = 'authority'"), postgresql_where=sa.text("kind = 'authority'"))

    from lms.orgs.seed import seed
    seed(op.get_bind())

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sa.Integer(), nullable=True))
        batch_op.alter_column('region', existing_type=sa.String(length=16), type_=sa.String(length=32))
    # Existing staff accounts belong to the HR bureau of their region.
    op.execute("UPDATE person SET org_id = (SELECT o.id FROM organisation o WHERE o.region_code = person.region "
               f"AND o.{HR}) WHERE role <> 'practitioner'")
    op.execute("UPDATE person SET org_id = (SELECT o.id FROM organisation o WHERE o.region_code = 'wenzhou' "
               f"AND o.{HR}) WHERE role <> 'practitioner' AND org_id IS NULL")
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_person_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_person_role'), NEW_ROLES)
        batch_op.create_check_constraint(op.f('ck_person_staff_org'),
                                         "role = 'practitioner' OR (org_id IS NOT NULL AND username IS NOT NULL)")
        batch_op.drop_constraint(op.f('uq_person_id_number'), type_='unique')
        batch_op.drop_constraint(op.f('uq_person_mobile'), type_='unique')
        batch_op.create_foreign_key(batch_op.f('fk_person_org_id_organisation'), 'organisation', ['org_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_person_org_id'), ['org_id'], unique=False)
        batch_op.create_index('uq_person_practitioner_id_number', ['id_number'], unique=True,
                              sqlite_where=sa.text("role = 'practitioner'"),
                              postgresql_where=sa.text("role = 'practitioner'"))
        batch_op.create_index('uq_person_practitioner_mobile', ['mobile'], unique=True,
                              sqlite_where=sa.text("role = 'practitioner'"),
                              postgresql_where=sa.text("role = 'practitioner'"))

    op.create_table('employment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('region_code', sa.String(length=32), nullable=False),
    sa.CheckConstraint("status <> 'current' OR (started_on IS NOT NULL AND confirmed_by_id IS NOT NULL)",
                       name=op.f('ck_employment_current_confirmed')),
    sa.CheckConstraint("status <> 'declined' OR reason IS NOT NULL", name=op.f('ck_employment_declined_with_reason')),
    sa.CheckConstraint("status <> 'ended' OR ended_on IS NOT NULL", name=op.f('ck_employment_ended_dated')),
    sa.CheckConstraint("status IN ('applied','current','declined','ended','withdrawn')",
                       name=op.f('ck_employment_status')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['person.id'], name=op.f('fk_employment_confirmed_by_id_person')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_employment_org_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_employment_person_id_person')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_employment_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment'))
    )
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_employment_one_current', ['person_id'], unique=True,
                              sqlite_where=sa.text("status = 'current'"), postgresql_where=sa.text("status = 'current'"))
        batch_op.create_index('uq_employment_one_open', ['person_id'], unique=True,
                              sqlite_where=sa.text("status = 'applied'"), postgresql_where=sa.text("status = 'applied'"))
    op.create_table('admin_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=10), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("change IN ('added','disabled','enabled')", name=op.f('ck_admin_change_change')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['person.id'],
                            name=op.f('fk_admin_change_acknowledged_by_id_person')),
    sa.ForeignKeyConstraint(['by_id'], ['person.id'], name=op.f('fk_admin_change_by_id_person')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_admin_change_org_id_organisation')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_admin_change_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_change'))
    )
    with op.batch_alter_table('admin_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_change_org_id'), ['org_id'], unique=False)
    # audit_log is append-only (triggers): only columns are added, never a table rebuild, and old entries keep NULL.
    op.add_column('audit_log', sa.Column('actor_org_id', sa.Integer(), nullable=True))
    op.add_column('audit_log', sa.Column('actor_role', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_audit_log_actor_org_id'), 'audit_log', ['actor_org_id'], unique=False)
    with op.batch_alter_table('exam_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_org_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_exam_plan_owner_org_id_organisation'), 'organisation',
                                    ['owner_org_id'], ['id'])
    # A plan belongs to the bureau of the clerk who made it (the city bureau when that is unknown).
    op.execute("UPDATE exam_plan SET owner_org_id = COALESCE((SELECT p.org_id FROM person p "
               "WHERE p.id = exam_plan.created_by_id), (SELECT o.id FROM organisation o "
               f"WHERE o.region_code = 'wenzhou' AND o.{HR}))")


def downgrade() -> None:
    bind = op.get_bind()
    extra = bind.execute(sa.text(f"SELECT count(*) FROM person WHERE NOT ({OLD_ROLES})")).scalar()
    if extra:
        raise RuntimeError(f"无法降级：有 {extra} 个账号属于降级后不存在的角色（行业主管部门、用人单位等）")
    with op.batch_alter_table('exam_plan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exam_plan_owner_org_id_organisation'), type_='foreignkey')
        batch_op.drop_column('owner_org_id')
    op.drop_index(op.f('ix_audit_log_actor_org_id'), table_name='audit_log')
    if bind.dialect.name == "sqlite":  # ALTER TABLE DROP COLUMN, never a rebuild of the append-only table
        op.execute("ALTER TABLE audit_log DROP COLUMN actor_role")
        op.execute("ALTER TABLE audit_log DROP COLUMN actor_org_id")
    else:
        op.drop_column('audit_log', 'actor_role')
        op.drop_column('audit_log', 'actor_org_id')
    with op.batch_alter_table('admin_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_change_org_id'))
    op.drop_table('admin_change')
    with op.batch_alter_table('employment', schema=None) as batch_op:
        batch_op.drop_index('uq_employment_one_open', sqlite_where=sa.text("status = 'applied'"),
                            postgresql_where=sa.text("status = 'applied'"))
        batch_op.drop_index('uq_employment_one_current', sqlite_where=sa.text("status = 'current'"),
                            postgresql_where=sa.text("status = 'current'"))
        batch_op.drop_index(batch_op.f('ix_employment_person_id'))
        batch_op.drop_index(batch_op.f('ix_employment_org_id'))
    op.drop_table('employment')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('uq_person_practitioner_mobile')
        batch_op.drop_index('uq_person_practitioner_id_number')
        batch_op.drop_index(batch_op.f('ix_person_org_id'))
        batch_op.drop_constraint(batch_op.f('fk_person_org_id_organisation'), type_='foreignkey')
        batch_op.create_unique_constraint(batch_op.f('uq_person_mobile'), ['mobile'])
        batch_op.create_unique_constraint(batch_op.f('uq_person_id_number'), ['id_number'])
        batch_op.drop_constraint(batch_op.f('ck_person_staff_org'), type_='check')
        batch_op.drop_constraint(op.f('ck_person_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_person_role'), OLD_ROLES)
        batch_op.drop_column('org_id')
        batch_op.alter_column('region', existing_type=sa.String(length=32), type_=sa.String(length=16))
    op.drop_table('organisation')
    op.drop_table('region')
