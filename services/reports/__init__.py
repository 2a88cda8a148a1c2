"""reports."""

from services.reports.content import (
    JourneySection,
    Progress,
    ReportData,
    report_data,
    top_opportunities,
    top_pain_points,
)
from services.reports.drawing import (
    FONT,
    MM,
    PAPERS,
    PDF_FONTS,
    TOP,
    fit,
    plain,
)
from services.reports.html import (
    CSS,
    emotion_figure,
    funnel_figure,
    importance_figure,
    kpi_attainment,
    kpi_figure,
    report_html,
)
from services.reports.palette import (
    EMOTION_COLOURS,
    PALETTE,
    STAGE_COLOURS,
)
from services.reports.pdf import (
    A4,
    report_pdf,
)
from services.reports.poster import (
    LANES,
    Lane,
    poster_figure,
    poster_pdf,
    poster_png,
)

__all__ = [
    "A4",
    "CSS",
    "EMOTION_COLOURS",
    "FONT",
    "JourneySection",
    "LANES",
    "Lane",
    "MM",
    "PALETTE",
    "PAPERS",
    "PDF_FONTS",
    "Progress",
    "ReportData",
    "STAGE_COLOURS",
    "TOP",
    "emotion_figure",
    "fit",
    "funnel_figure",
    "importance_figure",
    "kpi_attainment",
    "kpi_figure",
    "plain",
    "poster_figure",
    "poster_pdf",
    "poster_png",
    "report_data",
    "report_html",
    "report_pdf",
    "top_opportunities",
    "top_pain_points",
]
