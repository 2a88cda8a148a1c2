"""Take the observed shares into the map — explicitly, and undoably.

The new shares are written through :func:`services.journeys.update_transition` (so the history
records them, and a transition someone changed since the analysis was read is refused); the
previous shares are returned so the page can offer "undo", which writes them back.
"""

from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from services import journeys


@dataclass(frozen=True)
class ShareChange:
    transition_id: int
    version: int
    before: float | None
    after: float


def proposed_changes(planned: pd.DataFrame) -> list[ShareChange]:
    """The planned transitions whose observed share (rounded to 0.1 %) differs from the planned one.

    ``planned`` is :attr:`services.eventlog.conformance.Analysis.planned`; transitions out of steps no
    case visited have no observed share and are left alone.
    """
    changes = []
    for row in planned.itertuples():
        if pd.isna(row.observed_share):
            continue
        after = round(float(row.observed_share), 1)
        before = None if pd.isna(row.planned_share) else float(row.planned_share)
        if before is None or abs(before - after) >= 0.05:
            changes.append(ShareChange(int(row.transition_id), int(row.version), before, after))
    return changes


def adopt_shares(session: Session, workspace_id: int, changes: list[ShareChange]) -> list[ShareChange]:
    """Write the observed shares; returns the changes to hand to :func:`undo_shares`."""
    for change in changes:
        journeys.update_transition(session, workspace_id, change.transition_id, {"share": change.after},
                                   expected_version=change.version)
    return changes


def undo_shares(session: Session, workspace_id: int, changes: list[ShareChange]) -> None:
    """Put the shares back as they were before :func:`adopt_shares`."""
    for change in changes:
        journeys.update_transition(session, workspace_id, change.transition_id, {"share": change.before})
