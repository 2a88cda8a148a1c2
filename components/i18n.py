"""The UI's translation function ``_`` bound to the viewer's language.

The language lives in ``st.session_state`` (UI state) and in the URL
(``?lang=en``), so a reload or a shared link keeps it. It is kept under its own
key, not the radio's: Streamlit drops a widget's state whenever a run does not
render that widget under the same identity (as on the first page switch after
a server start), and the language must survive that.
"""

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from services.core import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,  # noqa: F401 - re-exported for pages and components
    translate,
)

LANGUAGE_KEY = "app.lang"
SWITCH_KEY = "app.language"


def current_language() -> str:
    """The viewer's language; English (the source) for code running outside a page run.

    Figure builders and format functions may be called with no viewer at all
    (unit tests, AppTest formatting options, scripts): they get the source texts.
    """
    if get_script_run_ctx(suppress_warning=True) is None:
        return "en"
    if LANGUAGE_KEY not in st.session_state:
        requested = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state[LANGUAGE_KEY] = requested if requested in LANGUAGES else DEFAULT_LANGUAGE
    return st.session_state[LANGUAGE_KEY]


def _language_chosen() -> None:
    st.session_state[LANGUAGE_KEY] = st.session_state[SWITCH_KEY]


def _(message: str) -> str:
    """Translate a catalogue message into the viewer's language."""
    return translate(message, current_language())


def language_switch() -> None:
    """Sidebar selector; keeps the choice in the URL too."""
    options = list(LANGUAGES)
    st.sidebar.radio(
        "Sprache / Language", options=options, format_func=LANGUAGES.get, key=SWITCH_KEY, horizontal=True,
        index=options.index(current_language()), on_change=_language_chosen,
    )
    st.query_params["lang"] = current_language()
