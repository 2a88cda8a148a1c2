"""initial schema

Revision ID: 65b38dc98785
Revises: 
Create Date: 2026-11-23 04:22:34.545162
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString
from alembic import op


revision: str = '65b38dc98785'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('workspace',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workspace_name'), ['name'], unique=True)

    op.create_table('activity_entry',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('entity_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_entry_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_entry_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('channel',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("category IN ('owned', 'paid', 'earned', 'personal', 'event', 'print')", name='ck_channel_category'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'workspace_id', name='uq_channel_id_workspace'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_channel_name')
    )
    with op.batch_alter_table('channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('content_item',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("format IN ('article', 'video', 'faq', 'newsletter', 'whitepaper', 'ad', 'landing_page', 'review_reply', 'social_post', 'brochure', 'email', 'event', 'other')", name='ck_content_item_format'),
    sa.CheckConstraint("status IN ('planned', 'in_production', 'live', 'retired')", name='ck_content_item_status'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'workspace_id', name='uq_content_item_id_workspace'),
    sa.UniqueConstraint('workspace_id', 'title', name='uq_content_item_title')
    )
    with op.batch_alter_table('content_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_item_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('journey',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('scenario', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('goal', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('next_journey_id', sa.Integer(), nullable=True),
    sa.Column('origin_journey_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('as_is', 'to_be')", name='ck_journey_state'),
    sa.CheckConstraint("status IN ('draft', 'in_review', 'final')", name='ck_journey_status'),
    sa.CheckConstraint('next_journey_id IS NULL OR next_journey_id <> id', name='ck_journey_next_not_self'),
    sa.ForeignKeyConstraint(['next_journey_id'], ['journey.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['origin_journey_id'], ['journey.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'workspace_id', name='uq_journey_id_workspace'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_journey_name')
    )
    with op.batch_alter_table('journey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('persona',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('avatar_emoji', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('avatar_image', sa.LargeBinary(), nullable=True),
    sa.Column('avatar_mime', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('occupation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('income_band', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('customer_share', sa.Float(), nullable=True),
    sa.Column('bio', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('goals', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('needs', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pains', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('behaviours', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('preferences', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('values', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('communication_style', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint('age IS NULL OR (age BETWEEN 0 AND 120)', name='ck_persona_age'),
    sa.CheckConstraint('customer_share IS NULL OR (customer_share BETWEEN 0 AND 100)', name='ck_persona_share'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'workspace_id', name='uq_persona_id_workspace'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_persona_name')
    )
    with op.batch_alter_table('persona', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persona_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('journey_persona',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['journey_id', 'workspace_id'], ['journey.id', 'journey.workspace_id'], name='fk_journey_persona_journey', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['persona_id', 'workspace_id'], ['persona.id', 'persona.workspace_id'], name='fk_journey_persona_persona', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('journey_id', 'persona_id')
    )
    with op.batch_alter_table('journey_persona', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_persona_persona_id'), ['persona_id'], unique=False)

    op.create_table('kano_item',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_kano_item_name')
    )
    with op.batch_alter_table('kano_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kano_item_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('persona_channel',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('intensity', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint('intensity IS NULL OR (intensity BETWEEN 1 AND 5)', name='ck_persona_channel_intensity'),
    sa.ForeignKeyConstraint(['channel_id', 'workspace_id'], ['channel.id', 'channel.workspace_id'], name='fk_persona_channel_channel', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['persona_id', 'workspace_id'], ['persona.id', 'persona.workspace_id'], name='fk_persona_channel_persona', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('persona_id', 'channel_id', name='uq_persona_channel')
    )
    with op.batch_alter_table('persona_channel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persona_channel_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persona_channel_persona_id'), ['persona_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persona_channel_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('stage',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('position >= 0', name='ck_stage_position'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'journey_id', name='uq_stage_id_journey')
    )
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stage_journey_id'), ['journey_id'], unique=False)

    op.create_table('touchpoint',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('is_direct', sa.Boolean(), nullable=False),
    sa.Column('owner_department', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('external_provider', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cost_per_contact', sa.Float(), nullable=True),
    sa.CheckConstraint('cost_per_contact IS NULL OR cost_per_contact >= 0', name='ck_touchpoint_cost'),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'workspace_id', name='uq_touchpoint_id_workspace'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_touchpoint_name')
    )
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_touchpoint_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_touchpoint_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('vote_round',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('dots_per_participant', sa.Integer(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.CheckConstraint('dots_per_participant BETWEEN 1 AND 50', name='ck_vote_round_dots'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_round_journey_id'), ['journey_id'], unique=False)

    op.create_table('content_mapping',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('content_item_id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('need', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id', 'workspace_id'], ['channel.id', 'channel.workspace_id'], name='fk_content_mapping_channel', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['content_item_id', 'workspace_id'], ['content_item.id', 'content_item.workspace_id'], name='fk_content_mapping_item', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['persona_id', 'workspace_id'], ['persona.id', 'persona.workspace_id'], name='fk_content_mapping_persona', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id'], ['stage.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_item_id', 'persona_id', 'stage_id', 'channel_id', name='uq_content_mapping')
    )
    with op.batch_alter_table('content_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_mapping_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_content_mapping_content_item_id'), ['content_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_content_mapping_persona_id'), ['persona_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_content_mapping_stage_id'), ['stage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_content_mapping_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('kano_answer',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kano_item_id', sa.Integer(), nullable=False),
    sa.Column('respondent', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('functional', sa.Integer(), nullable=False),
    sa.Column('dysfunctional', sa.Integer(), nullable=False),
    sa.CheckConstraint('dysfunctional IS NULL OR (dysfunctional BETWEEN 1 AND 5)', name='ck_kano_answer_dysfunctional'),
    sa.CheckConstraint('functional IS NULL OR (functional BETWEEN 1 AND 5)', name='ck_kano_answer_functional'),
    sa.ForeignKeyConstraint(['kano_item_id'], ['kano_item.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kano_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kano_answer_kano_item_id'), ['kano_item_id'], unique=False)

    op.create_table('step',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('doing', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('thinking', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('feeling', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('emotion', sa.Integer(), nullable=False),
    sa.Column('needs', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('owner_department', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('backstage', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('is_moment_of_truth', sa.Boolean(), nullable=False),
    sa.Column('is_entry', sa.Boolean(), nullable=False),
    sa.Column('entry_share', sa.Float(), nullable=True),
    sa.Column('is_exit', sa.Boolean(), nullable=False),
    sa.Column('exit_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("exit_kind IN ('', 'purchase', 'complete', 'abort', 'churn')", name='ck_step_exit_kind'),
    sa.CheckConstraint('emotion IS NULL OR (emotion BETWEEN -3 AND 3)', name='ck_step_emotion'),
    sa.CheckConstraint('entry_share IS NULL OR (entry_share BETWEEN 0 AND 100)', name='ck_step_entry_share'),
    sa.CheckConstraint('position >= 0', name='ck_step_position'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stage_id', 'journey_id'], ['stage.id', 'stage.journey_id'], name='fk_step_stage'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id', 'journey_id', name='uq_step_id_journey')
    )
    with op.batch_alter_table('step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_step_stage_id'), ['stage_id'], unique=False)

    op.create_table('comment',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('is_resolved', sa.Boolean(), nullable=False),
    sa.CheckConstraint('(CASE WHEN step_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN touchpoint_id IS NULL THEN 0 ELSE 1 END) = 1', name='ck_comment_one_target'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_step_id'), ['step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_touchpoint_id'), ['touchpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_comment_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('metric',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('review_every_days', sa.Integer(), nullable=True),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("(scope = 'workspace' AND journey_id IS NULL AND step_id IS NULL AND touchpoint_id IS NULL) OR (scope = 'journey' AND journey_id IS NOT NULL AND step_id IS NULL AND touchpoint_id IS NULL) OR (scope = 'step' AND step_id IS NOT NULL AND touchpoint_id IS NULL) OR (scope = 'touchpoint' AND touchpoint_id IS NOT NULL AND step_id IS NULL)", name='ck_metric_scope_target'),
    sa.CheckConstraint("direction IN ('higher', 'lower')", name='ck_metric_direction'),
    sa.CheckConstraint("kind IN ('conversion_rate', 'drop_off_rate', 'csat', 'nps', 'ces', 'response_time', 'cost_per_contact', 'custom')", name='ck_metric_kind'),
    sa.CheckConstraint("scope IN ('workspace', 'journey', 'step', 'touchpoint')", name='ck_metric_scope'),
    sa.CheckConstraint('review_every_days IS NULL OR review_every_days > 0', name='ck_metric_cadence'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('workspace_id', 'name', name='uq_metric_name')
    )
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_step_id'), ['step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_touchpoint_id'), ['touchpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_metric_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('opportunity',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('customer_value', sa.Integer(), nullable=False),
    sa.Column('business_value', sa.Integer(), nullable=False),
    sa.Column('effort', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('idea', 'planned', 'in_progress', 'done', 'dropped')", name='ck_opportunity_status'),
    sa.CheckConstraint('business_value IS NULL OR (business_value BETWEEN 1 AND 5)', name='ck_opportunity_business_value'),
    sa.CheckConstraint('customer_value IS NULL OR (customer_value BETWEEN 1 AND 5)', name='ck_opportunity_customer_value'),
    sa.CheckConstraint('effort IS NULL OR (effort BETWEEN 1 AND 5)', name='ck_opportunity_effort'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_step_id'), ['step_id'], unique=False)

    op.create_table('pain_point',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('severity IS NULL OR (severity BETWEEN 1 AND 5)', name='ck_pain_point_severity'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pain_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pain_point_step_id'), ['step_id'], unique=False)

    op.create_table('step_touchpoint',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('importance', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('is_decisive', sa.Boolean(), nullable=False),
    sa.Column('leads_to_abort', sa.Boolean(), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint('importance IS NULL OR (importance BETWEEN 1 AND 5)', name='ck_step_touchpoint_importance'),
    sa.CheckConstraint('satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)', name='ck_step_touchpoint_satisfaction'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('step_id', 'touchpoint_id', name='uq_step_touchpoint')
    )
    with op.batch_alter_table('step_touchpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_touchpoint_step_id'), ['step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_step_touchpoint_touchpoint_id'), ['touchpoint_id'], unique=False)

    op.create_table('transition',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('source_step_id', sa.Integer(), nullable=False),
    sa.Column('target_step_id', sa.Integer(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('share', sa.Float(), nullable=True),
    sa.CheckConstraint('share IS NULL OR (share BETWEEN 0 AND 100)', name='ck_transition_share'),
    sa.CheckConstraint('source_step_id <> target_step_id', name='ck_transition_not_self'),
    sa.ForeignKeyConstraint(['journey_id'], ['journey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_step_id', 'journey_id'], ['step.id', 'step.journey_id'], name='fk_transition_source', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_step_id', 'journey_id'], ['step.id', 'step.journey_id'], name='fk_transition_target', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_step_id', 'target_step_id', name='uq_transition_pair')
    )
    with op.batch_alter_table('transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transition_journey_id'), ['journey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transition_source_step_id'), ['source_step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transition_target_step_id'), ['target_step_id'], unique=False)

    op.create_table('measurement',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('metric_id', 'measured_on', name='uq_measurement_date')
    )
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_metric_id'), ['metric_id'], unique=False)

    op.create_table('opportunity_pain_point',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('pain_point_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pain_point_id'], ['pain_point.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('opportunity_id', 'pain_point_id')
    )
    with op.batch_alter_table('opportunity_pain_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_pain_point_pain_point_id'), ['pain_point_id'], unique=False)

    op.create_table('vote',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('voter', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('pain_point_id', sa.Integer(), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(CASE WHEN step_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN pain_point_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN opportunity_id IS NULL THEN 0 ELSE 1 END) = 1', name='ck_vote_one_target'),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pain_point_id'], ['pain_point.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['vote_round.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_pain_point_id'), ['pain_point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_step_id'), ['step_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_step_id'))
        batch_op.drop_index(batch_op.f('ix_vote_round_id'))
        batch_op.drop_index(batch_op.f('ix_vote_pain_point_id'))
        batch_op.drop_index(batch_op.f('ix_vote_opportunity_id'))

    op.drop_table('vote')
    with op.batch_alter_table('opportunity_pain_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_pain_point_pain_point_id'))

    op.drop_table('opportunity_pain_point')
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measurement_metric_id'))

    op.drop_table('measurement')
    with op.batch_alter_table('transition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transition_target_step_id'))
        batch_op.drop_index(batch_op.f('ix_transition_source_step_id'))
        batch_op.drop_index(batch_op.f('ix_transition_journey_id'))

    op.drop_table('transition')
    with op.batch_alter_table('step_touchpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_touchpoint_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_step_touchpoint_step_id'))

    op.drop_table('step_touchpoint')
    with op.batch_alter_table('pain_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pain_point_step_id'))

    op.drop_table('pain_point')
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_step_id'))

    op.drop_table('opportunity')
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_metric_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_metric_step_id'))
        batch_op.drop_index(batch_op.f('ix_metric_journey_id'))

    op.drop_table('metric')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_comment_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_comment_step_id'))

    op.drop_table('comment')
    with op.batch_alter_table('step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_stage_id'))
        batch_op.drop_index(batch_op.f('ix_step_journey_id'))

    op.drop_table('step')
    with op.batch_alter_table('kano_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kano_answer_kano_item_id'))

    op.drop_table('kano_answer')
    with op.batch_alter_table('content_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_mapping_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_content_mapping_stage_id'))
        batch_op.drop_index(batch_op.f('ix_content_mapping_persona_id'))
        batch_op.drop_index(batch_op.f('ix_content_mapping_content_item_id'))
        batch_op.drop_index(batch_op.f('ix_content_mapping_channel_id'))

    op.drop_table('content_mapping')
    with op.batch_alter_table('vote_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_round_journey_id'))

    op.drop_table('vote_round')
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_touchpoint_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_touchpoint_channel_id'))

    op.drop_table('touchpoint')
    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stage_journey_id'))

    op.drop_table('stage')
    with op.batch_alter_table('persona_channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persona_channel_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_persona_channel_persona_id'))
        batch_op.drop_index(batch_op.f('ix_persona_channel_channel_id'))

    op.drop_table('persona_channel')
    with op.batch_alter_table('kano_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kano_item_workspace_id'))

    op.drop_table('kano_item')
    with op.batch_alter_table('journey_persona', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_persona_persona_id'))

    op.drop_table('journey_persona')
    with op.batch_alter_table('persona', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persona_workspace_id'))

    op.drop_table('persona')
    with op.batch_alter_table('journey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_workspace_id'))

    op.drop_table('journey')
    with op.batch_alter_table('content_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_item_workspace_id'))

    op.drop_table('content_item')
    with op.batch_alter_table('channel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_workspace_id'))

    op.drop_table('channel')
    with op.batch_alter_table('activity_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_entry_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_activity_entry_journey_id'))
        batch_op.drop_index(batch_op.f('ix_activity_entry_at'))

    op.drop_table('activity_entry')
    with op.batch_alter_table('workspace', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workspace_name'))

    op.drop_table('workspace')
    
