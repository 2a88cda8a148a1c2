"""Every registered page renders without an exception, in both languages, on the demo workspace."""

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.pages.conftest import ROOT, start_app

PAGES = sorted(set(re.findall(r'st\.Page\("([^"]+)"', (ROOT / "app.py").read_text())))


def test_every_page_file_is_registered() -> None:
    on_disk = sorted(str(p.relative_to(ROOT)) for p in Path(ROOT / "pages").rglob("*.py") if p.name != "__init__.py")
    assert PAGES == on_disk


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_renders(database: Engine, page: str, language: str) -> None:
    at = start_app(page, language=language)  # empty database: the demo workspace is loaded on start
    assert not at.exception
    assert at.title, f"{page} shows no title"
