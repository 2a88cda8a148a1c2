"""workshop room: a voting round may hide its dots until it is closed; a facilitator may lock a
journey's structure (stages, steps, branches) while participants keep voting, commenting, capturing

Revision ID: 6e1b9d3a7c25
Revises: 8c2f4e61a0d7
Create Date: 2026-12-05 12:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '6e1b9d3a7c25'
down_revision: str | None = '8c2f4e61a0d7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('vote_round') as batch:
        batch.add_column(sa.Column('hide_votes', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('journey') as batch:
        batch.add_column(sa.Column('structure_locked', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('journey') as batch:
        batch.drop_column('structure_locked')
    with op.batch_alter_table('vote_round') as batch:
        batch.drop_column('hide_votes')
