"""Journey templates: the stage models of the articles, ready to fill in.

A template gives the stages and, where it helps a workshop start, one starter
step per stage, already connected from an entry to an exit, so a fresh map
validates without warnings. Texts are catalogue ids; they are stored in the
workspace's language when the journey is created (afterwards they are the
team's own words and are edited like any other).
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel

import services.journeys.crud as journeys
from models import Journey, Stage, Step, Transition
from services import core
from services.core import N_, DomainError, translate


@dataclass(frozen=True)
class StageTemplate:
    name: str
    starter_steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class JourneyTemplate:
    key: str
    title: str
    description: str
    stages: tuple[StageTemplate, ...]


def _template(key: str, title: str, description: str, *stages: tuple[str, str]) -> JourneyTemplate:
    """A template whose stages each bring one starter step: (stage name, step title)."""
    return JourneyTemplate(key, title, description, tuple(StageTemplate(name, (step,)) for name, step in stages))


TEMPLATES: dict[str, JourneyTemplate] = {
    template.key: template
    for template in (
        _template(
            "aida_dl", N_("AIDA + Delivery + Loyalty"),
            N_("The AIDA model extended by delivery and loyalty: from the first attention to the customer who "
               "comes back and recommends you."),
            (N_("Attention"), N_("Notices an ad")),
            (N_("Interest"), N_("Looks for more information")),
            (N_("Desire"), N_("Compares offers")),
            (N_("Action"), N_("Books or buys")),
            (N_("Delivery"), N_("Receives the product or service")),
            (N_("Loyalty"), N_("Gives feedback and comes back")),
        ),
        _template(
            "awareness_advocacy", N_("Awareness to advocacy"),
            N_("Five stages from the first contact with the brand to the customer who recommends it."),
            (N_("Awareness"), N_("Hears about the brand")),
            (N_("Consideration"), N_("Weighs the alternatives")),
            (N_("Purchase"), N_("Places the order")),
            (N_("Retention"), N_("Uses the product")),
            (N_("Advocacy"), N_("Recommends it to others")),
        ),
        _template(
            "service_complaint", N_("Service and complaint"),
            N_("From the moment something goes wrong to the follow-up: how a complaint is handled."),
            (N_("Problem occurs"), N_("Notices a problem")),
            (N_("Contact"), N_("Contacts customer service")),
            (N_("Diagnosis"), N_("Describes the problem")),
            (N_("Resolution"), N_("Receives a solution")),
            (N_("Follow-up"), N_("Is asked for feedback")),
        ),
        JourneyTemplate("blank", N_("Blank"), N_("An empty journey: add your own stages."), ()),
    )
}


def get_template(template_key: str) -> JourneyTemplate:
    template = TEMPLATES.get(template_key)
    if template is None:
        raise DomainError(N_("Choose one of the offered templates."), field="template_key")
    return template


def _row(model: type[SQLModel], data: dict[str, Any]) -> dict[str, Any]:
    """Validated values for a bulk insert (a long translation is refused like a long name typed in a form)."""
    return core.validate(model, data).model_dump(exclude=journeys.BOOKKEEPING)


def create_journey_from_template(
    session: Session,
    workspace_id: int,
    data: dict[str, Any],
    template_key: str,
    *,
    persona_ids: list[int] | None = None,
    language: str = "de",
) -> Journey:
    """Create the journey with the template's stages and starter steps, in ``language``.

    The first starter step is the entry (100 % of customers), the last one the
    exit ("complete"), and each leads to the next with a share of 100 %. Stages,
    steps and transitions are written in one bulk insert each.
    """
    template = get_template(template_key)
    journey = journeys.create_journey(session, workspace_id, data, persona_ids=persona_ids)
    stage_ids = core.insert_mapped(session, Stage, [
        _row(Stage, {"journey_id": journey.id, "name": translate(stage.name, language), "position": index})
        for index, stage in enumerate(template.stages)
    ], range(len(template.stages)), ("position",))
    steps = [
        (stage_ids[index], position, title)
        for index, stage in enumerate(template.stages) for position, title in enumerate(stage.starter_steps)
    ]
    step_ids = core.insert_mapped(session, Step, [
        _row(Step, {
            "journey_id": journey.id, "stage_id": stage_id, "position": position, "title": translate(title, language),
            **({"is_entry": True, "entry_share": 100.0} if number == 0 else {}),
            **({"is_exit": True, "exit_kind": "complete"} if number == len(steps) - 1 else {}),
        })
        for number, (stage_id, position, title) in enumerate(steps)
    ], range(len(steps)), ("stage_id", "position"))
    core.bulk_insert(session, Transition, [
        _row(Transition, {"journey_id": journey.id, "source_step_id": step_ids[n], "target_step_id": step_ids[n + 1], "share": 100.0})
        for n in range(len(steps) - 1)
    ])
    return journey
