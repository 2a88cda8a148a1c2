"""Touchpoint catalogue rules and the touchpoint analysis, on hand-built cases whose answers are known.

The case (fixture ``case``): journey "Sommerurlaub" with stages Awareness (steps a, b),
Interest (step c) and Loyalty (no steps); journey "Reklamation" with stage Awareness (step d).

    step  touchpoint  importance  satisfaction  abort
    a     Hotline     5           2             yes
    b     Hotline     3           4
    d     Hotline     5           5
    c     Website     2           5
    a     Reviews     4           1             yes
    c     Reviews     –           –
    b     Chat        –           –             yes
"""

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlmodel import select

from models import StepTouchpoint, Touchpoint
from services import core, journeys
from services.core import Problems, RowChange
from services.core.errors import ConflictError, NotFoundError
from services.touchpoints import analysis
from services.touchpoints import crud as touchpoints
from services.touchpoints.crud import CatalogueFilter
from services.workspaces import channels


def channel(session, ws, name):
    return next(c.id for c in channels.list_channels(session, ws) if c.name == name)


@pytest.fixture
def case(session, journey_map):
    m = journey_map
    ws = m.ws
    loyalty = journeys.create_stage(session, ws, m.journey.id, {"name": "Loyalty"})
    other = journeys.create_journey(session, ws, {"name": "Reklamation"})
    other_stage = journeys.create_stage(session, ws, other.id, {"name": "Awareness"})
    d = journeys.create_step(session, ws, other_stage.id, {"title": "Calls the hotline"})
    hotline = touchpoints.create_touchpoint(session, ws, {"name": "Hotline", "channel_id": channel(session, ws, "Telefon")})
    website = touchpoints.create_touchpoint(session, ws, {"name": "Website", "channel_id": channel(session, ws, "Website")})
    reviews = touchpoints.create_touchpoint(session, ws, {"name": "Reviews", "channel_id": channel(session, ws, "Bewertungsportale")})
    chat = touchpoints.create_touchpoint(session, ws, {"name": "Chat", "channel_id": channel(session, ws, "Chat")})
    attach = touchpoints.attach_touchpoint
    attach(session, ws, m.a.id, hotline.id, {"importance": 5, "satisfaction": 2, "leads_to_abort": True})
    attach(session, ws, m.b.id, hotline.id, {"importance": 3, "satisfaction": 4})
    attach(session, ws, d.id, hotline.id, {"importance": 5, "satisfaction": 5})
    attach(session, ws, m.c.id, website.id, {"importance": 2, "satisfaction": 5})
    attach(session, ws, m.a.id, reviews.id, {"importance": 4, "satisfaction": 1, "leads_to_abort": True})
    attach(session, ws, m.c.id, reviews.id)
    attach(session, ws, m.b.id, chat.id, {"leads_to_abort": True})
    return SimpleNamespace(ws=ws, journey=m.journey, other=other, loyalty=loyalty, hotline=hotline, website=website,
                           reviews=reviews, chat=chat, m=m)


# --- catalogue rules ----------------------------------------------------------------------------


def test_online_follows_the_channel_and_direct_is_suggested_by_it(session, workspace, raises_domain_error):
    ws = workspace.id
    hotline = touchpoints.create_touchpoint(session, ws, {"name": "Hotline", "channel_id": channel(session, ws, "Telefon"),
                                                          "is_online": None, "is_direct": None})
    reviews = touchpoints.create_touchpoint(session, ws, {"name": "Reviews", "channel_id": channel(session, ws, "Bewertungsportale")})
    comments = touchpoints.create_touchpoint(session, ws, {
        "name": "Comments", "channel_id": channel(session, ws, "Social Media"), "is_direct": False,
    })
    shop = touchpoints.create_touchpoint(session, ws, {"name": "Shop window", "is_online": False})
    assert (hotline.is_online, hotline.is_direct) == (False, True)
    assert (reviews.is_online, reviews.is_direct) == (True, False)  # earned media: indirect
    assert (comments.is_online, comments.is_direct) == (True, False)  # the user's call wins for direct/indirect
    assert (shop.is_online, shop.is_direct) == (False, True)  # no channel: the user decides

    with raises_domain_error("The channel is offline: a touchpoint on it is offline too.", "is_online"):
        touchpoints.create_touchpoint(session, ws, {"name": "Web hotline", "channel_id": channel(session, ws, "Telefon"),
                                                    "is_online": True})
    with raises_domain_error("The channel is online: a touchpoint on it is online too.", "is_online"):
        touchpoints.update_touchpoint(session, ws, reviews.id, {"is_online": False})
    # moving to another channel takes that channel's online flag; direct/indirect stays as the user set it
    moved = touchpoints.update_touchpoint(session, ws, reviews.id, {"channel_id": channel(session, ws, "Presse")})
    assert (moved.is_online, moved.is_direct) == (False, False)


def test_catalogue_filters_and_usage_counts(session, case, count_queries):
    ws = case.ws
    with count_queries() as statements:
        everything = touchpoints.catalogue(session, ws)
    assert len(statements) == 1
    usage = {row.name: (row.steps, row.journeys) for row in everything.itertuples()}
    assert usage == {"Chat": (1, 1), "Hotline": (3, 2), "Reviews": (2, 1), "Website": (1, 1)}

    def names(**filters):
        return list(touchpoints.catalogue(session, ws, CatalogueFilter(**filters))["name"])

    assert names(is_direct=False) == ["Reviews"]
    assert names(is_online=False) == ["Hotline"]
    assert names(channel_ids=(case.website.channel_id, case.chat.channel_id)) == ["Chat", "Website"]
    assert names(journey_ids=(case.other.id,)) == ["Hotline"]
    touchpoints.update_touchpoint(session, ws, case.hotline.id, {"owner_department": "Service"})
    assert touchpoints.departments(session, ws) == ["Service"]
    assert names(departments=("Service",), is_online=False) == ["Hotline"]


def test_where_used_lists_journeys_and_steps_in_order(session, case):
    used = touchpoints.where_used(session, case.ws, case.hotline.id)
    assert list(zip(used["journey"], used["stage"], used["step"], strict=True)) == [
        ("Reklamation", "Awareness", "Calls the hotline"),
        ("Sommerurlaub", "Awareness", "Sees an ad"),
        ("Sommerurlaub", "Awareness", "Asks friends"),
    ]
    assert list(used["importance"]) == [5, 5, 3]
    assert list(touchpoints.step_choices(session, case.ws, case.journey.id)["title"]) == ["Sees an ad", "Asks friends",
                                                                                           "Compares offers"]


def test_table_changes_and_saving_the_catalogue_is_all_or_nothing(session, case, raises_domain_error):
    ws = case.ws
    shown = touchpoints.catalogue(session, ws)
    edited = shown.copy()
    edited.loc[edited["name"] == "Chat", "owner_department"] = "Service"
    edited.loc[edited["name"] == "Website", "name"] = "Hotline"  # duplicate
    edited.loc[edited["name"] == "Reviews", "cost_per_contact"] = -2.0
    changes = core.table_changes(shown, edited, ("name", "owner_department", "cost_per_contact"))
    assert [(c.label, c.changes) for c in changes] == [
        ("Chat", {"owner_department": "Service"}), ("Reviews", {"cost_per_contact": -2.0}), ("Website", {"name": "Hotline"}),
    ]
    with raises_domain_error(error=Problems) as info:
        touchpoints.save_catalogue(session, ws, changes)
    assert [(row, err.message) for row, err in ((p.line, p.error) for p in info.value.problems)] == [
        ("Reviews", "Must be at least {low}."),
        ("Website", "A touchpoint with this name already exists in the workspace."),
    ]
    assert session.get(Touchpoint, case.chat.id).owner_department == ""  # nothing saved

    good = [c for c in changes if c.label == "Chat"]
    assert touchpoints.save_catalogue(session, ws, good) == 1
    assert session.get(Touchpoint, case.chat.id).owner_department == "Service"
    with raises_domain_error(error=Problems) as info:  # the version read with the table is stale now
        touchpoints.save_catalogue(session, ws, good)
    assert isinstance(info.value.problems[0].error, ConflictError)


@pytest.mark.parametrize("rating", [0, 6])
def test_evaluations_refuse_ratings_outside_one_to_five(session, case, raises_domain_error, rating):
    link = session.exec(select(StepTouchpoint).where(StepTouchpoint.touchpoint_id == case.website.id)).one()
    with raises_domain_error(error=Problems) as info:
        touchpoints.save_evaluations(session, case.ws, [RowChange(link.id, link.version, {"satisfaction": rating}, "c")])
    refused = info.value.problems[0].error
    assert (refused.message, refused.field) == ("Must be between {low} and {high}.", "satisfaction")
    assert session.get(StepTouchpoint, link.id).satisfaction == 5


def test_evaluations_save_and_detach_in_one_go(session, case, raises_domain_error):
    links = touchpoints.where_used(session, case.ws, case.hotline.id)
    first, second = int(links["id"][0]), int(links["id"][1])
    change = RowChange(first, int(links["version"][0]), {"satisfaction": 3, "notes": "better now", "is_decisive": True}, "d")
    assert touchpoints.save_evaluations(session, case.ws, [change], [(second, int(links["version"][1]))]) == 2
    after = touchpoints.where_used(session, case.ws, case.hotline.id)
    assert list(after["id"]) == [first, int(links["id"][2])]
    assert (after["satisfaction"][0], after["notes"][0], bool(after["is_decisive"][0])) == (3, "better now", True)
    with raises_domain_error(error=NotFoundError):
        touchpoints.save_evaluations(session, case.ws, [], [(second, None)])


# --- analysis -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("importance", "satisfaction", "expected"), [
    (5, 1, "fix_first"), (3, 3, "fix_first"), (4, 3.5, "keep_up"), (2, 4, "possible_overkill"), (2.9, 3, "low_priority"),
    (None, 3, None), (float("nan"), 3, None),
])
def test_quadrants(importance, satisfaction, expected):
    assert analysis.quadrant(importance, satisfaction) == expected
    # the column-wise version the scores use says the same
    column = analysis.quadrants(pd.Series([importance], dtype=float), pd.Series([satisfaction], dtype=float))
    assert (None if pd.isna(column[0]) else column[0]) == expected


def test_scores_per_journey_and_across(session, case, count_queries):
    with count_queries() as statements:
        across = analysis.touchpoint_scores(session, case.ws).set_index("touchpoint")
    assert len(statements) == 2  # the ratings, the journeys' names: whatever the number of touchpoints
    hotline = across.loc["Hotline"]
    assert (hotline["importance"], round(hotline["satisfaction"], 3), hotline["steps"], hotline["rated"]) == (
        pytest.approx(13 / 3), round(11 / 3, 3), 3, 3)
    assert (hotline["journeys"], hotline["quadrant"]) == ("Reklamation; Sommerurlaub", "keep_up")
    assert across.loc["Reviews", "quadrant"] == "fix_first" and across.loc["Reviews", "rated"] == 1
    assert across.loc["Website", "quadrant"] == "possible_overkill"
    assert pd.isna(across.loc["Chat", "quadrant"]) and math.isnan(across.loc["Chat", "importance"])

    one = analysis.touchpoint_scores(session, case.ws, case.journey.id).set_index("touchpoint")
    assert (one.loc["Hotline", "importance"], one.loc["Hotline", "satisfaction"], one.loc["Hotline", "steps"]) == (4, 3, 2)
    assert (one.loc["Hotline", "journeys"], one.loc["Hotline", "quadrant"]) == ("Sommerurlaub", "fix_first")


def test_heatmap_counts_per_journey_and_across(session, case, count_queries):
    with count_queries() as statements:
        stages = analysis.stage_columns(session, case.ws, case.journey.id)
        usage = analysis.stage_usage(session, case.ws, case.journey.id)
    assert len(statements) == 2
    table = analysis.heatmap_table(usage, stages)
    table.columns = list(stages["stage"])
    assert table.to_dict("index") == {
        "Hotline": {"Awareness": 2, "Interest": 0, "Loyalty": 0},
        "Reviews": {"Awareness": 1, "Interest": 1, "Loyalty": 0},
        "Chat": {"Awareness": 1, "Interest": 0, "Loyalty": 0},
        "Website": {"Awareness": 0, "Interest": 1, "Loyalty": 0},
    }
    assert list(analysis.stage_totals(usage, stages)) == [4, 2, 0]  # Loyalty is thin
    assert list(analysis.heatmap_table(usage, stages, limit=1).index) == ["Hotline"]

    stages = analysis.stage_columns(session, case.ws)
    usage = analysis.stage_usage(session, case.ws)
    assert list(stages["stage"]) == ["Awareness", "Interest", "Loyalty"]  # by name across both journeys
    across = analysis.heatmap_table(usage, stages)
    assert across.loc["Hotline", "Awareness"] == 3


def test_channel_mix_shares_per_stage(session, case):
    stages = analysis.stage_columns(session, case.ws, case.journey.id)
    mix = analysis.channel_mix(analysis.stage_usage(session, case.ws, case.journey.id), stages).set_index("stage")
    # Awareness: Hotline ×2 (offline, direct), Reviews (online, indirect), Chat (online, direct)
    assert mix.loc["Awareness", ["uses", "online", "offline", "direct", "indirect"]].tolist() == [4, 2, 2, 3, 1]
    assert mix.loc["Awareness", ["online_share", "direct_share"]].tolist() == [50.0, 75.0]
    assert mix.loc["Interest", ["online_share", "offline_share", "direct_share", "indirect_share"]].tolist() == [100, 0, 50, 50]
    assert mix.loc["Loyalty", "uses"] == 0 and pd.isna(mix.loc["Loyalty", "online_share"])


def test_abort_ranking(session, case, count_queries):
    with count_queries() as statements:
        ranking = analysis.abort_ranking(session, case.ws)
    assert len(statements) == 1
    assert list(ranking["touchpoint"]) == ["Reviews", "Hotline", "Chat"]
    assert ranking["score"].tolist()[:2] == [16.0, 15.0]  # 4 × (5 − 1), 5 × (5 − 2)
    assert math.isnan(ranking["score"][2])  # flagged but not rated: last
    assert ranking["where"][1] == "Sommerurlaub › Sees an ad"
    assert analysis.abort_ranking(session, case.ws, case.other.id).empty


def test_empty_workspace_gives_empty_frames(session, workspace):
    ws = workspace.id
    assert analysis.touchpoint_scores(session, ws).empty
    stages, usage = analysis.stage_columns(session, ws), analysis.stage_usage(session, ws)
    assert analysis.heatmap_table(usage, stages).empty
    assert analysis.channel_mix(usage, stages).empty
    assert analysis.abort_ranking(session, ws).empty
