"""Every user-visible text in the code has a German translation with the same placeholders."""

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from services.core.i18n import catalogue, translate

ROOT = Path(__file__).resolve().parents[3]
METHOD_MAP = [("app.py", "python"), ("pages/**.py", "python"), ("components/**.py", "python"), ("services/**.py", "python")]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


LITERAL_CALL = re.compile(r"""\b(?:_|tr)\((['"])((?:(?!\1).)+)\1\)""")


def source_messages() -> dict[str, str]:
    """Every literal passed to ``_``/``N_`` (and to ``tr``, the reports' translation in their own language) — also
    inside f-strings, which Babel's extractor skips."""
    found: dict[str, str] = {}
    for folder in ("pages", "components", "services"):
        for path in (ROOT / folder).rglob("*.py"):
            for _quote, message in LITERAL_CALL.findall(path.read_text(encoding="utf-8")):
                found.setdefault(message, str(path.relative_to(ROOT)))
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords={"_": None, "N_": None, "tr": None}
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, filename)
    return found


def test_every_message_is_translated_to_german() -> None:
    german = catalogue("de")
    missing = {m: f for m, f in source_messages().items() if m not in german}
    assert not missing, f"{len(missing)} untranslated (run `make messages`, then translate): {list(missing.items())[:15]}"


def test_translations_keep_their_placeholders() -> None:
    for message, translation in catalogue("de").items():
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(translation)), message


def test_english_is_the_source_and_unknown_text_falls_back() -> None:
    assert translate("Personas", "en") == "Personas"
    assert translate("A text nobody translated", "de") == "A text nobody translated"
    assert translate("Settings", "de") == "Einstellungen"
