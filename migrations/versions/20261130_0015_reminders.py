"""reminders: year-end reminder campaigns and whom they told (issue 14 item 3)

Revision ID: 0015_reminders
Revises: 0014_stats
Create Date: 2026-11-30 17:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_reminders'
down_revision = '0014_stats'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reminder_campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('send_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('persons_told', sa.Integer(), nullable=False),
        sa.Column('employers_told', sa.Integer(), nullable=False),
        sa.CheckConstraint('persons_told >= 0 AND employers_told >= 0', name=op.f('ck_reminder_campaign_counts')),
        sa.ForeignKeyConstraint(['created_by_id'], ['person.id'],
                                name=op.f('fk_reminder_campaign_created_by_id_person')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'],
                                name=op.f('fk_reminder_campaign_org_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_campaign')),
        sa.UniqueConstraint('org_id', 'year', 'send_on', name='uq_reminder_campaign_org_year_day'),
    )
    op.create_index(op.f('ix_reminder_campaign_org_id'), 'reminder_campaign', ['org_id'], unique=False)
    op.create_table(
        'reminder_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('lacks', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('practitioner','employer')", name=op.f('ck_reminder_delivery_kind')),
        sa.ForeignKeyConstraint(['campaign_id'], ['reminder_campaign.id'],
                                name=op.f('fk_reminder_delivery_campaign_id_reminder_campaign')),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id'],
                                name=op.f('fk_reminder_delivery_org_id_organisation')),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_reminder_delivery_person_id_person')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_delivery')),
        sa.UniqueConstraint('campaign_id', 'person_id', name='uq_reminder_delivery_campaign_person'),
    )
    op.create_index(op.f('ix_reminder_delivery_campaign_id'), 'reminder_delivery', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_reminder_delivery_org_id'), 'reminder_delivery', ['org_id'], unique=False)
    op.create_index(op.f('ix_reminder_delivery_person_id'), 'reminder_delivery', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reminder_delivery_person_id'), table_name='reminder_delivery')
    op.drop_index(op.f('ix_reminder_delivery_org_id'), table_name='reminder_delivery')
    op.drop_index(op.f('ix_reminder_delivery_campaign_id'), table_name='reminder_delivery')
    op.drop_table('reminder_delivery')
    op.drop_index(op.f('ix_reminder_campaign_org_id'), table_name='reminder_campaign')
    op.drop_table('reminder_campaign')
