"""The stakeholder report as PDF: text pages and charts drawn with matplotlib from the same data
as the HTML report; fonts embedded as TrueType (:data:`drawing.PDF_FONTS`).
"""

import io
from collections.abc import Callable, Iterable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no browser

import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from services.reports.content import Progress, ReportData
from services.reports.drawing import FONT, MM, PDF_FONTS, fit, plain
from services.reports.html import kpi_attainment
from services.reports.palette import PALETTE
from services.reports.poster import poster_figure

# --- PDF ------------------------------------------------------------------------------------------

A4 = (297 * MM, 210 * MM)


def _page(title: str) -> Figure:
    figure = Figure(figsize=A4)
    figure.text(0.04, 0.95, plain(title), fontsize=16, fontweight="bold", parse_math=False, va="top")
    return figure


def _text_page(pdf: PdfPages, title: str, blocks: Iterable[str], *, size: float = 9) -> None:
    """A page of wrapped text blocks (continued on new pages when long)."""
    lines: list[str] = []
    for block in blocks:
        lines += fit(block, 270, 1000, size).splitlines() + [""]
    per_page = int(160 / (1.3 * size * 0.3528))
    for start in range(0, max(1, len(lines)), per_page):
        figure = _page(title)
        figure.text(0.04, 0.88, "\n".join(lines[start:start + per_page]), fontsize=size, va="top", parse_math=False,
                    fontfamily=FONT)
        pdf.savefig(figure)


def _chart_page(pdf: PdfPages, title: str, draw: Callable[[Any], None]) -> None:
    figure = _page(title)
    ax = figure.add_axes((0.3, 0.12, 0.65, 0.72))
    draw(ax)
    pdf.savefig(figure)


def report_pdf(data: ReportData, *, progress: Progress | None = None) -> bytes:
    """The report as PDF: text pages, one poster page per journey, and the charts drawn with matplotlib."""
    say = progress or (lambda _m: None)
    tr = data.tr
    buffer = io.BytesIO()
    with matplotlib.rc_context(PDF_FONTS), PdfPages(buffer, metadata={"Title": plain(data.title), "Creator": "Journey Workbench"}) as pdf:
        _text_page(pdf, f"{data.title} — {tr('Stakeholder report')}", [
            f"{data.workspace} · {data.generated.isoformat()}",
            *[f"{p['name']}: {p['role']} · {p['segment']}\n“{p['quote']}”\n{tr('Goals')}: {'; '.join(str(p['goals']).splitlines())}"
              f"\n{tr('Needs')}: {'; '.join(str(p['needs']).splitlines())}\n{tr('Pains')}: {'; '.join(str(p['pains']).splitlines())}"
              for p in data.personas.to_dict("records")],
        ])
        for section in data.journeys:
            say(section.map.journey.name)
            pdf.savefig(poster_figure(section.map, paper="A3", language=data.language))
            if not section.funnel.empty:
                stages = section.funnel
                _chart_page(pdf, f"{section.map.journey.name}: {tr('Customers per stage (of 1,000 entering)')}",
                            lambda ax, s=stages: _bars(ax, [plain(n) for n in s["stage_name"]], s["entering"], PALETTE[0]))
        say(tr("Charts"))
        rated = data.touchpoints.dropna(subset=["importance", "satisfaction"]) if not data.touchpoints.empty else data.touchpoints
        if not rated.empty:
            _chart_page(pdf, tr("Importance–performance"), lambda ax: _scatter(ax, rated, tr))
        if not data.kpis.empty and not kpi_attainment(data.kpis).empty:
            _chart_page(pdf, tr("KPIs against their targets (% of target reached)"), lambda ax: _kpi_bars(ax, data.kpis, tr))
        _text_page(pdf, tr("Top pain points"), [
            f"{'!' * int(r['severity'])} {r['text']}  —  {r['journey']} › {r['stage']} › {r['step']}"
            for r in data.pain_points.to_dict("records")
        ] or ["–"])
        _text_page(pdf, tr("Top opportunities"), [
            f"{r['priority']:.2f}  {r['text']}  ({r['status']})  —  {r['journey']} › {r['step']}"
            for r in data.opportunities.to_dict("records")
        ] or ["–"])
    return buffer.getvalue()


def _bars(ax: Any, labels: list[str], values: Iterable[float], colour: str) -> None:
    positions = list(range(len(labels)))
    ax.barh(positions, list(values), color=colour)
    ax.set_yticks(positions, labels)
    for tick in ax.get_yticklabels():
        tick.set_parse_math(False)
    ax.invert_yaxis()


def _scatter(ax: Any, rated: pd.DataFrame, tr: Callable[[str], str]) -> None:
    ax.scatter(rated["satisfaction"], rated["importance"], s=40 + 10 * rated["steps"].clip(upper=10), color=PALETTE[0], alpha=0.7)
    for x, y, name in zip(rated["satisfaction"], rated["importance"], rated["touchpoint"], strict=True):
        ax.text(x, y + 0.06, plain(name)[:30], fontsize=7, ha="center", parse_math=False)
    ax.axhline(3, color="#9aa5b1", linestyle=":")
    ax.axvline(3, color="#9aa5b1", linestyle=":")
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xlabel(tr("Satisfaction"))
    ax.set_ylabel(tr("Importance"))


def _kpi_bars(ax: Any, kpis: pd.DataFrame, tr: Callable[[str], str]) -> None:
    shown = kpi_attainment(kpis)
    colours = ["#009E73" if s == "on_target" else "#D55E00" for s in shown["status"]]
    positions = list(range(len(shown)))
    ax.barh(positions, shown["attainment"], color=colours)
    ax.axvline(100, color="#000000", linewidth=1.5)
    ax.set_yticks(positions, [plain(n)[:40] for n in shown["name"]])
    for tick in ax.get_yticklabels():
        tick.set_parse_math(False)
    ax.set_xlim(0, 205)
    ax.set_xlabel(tr("% of target reached"))
    ax.invert_yaxis()
