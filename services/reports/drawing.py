"""What posters and PDF reports share: paper sizes, the font (embedded as TrueType), and text
that fits its box (characters the font has no glyph for, such as emoji, are left out; ``$`` never
starts TeX).
"""

import textwrap
from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no browser

import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

# --- drawing ---
MM = 1 / 25.4  # inches per millimetre
PAPERS = {"A3": (420, 297), "A2": (594, 420), "A1": (841, 594)}  # landscape, mm
TOP = 10
FONT = "DejaVu Sans"
# PDFs embed the font as TrueType (Type 42), not matplotlib's default Type 3 outlines, which archiving
# (PDF/A) and some print workflows refuse. Set while a PDF is written (the PDF backend reads it when it
# writes the fonts, so around the whole of a multi-page PdfPages).
PDF_FONTS = {"pdf.fonttype": 42}


# --- text -----------------------------------------------------------------------------------------


@cache
def _glyphs() -> frozenset[int]:
    path = font_manager.findfont(font_manager.FontProperties(family=FONT))
    return frozenset(FT2Font(path).get_charmap())


def plain(text: object) -> str:
    """Text for matplotlib: without characters the font cannot draw (emoji)."""
    glyphs = _glyphs()
    value = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    return "".join(c for c in value if ord(c) in glyphs or c in "\n\t ").strip()


def fit(text: object, width_mm: float, height_mm: float, size_pt: float) -> str:
    """Wrap ``text`` to a box; cut with … when it does not fit."""
    char_mm = 0.55 * size_pt * 0.3528
    line_mm = 1.3 * size_pt * 0.3528
    columns = max(4, int(width_mm / char_mm))
    rows = max(1, int(height_mm / line_mm))
    lines: list[str] = []
    for paragraph in plain(text).splitlines() or [""]:
        lines += textwrap.wrap(paragraph, columns) or ([""] if paragraph == "" and lines else [])
    if len(lines) > rows:
        lines = lines[:rows]
        lines[-1] = (lines[-1][: columns - 1]).rstrip() + "…"
    return "\n".join(lines)


def _text(ax: Any, x: float, y: float, text: str, **kwargs: Any) -> None:
    ax.text(x, y, text, parse_math=False, fontfamily=FONT, **kwargs)
