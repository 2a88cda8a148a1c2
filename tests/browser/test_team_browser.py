"""Several app servers on one PostgreSQL database: two `streamlit run` processes, one browser on each; a card
captured on one server appears on the other server's workshop map within 3 s (the map polls the workspace
revision in the shared database; nothing is passed between the servers)."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlmodel import select

from models import Journey, Membership, Workspace
from models.db import create_db_engine
from services import accounts, startup
from services.unit_of_work import unit_of_work
from tests.browser.conftest import streamlit_server
from tests.browser.test_workshop_browser import _context, _open_workshop
from tests.pgcluster import Cluster


def _people(url: str) -> tuple[str, str, int]:
    """Anna (facilitator) and Ben (editor) signed in on the shared database, and the journey they work on."""
    engine = create_db_engine(url)
    startup.prepare(engine)  # as the first server does on its first page (migrations, demo)
    tokens = []
    with unit_of_work(engine) as session:
        workspace_id = session.exec(select(Workspace.id).order_by(Workspace.id)).first()
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == workspace_id).order_by(Journey.id)).first()
        for name, role in (("Anna", "facilitator"), ("Ben", "editor")):
            account = accounts.create_account(session, f"{name.lower()}@example.com", name, "correct horse battery")
            session.add(Membership(workspace_id=workspace_id, account_id=account.id, role=role))
            session.flush()
            tokens.append(accounts.start_sign_in(session, account.id))  # type: ignore[arg-type]
    engine.dispose()
    return tokens[0], tokens[1], journey_id  # type: ignore[return-value]


@pytest.fixture(scope="module")
def two_servers(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    url = pg_cluster.create_database("team_browser")  # empty: the first server migrates and loads the demo
    logs = tmp_path_factory.mktemp("team-logs")
    try:
        with streamlit_server(url, logs / "server-1.log") as first, streamlit_server(url, logs / "server-2.log") as second:
            yield first, second, url
    finally:
        pg_cluster.drop_database("team_browser")


def test_an_edit_on_one_server_shows_on_the_other_within_three_seconds(
    browser: Browser, two_servers: tuple[str, str, str], screenshot_dir: Path
) -> None:
    first, second, database_url = two_servers
    anna_token, ben_token, journey_id = _people(database_url)
    anna_context, ben_context = _context(browser, anna_token), _context(browser, ben_token)
    anna, ben = anna_context.new_page(), ben_context.new_page()
    try:
        _open_workshop(anna, first, journey_id)
        _open_workshop(ben, second, journey_id)
        expect(anna.get_by_text("Ben", exact=False).first).to_be_visible(timeout=15_000)  # presence across servers

        capture = ben.get_by_test_id("stForm").filter(has_text="Capture a thought")
        capture.get_by_label("Capture a thought for the focused stage").fill("Gutschein wird nicht erkannt")
        capture.get_by_role("button", name="Add").click()
        expect(ben.get_by_text("Captured.")).to_be_visible(timeout=15_000)
        saved_at = time.monotonic()
        expect(anna.get_by_text("Gutschein wird nicht erkannt").first).to_be_visible(timeout=3_000)
        seen_after = time.monotonic() - saved_at
        anna.screenshot(path=str(screenshot_dir / "team-two-servers.png"))
        assert seen_after < 3.0, f"the participant on the other server saw it after {seen_after:.1f} s"
    finally:
        anna_context.close()
        ben_context.close()
