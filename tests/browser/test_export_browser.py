"""In Chromium: download the workspace's exchange file, upload it again, preview, import into a new workspace."""

import json
import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect


def _workspaces(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM workspace ORDER BY id")]


def _count(database: Path, table: str, workspace: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            f"SELECT count(*) FROM {table} JOIN workspace ON workspace.id = {table}.workspace_id WHERE workspace.name = ?",  # noqa: S608
            (workspace,),
        ).fetchone()[0]


def _workspace_id(database: Path, name: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT id FROM workspace WHERE name = ?", (name,)).fetchone()[0]


def test_download_an_export_and_import_it_again(page: Page, app_url: str, app_database: Path, tmp_path: Path,
                                                screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    navigation = page.get_by_test_id("stSidebarNav")
    more = navigation.get_by_text("View", exact=False).filter(has_text="more")
    if more.count():  # the navigation folds its last entries away
        more.first.click()
    navigation.get_by_role("link", name="Import / Export").click()
    expect(page.get_by_role("heading", name="Import / Export")).to_be_visible(timeout=30_000)

    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download exchange file").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".workspace.json")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert (document["format"], document["version"], document["scope"]) == ("journey-workbench", 1, "workspace")
    source = document["workspace"]["name"]
    assert source in _workspaces(app_database)

    page.get_by_role("tab", name="Import").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(saved))
    expect(page.get_by_text("Preview — nothing is written")).to_be_visible(timeout=30_000)
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    table.hover()  # the table's own toolbar shows on hover: search and full screen, no unneutralised CSV download
    expect(page.get_by_test_id("stElementToolbar").first).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Download as CSV")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "import-preview.png"))
    before = _workspaces(app_database)
    page.get_by_role("button", name="Import now").click()
    expect(page.get_by_text("Imported.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("The file was imported into a new workspace")).to_be_visible(timeout=30_000)

    after = _workspaces(app_database)
    assert len(after) == len(before) + 1
    copy = after[-1]
    assert copy.startswith(source)
    for table in ("persona", "touchpoint", "journey", "metric", "content_item"):
        assert _count(app_database, table, copy) == _count(app_database, table, source) > 0, table

    # Offered, not forced: the new workspace opens with one click, and the sidebar shows it.
    page.get_by_role("button", name=f"Open “{copy}”").click()
    expect(page.get_by_text("The file was imported into a new workspace")).to_have_count(0, timeout=30_000)
    page.screenshot(path=str(screenshot_dir / "import-switched.png"))
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Workspace")).to_have_value(copy)
    assert f"ws={_workspace_id(app_database, copy)}" in page.url
