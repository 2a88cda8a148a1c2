"""The map the room drew, as plain frames: steps (entries, exits) and transitions with planned shares."""

from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session

from services import journeys

STEP_COLUMNS = ["step_id", "title", "stage", "stage_position", "position", "is_entry", "entry_share", "is_exit", "exit_kind"]
TRANSITION_COLUMNS = ["transition_id", "source", "target", "share", "label", "version"]


@dataclass(frozen=True)
class PlannedMap:
    """``steps``: one row per step in reading order; ``transitions``: source → target with ``share`` (% or NaN)."""

    journey_id: int
    steps: pd.DataFrame
    transitions: pd.DataFrame

    def title(self, step_id: int) -> str:
        match = self.steps.loc[self.steps["step_id"] == step_id, "title"]
        return str(match.iat[0]) if len(match) else str(step_id)

    def allowed(self) -> set[tuple[int, int]]:
        return {(int(s), int(t)) for s, t in zip(self.transitions["source"], self.transitions["target"], strict=True)}

    def successors(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {int(s): [] for s in self.steps["step_id"]}
        for s, t in zip(self.transitions["source"], self.transitions["target"], strict=True):
            out.setdefault(int(s), []).append(int(t))
        return out


def planned_map(session: Session, workspace_id: int, journey_id: int) -> PlannedMap:
    """Read the journey's stages, steps and transitions (three queries, scoped to the workspace)."""
    journeys.get_journey(session, workspace_id, journey_id)
    stages = {s.id: (s.name, s.position) for s in journeys.list_stages(session, workspace_id, journey_id)}
    steps = pd.DataFrame(
        [(s.id, s.title, stages.get(s.stage_id, ("", 0))[0], stages.get(s.stage_id, ("", 0))[1], s.position,
          bool(s.is_entry), s.entry_share, bool(s.is_exit), s.exit_kind or "")
         for s in journeys.list_steps(session, workspace_id, journey_id)], columns=STEP_COLUMNS)
    transitions = pd.DataFrame(
        [(t.id, t.source_step_id, t.target_step_id, t.share, t.label, t.version)
         for t in journeys.list_transitions(session, workspace_id, journey_id)], columns=TRANSITION_COLUMNS)
    return PlannedMap(journey_id, steps, transitions.astype({"share": "float64"}))


def make_map(steps: list[dict], transitions: list[tuple[int, int, float | None]], journey_id: int = 0) -> PlannedMap:
    """A planned map from plain values (tests, generator, benchmark): steps need ``step_id`` and ``title``."""
    defaults = {"stage": "", "stage_position": 0, "position": 0, "is_entry": False, "entry_share": None, "is_exit": False,
                "exit_kind": ""}
    frame = pd.DataFrame([{**defaults, "position": i, **s} for i, s in enumerate(steps)], columns=STEP_COLUMNS)
    edges = pd.DataFrame([(i + 1, s, t, share, "", 1) for i, (s, t, share) in enumerate(transitions)],
                         columns=TRANSITION_COLUMNS).astype({"share": "float64"})
    return PlannedMap(journey_id, frame, edges)
