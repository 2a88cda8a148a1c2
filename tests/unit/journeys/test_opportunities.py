"""The opportunity portfolio: one query for the table, votes and pain points, scores saved all or nothing."""

from types import SimpleNamespace

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from components.opportunity_charts import opportunity_matrix_figure
from models import Opportunity
from models.db import read_session
from services import journeys
from services.core import Problems, RowChange, table_changes
from services.journeys import opportunities
from services.unit_of_work import unit_of_work
from services.workshop import collaboration
from services.workspaces.crud import create_workspace


@pytest.fixture
def portfolio_data(engine: Engine) -> SimpleNamespace:
    """Two journeys with opportunities (one addressing two pain points) and a foreign workspace's opportunity."""
    with unit_of_work(engine) as session:
        ws = create_workspace(session, "Team A").id
        other = create_workspace(session, "Team B").id
        holiday = journeys.create_journey(session, ws, {"name": "Sommerurlaub"})
        shop = journeys.create_journey(session, ws, {"name": "Online-Shop"})
        search = journeys.create_stage(session, ws, holiday.id, {"name": "Suche"})
        book = journeys.create_stage(session, ws, holiday.id, {"name": "Buchung"})
        buy = journeys.create_stage(session, ws, shop.id, {"name": "Kauf"})
        compare = journeys.create_step(session, ws, search.id, {"title": "Vergleicht Angebote"})
        pay = journeys.create_step(session, ws, book.id, {"title": "Bezahlt"})
        checkout = journeys.create_step(session, ws, buy.id, {"title": "Checkout"})
        fees = journeys.create_pain_point(session, ws, pay.id, {"text": "Versteckte Gebühren"})
        slow = journeys.create_pain_point(session, ws, compare.id, {"text": "Langsame Seite"})
        filters = journeys.create_opportunity(session, ws, compare.id, {"text": "Filter nach Familienfreundlichkeit",
                                                                        "customer_value": 5, "business_value": 4, "effort": 2})
        prices = journeys.create_opportunity(session, ws, pay.id, {"text": "Endpreis sofort zeigen", "status": "planned"})
        wallet = journeys.create_opportunity(session, ws, checkout.id, {"text": "Wallet-Zahlung", "effort": 4,
                                                                        "status": "in_progress"})
        journeys.set_opportunity_pain_points(session, ws, prices.id, [fees.id, slow.id])
        foreign_journey = journeys.create_journey(session, other, {"name": "Fremd"})
        foreign_stage = journeys.create_stage(session, other, foreign_journey.id, {"name": "S"})
        foreign_step = journeys.create_step(session, other, foreign_stage.id, {"title": "T"})
        foreign = journeys.create_opportunity(session, other, foreign_step.id, {"text": "Fremde Chance"})
    return SimpleNamespace(ws=ws, holiday=holiday.id, shop=shop.id, filters=filters.id, prices=prices.id,
                           wallet=wallet.id, foreign=foreign.id)


def scores(engine: Engine) -> dict[str, tuple]:
    with read_session(engine) as session:
        return {o.text: (o.customer_value, o.business_value, o.effort, o.status)
                for o in session.exec(select(Opportunity)).all()}


def test_portfolio_of_the_workspace_and_of_one_journey(engine: Engine, portfolio_data: SimpleNamespace, count_queries) -> None:
    p = portfolio_data
    with read_session(engine) as session, count_queries() as statements:
        everything = opportunities.portfolio(session, p.ws)
    assert len([s for s in statements if not s.startswith("BEGIN")]) == 1
    # journeys by name, then map order; never the other workspace's
    assert list(everything["text"]) == ["Wallet-Zahlung", "Filter nach Familienfreundlichkeit", "Endpreis sofort zeigen"]
    prices = everything.set_index("text").loc["Endpreis sofort zeigen"]
    assert (prices["journey"], prices["stage"], prices["step"], prices["status"]) == (
        "Sommerurlaub", "Buchung", "Bezahlt", "planned")
    assert (prices["pain_points"], prices["pain_point_count"], prices["votes"]) == (
        "Langsame Seite; Versteckte Gebühren", 2, 0)
    filters = everything.set_index("text").loc["Filter nach Familienfreundlichkeit"]
    assert (filters["value"], filters["priority"], filters["pain_points"]) == (9, 4.5, "")
    with read_session(engine) as session:
        holiday = opportunities.portfolio(session, p.ws, p.holiday)
    assert list(holiday["id"]) == [p.filters, p.prices]
    assert opportunities.status_counts(everything) == {"idea": 1, "planned": 1, "in_progress": 1, "done": 0, "dropped": 0}


def test_votes_are_counted_per_opportunity(engine: Engine, portfolio_data: SimpleNamespace) -> None:
    p = portfolio_data
    with unit_of_work(engine) as session:
        round_ = collaboration.open_vote_round(session, p.ws, p.holiday, "Workshop")
        for voter in ("Ana", "Ben", "Cem"):
            collaboration.cast_vote(session, p.ws, round_.id, voter, opportunity_id=p.prices)
        collaboration.cast_vote(session, p.ws, round_.id, "Ana", opportunity_id=p.filters)
    with read_session(engine) as session:
        frame = opportunities.portfolio(session, p.ws, p.holiday)
    assert dict(zip(frame["id"], frame["votes"], strict=True)) == {p.filters: 1, p.prices: 3}
    figure = opportunity_matrix_figure(frame, "Matrix")
    sizes = {trace.name: list(trace.marker.size) for trace in figure.data}
    assert sizes["Planned"][0] > sizes["Idea"][0]  # bubbles grow with the votes


def test_saving_edited_scores(engine: Engine, portfolio_data: SimpleNamespace) -> None:
    p = portfolio_data
    with read_session(engine) as session:
        shown = opportunities.portfolio(session, p.ws)
    edited = shown.copy()
    edited.loc[edited["id"] == p.wallet, ["effort", "status"]] = [2, "done"]
    edited.loc[edited["id"] == p.filters, "business_value"] = 5
    changes = table_changes(shown, edited, opportunities.SCORE_FIELDS, label="text")
    assert {c.label: c.changes for c in changes} == {
        "Wallet-Zahlung": {"effort": 2, "status": "done"}, "Filter nach Familienfreundlichkeit": {"business_value": 5}}
    with unit_of_work(engine) as session:
        assert opportunities.save_portfolio(session, p.ws, changes) == 2
    assert scores(engine)["Wallet-Zahlung"] == (3, 3, 2, "done")
    assert scores(engine)["Filter nach Familienfreundlichkeit"] == (5, 5, 2, "idea")


def test_bad_rows_are_all_reported_and_nothing_is_saved(engine: Engine, portfolio_data: SimpleNamespace) -> None:
    p = portfolio_data
    before = scores(engine)
    with read_session(engine) as session:
        versions = dict(zip(*(opportunities.portfolio(session, p.ws)[c] for c in ("id", "version")), strict=True))
    changes = [
        RowChange(p.filters, versions[p.filters], {"customer_value": 1}, "ok on its own"),
        RowChange(p.prices, versions[p.prices], {"effort": 7}, "effort"),
        RowChange(p.wallet, versions[p.wallet], {"status": "maybe"}, "status"),
        RowChange(p.foreign, 1, {"effort": 1}, "foreign"),
        RowChange(p.wallet, versions[p.wallet] - 1, {"effort": 1}, "stale"),
        RowChange(p.prices, versions[p.prices], {"customer_value": None}, "emptied"),
    ]
    with pytest.raises(Problems) as info, unit_of_work(engine) as session:
        opportunities.save_portfolio(session, p.ws, changes)
    assert [(label, err.field, type(err).__name__, err.message) for label, err in ((p.line, p.error) for p in info.value.problems)] == [
        ("effort", "effort", "ValidationErrors", "Must be between {low} and {high}."),
        ("status", "status", "DomainError", "Choose one of the offered values."),
        ("foreign", None, "NotFoundError", "This item no longer exists. Someone may have deleted it."),
        ("stale", None, "ConflictError", "Someone else changed this in the meantime. Reload and try again."),
        ("emptied", "customer_value", "ValidationErrors", "This field is required."),
    ]
    assert scores(engine) == before


def test_matrix_axes_status_colours_and_hover(engine: Engine, portfolio_data: SimpleNamespace) -> None:
    with read_session(engine) as session:
        frame = opportunities.portfolio(session, portfolio_data.ws)
    figure = opportunity_matrix_figure(frame, "Opportunity matrix")
    assert [trace.name for trace in figure.data] == ["Idea", "Planned", "In progress"]
    assert len({(t.marker.color, t.marker.symbol) for t in figure.data}) == 3
    planned = figure.data[1]
    assert abs(planned.x[0] - 3) < 0.2 and abs(planned.y[0] - 6) < 0.2  # jittered around (effort 3, value 6)
    assert planned.customdata[0][1] == "Sommerurlaub › Buchung › Bezahlt"
    assert planned.customdata[0][6] == "Langsame Seite; Versteckte Gebühren"
    assert figure.layout.xaxis.title.text.startswith("Effort") and figure.layout.yaxis.title.text.startswith("Value")
    assert {a.text for a in figure.layout.annotations} == {"<b>Quick wins</b>", "<b>Big bets</b>", "<b>Fill-ins</b>",
                                                          "<b>Time sinks</b>"}
