"""presence: the account behind a browser session, so the workshop room's poll route can check its
membership on every poll

Revision ID: 7a3c5e9f1b40
Revises: 6e1b9d3a7c25
Create Date: 2026-12-06 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '7a3c5e9f1b40'
down_revision: str | None = '6e1b9d3a7c25'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('presence') as batch:
        batch.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_presence_account_id_account', 'account', ['account_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('presence') as batch:
        batch.drop_constraint('fk_presence_account_id_account', type_='foreignkey')
        batch.drop_column('account_id')
