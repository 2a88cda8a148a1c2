"""Chart panel: every chart with its PNG export (plotly's camera button) and its data as CSV."""

import html
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.i18n import _
from services.exchange import to_csv

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.


def plot_text(text: object, length: int | None = None) -> str:
    """User text for a figure: optionally shortened, and escaped (plotly reads labels and hovers as HTML)."""
    text = "" if text is None else str(text)
    if length is not None and len(text) > length:
        text = text[: length - 1] + "…"
    return html.escape(text).replace("%{", "%&#123;")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def chart_panel(figure: go.Figure, data: pd.DataFrame, *, key: str, filename: str) -> None:
    """Show ``figure``; offer the picture (PNG from the chart's toolbar) and the data behind it (CSV)."""
    slug = _slug(filename)
    st.plotly_chart(
        figure, key=key, width="stretch",
        config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": slug, "scale": 2}},
    )
    st.download_button(  # the CSV is written when it is asked for, not on every rerun
        _("Download data (CSV)"), lambda: to_csv(data, german=False), file_name=f"{slug}.csv",
        mime="text/csv", key=f"{key}.csv", icon=":material/download:",
    )
