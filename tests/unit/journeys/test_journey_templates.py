"""Journey templates: stages and starter steps, translated, connected so they validate clean."""

import pytest

from services import journeys
from services.journeys import graph as journey_graph
from services.journeys import templates as journey_templates
from services.journeys.templates import TEMPLATES
from services.personas import crud as personas


def test_the_articles_stage_models_are_offered():
    assert list(TEMPLATES) == ["aida_dl", "awareness_advocacy", "service_complaint", "blank"]
    assert [s.name for s in TEMPLATES["aida_dl"].stages] == [
        "Attention", "Interest", "Desire", "Action", "Delivery", "Loyalty",
    ]
    assert [s.name for s in TEMPLATES["awareness_advocacy"].stages] == [
        "Awareness", "Consideration", "Purchase", "Retention", "Advocacy",
    ]
    assert TEMPLATES["blank"].stages == ()
    for template in TEMPLATES.values():
        assert template.title and template.description
        assert all(len(stage.starter_steps) == 1 for stage in template.stages)


@pytest.mark.parametrize("key", [k for k in TEMPLATES if k != "blank"])
def test_a_template_journey_has_its_stages_and_steps_and_validates_clean(session, workspace, key):
    ws = workspace.id
    template = TEMPLATES[key]
    journey = journey_templates.create_journey_from_template(session, ws, {"name": "J", "goal": "G"}, key, language="en")

    stages = journeys.list_stages(session, ws, journey.id)
    assert [(s.name, s.position) for s in stages] == [(t.name, i) for i, t in enumerate(template.stages)]
    steps = journeys.list_steps(session, ws, journey.id)
    assert [s.title for s in steps] == [t for stage in template.stages for t in stage.starter_steps]
    assert [s.stage_id for s in steps] == [s.id for s in stages]
    assert (steps[0].is_entry, steps[0].entry_share) == (True, 100)
    assert (steps[-1].is_exit, steps[-1].exit_kind) == (True, "complete")
    assert not any(s.is_entry for s in steps[1:]) and not any(s.is_exit for s in steps[:-1])
    transitions = journeys.list_transitions(session, ws, journey.id)
    assert {(t.source_step_id, t.target_step_id, t.share) for t in transitions} == {
        (a.id, b.id, 100) for a, b in zip(steps, steps[1:], strict=False)
    }
    assert journey_graph.load(session, ws, journey.id) == []
    assert journeys.get_journey(session, ws, journey.id).goal == "G"


def test_names_are_stored_in_the_requested_language(session, workspace):
    journey = journey_templates.create_journey_from_template(session, workspace.id, {"name": "J"}, "aida_dl")
    stages = journeys.list_stages(session, workspace.id, journey.id)
    assert [s.name for s in stages] == ["Aufmerksamkeit", "Interesse", "Verlangen", "Handlung", "Lieferung", "Loyalität"]
    assert journeys.list_steps(session, workspace.id, journey.id)[0].title == "Bemerkt eine Anzeige"


def test_blank_template_and_personas(session, workspace):
    mia = personas.create_persona(session, workspace.id, {"name": "Mia"})
    journey = journey_templates.create_journey_from_template(
        session, workspace.id, {"name": "Empty"}, "blank", persona_ids=[mia.id],
    )
    assert journeys.list_stages(session, workspace.id, journey.id) == []
    assert journeys.journey_persona_ids(session, workspace.id, journey.id) == [mia.id]


def test_unknown_template_and_bad_journey_data_are_refused(session, workspace, raises_domain_error):
    with raises_domain_error("Choose one of the offered templates.", "template_key"):
        journey_templates.create_journey_from_template(session, workspace.id, {"name": "J"}, "kanban")
    with raises_domain_error("This field is required.", "name"):
        journey_templates.create_journey_from_template(session, workspace.id, {"name": " "}, "aida_dl")
    assert journeys.list_journeys(session, workspace.id).empty


def test_template_creation_takes_a_fixed_number_of_statements(session, workspace, count_queries):
    """Bulk inserts: the count does not depend on the number of stages."""
    counts = {}
    for key in ("service_complaint", "aida_dl"):
        with count_queries() as statements:
            journey_templates.create_journey_from_template(session, workspace.id, {"name": key}, key)
        counts[key] = len(statements)
    assert counts["service_complaint"] == counts["aida_dl"] <= 6
