"""Use cases and queries. Functions take plain values and a session and return
detached model instances or DataFrames. Never imports Streamlit."""


