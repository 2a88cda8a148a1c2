"""The analysis pages through their widgets: flow and drop-off, emotion curves, Kano."""


import pytest
from sqlalchemy import Engine
from sqlmodel import select

from models import Journey, KanoAnswer, KanoItem
from models.db import read_session
from services import journeys
from services.kano import crud as kano
from services.unit_of_work import unit_of_work
from tests.pages.conftest import figures, start_app, values

FLOWS = "pages/analyse/flows.py"
EMOTIONS = "pages/analyse/emotions.py"
KANO = "pages/analyse/kano.py"


def trace(at, kind: str) -> dict:  # type: ignore[no-untyped-def]
    return next(t for f in figures(at) for t in f["data"] if t["type"] == kind)


def errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.value for e in at.error]


# --- flow ---------------------------------------------------------------------------------------


def test_flow_page_on_the_demo_shows_sankey_and_funnel(database: Engine) -> None:
    at = start_app(FLOWS)  # the demo workspace; the first journey by name is "Messekontakt bis Angebot"
    assert at.selectbox(key="flow.journey").format_func(at.selectbox(key="flow.journey").value) == "Messekontakt bis Angebot"
    sankey = trace(at, "sankey")
    shown = sankey["node"]["label"]
    # the entry, the nine steps, and a drop-off node beside each of the seven steps that lose customers
    assert shown[0] == "Customers enter" and shown[-7:] == ["Drop-off"] * 7 and len(shown) == 17
    # labels are cut to the room between two columns; the full name is on hover
    assert "Erhält Messe-Ei…" in shown and all(len(label) <= 16 for label in shown)
    labels = [label if label in ("Customers enter", "Drop-off") else full
              for label, full in zip(shown, sankey["node"]["customdata"], strict=True)]
    assert "Erhält Messe-Einladung per Post" in labels and "Unterschreibt den Rahmenvertrag" in labels
    link = sankey["link"]
    pairs = {(labels[s], labels[t]): v for s, t, v in zip(values(link["source"]), values(link["target"]),
                                                          values(link["value"]), strict=True)}
    # 40 % enter at the invitation, 60 % at the stand; 45 % of the invited come to the stand.
    assert pairs[("Customers enter", "Erhält Messe-Einladung per Post")] == pytest.approx(400)
    assert pairs[("Customers enter", "Besucht den Messestand")] == pytest.approx(600)
    assert pairs[("Erhält Messe-Einladung per Post", "Besucht den Messestand")] == pytest.approx(180)
    assert pairs[("Erhält Messe-Einladung per Post", "Drop-off")] == pytest.approx(220)
    # Hand-computed: stand 780 → talk 624 → follow-up 561.6 → call 336.96 → workshop 252.72 → offer 227.448 → 55 % sign.
    assert pairs[("Erhält individuelles Angebot", "Unterschreibt den Rahmenvertrag")] == pytest.approx(125.0964)

    funnel = trace(at, "funnel")
    assert values(funnel["y"]) == ["Messe", "Qualifizierung", "Beratung", "Angebot", "Entscheidung"]
    assert values(funnel["x"]) == pytest.approx([1000, 561.6, 252.7, 227.4, 125.1], abs=0.05)
    assert funnel["text"][0] == "1,000 · −44 %"  # 438.4 of 1,000 lost in the fair stage

    flagged = at.dataframe[0].value
    assert flagged["title"].tolist()[:3] == ["Erhält Follow-up-Mail mit Unterlagen", "Erhält Messe-Einladung per Post",
                                             "Besucht den Messestand"]
    assert flagged["flag"].tolist()[:4] == ["⚠️", "⚠️", "⚠️", ""]


def test_changing_customers_and_journey(database: Engine) -> None:
    at = start_app(FLOWS)
    at.number_input(key="flow.customers").set_value(2000).run()
    assert values(trace(at, "funnel")["x"])[0] == pytest.approx(2000)
    lost = next(m for m in at.metric if m.label == "Lost (drop-off, abort, churn)")
    assert lost.value == "1,750"  # 2 × (604.4 dropped + 270.6 to the competitor)

    with read_session(database) as session:
        shop = session.exec(select(Journey.id).where(Journey.name == "Online-Kauf im Shop")).one()
    at.selectbox(key="flow.journey").set_value(shop).run()
    assert not at.exception
    assert len(figures(at)) == 3  # the measured step metric adds the measured-vs-modelled chart
    bars = [t for t in figures(at)[2]["data"] if t["type"] == "bar"]
    measured, modelled = (values(b["y"]) for b in bars)
    assert modelled == pytest.approx([22.0])  # Zahlungsart: 18 % abort + 4 % drop off
    assert 0 < measured[0] < 100


def test_closed_loop_is_explained_not_crashed(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        journey = journeys.create_journey(session, workspace_id, {"name": "Warteschleife"})
        stage = journeys.create_stage(session, workspace_id, journey.id, {"name": "Hotline"})
        a = journeys.create_step(session, workspace_id, stage.id, {"title": "Ruft an", "is_entry": True, "entry_share": 100})
        b = journeys.create_step(session, workspace_id, stage.id, {"title": "Wartet"})
        c = journeys.create_step(session, workspace_id, stage.id, {"title": "Wird weiterverbunden"})
        journeys.create_transition(session, workspace_id, a.id, b.id, {"share": 100})
        journeys.create_transition(session, workspace_id, b.id, c.id, {"share": 100})
        journeys.create_transition(session, workspace_id, c.id, b.id, {"share": 100})
    at = start_app(FLOWS)
    assert not at.exception
    assert any("can never leave" in e and "Wartet" in e and "Wird weiterverbunden" in e for e in errors(at))
    assert not at.get("plotly_chart")


def test_empty_workspace_points_to_the_journeys(database: Engine, workspace_id: int) -> None:
    at = start_app(FLOWS)
    assert "No journeys yet. Create one on the Journeys page." in [i.value for i in at.info]


# --- emotions -----------------------------------------------------------------------------------


def test_emotion_overlay_of_several_journeys(database: Engine) -> None:
    at = start_app(EMOTIONS)
    chosen = at.multiselect(key="emotions.journeys").value
    assert len(chosen) == 3
    lines = [t for t in figures(at)[0]["data"] if t["type"] == "scatter"]
    assert len(lines) == 3
    assert values(lines[0]["x"])[0] == 0 and values(lines[0]["x"])[-1] == pytest.approx(100)
    assert figures(at)[0]["layout"]["xaxis"]["title"]["text"] == "Position in the journey (%)"

    at.radio(key="emotions.x").set_value("order").run()
    first = [t for t in figures(at)[0]["data"] if t["type"] == "scatter"][0]
    assert values(first["x"])[:3] == [1, 2, 3]
    at.multiselect(key="emotions.journeys").set_value([]).run()
    assert "Choose at least one journey." in [i.value for i in at.info]


def test_as_is_and_to_be_versions(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        journey = journeys.create_journey(session, workspace_id, {"name": "Checkout"})
        stage = journeys.create_stage(session, workspace_id, journey.id, {"name": "Kauf"})
        for title, emotion in (("Warenkorb", 1), ("Zahlung", -3), ("Bestätigung", 2)):
            journeys.create_step(session, workspace_id, stage.id, {"title": title, "emotion": emotion})
        copy = journeys.duplicate_journey(session, workspace_id, journey.id)
        journeys.update_step(session, workspace_id, journeys.list_steps(session, workspace_id, copy.id)[1].id, {"emotion": 1})
    at = start_app(EMOTIONS)
    at.segmented_control(key="emotions.mode").set_value("versions").run()
    lines = [t for t in figures(at)[0]["data"] if t["type"] == "scatter"]
    assert [line["name"] for line in lines] == ["Checkout", f"{copy.name} (to-be)"]
    assert [values(line["y"]) for line in lines] == [[1, -3, 2], [1, 1, 2]]
    assert lines[1]["line"]["dash"] == "dash"
    summary = at.dataframe[0].value
    assert summary["lowest_step"].tolist() == ["Zahlung", "Warenkorb"]


# --- Kano ---------------------------------------------------------------------------------------


def test_kano_page_on_the_demo(database: Engine) -> None:
    at = start_app(KANO)
    scatter = [t for t in figures(at)[0]["data"] if t["type"] == "scatter"]
    names = {t["name"]: t for t in scatter}
    assert set(names) == {"Attractive", "One-dimensional", "Must-be", "Indifferent"}
    kids = names["Attractive"]
    index = kids["text"].index("Kinderclub im Hotel")
    assert values(kids["y"])[index] == pytest.approx(16 / 18)  # better: (13 A + 3 O) / 18
    assert values(kids["x"])[index] == pytest.approx(3 / 18)  # |worse|: (3 O + 0 M) / 18
    annotations = {a["text"] for a in figures(at)[0]["layout"]["annotations"]}
    assert annotations == {"<b>Attractive</b>", "<b>One-dimensional</b>", "<b>Must-be</b>", "<b>Indifferent</b>"}
    table = at.dataframe[0].value.set_index("item")
    assert table.loc["Bevorzugte Zahlungsart verfügbar", "category"] == "Must-be"


def test_kano_answers_entered_in_the_table(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        item = kano.create_kano_item(session, workspace_id, {"name": "Pool"})
    at = start_app(KANO)
    assert "No answers yet. Enter them in a table or import a CSV file." in [i.value for i in at.info]
    key = f"kano.answers.table.{item.id}.0"
    at.session_state[key] = {"edited_rows": {0: {"functional": "1 · I like it", "dysfunctional": "7"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="kano.answers.save").click().run()
    assert any("“7” is no answer in dysfunctional" in row for row in table_with(at, "problem")["problem"])
    with read_session(database) as session:
        assert session.exec(select(KanoAnswer)).all() == []

    at.session_state[key] = {"edited_rows": {0: {"respondent": "R1", "functional": "1 · I like it",
                                                 "dysfunctional": "5 · I dislike it"},
                                             1: {"functional": "2 · I expect it", "dysfunctional": "5 · I dislike it"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="kano.answers.save").click().run()
    assert not errors(at)
    with read_session(database) as session:
        stored = [(a.respondent, a.functional, a.dysfunctional) for a in session.exec(select(KanoAnswer).order_by(KanoAnswer.id))]
    assert stored == [("R1", 1, 5), ("", 2, 5)]
    assert "2 answers saved." in [s.value for s in at.success]
    assert at.dataframe[0].value.set_index("item").loc["Pool", "category"] == "Must-be"  # O 1 : M 1, a tie: M wins


def test_kano_csv_import_previews_then_imports(database: Engine, workspace_id: int) -> None:
    """AppTest cannot drive the file uploader: the upload's bytes are put where its callback keeps them."""
    at = start_app(KANO)
    at.session_state["kano.import.csv"] = b"item;functional;dysfunctional;respondent\nPool;9;5;R1\n;1;5;R2\n"
    at.run()
    problems = table_with(at, "problem")
    assert problems["line"].tolist() == ["2", "3"]
    assert not [b for b in at.button if b.key == "kano.import.confirm"]

    at.session_state["kano.import.csv"] = "item;functional;dysfunctional;respondent\nPool;gefällt mir;stört mich;R1\n" \
                                          "Pool;setze ich voraus;stört mich;R2\nSauna;1;3;R1\n".encode()
    at.run()
    assert "3 answers for 2 features are ready to import." in [s.value for s in at.success]
    assert table_with(at, "category")["category"].tolist() == ["One-dimensional", "Must-be", "Attractive"]
    with read_session(database) as session:
        assert session.exec(select(KanoItem)).all() == []  # the preview wrote nothing
    at.button(key="kano.import.confirm").click().run()
    assert not at.exception and not errors(at)
    assert "3 answers imported." in [s.value for s in at.success]
    with read_session(database) as session:
        assert sorted(i.name for i in session.exec(select(KanoItem))) == ["Pool", "Sauna"]
        assert len(session.exec(select(KanoAnswer)).all()) == 3
    assert at.session_state["kano.import.csv"] is None


def table_with(at, column: str):  # type: ignore[no-untyped-def]
    """The last table on the page that has ``column`` (the import's column list is a table too)."""
    return [d.value for d in at.dataframe if column in d.value.columns][-1]
