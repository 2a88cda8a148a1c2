"""Partial reruns: an action taken inside an ``st.fragment`` reruns that fragment, not the whole page."""

from typing import NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx


def rerun_here() -> NoReturn:
    """Show the result of an action: rerun the fragment it was taken in when this run is that fragment's own
    (the sidebar, the page header and other views stay as they are), else the whole app (a full run, AppTest)."""
    ctx = get_script_run_ctx()
    st.rerun(scope="fragment" if ctx is not None and ctx.fragment_ids_this_run else "app")
