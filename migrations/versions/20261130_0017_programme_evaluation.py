"""programme evaluation: attendees' ratings (once each, 1-5) and inspection notes (浙人社发〔2016〕63号 第十二条;
川人社发〔2016〕20号 七(三))

Revision ID: 0017_programme_evaluation
Revises: 0016_late_filing
Create Date: 2026-11-30 17:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_programme_evaluation'
down_revision = '0016_late_filing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('programme_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_programme_rating_score')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_rating_programme_id_programme')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_programme_rating_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_rating')),
    sa.UniqueConstraint('programme_id', 'person_id', name='uq_programme_rating_once'),
    )
    op.create_index(op.f('ix_programme_rating_programme_id'), 'programme_rating', ['programme_id'], unique=False)
    op.create_table('programme_inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'],
                            name=op.f('fk_programme_inspection_programme_id_programme')),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_programme_inspection_org_id_organisation')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['person.id'],
                            name=op.f('fk_programme_inspection_recorded_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_inspection')),
    )
    op.create_index(op.f('ix_programme_inspection_programme_id'), 'programme_inspection', ['programme_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_programme_inspection_programme_id'), table_name='programme_inspection')
    op.drop_table('programme_inspection')
    op.drop_index(op.f('ix_programme_rating_programme_id'), table_name='programme_rating')
    op.drop_table('programme_rating')
