"""The comparison's figures, cached per log, journey map, mapping and filter.

A rerun that changes none of them (a download, a click elsewhere on the page) reads the cache
instead of querying DuckDB again. The key holds the map's steps and transitions and the saved
mapping, so an edited map or a saved mapping is analysed afresh.
"""

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from components.i18n import _
from services.eventlog import conformance, mapping
from services.eventlog import store as eventstore
from services.eventlog.planned import PlannedMap


@st.cache_data(max_entries=16, show_spinner=False)
def _analysis(workspace_id: int, path: str, log_id: int, journey_id: int, steps: pd.DataFrame, transitions: pd.DataFrame,
              saved: pd.DataFrame, segments: tuple[tuple[str, tuple[str, ...]], ...], start: date | None,
              end: date | None) -> conformance.Analysis:
    del saved  # part of the key only
    store = eventstore.EventStore(Path(path), workspace_id)
    planned = PlannedMap(journey_id, steps, transitions)
    return conformance.analyse(store, log_id, planned, conformance.Filters(dict(segments), start, end))


def analysis(store: eventstore.EventStore, log_id: int, planned: PlannedMap, filters: conformance.Filters) -> conformance.Analysis:
    saved = mapping.saved_mapping(store, log_id, planned.journey_id)
    with st.spinner(_("Analysing the log …")):
        return _analysis(store.workspace_id, str(store.path), log_id, planned.journey_id, planned.steps, planned.transitions, saved,
                         tuple(sorted(filters.segments.items())), filters.start, filters.end)


@st.cache_data(max_entries=16, show_spinner=False)
def _segment_values(workspace_id: int, path: str, log_id: int) -> dict[str, list[str]]:
    return eventstore.segment_values(eventstore.EventStore(Path(path), workspace_id), log_id)


def segment_values(store: eventstore.EventStore, log_id: int) -> dict[str, list[str]]:
    """The values of each segment column (a log never changes after its import)."""
    return _segment_values(store.workspace_id, str(store.path), log_id)
