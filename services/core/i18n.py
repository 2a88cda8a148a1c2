"""Message catalogues (gettext ``.po`` files under ``locales/``).

English is the source language: message ids are the English texts, and
``locales/de/LC_MESSAGES/messages.po`` holds the German ones. The ``.po`` file
is read directly with Babel, so no compiled ``.mo`` file has to be built or
kept in git. Pure Python: the UI binds the current language in
``components/i18n.py``.
"""

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[2] / "locales"
LANGUAGES = {"de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "de"


@cache
def catalogue(language: str) -> dict[str, str]:
    """msgid → translation for ``language``; empty for English (the source)."""
    path = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not path.exists():
        return {}
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {
        message.id: message.string
        for message in po
        if message.id and message.string and not message.fuzzy and isinstance(message.id, str)
    }


def translate(message: str, language: str) -> str:
    return catalogue(language).get(message, message)
