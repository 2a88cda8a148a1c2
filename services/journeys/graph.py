"""Checks on a journey's branches: do the shares add up, can every step be
reached, does every path end in an exit, is there a loop with no way out (the
flow model's rule, :func:`services.journeys.chain.trapped`)?

Pure functions over DataFrames (the map editor already holds them), so the
same check serves the page, an import and a test without a database; only
:func:`load` reads the two frames itself. A warning never blocks saving: a
map is built step by step in a workshop and is incomplete most of the time.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

import services.journeys.chain as chain
import services.journeys.crud as journeys
from services.core import N_

FULL = 100.0
# Shares are typed as decimals (33.3 + 33.3 + 33.4): compare with a tolerance, not exactly.
TOLERANCE = 1e-6

MESSAGES = {
    "no_entry": N_("No step is marked as an entry point: mark where customers join the journey."),
    "entry_shares_over_100": N_("The entry shares add up to {total} % – more than 100 %."),
    "entry_shares_zero": N_("Every entry share is 0 %: no customer enters the journey."),
    "unreachable": N_("“{title}” cannot be reached from any entry point."),
    "dead_end": N_("“{title}” has no way onward and is not marked as an exit."),
    "exit_has_outgoing": N_("“{title}” is marked as an exit but has ways onward."),
    "shares_over_100": N_("The shares leaving “{title}” add up to {total} % – more than 100 %."),
    "shares_under_100": N_("{missing} % of the customers at “{title}” leave the journey there (its branches add up to {total} %)."),
    "closed_loop": N_("Customers who reach {steps} can never leave: the shares of this loop add up to 100 %. "
                      "Give it a way out (a branch to another step, an exit, or a share below 100 %)."),
}
# The flow model refuses what these warn about, with the same texts.
CLOSED_LOOP = MESSAGES["closed_loop"]
ENTRY_ALL_ZERO = N_("Every entry share is 0 %: no customer enters the journey. Give an entry point a share above 0 %.")


NOTICES = frozenset({"shares_under_100"})


@dataclass(frozen=True)
class BranchWarning:
    """One finding; ``message`` is a catalogue id filled with ``params`` (like a DomainError)."""

    kind: str
    step_id: int | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def is_notice(self) -> bool:
        """Drop-off is information, not a mistake: shares under 100 % mean the rest leave the journey."""
        return self.kind in NOTICES

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """The message with its values filled in, translated by ``translate`` if given."""
        template = translate(self.message) if translate else self.message
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return template


def _warning(kind: str, step_id: int | None = None, **params: Any) -> BranchWarning:
    return BranchWarning(kind, step_id, MESSAGES[kind], params)


def percent(value: float) -> str:
    """A share as people write it: 100, 33.5 (no trailing .0, no float noise)."""
    return f"{round(value, 2):g}"


def _known(value: Any) -> bool:
    """A share that was entered (None, NaN and pd.NA all mean "unknown")."""
    return not pd.isna(value)


def validate_branches(steps: pd.DataFrame, transitions: pd.DataFrame) -> list[BranchWarning]:
    """Every warning about the journey's graph, journey-wide ones first, then per step in the given order.

    ``steps``: id, title, is_entry, entry_share, is_exit, exit_kind.
    ``transitions``: id, source_step_id, target_step_id, share, label.
    A share of None is unknown: a step with an unknown share gets no "under
    100 %" warning; known shares that already exceed 100 % are still reported.
    Transitions to steps not in ``steps`` are ignored.
    """
    if steps.empty:
        return []
    ids = [int(i) for i in steps["id"]]
    outgoing = _outgoing(transitions, set(ids))
    entries = [int(row.id) for row in steps.itertuples() if bool(row.is_entry)]
    warnings = _entry_warnings(steps, entries)
    reachable = _reachable(entries, outgoing) if entries else set(ids)
    warnings.extend(_closed_loop(steps, transitions, entries))
    for row in steps.itertuples():
        warnings.extend(_step_warnings(row, outgoing.get(int(row.id), []), int(row.id) in reachable))
    return warnings


def _closed_loop(steps: pd.DataFrame, transitions: pd.DataFrame, entries: list[int]) -> list[BranchWarning]:
    """A loop with no way out that customers reach from an entry point (from any step when none is marked): the
    flow model's rule (:func:`chain.trapped`), so the map warns about exactly the loops the flow analysis refuses."""
    if transitions.empty:
        return []
    is_exit = steps["is_exit"].fillna(False).astype(bool).to_numpy()
    start = steps["id"].isin(entries).to_numpy() if entries else np.ones(len(steps), dtype=bool)
    caught = chain.trapped(chain.transition_chain(steps["id"], transitions, is_exit).matrix, is_exit, start)
    if not caught.any():
        return []
    titles = steps["title"].astype(str).to_numpy()[caught]
    return [_warning("closed_loop", int(steps["id"].to_numpy()[caught][0]), steps=", ".join(f"“{t}”" for t in titles))]


def _outgoing(transitions: pd.DataFrame, ids: set[int]) -> dict[int, list[tuple[int, Any]]]:
    """source → [(target, share)] for the transitions between known steps."""
    result: dict[int, list[tuple[int, Any]]] = {}
    if transitions.empty:
        return result
    for row in transitions.itertuples():
        source, target = int(row.source_step_id), int(row.target_step_id)
        if source in ids and target in ids:
            result.setdefault(source, []).append((target, row.share if _known(row.share) else None))
    return result


def _entry_warnings(steps: pd.DataFrame, entries: list[int]) -> list[BranchWarning]:
    if not entries:
        return [_warning("no_entry")]
    shares = [row.entry_share for row in steps.itertuples() if bool(row.is_entry) and _known(row.entry_share)]
    total = float(sum(shares))
    if total > FULL + TOLERANCE:
        return [_warning("entry_shares_over_100", total=percent(total))]
    if len(shares) == len(entries) and total <= TOLERANCE:  # every entry point has a share, and each is 0
        return [_warning("entry_shares_zero")]
    return []


def _reachable(entries: list[int], outgoing: dict[int, list[tuple[int, Any]]]) -> set[int]:
    """Every step a customer can get to from some entry point (breadth-first)."""
    seen = set(entries)
    queue = deque(entries)
    while queue:
        for target, _share in outgoing.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _step_warnings(row: Any, outgoing: list[tuple[int, Any]], reachable: bool) -> list[BranchWarning]:
    step_id, title, is_exit = int(row.id), str(row.title), bool(row.is_exit)
    warnings = []
    if not reachable:
        warnings.append(_warning("unreachable", step_id, title=title))
    if not outgoing and not is_exit:
        warnings.append(_warning("dead_end", step_id, title=title))
    if outgoing and is_exit:
        warnings.append(_warning("exit_has_outgoing", step_id, title=title))
    known = [share for _target, share in outgoing if share is not None]
    total = float(sum(known))
    if total > FULL + TOLERANCE:
        warnings.append(_warning("shares_over_100", step_id, title=title, total=percent(total)))
    elif outgoing and len(known) == len(outgoing) and not is_exit and total < FULL - TOLERANCE:
        warnings.append(_warning("shares_under_100", step_id, title=title, total=percent(total), missing=percent(FULL - total)))
    return warnings


def load(session: Session, workspace_id: int, journey_id: int) -> list[BranchWarning]:
    """The warnings of a stored journey (three queries), for callers that have no map loaded."""
    journeys.get_journey(session, workspace_id, journey_id)
    return validate_branches(journeys.steps_frame(session, journey_id), journeys.transitions_frame(session, journey_id))
