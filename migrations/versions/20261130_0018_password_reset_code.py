"""password reset codes sent by e-mail (issue 15: password reset by email code when SMTP is configured)

Revision ID: 0018_password_reset_code
Revises: 0017_programme_evaluation
Create Date: 2026-11-30 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018_password_reset_code'
down_revision = '0017_programme_evaluation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'password_reset_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_password_reset_code_attempts')),
        sa.CheckConstraint('expires_at > created_at', name=op.f('ck_password_reset_code_expires_after_created')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_password_reset_code_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_code')),
    )
    op.create_index(op.f('ix_password_reset_code_person_id'), 'password_reset_code', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_reset_code_person_id'), table_name='password_reset_code')
    op.drop_table('password_reset_code')
