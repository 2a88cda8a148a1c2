"""history: undo entries written before ``reverts_id`` existed say which delete they took back only
through ``entity_type = 'activity_entry'`` and ``entity_id``; give them ``reverts_id`` so the code
checks one marker only

Revision ID: 5d0c1a7e9b42
Revises: 71414cee1a50
Create Date: 2026-12-05 07:40:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '5d0c1a7e9b42'
down_revision: str | None = '71414cee1a50'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE activity_entry SET reverts_id = entity_id "
        "WHERE action = 'undo' AND entity_type = 'activity_entry' AND reverts_id IS NULL AND entity_id IS NOT NULL "
        "AND entity_id IN (SELECT id FROM activity_entry)"
    )


def downgrade() -> None:
    # The old marker (entity_type/entity_id) is still on every such entry: nothing to take back.
    pass
