"""claim four eyes in the schema: an approval on a four-eyes chain names the row it follows (filing or earlier
approval) and its actor, who must be someone else (issue 12 item 6)

Revision ID: 0023_claim_four_eyes
Revises: 0022_course_filing
Create Date: 2026-11-30 22:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023_claim_four_eyes'
down_revision = '0022_course_filing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('claim_step') as batch:
        batch.add_column(sa.Column('follows_version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('follows_actor_id', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_claim_step_version_actor', ['claim_id', 'version', 'actor_id'])
    with op.batch_alter_table('claim_step') as batch:
        batch.create_foreign_key('fk_claim_step_follows', 'claim_step',
                                 ['claim_id', 'follows_version', 'follows_actor_id'],
                                 ['claim_id', 'version', 'actor_id'])
        batch.create_check_constraint(op.f('ck_claim_step_follows_both'),
                                      '(follows_version IS NULL) = (follows_actor_id IS NULL)')
        batch.create_check_constraint(op.f('ck_claim_step_four_eyes'),
                                      "follows_actor_id IS NULL OR (decision = 'approve' AND "
                                      "follows_version = version - 1 AND follows_actor_id <> actor_id)")


def downgrade() -> None:
    with op.batch_alter_table('claim_step') as batch:
        batch.drop_constraint(op.f('ck_claim_step_four_eyes'), type_='check')
        batch.drop_constraint(op.f('ck_claim_step_follows_both'), type_='check')
        batch.drop_constraint('fk_claim_step_follows', type_='foreignkey')
    with op.batch_alter_table('claim_step') as batch:
        batch.drop_constraint('uq_claim_step_version_actor', type_='unique')
        batch.drop_column('follows_actor_id')
        batch.drop_column('follows_version')
