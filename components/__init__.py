"""Reusable Streamlit pieces. May import services and models, never pages."""
