"""Use cases and queries. Functions take plain values and a session and return
detached model instances or DataFrames. Never imports Streamlit."""

import services.audit.log  # noqa: E402, F401 - transitional: registers the activity log's listeners
