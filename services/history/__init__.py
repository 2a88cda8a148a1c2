"""history."""

from services.history.restore import (
    TRASH_COLUMNS,
    restore_from_trash,
    restore_version,
    trash,
    undo_last,
)
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
    undo_delete,
)

__all__ = [
    "DELETE",
    "PARTS",
    "Part",
    "ROOTS",
    "TRASH_COLUMNS",
    "UNDO",
    "UNDONE_TYPE",
    "delete_stage_with_undo",
    "delete_step_with_undo",
    "delete_transition_with_undo",
    "insert_rows",
    "restore_from_trash",
    "restore_version",
    "trash",
    "undo_delete",
    "undo_last",
]
