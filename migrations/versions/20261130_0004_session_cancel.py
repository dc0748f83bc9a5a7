"""exam sessions can be cancelled by the bureau (with a reason told to candidates)

Revision ID: 0004_session_cancel
Revises: 0003_hours_sheet
Create Date: 2026-11-30 10:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_session_cancel'
down_revision = '0003_hours_sheet'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('exam_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_exam_session_cancelled_by_id_person'), 'person',
                                    ['cancelled_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_exam_session_cancelled_with_reason'),
                                         '(cancelled_at IS NULL) = (cancel_reason IS NULL)')


def downgrade() -> None:
    with op.batch_alter_table('exam_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_exam_session_cancelled_with_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_exam_session_cancelled_by_id_person'), type_='foreignkey')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
