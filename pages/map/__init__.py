"""Streamlit pages (run as scripts by st.navigation; a package only so the import contracts see them)."""
