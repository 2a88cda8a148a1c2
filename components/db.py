"""The process's one engine, started once: migrations to head, demo on an empty database."""

import streamlit as st
from sqlalchemy import Engine

from models.db import create_db_engine
from services import startup


@st.cache_resource(show_spinner=False)
def get_engine() -> Engine:
    engine = create_db_engine()
    startup.prepare(engine)
    return engine
