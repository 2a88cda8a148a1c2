"""The editor's read model: everything of a journey in a fixed number of queries, and the emotion curve."""

from services import journeys
from services.core.errors import NotFoundError
from services.journeys.grid import ALL, emotion_curve_data, load_journey_map
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints


def fill(session, m):
    """Items of every kind on the fixture map, a persona with own scores, one branch."""
    mia = personas.create_persona(session, m.ws, {"name": "Mia", "avatar_emoji": "🧳"})
    anna = personas.create_persona(session, m.ws, {"name": "anna"})
    journeys.set_journey_personas(session, m.ws, m.journey.id, [mia.id, anna.id])
    journeys.update_step(session, m.ws, m.a.id, {"is_entry": True, "entry_share": 100, "emotion": 1})
    journeys.update_step(session, m.ws, m.b.id, {"emotion": -2, "is_moment_of_truth": True})
    journeys.update_step(session, m.ws, m.c.id, {"is_exit": True, "exit_kind": "purchase", "emotion": 2})
    journeys.create_pain_point(session, m.ws, m.b.id, {"text": "Nobody answers", "severity": 4})
    journeys.create_opportunity(session, m.ws, m.c.id, {"text": "Price alert", "effort": 2})
    journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"share": 70, "label": "asks"})
    journeys.create_transition(session, m.ws, m.a.id, m.c.id, {"share": 30})
    journeys.create_transition(session, m.ws, m.b.id, m.c.id, {"share": 100})
    shop = touchpoints.create_touchpoint(session, m.ws, {"name": "Website"})
    touchpoints.attach_touchpoint(session, m.ws, m.a.id, shop.id, {"importance": 4, "leads_to_abort": True})
    journeys.set_persona_emotion(session, m.ws, m.b.id, mia.id, -3)
    journeys.set_persona_emotion(session, m.ws, m.c.id, anna.id, 2)  # same as the step: no line of her own
    return mia, anna


def test_load_journey_map_returns_every_lane(session, journey_map):
    m = journey_map
    mia, anna = fill(session, m)
    result = load_journey_map(session, m.ws, m.journey.id)

    assert result.journey.id == m.journey.id
    assert [(p.name, p.avatar_emoji) for p in result.personas] == [("anna", "🙂"), ("Mia", "🧳")]
    assert [(s.name, s.position) for s in result.stages] == [("Awareness", 0), ("Interest", 1)]
    assert list(result.steps["title"]) == ["Sees an ad", "Asks friends", "Compares offers"]
    assert list(result.steps["stage_name"]) == ["Awareness", "Awareness", "Interest"]
    assert {"id", "stage_id", "position", "doing", "emotion", "is_entry", "entry_share", "exit_kind", "version"} <= set(result.steps)
    pain = result.pain_points.iloc[0]
    assert (pain["step_id"], pain["text"], pain["severity"], pain["votes"]) == (m.b.id, "Nobody answers", 4, 0)
    assert result.opportunities[["step_id", "text", "effort", "status"]].values.tolist() == [[m.c.id, "Price alert", 2, "idea"]]
    link = result.step_touchpoints.iloc[0]
    assert (link["step_id"], link["touchpoint_name"], link["channel_name"], link["importance"], link["leads_to_abort"]) == (
        m.a.id, "Website", "", 4, True,
    )
    assert sorted(map(tuple, result.transitions[["source_step_id", "target_step_id", "share"]].values.tolist())) == [
        (m.a.id, m.b.id, 70), (m.a.id, m.c.id, 30), (m.b.id, m.c.id, 100),
    ]
    assert sorted(map(tuple, result.persona_emotions[["step_id", "persona_id", "emotion"]].values.tolist())) == sorted([
        (m.b.id, mia.id, -3), (m.c.id, anna.id, 2),
    ])
    assert result.warnings == []


def test_load_journey_map_reports_warnings(session, journey_map):
    result = load_journey_map(session, journey_map.ws, journey_map.journey.id)
    assert [w.kind for w in result.warnings] == ["no_entry", "dead_end", "dead_end", "dead_end"]


def test_an_empty_journey_loads(session, workspace):
    journey = journeys.create_journey(session, workspace.id, {"name": "Empty"})
    result = load_journey_map(session, workspace.id, journey.id)
    assert (result.personas, result.stages, result.warnings) == ((), (), [])
    for frame in (result.steps, result.pain_points, result.opportunities, result.step_touchpoints, result.transitions,
                  result.persona_emotions):
        assert frame.empty and len(frame.columns) > 0
    assert emotion_curve_data(result).empty


def test_load_journey_map_is_scoped_to_the_workspace(session, journey_map, other_workspace, raises_domain_error):
    with raises_domain_error(error=NotFoundError):
        load_journey_map(session, other_workspace.id, journey_map.journey.id)


def test_query_count_does_not_grow_with_the_number_of_steps(session, journey_map, count_queries):
    m = journey_map
    fill(session, m)
    session.expunge_all()  # nothing from the identity map: count the real reads
    with count_queries() as small:
        load_journey_map(session, m.ws, m.journey.id)
    site = touchpoints.create_touchpoint(session, m.ws, {"name": "Shop"})
    previous = m.c.id
    for n in range(30):
        step = journeys.create_step(session, m.ws, m.stages[n % 2].id, {"title": f"Step {n}"})
        journeys.create_pain_point(session, m.ws, step.id, {"text": "P"})
        journeys.create_opportunity(session, m.ws, step.id, {"text": "O"})
        journeys.create_transition(session, m.ws, previous, step.id, {"share": 50})
        touchpoints.attach_touchpoint(session, m.ws, step.id, site.id)
        previous = step.id
    session.expunge_all()
    with count_queries() as large:
        result = load_journey_map(session, m.ws, m.journey.id)
    assert len(result.steps) == 33
    assert len(large) == len(small) <= 8


def test_emotion_curve_has_the_step_line_and_lines_for_differing_personas(session, journey_map):
    m = journey_map
    mia, _anna = fill(session, m)
    curve = emotion_curve_data(load_journey_map(session, m.ws, m.journey.id))
    assert list(curve.columns) == ["step_id", "step_title", "stage_name", "order", "emotion", "is_moment_of_truth", "series"]
    overall = curve[curve["series"] == "all"]
    assert overall[["step_title", "stage_name", "order", "emotion", "is_moment_of_truth"]].values.tolist() == [
        ["Sees an ad", "Awareness", 0, 1, False],
        ["Asks friends", "Awareness", 1, -2, True],
        ["Compares offers", "Interest", 2, 2, False],
    ]
    assert set(curve["series"]) == {"all", "Mia"}  # anna's only score equals the step's
    mia_line = curve[curve["series"] == "Mia"]
    assert mia_line["emotion"].tolist() == [1, -3, 2]  # her own score where she has one, the step's elsewhere
    assert mia_line["order"].tolist() == [0, 1, 2]


def test_emotions_of_a_detached_persona_are_hidden_and_come_back(session, journey_map):
    m = journey_map
    mia, anna = fill(session, m)
    journeys.set_journey_personas(session, m.ws, m.journey.id, [anna.id])
    result = load_journey_map(session, m.ws, m.journey.id)
    assert [p.name for p in result.personas] == ["anna"]
    assert set(result.persona_emotions["persona_id"]) == {anna.id}
    assert set(emotion_curve_data(result)["series"]) == {ALL}
    journeys.set_journey_personas(session, m.ws, m.journey.id, [anna.id, mia.id])
    assert set(emotion_curve_data(load_journey_map(session, m.ws, m.journey.id))["series"]) == {"all", "Mia"}
