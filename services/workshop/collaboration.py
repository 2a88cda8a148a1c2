"""Workshop and history: comments on steps and touchpoints, dot-voting rounds
and votes, quick capture, and the activity log of who changed what.

Voters are identified by the name they typed (workshops have no logins); a
round gives each name ``dots_per_participant`` dots, several may go on one item.

Quick capture: a participant types a pain point, an idea or a question into one
field; it lands on the chosen step of the focused stage as a pain point, an
opportunity or a comment — or, for a stage without steps, on its "parking lot"
step (created on first use, titled :data:`PARKING_LOT_TITLE` in the UI's language). The facilitator sorts it in later: edits the text,
moves the step, or re-creates the item on the right step and deletes it here.
"""

from typing import Any, Literal

import pandas as pd
from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from models import Comment, Journey, Opportunity, PainPoint, Stage, Step, Vote, VoteRound
from services import core, journeys, touchpoints
from services.core import N_, DomainError, NotFoundError

VOTE_TARGETS: dict[str, type[SQLModel]] = {"step_id": Step, "pain_point_id": PainPoint, "opportunity_id": Opportunity}
TARGET_KINDS = ("step", "pain_point", "opportunity")  # in the order of VOTE_TARGETS: the card kinds of the map


# --- comments -----------------------------------------------------------------------------------


def add_comment(
    session: Session, workspace_id: int, author: str, body: str, *, step_id: int | None = None, touchpoint_id: int | None = None
) -> Comment:
    """A comment on exactly one step or one touchpoint of the workspace."""
    if (step_id is None) == (touchpoint_id is None):
        raise DomainError(N_("A comment belongs to exactly one step or one touchpoint."), field="step_id")
    if step_id is not None:
        journeys.step_reference(session, workspace_id, step_id, "step_id")
    else:
        touchpoints.touchpoint_reference(session, workspace_id, touchpoint_id)  # type: ignore[arg-type]
    return core.create(session, Comment, {
        "workspace_id": workspace_id, "author": author, "body": body, "step_id": step_id, "touchpoint_id": touchpoint_id,
    })


def _set_resolved(session: Session, workspace_id: int, comment_id: int, resolved: bool, expected_version: int | None) -> Comment:
    return core.update(
        session, Comment, comment_id, {"is_resolved": resolved}, expected_version=expected_version, workspace_id=workspace_id,
    )


def resolve_comment(session: Session, workspace_id: int, comment_id: int, *, expected_version: int | None = None) -> Comment:
    return _set_resolved(session, workspace_id, comment_id, True, expected_version)


def reopen_comment(session: Session, workspace_id: int, comment_id: int, *, expected_version: int | None = None) -> Comment:
    return _set_resolved(session, workspace_id, comment_id, False, expected_version)


def delete_comment(session: Session, workspace_id: int, comment_id: int, *, expected_version: int | None = None) -> None:
    core.delete(session, Comment, comment_id, workspace_id=workspace_id, expected_version=expected_version)


def list_comments(
    session: Session,
    workspace_id: int,
    *,
    step_id: int | None = None,
    touchpoint_id: int | None = None,
    journey_id: int | None = None,
    include_resolved: bool = True,
) -> list[Comment]:
    """Comments, oldest first; ``journey_id`` gives those on all the journey's steps in one query."""
    query = select(Comment).where(Comment.workspace_id == workspace_id)
    if step_id is not None:
        query = query.where(Comment.step_id == step_id)
    if touchpoint_id is not None:
        query = query.where(Comment.touchpoint_id == touchpoint_id)
    if journey_id is not None:
        query = query.join(Step, Step.id == Comment.step_id).where(Step.journey_id == journey_id)
    if not include_resolved:
        query = query.where(col(Comment.is_resolved).is_(False))
    return list(session.exec(query.order_by(Comment.created_at, Comment.id)).all())


# --- vote rounds and votes ----------------------------------------------------------------------


def get_vote_round(session: Session, workspace_id: int, round_id: int) -> VoteRound:
    return core.get_scoped(session, VoteRound, round_id, workspace_id)


def list_vote_rounds(session: Session, workspace_id: int, journey_id: int) -> list[VoteRound]:
    return list(session.exec(
        core.joined(select(VoteRound), *core.via(VoteRound))
        .where(VoteRound.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(VoteRound.created_at, VoteRound.id)
    ).all())


def open_vote_round(
    session: Session, workspace_id: int, journey_id: int, name: str, dots_per_participant: int = 5, *, hide_votes: bool = False
) -> VoteRound:
    """Start a dot-voting round on a journey's steps, pain points and opportunities. With
    ``hide_votes`` nobody sees how others voted until the round is closed."""
    journeys.get_journey(session, workspace_id, journey_id)
    return core.create(session, VoteRound, {
        "journey_id": journey_id, "name": name, "dots_per_participant": dots_per_participant, "is_open": True,
        "hide_votes": hide_votes,
    })


def votes_visible(vote_round: VoteRound) -> bool:
    """Whether the round's tally may be shown: always, unless it hides its votes and is still open."""
    return not (vote_round.hide_votes and vote_round.is_open)


def close_vote_round(session: Session, workspace_id: int, round_id: int, *, expected_version: int | None = None) -> VoteRound:
    """Close the round: its result is final, no dot can be cast or taken back."""
    get_vote_round(session, workspace_id, round_id)
    return core.update(session, VoteRound, round_id, {"is_open": False}, expected_version=expected_version)


def _open_round(session: Session, workspace_id: int, round_id: int) -> VoteRound:
    vote_round = get_vote_round(session, workspace_id, round_id)
    if not vote_round.is_open:
        raise DomainError(N_("This voting round is closed."), field="round_id")
    return vote_round


def _vote_target(session: Session, workspace_id: int, vote_round: VoteRound, targets: dict[str, int | None]) -> tuple[str, int]:
    """The one item voted on, checked to be on the round's journey; returns (field, id)."""
    given = [(field, target_id) for field, target_id in targets.items() if target_id is not None]
    if len(given) != 1:
        raise DomainError(N_("A vote goes to exactly one step, pain point or opportunity."), field="step_id")
    field, target_id = given[0]
    model = VOTE_TARGETS[field]
    via = core.via(model)
    journey_id = session.exec(
        core.joined(select(Step.journey_id).select_from(model), *via)
        .where(model.id == target_id, Journey.workspace_id == workspace_id)  # type: ignore[attr-defined]
    ).first()
    if journey_id is None:
        raise NotFoundError(core.GONE, field=field)
    if journey_id != vote_round.journey_id:
        raise DomainError(N_("Vote only on items of the round's journey."), field=field)
    return field, target_id


def _votes_of(round_id: int, voter: str) -> Any:
    return select(Vote).where(Vote.round_id == round_id, Vote.voter == voter.strip())


def _used_dots(session: Session, round_id: int, voter: str) -> int:
    return session.exec(select(func.count()).select_from(_votes_of(round_id, voter).subquery())).one()


def dots_left(session: Session, workspace_id: int, round_id: int, voter: str) -> int:
    vote_round = get_vote_round(session, workspace_id, round_id)
    return max(vote_round.dots_per_participant - _used_dots(session, round_id, voter), 0)


def cast_vote(
    session: Session,
    workspace_id: int,
    round_id: int,
    voter: str,
    *,
    step_id: int | None = None,
    pain_point_id: int | None = None,
    opportunity_id: int | None = None,
) -> Vote:
    """Spend one of the voter's dots on an item of the round's journey."""
    vote_round = _open_round(session, workspace_id, round_id)
    targets = {"step_id": step_id, "pain_point_id": pain_point_id, "opportunity_id": opportunity_id}
    row = core.validate(Vote, {"round_id": round_id, "voter": voter, **targets})
    _vote_target(session, workspace_id, vote_round, targets)
    if _used_dots(session, round_id, row.voter) >= vote_round.dots_per_participant:
        raise DomainError(
            N_("All {dots} dots of this round are used. Take one back to vote elsewhere."),
            field="voter", dots=vote_round.dots_per_participant,
        )
    session.add(row)
    core.flush(session)
    return row


def retract_vote(
    session: Session,
    workspace_id: int,
    round_id: int,
    voter: str,
    *,
    step_id: int | None = None,
    pain_point_id: int | None = None,
    opportunity_id: int | None = None,
) -> None:
    """Take back one of the voter's dots from an item (the latest one, if there are several)."""
    vote_round = _open_round(session, workspace_id, round_id)
    field, target_id = _vote_target(
        session, workspace_id, vote_round, {"step_id": step_id, "pain_point_id": pain_point_id, "opportunity_id": opportunity_id},
    )
    vote = session.exec(
        _votes_of(round_id, voter).where(getattr(Vote, field) == target_id).order_by(col(Vote.id).desc())
    ).first()
    if vote is None:
        raise DomainError(N_("You have no dot on this item to take back."), field="voter")
    session.delete(vote)
    core.flush(session)


def set_dots(
    session: Session,
    workspace_id: int,
    round_id: int,
    voter: str,
    count: int,
    *,
    step_id: int | None = None,
    pain_point_id: int | None = None,
    opportunity_id: int | None = None,
) -> int:
    """Make the voter's dots on one item exactly ``count`` (adds or takes back the difference);
    returns the dots the voter has left. Idempotent: the same request twice (a click replayed by
    a rerun, a retry) changes nothing the second time, and a burst of clicks on the page arrives as
    the number the person ended on, so no click is lost and none counts twice."""
    vote_round = _open_round(session, workspace_id, round_id)
    field, target_id = _vote_target(
        session, workspace_id, vote_round, {"step_id": step_id, "pain_point_id": pain_point_id, "opportunity_id": opportunity_id},
    )
    if count < 0:
        raise DomainError(N_("Must be between {low} and {high}."), field="count", low=0, high=vote_round.dots_per_participant)
    row = core.validate(Vote, {"round_id": round_id, "voter": voter, field: target_id})
    mine = list(session.exec(_votes_of(round_id, row.voter).where(getattr(Vote, field) == target_id).order_by(Vote.id)).all())
    used = _used_dots(session, round_id, row.voter)
    if used - len(mine) + count > vote_round.dots_per_participant:
        raise DomainError(
            N_("All {dots} dots of this round are used. Take one back to vote elsewhere."),
            field="voter", dots=vote_round.dots_per_participant,
        )
    for vote in mine[count:]:  # take back the latest first
        session.delete(vote)
    for _ in range(count - len(mine)):
        session.add(Vote(round_id=round_id, voter=row.voter, **{field: target_id}))
    if len(mine) != count:
        core.flush(session)
    return vote_round.dots_per_participant - (used - len(mine) + count)


def set_my_dots(session: Session, workspace_id: int, round_id: int, voter: str, counts: dict[tuple[str, int], int]) -> int:
    """Several cards at once, as a dot board sends them ((field, id) → exactly this many dots); returns the
    dots left. Takes back before it adds, so a dot moved from one card to another within a full budget
    is a move, not a refusal; one unit of work, so a refused number (over the budget) changes nothing."""
    if not counts:
        return dots_left(session, workspace_id, round_id, voter)
    have = my_dots(session, workspace_id, round_id, voter)
    for (field, target_id), count in sorted(counts.items(), key=lambda item: item[1] - have.get(item[0], 0)):
        left = set_dots(session, workspace_id, round_id, voter, count, **{field: target_id})
    return left


def my_dots(session: Session, workspace_id: int, round_id: int, voter: str) -> dict[tuple[str, int], int]:
    """The voter's dots per item of a round, (field, id) → dots (one query): what a person may
    always see of their own votes, hidden round or not."""
    return dots_by_voter(session, workspace_id, round_id, voter).get(voter.strip(), {})


def dots_by_voter(session: Session, workspace_id: int, round_id: int, voter: str | None = None) -> dict[str, dict[tuple[str, int], int]]:
    """Each voter's dots per item of a round (one query; only ``voter``'s when given). For a room that
    hands every person their own entry: read once per change for everyone instead of once per person.
    Never show one person another's entry (a hidden round's votes are secret until it closes)."""
    get_vote_round(session, workspace_id, round_id)
    targets = tuple(getattr(Vote, field) for field in VOTE_TARGETS)
    query = select(Vote.voter, *targets, func.count()).where(Vote.round_id == round_id)
    if voter is not None:
        query = query.where(Vote.voter == voter.strip())
    dots: dict[str, dict[tuple[str, int], int]] = {}
    for name, *ids, count in session.exec(query.group_by(Vote.voter, *targets)).all():
        field, target_id = next((f, i) for f, i in zip(VOTE_TARGETS, ids, strict=True) if i is not None)
        dots.setdefault(name, {})[(field, target_id)] = count
    return dots


def round_progress(session: Session, workspace_id: int, round_id: int) -> tuple[int, int]:
    """(dots cast, people who voted) so far: shown even while the votes are hidden."""
    get_vote_round(session, workspace_id, round_id)
    dots, voters = session.exec(
        select(func.count(), func.count(func.distinct(Vote.voter))).where(Vote.round_id == round_id)
    ).one()
    return dots, voters


def vote_tally(session: Session, workspace_id: int, round_id: int) -> pd.DataFrame:
    """Dots per item of a round, most first: columns target ("step_id", "pain_point_id" or
    "opportunity_id"), target_id, votes, voters. Refused while the round hides its votes."""
    if not votes_visible(get_vote_round(session, workspace_id, round_id)):
        raise DomainError(N_("The votes stay hidden until the facilitator closes the round."), field="round_id")
    targets = (Vote.step_id, Vote.pain_point_id, Vote.opportunity_id)
    rows = session.exec(
        select(*targets, func.count().label("votes"), func.count(func.distinct(Vote.voter)).label("voters"))
        .where(Vote.round_id == round_id)
        .group_by(*targets)
    ).all()
    records = []
    for *ids, votes, voters in rows:
        field, target_id = next((f, i) for f, i in zip(VOTE_TARGETS, ids, strict=True) if i is not None)
        records.append((field, target_id, votes, voters))
    frame = pd.DataFrame(records, columns=["target", "target_id", "votes", "voters"])
    return frame.sort_values(["votes", "target", "target_id"], ascending=[False, True, True], ignore_index=True)


def journey_vote_counts(session: Session, workspace_id: int, journey_id: int, round_id: int | None = None) -> pd.DataFrame:
    """Dots per item of a journey, over all its rounds or one (``round_id``), in ONE query, for the
    counts on the cards: columns target_kind ("step", "pain_point" or "opportunity"), target_id,
    votes. Rounds that hide their votes count only once closed. A journey of another workspace
    gives no rows."""
    targets = (Vote.step_id, Vote.pain_point_id, Vote.opportunity_id)
    query = (
        select(*targets, func.count().label("votes"))
        .join(VoteRound, VoteRound.id == Vote.round_id).join(Journey, Journey.id == VoteRound.journey_id)
        .where(VoteRound.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .where(col(VoteRound.hide_votes).is_(False) | col(VoteRound.is_open).is_(False))
    )
    if round_id is not None:
        query = query.where(Vote.round_id == round_id)
    records = []
    for *ids, votes in session.exec(query.group_by(*targets)).all():
        kind, target_id = next((k, i) for k, i in zip(TARGET_KINDS, ids, strict=True) if i is not None)
        records.append((kind, target_id, votes))
    return pd.DataFrame(records, columns=["target_kind", "target_id", "votes"])


RESULT_COLUMNS = ["rank", "target_kind", "target_id", "title", "step_id", "step_title", "votes", "voters"]


def ranked_results(session: Session, workspace_id: int, round_id: int) -> pd.DataFrame:
    """A round's result as a ranked list (two queries): rank (1, 2, 2, 4 … on ties), target_kind
    ("step", "pain_point", "opportunity"), target_id, title (the step's title or the item's text), the step it is on, votes, voters.
    A round that hides its votes has no result to show until it is closed."""
    if not votes_visible(get_vote_round(session, workspace_id, round_id)):
        raise DomainError(N_("The votes stay hidden until the facilitator closes the round."), field="round_id")
    pain_step, idea_step = aliased(Step), aliased(Step)
    title = func.coalesce(Step.title, PainPoint.text, Opportunity.text)
    step_id = func.coalesce(Step.id, PainPoint.step_id, Opportunity.step_id)
    step_title = func.coalesce(Step.title, pain_step.title, idea_step.title)
    targets = (Vote.step_id, Vote.pain_point_id, Vote.opportunity_id)
    rows = session.exec(
        select(*targets, title, step_id, step_title, func.count(), func.count(func.distinct(Vote.voter)))
        .outerjoin(Step, Step.id == Vote.step_id)
        .outerjoin(PainPoint, PainPoint.id == Vote.pain_point_id).outerjoin(pain_step, pain_step.id == PainPoint.step_id)
        .outerjoin(Opportunity, Opportunity.id == Vote.opportunity_id).outerjoin(idea_step, idea_step.id == Opportunity.step_id)
        .where(Vote.round_id == round_id)
        .group_by(*targets, title, step_id, step_title)
    ).all()
    records = []
    for *ids, item_title, item_step_id, item_step_title, votes, voters in rows:
        kind, target_id = next((k, i) for k, i in zip(TARGET_KINDS, ids, strict=True) if i is not None)
        records.append((0, kind, target_id, item_title, item_step_id, item_step_title, votes, voters))
    frame = pd.DataFrame(records, columns=RESULT_COLUMNS)
    frame = frame.sort_values(["votes", "title", "target_id"], ascending=[False, True, True], ignore_index=True)
    frame["rank"] = frame["votes"].rank(method="min", ascending=False).astype(int) if len(frame) else frame["rank"]
    return frame


# --- quick capture ------------------------------------------------------------------------------

PARKING_LOT_TITLE = N_("Captured in workshop")
CAPTURE_KINDS = ("pain", "idea", "question")
CaptureKind = Literal["pain", "idea", "question"]


def parking_lot(session: Session, workspace_id: int, stage_id: int, title: str = PARKING_LOT_TITLE) -> Step:
    """The stage's parking-lot step (the step titled ``title``), created at the end of the stage on
    first use (a capture may create it on a locked map: it is where participants' cards land)."""
    found = session.exec(select(Step).where(Step.stage_id == stage_id, Step.title == title.strip()).order_by(Step.id)).first()
    if found:
        return found
    session.info[core.LOCK_EXEMPT] = True
    try:
        step = journeys.create_step(session, workspace_id, stage_id, {"title": title})
        core.flush(session)
    finally:
        session.info.pop(core.LOCK_EXEMPT, None)
    return step


def set_structure_lock(session: Session, workspace_id: int, journey_id: int, locked: bool) -> Journey:
    """Freeze (or free) the map's stages, steps and branches for everyone below facilitator; votes,
    comments and captured cards go on. Only a facilitator (or admin) may."""
    core.require_role(session, workspace_id, "facilitator")
    journeys.get_journey(session, workspace_id, journey_id)
    return core.update(session, Journey, journey_id, {"structure_locked": locked})


def quick_capture(
    session: Session,
    workspace_id: int,
    journey_id: int,
    stage_id: int | None,
    kind: CaptureKind,
    text: str,
    author: str,
    *,
    step_id: int | None = None,
    parking_title: str = PARKING_LOT_TITLE,
) -> PainPoint | Opportunity | Comment:
    """Add a participant's card to the step in focus (``step_id``) or else to a stage (the focused
    one; ``None``: the journey's first stage): "pain" → a pain point, "idea" → an opportunity,
    "question" → a comment by ``author``. Without a step the card lands on the stage's parking-lot
    step (pass ``parking_title`` translated into the workshop's language). The activity log names
    ``author`` when the write session has no actor of its own."""
    core.check_choice(kind, CAPTURE_KINDS, "kind")
    if not author.strip():
        raise DomainError(N_("This field is required."), field="author")
    if not text.strip():
        raise DomainError(N_("This field is required."), field="text")
    if step_id is not None:
        step = journeys.step_reference(session, workspace_id, step_id, "step_id")
        if step.journey_id != journey_id:
            raise DomainError(N_("Choose a step of this journey."), field="step_id")
        core.name_if_anonymous(session, author)
        return _capture_on(session, workspace_id, step.id, kind, text, author)  # type: ignore[arg-type]
    if stage_id is None:
        stage_id = session.exec(
            select(Stage.id).where(Stage.journey_id == journey_id).order_by(Stage.position, Stage.id).limit(1)
        ).first()
        if stage_id is None:
            raise DomainError(N_("Add a stage to the journey first."), field="stage_id")
    stage = journeys.get_stage(session, workspace_id, stage_id)
    if stage.journey_id != journey_id:
        raise DomainError(N_("Choose a stage of this journey."), field="stage_id")
    core.name_if_anonymous(session, author)
    step = parking_lot(session, workspace_id, stage_id, parking_title)
    return _capture_on(session, workspace_id, step.id, kind, text, author)  # type: ignore[arg-type]


def _capture_on(session: Session, workspace_id: int, step_id: int, kind: CaptureKind, text: str, author: str,
                ) -> PainPoint | Opportunity | Comment:
    if kind == "pain":
        return journeys.create_pain_point(session, workspace_id, step_id, {"text": text})
    if kind == "idea":
        return journeys.create_opportunity(session, workspace_id, step_id, {"text": text})
    return add_comment(session, workspace_id, author, text, step_id=step_id)
