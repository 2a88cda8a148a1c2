"""per-persona emotion on a step (step_persona_emotion)

Revision ID: 34e3638c10bb
Revises: 65b38dc98785
Create Date: 2026-11-23 04:48:57.331329
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401 - autogenerate renders sqlmodel.sql.sqltypes.AutoString
from alembic import op


revision: str = '34e3638c10bb'
down_revision: str | None = '65b38dc98785'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('step_persona_emotion',
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('persona_id', sa.Integer(), nullable=False),
    sa.Column('emotion', sa.Integer(), nullable=False),
    sa.CheckConstraint('emotion IS NULL OR (emotion BETWEEN -3 AND 3)', name='ck_step_persona_emotion'),
    sa.ForeignKeyConstraint(['persona_id'], ['persona.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['step.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('step_id', 'persona_id', name='uq_step_persona_emotion')
    )
    with op.batch_alter_table('step_persona_emotion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_persona_emotion_persona_id'), ['persona_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_step_persona_emotion_step_id'), ['step_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('step_persona_emotion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_persona_emotion_step_id'))
        batch_op.drop_index(batch_op.f('ix_step_persona_emotion_persona_id'))

    op.drop_table('step_persona_emotion')
