"""Page data cached per workspace revision (components/cache.py): a rerun with no change reads only the
revision, a change invalidates exactly its workspace's entries, and a run whose account has no role in a
workspace gets nothing from the cache."""

import json

import pytest
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from components.db import get_engine
from components.identity import RUN_ACTOR
from services import journeys, touchpoints
from services.core import Actor
from services.unit_of_work import unit_of_work
from services.workspaces import crud as workspaces
from tests.pages.conftest import start_app

ANALYSIS = "pages/analyse/touchpoint_analysis.py"


def _two_workspaces() -> None:
    """Each workspace's journey names through its snapshot; ids in session_state["ws"]."""
    import streamlit as st

    from components.cache import NotReadable, snapshot
    from components.db import get_engine
    from components.page import journey_names_in

    for workspace_id in st.session_state["ws"]:
        try:
            view = snapshot(get_engine(), workspace_id)
        except NotReadable:
            st.text(f"{workspace_id}: refused")
            continue
        st.text(f"{workspace_id}: {sorted(view.data(journey_names_in).values())}")


class Statements:
    """The SQL statements (text, parameters) the app's engine sends while counting."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def __call__(self, _conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.startswith("BEGIN"):  # SQLite's read transactions; PostgreSQL's are implicit
            self.seen.append((statement, parameters))

    def during(self, at: AppTest) -> list[tuple[str, object]]:
        self.seen = []
        engine = get_engine()
        event.listen(engine, "before_cursor_execute", self)
        try:
            at.run()
        finally:
            event.remove(engine, "before_cursor_execute", self)
        assert not at.exception, at.exception
        return self.seen


def _journey(engine: Engine, workspace_id: int, name: str) -> None:
    with unit_of_work(engine) as session:
        journeys.create_journey(session, workspace_id, {"name": name})


@pytest.fixture
def two(database: Engine) -> tuple[int, int]:
    with unit_of_work(database) as session:
        first, second = workspaces.create_workspace(session, "A").id, workspaces.create_workspace(session, "B").id
    _journey(database, first, "Alpha")
    _journey(database, second, "Beta")
    return first, second


def _app(actor: Actor, workspace_ids: tuple[int, ...]) -> AppTest:
    at = AppTest.from_function(_two_workspaces, default_timeout=30)
    at.session_state["ws"] = list(workspace_ids)
    at.session_state[RUN_ACTOR] = actor
    return at


def test_a_change_invalidates_exactly_its_workspace(database: Engine, two: tuple[int, int]) -> None:
    first, second = two
    at = _app(Actor(name="Admin", account_id=1, site_admin=True), two)
    counter = Statements()
    counter.during(at)
    assert [t.value for t in at.text] == [f"{first}: ['Alpha']", f"{second}: ['Beta']"]

    unchanged = counter.during(at)
    assert len(unchanged) == 2 and all("revision" in sql for sql, _ in unchanged)  # one SELECT per workspace

    _journey(database, first, "Gamma")  # through a unit of work: the revision of A moves
    changed = counter.during(at)
    assert [t.value for t in at.text] == [f"{first}: ['Alpha', 'Gamma']", f"{second}: ['Beta']"]
    reads = [params.values() if isinstance(params, dict) else params or () for sql, params in changed if "revision" not in sql]
    assert reads and all(second not in values for values in reads)  # B was served from the cache


def test_a_workspace_the_account_has_no_role_in_is_refused(database: Engine, two: tuple[int, int]) -> None:
    first, second = two
    _app(Actor(name="Admin", account_id=1, site_admin=True), two).run()  # both are cached now
    at = _app(Actor(name="Viewer of A", account_id=2, roles={first: "viewer"}), (first, second))
    at.run()
    assert [t.value for t in at.text] == [f"{first}: ['Alpha']", f"{second}: refused"]


def _matrix(at: AppTest) -> dict:
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(c for c in charts if c["layout"]["title"]["text"] in ("Importance–performance matrix",
                                                                      "Importance-Performance-Matrix"))


def test_the_analysis_page_follows_a_change_and_the_language(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        journey = journeys.create_journey(session, workspace_id, {"name": "Sommerurlaub"})
        stage = journeys.create_stage(session, workspace_id, journey.id, {"name": "Suche"})
        step = journeys.create_step(session, workspace_id, stage.id, {"title": "Googelt"})
        hotline = touchpoints.create_touchpoint(session, workspace_id, {"name": "Hotline"})
        touchpoints.attach_touchpoint(session, workspace_id, step.id, hotline.id, {"importance": 5, "satisfaction": 1})
    at = start_app(ANALYSIS)
    before = _matrix(at)
    assert [point[0] for trace in before["data"] for point in trace["customdata"]] == ["Hotline"]
    at.run()
    assert _matrix(at) == before  # served again, unchanged

    with unit_of_work(database) as session:  # another user (or server) attaches a second touchpoint
        chat = touchpoints.create_touchpoint(session, workspace_id, {"name": "Chat"})
        touchpoints.attach_touchpoint(session, workspace_id, step.id, chat.id, {"importance": 4, "satisfaction": 5})
    at.run()
    after = _matrix(at)
    assert sorted(point[0] for trace in after["data"] for point in trace["customdata"]) == ["Chat", "Hotline"]

    at.session_state["app.lang"] = "de"
    at.run()
    assert _matrix(at)["layout"]["title"]["text"] == "Importance-Performance-Matrix"


def _fragment_with_an_action() -> None:
    import streamlit as st

    from components.fragments import rerun_here

    @st.fragment
    def counter() -> None:
        st.text(f"saved {st.session_state.get('saved', 0)} times")
        if st.button("Save", key="save"):
            st.session_state["saved"] = st.session_state.get("saved", 0) + 1
            rerun_here()

    counter()


def test_an_action_in_a_fragment_during_a_full_run_reruns_the_app() -> None:
    # A fragment-scoped rerun is refused during a full run (which AppTest always makes): rerun_here chooses the app.
    at = AppTest.from_function(_fragment_with_an_action, default_timeout=30).run()
    at.button(key="save").click().run()
    assert not at.exception and [t.value for t in at.text] == ["saved 1 times"]
