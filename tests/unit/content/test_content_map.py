"""The content map and its gaps on a hand-built case whose gaps are known.

Anna prefers Website (5) and E-Mail (3); Ben prefers Telefon (4); both are on the journey.
Stage S1 has a step using a Website touchpoint; S2 has one step on E-Mail and one on Telefon;
S3 has no steps. So the gaps are, most urgent first:
(Anna, S1, Website, 5×1), (Ben, S2, Telefon, 4×1), (Anna, S2, E-Mail, 3×1).
"""

from types import SimpleNamespace

import pandas as pd
import pytest
from sqlmodel import select

from models import ContentMapping
from services import journeys
from services.content import crud as content
from services.content import matrix as cm
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from services.workspaces import channels

GAP_KEYS = ["persona", "stage", "channel", "score"]


@pytest.fixture
def case(session, workspace):
    ws = workspace.id
    ids = {c.name: c.id for c in channels.list_channels(session, ws)}
    anna = personas.create_persona(session, ws, {"name": "Anna"}, channels=[(ids["Website"], 5, ""), (ids["E-Mail"], 3, "")])
    ben = personas.create_persona(session, ws, {"name": "Ben"}, channels=[(ids["Telefon"], 4, "")])
    personas.create_persona(session, ws, {"name": "Carla (not on the journey)"}, channels=[(ids["Website"], 5, "")])
    journey = journeys.create_journey(session, ws, {"name": "Kauf"}, persona_ids=[anna.id, ben.id])
    s1, s2, s3 = (journeys.create_stage(session, ws, journey.id, {"name": name}) for name in ("S1", "S2", "S3"))
    web = touchpoints.create_touchpoint(session, ws, {"name": "Shop page", "channel_id": ids["Website"]})
    mail = touchpoints.create_touchpoint(session, ws, {"name": "Newsletter", "channel_id": ids["E-Mail"]})
    phone = touchpoints.create_touchpoint(session, ws, {"name": "Hotline", "channel_id": ids["Telefon"]})
    nowhere = touchpoints.create_touchpoint(session, ws, {"name": "Word of mouth"})
    for stage, touchpoint, title in ((s1, web, "Browses"), (s2, mail, "Reads mail"), (s2, phone, "Calls"), (s1, nowhere, "Hears")):
        step = journeys.create_step(session, ws, stage.id, {"title": title})
        touchpoints.attach_touchpoint(session, ws, step.id, touchpoint.id)
    item = {status: content.create_content_item(session, ws, {"title": f"Item {status}", "status": status}).id
            for status in ("live", "planned")}
    return SimpleNamespace(ws=ws, ids=ids, anna=anna, ben=ben, journey=journey, stages=(s1, s2, s3), item=item)


def load(session, case):
    return cm.load_content_map(session, case.ws, case.journey.id)


def gap_rows(frame):
    return [tuple(row) for row in frame[GAP_KEYS].itertuples(index=False)]


def mapping(session, case, stage, channel, status="live", persona=None, need=""):
    return content.create_content_mapping(session, case.ws, {
        "content_item_id": case.item[status], "stage_id": stage.id, "channel_id": case.ids[channel],
        "persona_id": persona.id if persona else None, "need": need,
    })


def test_gaps_of_the_hand_built_case(session, case):
    cmap = load(session, case)
    assert gap_rows(cm.gaps(cmap)) == [("Anna", "S1", "Website", 5), ("Ben", "S2", "Telefon", 4), ("Anna", "S2", "E-Mail", 3)]
    assert gap_rows(cm.gaps(cmap, case.anna.id)) == [("Anna", "S1", "Website", 5), ("Anna", "S2", "E-Mail", 3)]
    assert cm.considered_personas(cmap) == [case.anna.id, case.ben.id]  # Carla is not on the journey


def test_live_content_for_everyone_or_the_persona_closes_a_gap_and_nothing_else_does(session, case):
    s1, s2, _s3 = case.stages
    mapping(session, case, s1, "Website")  # live, for everyone: closes Anna's S1 gap
    mapping(session, case, s2, "E-Mail", status="planned", persona=case.anna)  # not live: still a gap
    mapping(session, case, s2, "Telefon", persona=case.anna)  # live, but for Anna: Ben's gap stays
    cmap = load(session, case)
    assert gap_rows(cm.gaps(cmap)) == [("Ben", "S2", "Telefon", 4), ("Anna", "S2", "E-Mail", 3)]

    mapping(session, case, s2, "Telefon", persona=case.ben, need="Hours of the hotline")
    assert gap_rows(cm.gaps(load(session, case))) == [("Anna", "S2", "E-Mail", 3)]


def test_demand_and_coverage_per_persona_and_stage(session, case):
    mapping(session, case, case.stages[0], "Website")
    cmap = load(session, case)
    needed = cm.demand(cmap)
    assert list(zip(needed["persona"], needed["stage"], needed["channel"], needed["covered"], strict=True)) == [
        ("Anna", "S1", "Website", True), ("Anna", "S2", "E-Mail", False), ("Ben", "S2", "Telefon", False),
    ]
    coverage = cm.coverage(cmap).set_index(["persona", "stage"])
    assert coverage.loc[("Anna", "S1"), ["needed", "covered", "coverage"]].tolist() == [1, 1, 100.0]
    assert coverage.loc[("Anna", "S2"), ["needed", "covered", "coverage"]].tolist() == [1, 0, 0.0]
    assert coverage.loc[("Ben", "S1"), "needed"] == 0 and pd.isna(coverage.loc[("Ben", "S1"), "coverage"])
    assert len(coverage) == 6  # two personas × three stages, S3 included


def test_matrix_channels_and_visible_mappings(session, case):
    everyone = mapping(session, case, case.stages[0], "Website")
    for_ben = mapping(session, case, case.stages[1], "Presse", persona=case.ben)
    cmap = load(session, case)
    assert set(cm.shown_channels(cmap)["channel"]) == {"Website", "E-Mail", "Telefon", "Presse"}
    assert set(cm.shown_channels(cmap, case.anna.id)["channel"]) == {"Website", "E-Mail", "Telefon"}
    assert len(cm.shown_channels(cmap, every_channel=True)) == len(case.ids)
    assert list(cm.visible_mappings(cmap, case.anna.id)["id"]) == [everyone.id]
    assert sorted(cm.visible_mappings(cmap)["id"]) == sorted([everyone.id, for_ben.id])


def test_a_journey_without_personas_counts_every_persona(session, case):
    bare = journeys.create_journey(session, case.ws, {"name": "Ohne Personas"})
    cmap = cm.load_content_map(session, case.ws, bare.id)
    assert len(cm.considered_personas(cmap)) == 3
    assert cm.gaps(cmap).empty and cm.demand(cmap).empty


def test_a_mapping_to_a_persona_of_another_workspace_is_refused(session, case, other_workspace, raises_domain_error):
    stranger = personas.create_persona(session, other_workspace.id, {"name": "Fremd"})
    with raises_domain_error("Choose a persona from this workspace.", "persona_id"):
        mapping(session, case, case.stages[0], "Website", persona=stranger)
    assert session.exec(select(ContentMapping)).all() == []


def test_the_map_reads_a_fixed_number_of_queries(session, case, count_queries):
    with count_queries() as small:
        load(session, case)
    s1 = case.stages[0]
    for index in range(20):
        step = journeys.create_step(session, case.ws, s1.id, {"title": f"Step {index}"})
        tp = touchpoints.create_touchpoint(session, case.ws, {"name": f"TP {index}", "channel_id": case.ids["Chat"]})
        touchpoints.attach_touchpoint(session, case.ws, step.id, tp.id)
    mapping(session, case, s1, "Chat", persona=case.anna)
    with count_queries() as large:
        cmap = load(session, case)
    assert len(small) == len(large) <= 7  # the journey check may come from the session's identity map
    assert int(cmap.usage.loc[cmap.usage["channel_id"] == case.ids["Chat"], "steps"].iloc[0]) == 20


def test_content_overview_counts_mapped_cells(session, case):
    mapping(session, case, case.stages[0], "Website")
    mapping(session, case, case.stages[1], "Telefon")
    overview = content.content_overview(session, case.ws).set_index("title")
    assert overview.loc["Item live", "mappings"] == 2 and overview.loc["Item planned", "mappings"] == 0
