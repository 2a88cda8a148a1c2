"""Fill a migrated database with a large, realistic workspace — in seconds.

Everything below the workspace is written with SQLAlchemy Core bulk inserts
(``session.execute(insert(table), rows)``, one ``executemany`` per table) in a
single write transaction, with ids assigned here, so no row goes through the
ORM one by one. The data respects every CHECK, UNIQUE and (composite) FOREIGN
KEY constraint of ``models/``: the database itself would refuse anything else
(SQLite runs with ``foreign_keys=ON``).

Besides the ``journeys`` large journeys one extra "small journey" (6 steps over
3 stages, same density of branches, items and touchpoint links) is generated,
so a page can be compared on 60 against 6 steps.

Manual use: ``python -m bench.generate --out /tmp/big.db`` (adds a workspace to
that file, migrating it first), then ``DATABASE_URL=sqlite:////tmp/big.db make run``.
"""

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlmodel import Session, SQLModel

from bench import say
from models import (
    Channel,
    Journey,
    JourneyPersona,
    Measurement,
    Metric,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    Persona,
    PersonaChannel,
    Stage,
    Step,
    StepTouchpoint,
    Touchpoint,
    Transition,
)
from models.db import create_db_engine, upgrade_to_head
from models.journey import OPPORTUNITY_STATUSES
from models.metric import METRIC_KINDS
from models.persona import INCOME_BANDS
from services.unit_of_work import unit_of_work
from services.workspaces import crud as workspaces

Progress = Callable[[str], None]

SMALL_JOURNEY_NAME = "Small journey (6 steps)"
SMALL_JOURNEY_STEPS = 6
SMALL_JOURNEY_STAGES = 3

# --- vocabulary ---------------------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Ilias", "Jonas",
    "Katrin", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Sven", "Tara", "Yusuf",
)
LAST_NAMES = (
    "Becker", "Schmidt", "Novak", "Weber", "Yilmaz", "Fischer", "Larsen", "Wagner", "Costa", "Hoffmann",
    "Keller", "Meyer", "Kowalski", "Braun", "Richter", "Sommer", "Wolf", "Neumann", "Roth", "Berg",
)
EMOJIS = ("🙂", "😀", "🧑‍💼", "👩‍🎓", "👨‍👩‍👧", "🧓", "🧑‍🔧", "👩‍💻", "🧑‍🍳", "🚴")
ROLES = ("Family planner", "Business traveller", "Student", "Retired explorer", "Weekend tripper", "Deal hunter")
OCCUPATIONS = ("Teacher", "Software developer", "Nurse", "Sales manager", "Student", "Retired engineer", "Craftsman")
FAMILIES = ("Single", "Couple, no children", "Married, two children", "Single parent, one child", "Grandparents")
LOCATIONS = ("Hamburg", "Munich", "Leipzig", "Cologne", "Vienna", "Zurich", "a village near Kassel")
SEGMENTS = ("Families", "Best agers", "Young professionals", "Students", "Business")
GOALS = ("Relax without organising everything", "Stay within the budget", "Find something new", "Travel sustainably")
NEEDS = ("Clear prices", "Honest reviews", "Flexible cancellation", "A person to call when things go wrong")
PAINS = ("Hidden fees", "Long waiting lines on the phone", "Too many options", "Forms that forget what I typed")
BEHAVIOURS = ("Compares on three portals", "Books late in the evening", "Asks friends first", "Reads every review")
PREFERENCES = ("Mobile first", "Prefers the phone", "Likes printed catalogues", "Pays by invoice")
VALUES = ("Reliability", "Family time", "Sustainability", "Value for money", "Adventure")
STYLES = ("Short and friendly", "Factual, with numbers", "Personal, by name", "Visual, few words")
CHANNEL_PURPOSES = ("Inspiration", "Compare prices", "Ask questions", "Book", "Get help", "Share experiences")

JOURNEY_TOPICS = (
    "Summer holiday booking", "City break", "Ski trip", "Business trip", "Family reunion", "Cruise",
    "Wellness weekend", "Round trip", "Last-minute deal", "Loyalty programme sign-up", "Complaint handling",
    "Insurance claim",
)
STAGE_NAMES = (
    "Awareness", "Inspiration", "Research", "Comparison", "Decision", "Booking",
    "Payment", "Preparation", "Delivery", "Usage", "Service", "Loyalty",
)
# Per stage (same order as STAGE_NAMES): what the customer does there.
STEP_ACTIONS = (
    ("Sees an ad on social media", "Hears about it from a friend", "Notices a poster at the station",
     "Reads a magazine article", "Gets a newsletter"),
    ("Browses holiday photos", "Watches a travel video", "Saves ideas to a wish list", "Reads a travel blog",
     "Visits a travel fair"),
    ("Searches the web for offers", "Reads reviews on a portal", "Checks the weather and season", "Asks in a forum",
     "Opens the company's app"),
    ("Compares prices on a portal", "Compares hotel ratings", "Calls the hotline with questions",
     "Asks the family which option to take", "Checks the cancellation rules"),
    ("Chooses an offer", "Waits for a price drop", "Talks it over with the partner", "Asks the travel agent",
     "Reads the small print"),
    ("Fills in the booking form", "Chooses seats and extras", "Creates an account", "Enters the passengers' data",
     "Confirms the booking"),
    ("Chooses a payment method", "Pays the deposit", "Receives the invoice", "Enters a voucher code",
     "Pays the balance"),
    ("Receives the travel documents", "Checks in online", "Packs with the checklist", "Books the airport transfer",
     "Reads the destination guide"),
    ("Travels to the airport", "Checks in the luggage", "Arrives at the hotel", "Meets the tour guide",
     "Gets the room keys"),
    ("Uses the hotel's services", "Books an excursion", "Uses the app on site", "Eats at the restaurant",
     "Relaxes at the pool"),
    ("Reports a problem", "Calls the service line", "Chats with support", "Asks for a refund",
     "Gets an answer to the complaint"),
    ("Writes a review", "Shares photos on social media", "Joins the loyalty programme", "Gets a follow-up offer",
     "Recommends it to friends"),
)
THOUGHTS = (
    "Is this really worth the money?", "I hope nothing goes wrong.", "Where are the real reviews?",
    "This is easier than I thought.", "Why do they need all this data?", "I can't wait to go.",
    "Did I forget something?", "Will anybody answer me?",
)
FEELINGS = {
    -3: "Furious and let down", -2: "Frustrated", -1: "Unsure", 0: "Neutral",
    1: "Curious", 2: "Pleased", 3: "Delighted",
}
STEP_NEEDS = ("Clear information", "A quick answer", "Reassurance", "A fair price", "Less effort", "Personal advice")
DEPARTMENTS = ("Marketing", "Sales", "Service", "IT", "Operations", "Finance", "Product")
BACKSTAGE = (
    "CRM sends the campaign", "Booking engine checks availability", "Call centre agent reads the booking",
    "Payment provider confirms", "Ops team prepares the documents", "Review team answers within 24 h",
)
PAIN_TEXTS = (
    "Prices change between search and booking", "The form loses the entered data", "No answer for two days",
    "Too many similar offers", "The app crashes on login", "Hidden fees at the end", "Confusing cancellation terms",
    "The hotline is busy", "Documents arrive late", "The voucher code does not work",
)
OPPORTUNITY_TEXTS = (
    "Show the final price from the first page", "Save the form as a draft", "Answer chats within 5 minutes",
    "Offer a comparison view", "Send a reminder with the checklist", "Call back instead of waiting",
    "Personal welcome message", "One-click rebooking",
)
BRANCH_LABELS = (
    "price too high", "needs advice", "has a voucher", "prefers the phone", "found a better offer",
    "wants to wait", "booked before", "problem on site",
)
TOUCHPOINT_KINDS = (
    "landing page", "product page", "campaign", "newsletter", "hotline", "chat bot", "review", "brochure",
    "booth", "post", "search ad", "banner", "help centre", "account area",
)
PROVIDERS = ("CallCenter Nord GmbH", "AdAgency Süd", "PrintPartner KG", "ReviewWatch Ltd")
METRIC_UNITS = {
    "conversion_rate": "%", "drop_off_rate": "%", "csat": "points", "nps": "points", "ces": "points",
    "response_time": "min", "cost_per_contact": "EUR", "custom": "",
}
LOWER_IS_BETTER = {"drop_off_rate", "ces", "response_time", "cost_per_contact"}


@dataclass
class GeneratedWorkspace:
    """What :func:`generate_workspace` wrote: ids the benchmark opens, row counts, duration."""

    workspace_id: int
    largest_journey_id: int
    largest_journey_steps: int
    small_journey_id: int
    small_journey_steps: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class _Ids:
    """Hands out ids per table, starting above what the database already holds."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def take(self, model: type[SQLModel]) -> int:
        table = model.__table__  # type: ignore[attr-defined]
        if table.name not in self.next:
            self.next[table.name] = (self.session.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        value = self.next[table.name]
        self.next[table.name] += 1
        return value


def _bulk_insert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """One Core ``executemany`` for the whole list (every dict has the same keys)."""
    if rows:
        session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]


def _entry_plan(n_steps: int) -> dict[int, float]:
    """Step index -> entry share: the first step, plus customers who join mid-journey."""
    if n_steps >= 20:
        return {0: 70.0, n_steps // 3: 20.0, (2 * n_steps) // 3: 10.0}
    if n_steps >= 4:
        return {0: 80.0, n_steps // 2: 20.0}
    return {0: 100.0}


def _exit_plan(n_steps: int, entries: dict[int, float], rng: random.Random) -> dict[int, str]:
    """Step index -> exit kind: the last step (purchase/complete) and a few aborts/churns on the way."""
    exits = {n_steps - 1: rng.choice(("purchase", "purchase", "complete"))}
    mid = max(1, n_steps // 12) if n_steps >= 3 else 0
    for j in range(mid):
        index = round((j + 1) * n_steps / (mid + 1)) - 1
        if 0 < index < n_steps - 1 and index not in entries:
            exits[index] = "abort" if index < n_steps / 2 else "churn"
    return exits


def generate_workspace(
    engine: Engine,
    *,
    personas: int = 50,
    journeys: int = 100,
    stages: int = 12,
    steps_per_journey: int = 60,
    touchpoints: int = 300,
    step_touchpoint_links: int = 20_000,
    metrics: int = 0,
    measurements_per_metric: int = 0,
    seed: int = 1,
    name: str = "Benchmark workspace",
    progress: Progress | None = say,
) -> GeneratedWorkspace:
    """Create a workspace (with the default channels) and fill it; one transaction, committed at the end."""
    if min(personas, journeys, stages, steps_per_journey, touchpoints) < 1:
        raise ValueError("personas, journeys, stages, steps_per_journey and touchpoints must be at least 1")
    if steps_per_journey < stages:
        raise ValueError("steps_per_journey must be at least the number of stages (no empty stage)")
    total_steps = journeys * steps_per_journey + SMALL_JOURNEY_STEPS
    if step_touchpoint_links > total_steps * touchpoints:
        raise ValueError(f"at most {total_steps * touchpoints} unique step-touchpoint links are possible")

    log = progress or (lambda _message: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    now = datetime.now(UTC)

    def audit(age_minutes: int = 0) -> dict[str, Any]:
        changed = now - timedelta(minutes=age_minutes)
        return {"created_at": changed, "updated_at": changed, "version": 1}

    counts: dict[str, int] = {}

    def stage_done(table: str, rows: list[dict[str, Any]], since: float) -> None:
        counts[table] = counts.get(table, 0) + len(rows)
        log(f"  {table:<24} {len(rows):>7} rows  {time.perf_counter() - since:6.2f} s")

    log(f"Generating a workspace: {personas} personas, {journeys} journeys × {stages} stages × {steps_per_journey} steps "
        f"(+1 small journey of {SMALL_JOURNEY_STEPS}), {touchpoints} touchpoints, {step_touchpoint_links} links, "
        f"{metrics} metrics × {measurements_per_metric} measurements")

    with unit_of_work(engine) as session:
        ids = _Ids(session)
        t = time.perf_counter()
        workspace = workspaces.create_workspace(session, workspaces.unique_name(session, name))
        ws = workspace.id
        channel_rows = session.execute(
            select(Channel.id, Channel.name, Channel.is_online, Channel.category).where(Channel.workspace_id == ws)
            .order_by(Channel.id)
        ).all()
        counts["channel"] = len(channel_rows)
        log(f"  workspace #{ws} with {len(channel_rows)} default channels  {time.perf_counter() - t:6.2f} s")

        # --- personas and their channel preferences --------------------------------------------------------------
        t = time.perf_counter()
        persona_rows: list[dict[str, Any]] = []
        for i in range(personas):
            first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
            suffix = f" {i // (len(FIRST_NAMES) * len(LAST_NAMES)) + 1}" if i >= len(FIRST_NAMES) * len(LAST_NAMES) else ""
            persona_rows.append({
                "id": ids.take(Persona), "workspace_id": ws, "name": f"{first} {last}{suffix}",
                "avatar_emoji": EMOJIS[i % len(EMOJIS)], "avatar_image": None, "avatar_mime": None,
                "role": rng.choice(ROLES), "age": rng.randint(18, 85), "occupation": rng.choice(OCCUPATIONS),
                "family": rng.choice(FAMILIES), "location": rng.choice(LOCATIONS),
                "income_band": rng.choice(INCOME_BANDS[1:]), "segment": SEGMENTS[i % len(SEGMENTS)],
                "customer_share": round(rng.uniform(1, 30), 1),
                "bio": f"{first} plans trips for the whole family and keeps a spreadsheet of every offer.",
                "quote": f"“{rng.choice(THOUGHTS)}”",
                "goals": "\n".join(rng.sample(GOALS, 2)), "needs": "\n".join(rng.sample(NEEDS, 2)),
                "pains": "\n".join(rng.sample(PAINS, 2)), "behaviours": "\n".join(rng.sample(BEHAVIOURS, 2)),
                "preferences": "\n".join(rng.sample(PREFERENCES, 2)), "values": "\n".join(rng.sample(VALUES, 2)),
                "communication_style": rng.choice(STYLES), **audit(rng.randint(0, 60 * 24 * 30)),
            })
        _bulk_insert(session, Persona, persona_rows)
        stage_done("persona", persona_rows, t)
        persona_ids = [p["id"] for p in persona_rows]

        t = time.perf_counter()
        preference_rows = [
            {"id": ids.take(PersonaChannel), "workspace_id": ws, "persona_id": persona_id, "channel_id": channel.id,
             "intensity": rng.randint(1, 5), "purpose": rng.choice(CHANNEL_PURPOSES), **audit()}
            for persona_id in persona_ids
            for channel in rng.sample(channel_rows, min(len(channel_rows), rng.randint(3, 6)))
        ]
        _bulk_insert(session, PersonaChannel, preference_rows)
        stage_done("persona_channel", preference_rows, t)

        # --- journeys, personas on them, lifecycle links ----------------------------------------------------------
        t = time.perf_counter()
        journey_rows: list[dict[str, Any]] = []
        for i in range(journeys + 1):
            small = i == journeys
            topic = JOURNEY_TOPICS[i % len(JOURNEY_TOPICS)]
            journey_rows.append({
                "id": ids.take(Journey), "workspace_id": ws,
                "name": SMALL_JOURNEY_NAME if small else f"J{i + 1:03d} · {topic}",
                "scenario": f"A customer plans a {topic.lower()} and wants it to be simple.",
                "goal": f"Complete the {topic.lower()} without surprises.",
                "state": "to_be" if (not small and i % 10 == 9) else "as_is",
                "status": ("draft", "in_review", "final")[i % 3],
                "next_journey_id": None, "origin_journey_id": None, **audit(rng.randint(0, 60 * 24 * 30)),
            })
        _bulk_insert(session, Journey, journey_rows)
        journey_ids = [j["id"] for j in journey_rows]
        # Lifecycle chains of three (a→b→c, the fourth stands alone); every tenth journey is the to-be
        # version of the one before. Set afterwards: the referenced journeys must exist first.
        links = []
        for i in range(journeys):
            next_id = journey_ids[i + 1] if i % 4 in (0, 1) and i + 1 < journeys else None
            origin_id = journey_ids[i - 1] if journey_rows[i]["state"] == "to_be" else None
            if next_id or origin_id:
                links.append({"b_id": journey_ids[i], "b_next": next_id, "b_origin": origin_id})
        if links:
            journey_table = Journey.__table__  # type: ignore[attr-defined]
            session.execute(
                update(journey_table).where(journey_table.c.id == bindparam("b_id"))
                .values(next_journey_id=bindparam("b_next"), origin_journey_id=bindparam("b_origin")),
                links,
            )
        stage_done("journey", journey_rows, t)
        counts["journey_links"] = len(links)

        t = time.perf_counter()
        journey_persona_rows = [
            {"journey_id": journey_id, "persona_id": persona_id, "workspace_id": ws, **audit()}
            for journey_id in journey_ids
            for persona_id in rng.sample(persona_ids, min(len(persona_ids), rng.randint(1, 3)))
        ]
        _bulk_insert(session, JourneyPersona, journey_persona_rows)
        stage_done("journey_persona", journey_persona_rows, t)

        # --- stages, steps, transitions, pain points, opportunities -------------------------------------------------
        t = time.perf_counter()
        stage_rows: list[dict[str, Any]] = []
        step_rows: list[dict[str, Any]] = []
        transition_rows: list[dict[str, Any]] = []
        pain_rows: list[dict[str, Any]] = []
        opportunity_rows: list[dict[str, Any]] = []
        opportunity_pain_rows: list[dict[str, Any]] = []
        for i, journey_id in enumerate(journey_ids):
            small = i == journeys
            n_stages = SMALL_JOURNEY_STAGES if small else stages
            n_steps = SMALL_JOURNEY_STEPS if small else steps_per_journey
            stage_ids = []
            for s in range(n_stages):
                stage_ids.append(ids.take(Stage))
                base = STAGE_NAMES[s % len(STAGE_NAMES)]
                stage_rows.append({
                    "id": stage_ids[-1], "journey_id": journey_id, "position": s,
                    "name": base if s < len(STAGE_NAMES) else f"{base} {s // len(STAGE_NAMES) + 1}",
                    "description": f"What happens during {base.lower()}.", **audit(),
                })
            entries = _entry_plan(n_steps)
            exits = _exit_plan(n_steps, entries, rng)
            journey_steps: list[int] = []
            emotion = rng.randint(-1, 2)
            position_in_stage: dict[int, int] = {}
            for k in range(n_steps):
                s = k * n_stages // n_steps  # spread evenly: every stage gets steps
                stage_name = STAGE_NAMES[s % len(STAGE_NAMES)]
                position = position_in_stage.get(s, 0)
                position_in_stage[s] = position + 1
                emotion = max(-3, min(3, emotion + rng.choice((-2, -1, -1, 0, 0, 1, 1, 2))))
                exit_kind = exits.get(k, "")
                step_id = ids.take(Step)
                journey_steps.append(step_id)
                action = STEP_ACTIONS[s % len(STEP_ACTIONS)][position % 5]
                step_rows.append({
                    "id": step_id, "journey_id": journey_id, "stage_id": stage_ids[s], "position": position,
                    "title": action, "doing": f"{action} during {stage_name.lower()}.",
                    "thinking": rng.choice(THOUGHTS), "feeling": FEELINGS[emotion], "emotion": emotion,
                    "needs": rng.choice(STEP_NEEDS), "owner_department": rng.choice(DEPARTMENTS),
                    "backstage": rng.choice(BACKSTAGE),
                    "is_moment_of_truth": exit_kind == "purchase" or rng.random() < 0.1,
                    "is_entry": k in entries, "entry_share": entries.get(k),
                    "is_exit": bool(exit_kind), "exit_kind": exit_kind, **audit(),
                })
                if rng.random() < 0.5:
                    first_pain = None
                    for p in range(rng.randint(1, 2)):
                        pain_id = ids.take(PainPoint)
                        first_pain = first_pain or pain_id
                        pain_rows.append({"id": pain_id, "step_id": step_id, "text": rng.choice(PAIN_TEXTS),
                                          "severity": rng.randint(1, 5), "position": p, **audit()})
                    if rng.random() < 0.7:
                        opportunity_id = ids.take(Opportunity)
                        opportunity_rows.append({
                            "id": opportunity_id, "step_id": step_id, "text": rng.choice(OPPORTUNITY_TEXTS),
                            "customer_value": rng.randint(1, 5), "business_value": rng.randint(1, 5),
                            "effort": rng.randint(1, 5), "status": rng.choice(OPPORTUNITY_STATUSES), "position": 0,
                            **audit(),
                        })
                        opportunity_pain_rows.append({"opportunity_id": opportunity_id, "pain_point_id": first_pain, **audit()})
                elif rng.random() < 0.3:
                    opportunity_rows.append({
                        "id": ids.take(Opportunity), "step_id": step_id, "text": rng.choice(OPPORTUNITY_TEXTS),
                        "customer_value": rng.randint(1, 5), "business_value": rng.randint(1, 5),
                        "effort": rng.randint(1, 5), "status": "idea", "position": 0, **audit(),
                    })
            # Transitions: every step to the next; about 20 % of the steps also branch forward by 2–5 steps.
            branching = set(rng.sample(range(n_steps - 2), max(1, round(0.2 * (n_steps - 2))))) if n_steps >= 3 else set()
            for k in range(n_steps - 1):
                is_exit = k in exits
                main = float(rng.choice((40, 50, 60, 70))) if is_exit else float(rng.choice((100, 100, 100, 95, 90, 85, 80)))
                targets: list[tuple[int, str, float]] = []
                if k in branching:
                    main = min(main, float(rng.choice((50, 60, 70))))
                    branch = float(rng.randrange(10, int(100 - main) + 1, 5))
                    jump = rng.randint(2, min(5, n_steps - 1 - k))
                    targets.append((journey_steps[k + jump], rng.choice(BRANCH_LABELS), branch))
                targets.insert(0, (journey_steps[k + 1], "", main))
                for target, label, share in targets:
                    transition_rows.append({
                        "id": ids.take(Transition), "journey_id": journey_id, "source_step_id": journey_steps[k],
                        "target_step_id": target, "label": label, "share": share, **audit(),
                    })
        _bulk_insert(session, Stage, stage_rows)
        stage_done("stage", stage_rows, t)
        t = time.perf_counter()
        _bulk_insert(session, Step, step_rows)
        stage_done("step", step_rows, t)
        t = time.perf_counter()
        _bulk_insert(session, Transition, transition_rows)
        stage_done("transition", transition_rows, t)
        t = time.perf_counter()
        _bulk_insert(session, PainPoint, pain_rows)
        stage_done("pain_point", pain_rows, t)
        t = time.perf_counter()
        _bulk_insert(session, Opportunity, opportunity_rows)
        stage_done("opportunity", opportunity_rows, t)
        t = time.perf_counter()
        _bulk_insert(session, OpportunityPainPoint, opportunity_pain_rows)
        stage_done("opportunity_pain_point", opportunity_pain_rows, t)

        # Where a journey has several personas, some of them feel differently at a step (about 15 % of
        # the steps): the emotion curve then draws one line per persona. Only where the schema has the table.
        persona_emotion = SQLModel.metadata.tables.get("step_persona_emotion")
        if persona_emotion is not None:
            t = time.perf_counter()
            journey_personas: dict[int, list[int]] = {}
            for link in journey_persona_rows:
                journey_personas.setdefault(link["journey_id"], []).append(link["persona_id"])
            first_id = (session.execute(select(func.max(persona_emotion.c.id))).scalar() or 0) + 1
            emotion_rows = []
            for step in step_rows:
                attached = journey_personas.get(step["journey_id"], [])
                if len(attached) >= 2 and rng.random() < 0.15:
                    other = rng.choice([e for e in range(-3, 4) if e != step["emotion"]])
                    emotion_rows.append({"id": first_id + len(emotion_rows), "step_id": step["id"],
                                         "persona_id": rng.choice(attached), "emotion": other, **audit()})
            if emotion_rows:
                session.execute(insert(persona_emotion), emotion_rows)
            stage_done("step_persona_emotion", emotion_rows, t)

        # --- touchpoints and their links to steps -------------------------------------------------------------------
        t = time.perf_counter()
        touchpoint_rows: list[dict[str, Any]] = []
        for i in range(touchpoints):
            channel = channel_rows[i % len(channel_rows)]
            call_centre = "call" in channel.name.lower() or "telefon" in channel.name.lower()
            touchpoint_rows.append({
                "id": ids.take(Touchpoint), "workspace_id": ws,
                "name": f"{channel.name} · {TOUCHPOINT_KINDS[(i // len(channel_rows)) % len(TOUCHPOINT_KINDS)]} {i + 1:03d}",
                "channel_id": channel.id, "is_online": channel.is_online,
                # Earned channels (reviews, forums, press) are out of the company's hands: indirect.
                "is_direct": channel.category != "earned" and rng.random() > 0.05,
                "owner_department": rng.choice(DEPARTMENTS),
                "external_provider": PROVIDERS[0] if call_centre else (rng.choice(PROVIDERS) if rng.random() < 0.1 else ""),
                "description": f"{channel.name}: where the customer meets us ({'online' if channel.is_online else 'offline'}).",
                "cost_per_contact": None if rng.random() < 0.3 else round(rng.uniform(0.05, 25.0), 2),
                **audit(rng.randint(0, 60 * 24 * 30)),
            })
        _bulk_insert(session, Touchpoint, touchpoint_rows)
        stage_done("touchpoint", touchpoint_rows, t)
        touchpoint_ids = [tp["id"] for tp in touchpoint_rows]

        t = time.perf_counter()
        all_steps = [s["id"] for s in step_rows]
        per_step, extra = divmod(step_touchpoint_links, len(all_steps))
        with_extra = set(rng.sample(range(len(all_steps)), extra))
        link_rows = []
        for index, step_id in enumerate(all_steps):
            for touchpoint_id in rng.sample(touchpoint_ids, per_step + (index in with_extra)):
                link_rows.append({
                    "id": ids.take(StepTouchpoint), "step_id": step_id, "touchpoint_id": touchpoint_id,
                    "importance": rng.randint(1, 5), "satisfaction": rng.randint(1, 5),
                    "is_decisive": rng.random() < 0.1, "leads_to_abort": rng.random() < 0.05,
                    "notes": "Customers mention this in interviews." if rng.random() < 0.2 else "", **audit(),
                })
        _bulk_insert(session, StepTouchpoint, link_rows)
        stage_done("step_touchpoint", link_rows, t)

        # --- metrics with daily measurements ------------------------------------------------------------------------
        t = time.perf_counter()
        metric_rows: list[dict[str, Any]] = []
        step_journey = {s["id"]: s["journey_id"] for s in step_rows}
        for i in range(metrics):
            kind = METRIC_KINDS[i % len(METRIC_KINDS)]
            scope = ("journey", "step", "touchpoint")[i % 3]
            step_id = rng.choice(all_steps) if scope == "step" else None
            journey_id = rng.choice(journey_ids[:journeys]) if scope == "journey" else step_journey.get(step_id)  # type: ignore[arg-type]
            target = round(rng.uniform(20, 90), 1)
            metric_rows.append({
                "id": ids.take(Metric), "workspace_id": ws, "name": f"{kind.replace('_', ' ').capitalize()} {i + 1:03d}",
                "kind": kind, "unit": METRIC_UNITS[kind], "target": target,
                "direction": "lower" if kind in LOWER_IS_BETTER else "higher", "review_every_days": rng.choice((7, 30, 90)),
                "scope": scope, "journey_id": journey_id, "step_id": step_id,
                "touchpoint_id": rng.choice(touchpoint_ids) if scope == "touchpoint" else None,
                "description": f"Tracked for the benchmark ({scope}).", **audit(rng.randint(0, 60 * 24 * 30)),
            })
        _bulk_insert(session, Metric, metric_rows)
        stage_done("metric", metric_rows, t)

        t = time.perf_counter()
        measurement_rows: list[dict[str, Any]] = []
        first_day = date.today() - timedelta(days=measurements_per_metric)
        for metric in metric_rows:
            value = metric["target"] * rng.uniform(0.7, 1.1)
            for d in range(measurements_per_metric):
                value = max(0.0, value + rng.gauss(0, metric["target"] * 0.02))
                measurement_rows.append({
                    "id": ids.take(Measurement), "metric_id": metric["id"], "measured_on": first_day + timedelta(days=d),
                    "value": round(value, 2), "note": "", **audit(),
                })
        _bulk_insert(session, Measurement, measurement_rows)
        stage_done("measurement", measurement_rows, t)

    generated = GeneratedWorkspace(
        workspace_id=ws,
        # All large journeys have the same size: the first one stands for them.
        largest_journey_id=journey_ids[0], largest_journey_steps=steps_per_journey,
        small_journey_id=journey_ids[journeys], small_journey_steps=SMALL_JOURNEY_STEPS,
        counts=counts, seconds=time.perf_counter() - started,
    )
    log(f"Generated workspace #{ws} in {generated.seconds:.1f} s "
        f"({sum(v for k, v in counts.items() if k != 'journey_links')} rows)")
    return generated


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Add a large generated workspace to a SQLite database file.")
    parser.add_argument("--out", required=True, type=Path, help="SQLite file (created and migrated if needed)")
    parser.add_argument("--personas", type=int, default=50)
    parser.add_argument("--journeys", type=int, default=100)
    parser.add_argument("--stages", type=int, default=12)
    parser.add_argument("--steps", type=int, default=60, help="steps per journey")
    parser.add_argument("--touchpoints", type=int, default=300)
    parser.add_argument("--links", type=int, default=20_000, help="step–touchpoint links")
    parser.add_argument("--metrics", type=int, default=0)
    parser.add_argument("--measurements", type=int, default=0, help="measurements per metric (consecutive days)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    engine = create_db_engine(f"sqlite:///{args.out.resolve()}")
    try:
        upgrade_to_head(engine)
        generated = generate_workspace(
            engine, personas=args.personas, journeys=args.journeys, stages=args.stages,
            steps_per_journey=args.steps, touchpoints=args.touchpoints, step_touchpoint_links=args.links,
            metrics=args.metrics, measurements_per_metric=args.measurements, seed=args.seed,
        )
    finally:
        engine.dispose()
    say(f"Workspace #{generated.workspace_id} in {args.out}: largest journey #{generated.largest_journey_id} "
        f"({generated.largest_journey_steps} steps), small journey #{generated.small_journey_id} "
        f"({generated.small_journey_steps} steps)")
    say(f"Open it with: DATABASE_URL=sqlite:///{args.out.resolve()} .venv/bin/python -m streamlit run serve.py")


if __name__ == "__main__":
    main()
