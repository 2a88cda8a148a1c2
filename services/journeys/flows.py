"""Flow and drop-off of a branched journey, solved as an absorbing Markov chain.

The model
---------
* Customers **enter** at the entry steps. Entry shares are relative weights,
  normalised to 100 %: 60 + 20 means 75 % and 25 %. An entry point without a
  share gets an even part of what the known shares leave (of 100 %); when no
  share is known the customers are split evenly. A share of 0 means that nobody
  enters there; when every entry share is 0 nobody enters at all, which is
  refused with a message (the branch check warns about it). When no step
  is marked as an entry point, the steps no branch leads to are used (else the
  first step), and a note says so.
* At every step that is not an exit, the outgoing shares (% of the step's
  customers) go on. Unknown shares split what the known ones leave of 100 %
  evenly; shares over 100 % in total are scaled down to 100 %. The remainder
  **drops off at this step** (an absorbing "dropped" state; a dead end loses all).
* **Exit steps are absorbing**: customers who reach them leave with the exit's
  kind (purchase, complete, abort, churn). Ways out of an exit are ignored.
* Abort and churn exits are losses. A loss is booked at the step that *sends*
  customers there (where the decision happens), beside the customers who drop
  off there: ``lost = dropped_here + to_loss_exits``.

The expected visits per step are ``v = e · N`` with the fundamental matrix
``N = (I − Q)⁻¹`` (``Q``: step → step probabilities among the non-exit steps,
``e``: entering customers). It is computed by solving ``(I − Q)ᵀ v = e`` — one
LU solve, no walking of iterations — so loops are exact: with a way back of
probability ``p`` a step is visited ``customers / (1 − p)`` times. With loops,
visits can exceed the number of customers; every customer is still absorbed
exactly once (``sum(exits) + sum(dropped) == customers``).

A loop with no way out (every share inside it sums to 100 %) has no solution:
the customers would circle for ever. It raises a DomainError naming the steps;
the rule is :func:`services.journeys.chain.trapped`, which the branch check
(:mod:`services.journeys.graph`) applies to warn about the same loops.

No Streamlit here; :func:`compute_flow` is pure (DataFrames in, FlowResult out).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import and_, func
from sqlmodel import Session, col, select

import services.journeys.chain as chain
import services.journeys.crud as journeys
from models import Measurement, Metric, Step
from services import core
from services.core import N_, DomainError
from services.journeys.graph import CLOSED_LOOP, ENTRY_ALL_ZERO, BranchWarning, percent

LOSS_KINDS = frozenset({"abort", "churn"})
DROPPED = "dropped"  # the outcome of customers who leave without reaching an exit
RATE_KINDS = ("conversion_rate", "drop_off_rate")
EPSILON = chain.EPSILON

STEP_COLUMNS = [
    "step_id", "title", "stage_id", "stage_name", "stage_position", "is_entry", "entering", "visits",
    "dropped_here", "to_loss_exits", "lost", "lost_pct", "is_exit", "exit_kind", "exits_here",
]
LINK_COLUMNS = ["source_step_id", "target_step_id", "source", "target", "share", "customers"]
STAGE_COLUMNS = ["stage_id", "stage_name", "position", "entering", "lost", "finished", "leaving_journey", "drop_off_pct"]
EXIT_COLUMNS = ["step_id", "title", "stage_name", "exit_kind", "customers", "pct"]
LOSS_COLUMNS = ["step_id", "title", "stage_name", "visits", "dropped_here", "to_loss_exits", "lost", "lost_pct",
                "pct_of_customers"]
RATE_COLUMNS = ["metric_id", "metric", "kind", "unit", "target", "direction", "step_id", "step", "stage_name",
                "measured_on", "measured", "modelled", "difference"]

NOTES = {
    "no_entry": N_("No step is marked as an entry point: the flow starts at the steps no branch leads to."),
    "entry_even": N_("No entry shares are entered: the customers are split evenly over the entry points."),
    "entry_scaled": N_("The entry shares add up to {total} %: they are read as proportions of 100 %."),
    "shares_scaled": N_("The shares leaving “{title}” add up to {total} %: they are scaled down to 100 %."),
    "shares_unknown": N_("Some shares leaving “{title}” are unknown: they split the remaining {rest} % evenly."),
}


def _note(kind: str, step_id: int | None = None, **params: object) -> BranchWarning:
    return BranchWarning(kind, step_id, NOTES[kind], dict(params))


@dataclass(frozen=True)
class FlowResult:
    """Where ``customers`` customers go in a journey.

    * ``steps``: one row per step in reading order — ``entering`` (start here), ``visits`` (expected
      visits; > customers possible with loops), ``dropped_here``, ``to_loss_exits`` (sent on to
      abort/churn exits), ``lost`` (the sum of both), ``lost_pct`` (% of the visits), ``exits_here``
      (customers who end at this exit step).
    * ``links``: each transition's flow (``share`` is the effective % of the source's visits).
    * ``stages``: the funnel. ``entering`` = customers who start in the stage plus the flow into it
      from steps of other stages (customers re-entering through a loop count again); flows into
      abort/churn exit steps are not "entering": those customers are ``lost`` in the stage they come
      from. ``finished`` = customers ending at a purchase/complete exit of the stage;
      ``drop_off_pct`` = lost / entering.
    * ``exits``: customers per exit step (``pct`` of all customers).
    * ``notes``: assumptions the model made (render with ``note.render(_)``).
    """

    customers: int
    steps: pd.DataFrame
    links: pd.DataFrame
    stages: pd.DataFrame
    exits: pd.DataFrame
    notes: tuple[BranchWarning, ...] = field(default=())

    def biggest_losses(self, n: int = 5) -> pd.DataFrame:
        """The ``n`` steps that lose the most customers (drop-off there plus those sent to abort/churn exits),
        largest first; only steps that lose anyone. ``pct_of_customers`` is the loss as % of all customers."""
        losing = self.steps[self.steps["lost"] > EPSILON]
        ranked = losing.sort_values(["lost", "lost_pct"], ascending=False, kind="stable").head(n)
        return ranked.assign(pct_of_customers=100 * ranked["lost"] / self.customers)[LOSS_COLUMNS].reset_index(drop=True)

    def outcomes(self) -> pd.DataFrame:
        """Customers by how they leave: per exit kind ("" for an exit without kind) and ``dropped``."""
        by_kind = self.exits.groupby("exit_kind", sort=False)["customers"].sum()
        frame = pd.DataFrame({"kind": [*by_kind.index, DROPPED],
                              "customers": [*by_kind.to_numpy(), float(self.steps["dropped_here"].sum())]})
        return frame.assign(pct=100 * frame["customers"] / self.customers)

    @property
    def lost(self) -> float:
        return float(self.steps["lost"].sum())


# --- the model --------------------------------------------------------------------------------


def _bool(series: pd.Series) -> np.ndarray:
    return series.fillna(False).astype(bool).to_numpy()


def _entry_vector(steps: pd.DataFrame, has_incoming: np.ndarray) -> tuple[np.ndarray, list[BranchWarning]]:
    """The share (0…1) of customers entering at each step, and the notes about how it was read."""
    notes: list[BranchWarning] = []
    marked = _bool(steps["is_entry"])
    if marked.any():
        entry = marked
        shares = np.where(entry, pd.to_numeric(steps["entry_share"], errors="coerce").to_numpy(dtype=float), 0.0)
    else:
        notes.append(_note("no_entry"))
        entry = ~has_incoming if (~has_incoming).any() else np.arange(len(steps)) == 0
        shares = np.where(entry, np.nan, 0.0)
    known = entry & ~np.isnan(shares)
    if not known.any():
        if marked.any():
            notes.append(_note("entry_even"))
        weights = entry.astype(float)
    else:  # a share of 0 means that nobody enters there
        unknown = entry & ~known
        rest = max(0.0, 100.0 - float(shares[known].sum())) / unknown.sum() if unknown.any() else 0.0
        weights = np.where(unknown, rest, np.nan_to_num(shares))
        if weights.sum() <= EPSILON:
            raise DomainError(ENTRY_ALL_ZERO)
        if abs(weights.sum() - 100.0) > 1e-6:
            notes.append(_note("entry_scaled", total=percent(weights.sum())))
    return weights / weights.sum(), notes


def _transition_matrix(
    steps: pd.DataFrame, transitions: pd.DataFrame, is_exit: np.ndarray
) -> tuple[np.ndarray, list[BranchWarning]]:
    """P[i, j]: probability that a customer at step i goes on to step j (rows of exit steps are 0)."""
    found = chain.transition_chain(steps["step_id"], transitions, is_exit)
    titles = steps["title"].to_numpy()
    notes = [_note("shares_scaled", int(steps["step_id"].iat[i]), title=str(titles[i]), total=percent(found.total[i]))
             for i in np.flatnonzero(found.total > 100.0 + 1e-6)]
    notes += [_note("shares_unknown", int(steps["step_id"].iat[i]), title=str(titles[i]),
                    rest=percent(found.rest[i] * found.unknown[i]))
              for i in np.flatnonzero(found.unknown > 0)]
    return found.matrix, notes


def _solve_visits(matrix: np.ndarray, entering: np.ndarray, is_exit: np.ndarray, steps: pd.DataFrame) -> np.ndarray:
    """Expected visits of the non-exit steps (zero elsewhere) from ``v = e · (I − Q)⁻¹``.

    Steps from which no customer can ever leave (a closed loop, :func:`chain.trapped`) make ``I − Q`` singular: if
    customers reach them that is an error; if nobody reaches them they are left out of the system with 0 visits.
    """
    caught = chain.trapped(matrix, is_exit, entering > EPSILON)
    if caught.any():
        titles = ", ".join(f"“{t}”" for t in steps["title"].to_numpy()[caught])
        raise DomainError(CLOSED_LOOP, steps=titles)
    solved = ~is_exit & chain.can_leave(matrix, is_exit)
    q = matrix[np.ix_(solved, solved)]
    visits = np.zeros(len(entering))
    try:
        visits[solved] = np.linalg.solve((np.eye(int(solved.sum())) - q).T, entering[solved])
    except np.linalg.LinAlgError as exc:  # not expected after the check above; kept as a clear message
        raise DomainError(N_("The flow of this journey cannot be computed: check its loops and shares.")) from exc
    return np.clip(visits, 0.0, None)


def compute_flow(steps: pd.DataFrame, transitions: pd.DataFrame, customers: int = 1000) -> FlowResult:
    """Flow of ``customers`` through the journey (see the module docstring for the model).

    ``steps``: step_id (or id), title, stage_id, stage_name, [stage_position], is_entry, entry_share,
    is_exit, exit_kind — in reading order; without ``stage_position`` the stages are numbered in
    the order they first appear. ``transitions``: source_step_id, target_step_id, share (None/NaN
    = unknown). Transitions to steps not in ``steps`` are ignored.
    """
    if customers is None or customers <= 0:
        raise DomainError(N_("Enter a number of customers above 0."), field="customers")
    steps = _normalised_steps(steps)
    if steps.empty:
        return _empty(customers)
    is_exit = _bool(steps["is_exit"])
    loss_exit = is_exit & steps["exit_kind"].isin(LOSS_KINDS).to_numpy()
    matrix, branch_notes = _transition_matrix(steps, transitions, is_exit)
    has_incoming = steps["step_id"].isin(transitions["target_step_id"]).to_numpy() if len(transitions) else np.zeros(len(steps), bool)
    entry_weights, entry_notes = _entry_vector(steps, has_incoming)
    entering = entry_weights * customers
    visits = _solve_visits(matrix, entering, is_exit, steps)
    flows = visits[:, None] * matrix
    visits = np.where(is_exit, entering + flows.sum(axis=0), visits)
    dropped = np.where(is_exit, 0.0, visits * np.clip(1.0 - matrix.sum(axis=1), 0.0, None))
    to_loss = flows[:, loss_exit].sum(axis=1)
    lost = dropped + to_loss + np.where(loss_exit, entering, 0.0)

    step_frame = steps.assign(
        entering=entering, visits=visits, dropped_here=dropped, to_loss_exits=to_loss, lost=lost,
        lost_pct=np.divide(100 * lost, visits, out=np.full(len(visits), np.nan), where=visits > EPSILON),
        exits_here=np.where(is_exit, visits, 0.0),
    )[STEP_COLUMNS]
    return FlowResult(
        customers=customers,
        steps=step_frame,
        links=_links(steps, flows, visits),
        stages=_stages(step_frame, flows, loss_exit),
        exits=_exits(step_frame, customers),
        notes=tuple(entry_notes + branch_notes),
    )


def _normalised_steps(steps: pd.DataFrame) -> pd.DataFrame:
    """Steps with ``step_id`` and ``stage_position`` (from the order of appearance when not given)."""
    frame = steps.rename(columns={"id": "step_id"}) if "step_id" not in steps.columns else steps.copy()
    if frame.empty:
        return frame
    frame["step_id"] = frame["step_id"].astype(int)
    if "stage_position" not in frame.columns:
        frame["stage_position"] = pd.factorize(frame["stage_id"])[0]
    frame["exit_kind"] = frame["exit_kind"].fillna("").astype(str)
    frame["is_entry"] = _bool(frame["is_entry"])
    frame["is_exit"] = _bool(frame["is_exit"])
    return frame.reset_index(drop=True)


def _links(steps: pd.DataFrame, flows: np.ndarray, visits: np.ndarray) -> pd.DataFrame:
    source, target = np.nonzero(flows > 0)
    ids, titles = steps["step_id"].to_numpy(), steps["title"].to_numpy()
    return pd.DataFrame({
        "source_step_id": ids[source], "target_step_id": ids[target], "source": titles[source], "target": titles[target],
        "share": 100 * flows[source, target] / visits[source], "customers": flows[source, target],
    }, columns=LINK_COLUMNS)


def _stages(steps: pd.DataFrame, flows: np.ndarray, loss_exit: np.ndarray) -> pd.DataFrame:
    """The funnel per stage (see FlowResult); vectorised with bincount over stage codes."""
    codes, stage_ids = pd.factorize(steps["stage_id"])
    count = len(stage_ids)
    crossing = (codes[:, None] != codes[None, :]) & ~loss_exit[None, :]
    inflow = (flows * crossing).sum(axis=0)
    entering = np.bincount(codes, weights=steps["entering"].to_numpy() + inflow, minlength=count)
    lost = np.bincount(codes, weights=steps["lost"].to_numpy(), minlength=count)
    finished = np.bincount(codes, weights=np.where(loss_exit, 0.0, steps["exits_here"].to_numpy()), minlength=count)
    first = steps.drop_duplicates("stage_id")
    return pd.DataFrame({
        "stage_id": first["stage_id"].to_numpy(), "stage_name": first["stage_name"].to_numpy(),
        "position": first["stage_position"].to_numpy(), "entering": entering, "lost": lost, "finished": finished,
        "leaving_journey": lost + finished,
        "drop_off_pct": np.divide(100 * lost, entering, out=np.full(count, np.nan), where=entering > EPSILON),
    }, columns=STAGE_COLUMNS).sort_values("position", kind="stable").reset_index(drop=True)


def _exits(steps: pd.DataFrame, customers: int) -> pd.DataFrame:
    exits = steps[steps["is_exit"]]
    return pd.DataFrame({
        "step_id": exits["step_id"], "title": exits["title"], "stage_name": exits["stage_name"],
        "exit_kind": exits["exit_kind"], "customers": exits["exits_here"], "pct": 100 * exits["exits_here"] / customers,
    }, columns=EXIT_COLUMNS).reset_index(drop=True)


def _empty(customers: int) -> FlowResult:
    return FlowResult(customers, pd.DataFrame(columns=STEP_COLUMNS), pd.DataFrame(columns=LINK_COLUMNS),
                      pd.DataFrame(columns=STAGE_COLUMNS), pd.DataFrame(columns=EXIT_COLUMNS))


# --- from the database ------------------------------------------------------------------------


def journey_flow(session: Session, workspace_id: int, journey_id: int, customers: int = 1000) -> FlowResult:
    """The flow of a stored journey, in three queries (journey with workspace check, steps, transitions).

    Raises NotFoundError for a journey of another workspace and DomainError for a closed loop that
    customers reach (a caller listing several journeys shows the message instead of the figures).
    """
    journeys.get_journey(session, workspace_id, journey_id)
    return compute_flow(journeys.steps_frame(session, journey_id), journeys.transitions_frame(session, journey_id), customers)


def flow_and_rates(session: Session, workspace_id: int, journey_id: int, customers: int = 1000) -> tuple[FlowResult, pd.DataFrame]:
    """The flow page's data: :func:`journey_flow` and :func:`measured_step_rates` on it, in one session (four queries)."""
    flow = journey_flow(session, workspace_id, journey_id, customers)
    return flow, measured_step_rates(session, workspace_id, journey_id, flow)


def measured_step_rates(
    session: Session, workspace_id: int, journey_id: int, flow: FlowResult | None = None
) -> pd.DataFrame:
    """Step metrics of kind conversion or drop-off rate with their latest measurement, beside the model.

    One query for the metrics and their latest values (plus the flow's three when ``flow`` is not
    given). Rates are read as percent. The modelled conversion is the share of a step's visits that
    is not lost there (100 − ``lost_pct``), the modelled drop-off rate ``lost_pct`` — both count
    abort/churn branches as lost, as a measured checkout abort rate would. Exit steps have no
    modelled rate. ``difference`` = measured − modelled (percentage points); NaN without a measurement.
    """
    flow = flow if flow is not None else journey_flow(session, workspace_id, journey_id)
    in_journey = and_(Metric.workspace_id == workspace_id, Metric.journey_id == journey_id, Metric.scope == "step",
                      col(Metric.kind).in_(RATE_KINDS))
    latest = (
        select(Measurement.metric_id, func.max(Measurement.measured_on).label("last"))
        .where(col(Measurement.metric_id).in_(select(Metric.id).where(in_journey)))
        .group_by(Measurement.metric_id).subquery()
    )
    rows = core.read_frame(session, (
        select(Metric.id.label("metric_id"), Metric.name.label("metric"), Metric.kind, Metric.unit, Metric.target,
               Metric.direction, Metric.step_id, Step.title.label("step"), Measurement.measured_on,
               Measurement.value.label("measured"))
        .join(Step, Step.id == Metric.step_id)
        .outerjoin(latest, latest.c.metric_id == Metric.id)
        .outerjoin(Measurement, and_(Measurement.metric_id == Metric.id, Measurement.measured_on == latest.c.last))
        .where(in_journey)
        .order_by(Step.id, func.lower(Metric.name))
    ))
    if rows.empty:
        return pd.DataFrame(columns=RATE_COLUMNS)
    model = flow.steps.set_index("step_id")
    lost_pct = rows["step_id"].map(model["lost_pct"]).astype(float)
    lost_pct = lost_pct.where(~rows["step_id"].map(model["is_exit"]).fillna(False).astype(bool))
    rows["stage_name"] = rows["step_id"].map(model["stage_name"])
    rows["measured"] = pd.to_numeric(rows["measured"], errors="coerce").astype(float)
    rows["modelled"] = np.where(rows["kind"] == "conversion_rate", 100 - lost_pct, lost_pct)
    rows["difference"] = rows["measured"] - rows["modelled"]
    rows["measured_on"] = pd.to_datetime(rows["measured_on"])
    return rows[RATE_COLUMNS]
