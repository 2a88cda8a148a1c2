"""The process's one engine, started once: migrations to head, demo on an empty database, and
on a database without accounts the first administrator (from ``WORKBENCH_ADMIN_EMAIL`` /
``WORKBENCH_ADMIN_PASSWORD``, or with a generated password that the server log shows once)."""

import logging
import os

import streamlit as st
from sqlalchemy import Engine

from models.db import create_db_engine
from services import startup

log = logging.getLogger("journey_workbench")


@st.cache_resource(show_spinner=False)
def get_engine() -> Engine:
    engine = create_db_engine()
    first = startup.prepare(
        engine, admin_email=os.environ.get("WORKBENCH_ADMIN_EMAIL"), admin_password=os.environ.get("WORKBENCH_ADMIN_PASSWORD"),
    )
    if first is not None:
        said = f"password {first.password}" if first.password else "the password in WORKBENCH_ADMIN_PASSWORD"
        # On the console of `make run`: the one moment the generated password is known.
        print(f"\n  Journey Workbench: sign in as {first.email} with {said}\n", flush=True)  # noqa: T201
        log.warning("First administrator created: %s", first.email)
    return engine
