"""history."""

from services.history.undo import (
    DELETE,
    PARTS,
    ROOTS,
    UNDO,
    UNDONE_TYPE,
    Part,
    delete_stage_with_undo,
    delete_step_with_undo,
    delete_transition_with_undo,
    insert_rows,
    snapshot_steps,
    undo_delete,
)

__all__ = [
    "DELETE",
    "PARTS",
    "Part",
    "ROOTS",
    "UNDO",
    "UNDONE_TYPE",
    "delete_stage_with_undo",
    "delete_step_with_undo",
    "delete_transition_with_undo",
    "insert_rows",
    "snapshot_steps",
    "undo_delete",
]
