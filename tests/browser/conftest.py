"""Browser tests in real headless Chromium (Debian's package, driven by Playwright).

A session fixture starts ``streamlit run serve.py`` on a free port against a
temporary database; pytest-playwright's ``page`` fixture drives Chromium at
``CHROMIUM_PATH`` (default ``/usr/bin/chromium``). Never ``playwright install``.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from components.auth import COOKIE
from models.db import create_db_engine, upgrade_to_head
from services import accounts
from services.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (make browser-deps)"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, sign_in_token: str) -> dict:
    """Every page is signed in as the tester: the sign-in cookie is in the context from the start."""
    cookie = {"name": COOKIE, "value": sign_in_token, "domain": "127.0.0.1", "path": "/", "httpOnly": False,
              "secure": False, "sameSite": "Strict", "expires": -1}
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "accept_downloads": True,
            "storage_state": {"cookies": [cookie], "origins": []}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite file the app under test writes to (tests read it to check what was stored)."""
    return tmp_path_factory.mktemp("browser") / "browser.db"


@contextmanager
def streamlit_server(database_url: str, log_path: Path) -> Iterator[str]:
    """``streamlit run serve.py`` on a free port against ``database_url``; yields its URL once healthy."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not start")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def sign_in_token(app_database: Path) -> str:
    """A site administrator signed in before the app starts (the app loads the demo on its first page)."""
    engine = create_db_engine(f"sqlite:///{app_database}")
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        tester = accounts.create_account(session, "tester@example.com", "Tester", "correct horse battery", site_admin=True)
        token = accounts.start_sign_in(session, tester.id)  # type: ignore[arg-type]
    engine.dispose()
    return token


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_database: Path, sign_in_token: str) -> Iterator[str]:
    """A running app on a temporary database (with the demo workspace loaded on start)."""
    with streamlit_server(f"sqlite:///{app_database}", tmp_path_factory.mktemp("logs") / "streamlit.log") as url:
        yield url


@pytest.fixture
def screenshot_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
