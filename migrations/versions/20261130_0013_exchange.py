"""exchange: the data-exchange files a bureau prepared (issue 14 item 4; 浙人社发〔2016〕63号 第十四条)

Revision ID: 0013_exchange
Revises: 0012_hand_entry_reform
Create Date: 2026-11-30 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_exchange'
down_revision = '0012_hand_entry_reform'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'exchange_export',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('made_by_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('since', sa.Date(), nullable=True),
        sa.Column('fmt', sa.String(length=5), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('filename', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("fmt IN ('csv','xlsx','jsonl')", name=op.f('ck_exchange_export_fmt')),
        sa.CheckConstraint('rows >= 0', name=op.f('ck_exchange_export_rows')),
        sa.ForeignKeyConstraint(['made_by_id'], ['person.id'], name=op.f('fk_exchange_export_made_by_id_person')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_exchange_export_org_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_export')),
    )
    op.create_index(op.f('ix_exchange_export_org_id'), 'exchange_export', ['org_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_exchange_export_org_id'), table_name='exchange_export')
    op.drop_table('exchange_export')
