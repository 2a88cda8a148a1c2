"""The demo workspace: it loads, is complete and consistent, and stays fast.

Fixtures are defined here (not in conftest) so the demo tests do not depend on
the shared fixtures; the loaded demo is shared by the read-only tests.
"""

import copy
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from models import (
    Channel,
    Comment,
    ContentItem,
    ContentMapping,
    Journey,
    JourneyPersona,
    KanoAnswer,
    KanoItem,
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
    Workspace,
)
from models.content import CONTENT_FORMATS, CONTENT_STATUSES
from models.db import create_db_engine, read_session, upgrade_to_head
from models.metric import METRIC_KINDS
from services import startup
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from services.workspaces import demo
from services.workspaces.channels import DEFAULT_CHANNELS
from services.workspaces.crud import create_workspace

EXPECTED_COUNTS = {
    "channels": len(DEFAULT_CHANNELS),
    "personas": 4,
    "persona_channels": 30,
    "journeys": 5,
    "journey_personas": 5,
    "stages": 26,
    "steps": 51,
    "pain_points": 24,
    "opportunities": 18,
    "opportunity_pain_points": 18,
    "transitions": 59,
    "touchpoints": 32,
    "step_touchpoints": 71,
    "comments": 5,
    "content_items": 24,
    "content_mappings": 33,
    "metrics": 11,
    "measurements": 11 * 12,
    "kano_items": 6,
    "kano_answers": 101,
}

# Standard Kano evaluation table; answers 1 like, 2 expect, 3 neutral, 4 tolerate, 5 dislike.
KANO_TABLE = (
    "QAAAO",  # functional = like
    "RIIIM",  # expect
    "RIIIM",  # neutral
    "RIIIM",  # tolerate
    "RRRRQ",  # dislike
)


def kano_category(functional: int, dysfunctional: int) -> str:
    return KANO_TABLE[functional - 1][dysfunctional - 1]


def make_engine(path) -> Engine:
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    return engine


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database with the demo loaded, shared by the read-only tests."""
    engine = make_engine(tmp_path_factory.mktemp("demo") / "demo.db")
    with unit_of_work(engine) as session:
        demo.load_demo_workspace(session)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(tmp_path / "fresh.db")
    yield engine
    engine.dispose()


@pytest.fixture
def db(demo_engine: Engine) -> Iterator[Session]:
    with read_session(demo_engine) as session:
        yield session


@pytest.fixture
def ws(db: Session) -> Workspace:
    return db.exec(select(Workspace).where(Workspace.name == demo.DEFAULT_NAME)).one()


def count(session: Session, model: type[SQLModel], *where, joins: tuple = ()) -> int:
    query = select(func.count()).select_from(model)
    for target, on in joins:
        query = query.join(target, on)
    return session.exec(query.where(*where)).one()


def counts(session: Session, workspace_id: int) -> dict[str, int]:
    """Every demo table's row count in one workspace."""
    via_journey = ((Journey, Journey.id == Step.journey_id),)
    via_step = ((Step, Step.id == PainPoint.step_id),) + via_journey
    in_ws = Journey.workspace_id == workspace_id
    return {
        "channels": count(session, Channel, Channel.workspace_id == workspace_id),
        "personas": count(session, Persona, Persona.workspace_id == workspace_id),
        "persona_channels": count(session, PersonaChannel, PersonaChannel.workspace_id == workspace_id),
        "journeys": count(session, Journey, in_ws),
        "journey_personas": count(session, JourneyPersona, JourneyPersona.workspace_id == workspace_id),
        "stages": count(session, Stage, in_ws, joins=((Journey, Journey.id == Stage.journey_id),)),
        "steps": count(session, Step, in_ws, joins=via_journey),
        "pain_points": count(session, PainPoint, in_ws, joins=via_step),
        "opportunities": count(session, Opportunity, in_ws, joins=((Step, Step.id == Opportunity.step_id),) + via_journey),
        "opportunity_pain_points": count(
            session, OpportunityPainPoint, in_ws,
            joins=((PainPoint, PainPoint.id == OpportunityPainPoint.pain_point_id),) + via_step,
        ),
        "transitions": count(session, Transition, in_ws, joins=((Journey, Journey.id == Transition.journey_id),)),
        "touchpoints": count(session, Touchpoint, Touchpoint.workspace_id == workspace_id),
        "step_touchpoints": count(
            session, StepTouchpoint, Touchpoint.workspace_id == workspace_id,
            joins=((Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id),),
        ),
        "comments": count(session, Comment, Comment.workspace_id == workspace_id),
        "content_items": count(session, ContentItem, ContentItem.workspace_id == workspace_id),
        "content_mappings": count(session, ContentMapping, ContentMapping.workspace_id == workspace_id),
        "metrics": count(session, Metric, Metric.workspace_id == workspace_id),
        "measurements": count(
            session, Measurement, Metric.workspace_id == workspace_id, joins=((Metric, Metric.id == Measurement.metric_id),)
        ),
        "kano_items": count(session, KanoItem, KanoItem.workspace_id == workspace_id),
        "kano_answers": count(
            session, KanoAnswer, KanoItem.workspace_id == workspace_id,
            joins=((KanoItem, KanoItem.id == KanoAnswer.kano_item_id),),
        ),
    }


def journey_steps(session: Session, workspace_id: int) -> dict[str, list[Step]]:
    rows = session.exec(
        select(Journey.name, Step).join(Step, Step.journey_id == Journey.id).where(Journey.workspace_id == workspace_id)
    ).all()
    result: dict[str, list[Step]] = {}
    for name, step in rows:
        result.setdefault(name, []).append(step)
    return result


# -- loading ---------------------------------------------------------------


def test_demo_loads_with_expected_counts(db: Session, ws: Workspace) -> None:
    assert ws.description
    assert counts(db, ws.id) == EXPECTED_COUNTS


def test_personas_are_complete_with_channels(db: Session, ws: Workspace) -> None:
    rows = personas.list_personas(db, ws.id)
    prefs = personas.channel_preferences(db, ws.id)
    assert len(rows) == 4
    for persona in rows:
        assert persona.avatar_emoji
        completeness = personas.completeness(persona, prefs.get(persona.id, []))
        assert completeness.missing == (), (persona.name, completeness.missing)
        assert len(prefs[persona.id]) >= 5
        assert all(1 <= p.intensity <= 5 and p.purpose for p in prefs[persona.id])
    assert sum(p.customer_share for p in rows) <= 100


def test_each_journey_has_entries_and_one_or_two_exits(db: Session, ws: Workspace) -> None:
    steps = journey_steps(db, ws.id)
    assert set(steps) == {
        "Sommerurlaub buchen", "Urlaub nächstes Jahr", "Online-Kauf im Shop",
        "Reklamation über das Call Center", "Messekontakt bis Angebot",
    }
    for name, rows in steps.items():
        entries = [s for s in rows if s.is_entry]
        exits = [s for s in rows if s.is_exit]
        assert entries, name
        assert sum(s.entry_share for s in entries) == pytest.approx(100), name
        assert 1 <= len(exits) <= 2, name
        assert all(s.exit_kind for s in exits), name
        assert all(not s.exit_kind for s in rows if not s.is_exit), name
        assert any(s.is_moment_of_truth for s in rows), name


def test_branches_and_exits_from_the_articles(db: Session, ws: Workspace) -> None:
    by_title = {s.title: s for rows in journey_steps(db, ws.id).values() for s in rows}
    payment_abort = db.exec(
        select(Transition).where(
            Transition.source_step_id == by_title["Wählt Zahlungsart"].id,
            Transition.target_step_id == by_title["Bricht Kauf ab"].id,
        )
    ).one()
    assert payment_abort.share == 18
    assert by_title["Bricht Kauf ab"].exit_kind == "abort"
    assert by_title["Kommt über ein Testportal"].is_entry
    assert by_title["Wandert ab und rät anderen ab"].exit_kind == "churn"
    summer = db.exec(select(Journey).where(Journey.workspace_id == ws.id, Journey.name == "Sommerurlaub buchen")).one()
    following = db.get(Journey, summer.next_journey_id)
    assert following.name == "Urlaub nächstes Jahr"
    assert following.version == summer.version == 1


def test_outgoing_shares_stay_within_100_percent(db: Session, ws: Workspace) -> None:
    rows = db.exec(
        select(Transition).join(Journey, Journey.id == Transition.journey_id).where(Journey.workspace_id == ws.id)
    ).all()
    totals: Counter[int] = Counter()
    for transition in rows:
        assert transition.share is not None
        totals[transition.source_step_id] += transition.share
    assert max(totals.values()) <= 100
    exits = {s.id for rows in journey_steps(db, ws.id).values() for s in rows if s.is_exit}
    assert not exits & set(totals), "exit steps have no way out"


def test_touchpoints_cover_all_kinds(db: Session, ws: Workspace) -> None:
    rows = db.exec(select(Touchpoint).where(Touchpoint.workspace_id == ws.id)).all()
    assert {(t.is_online, t.is_direct) for t in rows} == {(True, True), (True, False), (False, True), (False, False)}
    call_center = next(t for t in rows if t.name == "Service-Hotline (externes Call Center)")
    assert call_center.external_provider
    channel_names = dict(db.exec(select(Channel.id, Channel.name).where(Channel.workspace_id == ws.id)).all())
    assert channel_names[call_center.channel_id] == "Call Center"
    links = db.exec(
        select(StepTouchpoint).join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .where(Touchpoint.workspace_id == ws.id)
    ).all()
    assert any(link.leads_to_abort for link in links)
    assert any(link.is_decisive for link in links)
    assert all(link.importance and link.satisfaction for link in links)


def test_content_has_valid_codes_and_deliberate_gaps(db: Session, ws: Workspace) -> None:
    items = db.exec(select(ContentItem).where(ContentItem.workspace_id == ws.id)).all()
    assert {i.format for i in items} <= set(CONTENT_FORMATS)
    assert {i.status for i in items} == set(CONTENT_STATUSES)
    mappings = db.exec(select(ContentMapping).where(ContentMapping.workspace_id == ws.id)).all()
    status = {i.id: i.status for i in items}
    assert any(m.persona_id is None for m in mappings)
    assert any(status[m.content_item_id] != "live" for m in mappings), "some cells only have planned content"
    stages_with_steps = set(db.exec(
        select(Step.stage_id).join(Journey, Journey.id == Step.journey_id).where(Journey.workspace_id == ws.id)
    ).all())
    assert stages_with_steps - {m.stage_id for m in mappings}, "some stages have no content at all"


def test_metrics_and_twelve_months_of_measurements(db: Session, ws: Workspace) -> None:
    metrics = db.exec(select(Metric).where(Metric.workspace_id == ws.id)).all()
    assert {m.kind for m in metrics} <= set(METRIC_KINDS)
    assert {m.scope for m in metrics} == {"workspace", "journey", "step", "touchpoint"}
    assert all(m.target is not None and m.unit and m.review_every_days for m in metrics)
    expected = demo.month_ends(date.today())
    assert expected[-1] == demo.last_full_month_end(date.today())
    for metric in metrics:
        days = db.exec(
            select(Measurement.measured_on).where(Measurement.metric_id == metric.id).order_by(Measurement.measured_on)
        ).all()
        assert days == expected, metric.name


def test_month_ends_cross_the_year() -> None:
    days = demo.month_ends(date(2025, 1, 10))
    assert days[0] == date(2024, 1, 31)
    assert days[-1] == date(2024, 12, 31)
    assert date(2024, 2, 29) in days
    assert len(set(days)) == 12


def test_series_is_deterministic_and_applies_events() -> None:
    spec = {"base": 10, "trend": 1, "season": [0] * 12, "noise": 0, "decimals": 1,
            "events": [{"months_ago": 1, "shift": -5, "note": "Maßnahme"}]}
    dates = demo.month_ends(date(2025, 7, 1))
    values = demo.series_values("x", spec, dates)
    assert [v for _, v, _ in values][-3:] == [19.0, 15.0, 16.0]
    assert values[-2][2] == "Maßnahme"
    noisy = {**spec, "noise": 2}
    assert demo.series_values("x", noisy, dates) == demo.series_values("x", noisy, dates)


def test_kano_answers_give_varied_categories(db: Session, ws: Workspace) -> None:
    items = db.exec(select(KanoItem).where(KanoItem.workspace_id == ws.id)).all()
    categories = {}
    for item in items:
        answers = db.exec(select(KanoAnswer).where(KanoAnswer.kano_item_id == item.id)).all()
        assert 12 <= len(answers) <= 20, item.name
        assert len({a.respondent for a in answers}) == len(answers)
        tally = Counter(kano_category(a.functional, a.dysfunctional) for a in answers)
        categories[item.name] = tally.most_common(1)[0][0]
    assert set(categories.values()) == {"A", "M", "O", "I"}
    assert categories["Kinderclub im Hotel"] == "A"
    assert categories["Bevorzugte Zahlungsart verfügbar"] == "M"


# -- API behaviour ---------------------------------------------------------


def test_loading_twice_gives_a_second_unique_workspace(fresh_engine: Engine) -> None:
    with unit_of_work(fresh_engine) as session:
        first = demo.load_demo_workspace(session)
        second = demo.load_demo_workspace(session)
    assert first.name == demo.DEFAULT_NAME
    assert second.name == f"{demo.DEFAULT_NAME} (2)"
    with read_session(fresh_engine) as session:
        assert counts(session, second.id) == EXPECTED_COUNTS
        assert counts(session, first.id) == EXPECTED_COUNTS


def test_custom_name_is_used(fresh_engine: Engine) -> None:
    with unit_of_work(fresh_engine) as session:
        workspace = demo.load_demo_workspace(session, "Workshop Demo")
    assert workspace.name == "Workshop Demo"


def test_ensure_loads_only_into_an_empty_database(fresh_engine: Engine) -> None:
    startup.ensure_demo_workspace(fresh_engine)
    startup.ensure_demo_workspace(fresh_engine)
    with read_session(fresh_engine) as session:
        assert session.exec(select(Workspace.name)).all() == [demo.DEFAULT_NAME]


def test_ensure_does_nothing_when_a_workspace_exists(fresh_engine: Engine) -> None:
    with unit_of_work(fresh_engine) as session:
        create_workspace(session, "Team A")
    startup.ensure_demo_workspace(fresh_engine)
    with read_session(fresh_engine) as session:
        assert session.exec(select(Workspace.name)).all() == ["Team A"]
        assert count(session, Persona) == 0


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda d: d["personas"][0]["channels"][0].update(channel="Brieftaube"), "unknown channel 'Brieftaube'"),
        (lambda d: d["journeys"][0]["stages"][0]["steps"][0].update(emotion=7), "emotion"),
        (lambda d: d["journeys"][0]["transitions"][0].update(to="Gibt es nicht"), "unknown step"),
        (lambda d: d["metrics"][0].update(kind="unbekannt"), "metric 'Conversion-Rate Online-Shop': kind 'unbekannt'"),
        (lambda d: d["touchpoints"].append(dict(d["touchpoints"][0])), "Touchpoint rows: A touchpoint with this name"),
    ],
)
def test_bad_demo_data_fails_loudly_and_leaves_nothing(fresh_engine: Engine, monkeypatch, breakage, message: str) -> None:
    broken = copy.deepcopy(demo.demo_data())
    breakage(broken)
    monkeypatch.setattr(demo, "demo_data", lambda: broken)
    with pytest.raises(demo.DemoDataError, match=message):
        with unit_of_work(fresh_engine) as session:
            demo.load_demo_workspace(session)
    with read_session(fresh_engine) as session:
        assert count(session, Workspace) == 0
