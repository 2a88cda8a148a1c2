"""workshop: presence (who is on which map, facilitator focus and timer); activity entries get the
entity version, a batch id per save and the entry an undo reverted

Revision ID: 71414cee1a50
Revises: 34e3638c10bb
Create Date: 2026-11-23 05:20:04.571767
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString
from alembic import op


revision: str = '71414cee1a50'
down_revision: str | None = '34e3638c10bb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('presence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.Column('session_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('is_facilitator', sa.Boolean(), nullable=False),
    sa.Column('focus_stage_id', sa.Integer(), nullable=True),
    sa.Column('focus_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('timer_ends_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('timer_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['focus_stage_id'], ['stage.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_key')
    )
    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_presence_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_presence_last_seen'), ['last_seen'], unique=False)
        batch_op.create_index(batch_op.f('ix_presence_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entity_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reverts_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activity_entry_batch'), ['batch'], unique=False)
        batch_op.create_index('ix_activity_entry_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_entry_reverts_id'), ['reverts_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_entry_reverts_id'))
        batch_op.drop_index('ix_activity_entry_entity')
        batch_op.drop_index(batch_op.f('ix_activity_entry_batch'))
        batch_op.drop_column('reverts_id')
        batch_op.drop_column('batch')
        batch_op.drop_column('entity_version')

    with op.batch_alter_table('presence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_presence_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_presence_last_seen'))
        batch_op.drop_index(batch_op.f('ix_presence_journey_id'))

    op.drop_table('presence')
