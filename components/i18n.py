"""The UI's translation function ``_`` bound to the viewer's language.

The language lives in ``st.session_state`` (UI state) and in the URL
(``?lang=en``), so a reload or a shared link keeps it.
"""

import streamlit as st

from services.errors import N_  # noqa: F401 - re-exported for pages and components
from services.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

LANGUAGE_KEY = "app.language"


def current_language() -> str:
    if LANGUAGE_KEY not in st.session_state:
        requested = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state[LANGUAGE_KEY] = requested if requested in LANGUAGES else DEFAULT_LANGUAGE
    return st.session_state[LANGUAGE_KEY]


def _(message: str) -> str:
    """Translate a catalogue message into the viewer's language."""
    return translate(message, current_language())


def language_switch() -> None:
    """Sidebar selector; keeps the choice in the URL too."""
    current_language()
    st.sidebar.radio(
        _("Language"), options=list(LANGUAGES), format_func=LANGUAGES.get, key=LANGUAGE_KEY, horizontal=True,
    )
    st.query_params["lang"] = st.session_state[LANGUAGE_KEY]
