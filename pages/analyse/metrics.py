"""Metrics: every KPI against its target, trend charts, measurements (table or CSV import) and definitions."""

import streamlit as st

from components.cache import snapshot
from components.charts import chart_panel
from components.i18n import _
from components.metric_charts import metric_trend_figure
from components.metric_forms import metric_form
from components.metric_import import import_panel
from components.metric_tables import measurement_editor, status_table
from components.page import journey_names_in, open_page
from services import metrics

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # the reads and charts below: once per change of the workspace (and day)
PERIODS = {90: _("3 months"), 365: _("12 months"), 0: _("All")}
TRENDS_SHOWN = 3  # off-target metrics charted when the page opens

st.title(_("Metrics"))
st.caption(_("Define measures up front and review them regularly: each metric's last value against its target, "
             "the change since its previous measurement, and whether its review is due."))

status = view.data(metrics.metric_status)
journey_names = view.data(journey_names_in)

scopes = {0: _("All metrics"), **journey_names}
scope = st.selectbox(_("Journey"), list(scopes), format_func=scopes.get, key="metric.filter.journey",
                     help=_("A journey's own metrics and those of its steps."))
shown = status[status["journey_id"].isin([scope])] if scope else status
names = dict(zip(shown["metric_id"].astype(int), shown["name"], strict=True))

if status.empty:
    st.info(_("No metrics yet. Define the first one below: what it measures, its target and how often to review it."))
else:
    counts = metrics.status_counts(shown)
    tiles = [("on_target", _("On target")), ("off_target", _("Off target")), ("overdue", _("Overdue for review")),
             ("no_data", _("No data yet"))]
    for column, (code, title) in zip(st.columns(len(tiles)), tiles, strict=True):
        column.metric(title, counts[code], border=True)
    status_table(shown)

    st.subheader(_("Trends"), anchor=False)
    off_target = [int(i) for i in shown.loc[shown["status"] == "off_target", "metric_id"]][:TRENDS_SHOWN]
    picked, period_col = st.columns([3, 1])
    selected = picked.multiselect(
        _("Metrics to chart"), list(names), format_func=names.get, key=f"metric.trend.metrics.{scope}",
        default=off_target or list(names)[:TRENDS_SHOWN], placeholder=_("Choose metrics"),
    )
    period = period_col.segmented_control(_("Period"), list(PERIODS), format_func=PERIODS.get,
                                          key="metric.trend.period", default=365) or 0
    series = view.data(metrics.measurement_series, tuple(selected), window_days=period or None)
    by_id = status.set_index("metric_id")
    for index, metric_id in enumerate(selected):
        if index % 2 == 0:
            columns = st.columns(2)
        metric = {"metric_id": metric_id, **by_id.loc[metric_id].to_dict()}
        data = series[series["metric_id"] == metric_id].assign(metric=metric["name"], unit=metric["unit"],
                                                               target=metric["target"])
        with columns[index % 2]:
            chart_panel(view.figure(metric_trend_figure, data, metric, metric["name"], inputs=(metric_id, period)), data,
                        key=f"metric.trend.chart.{metric_id}", filename=f"{metric['name']} trend")

views = {"measurements": _("Measurements"), "import": _("Import CSV"), "define": _("Define metrics")}
view = st.segmented_control(_("Work on"), list(views), format_func=views.get, key="metric.view",
                            default="measurements" if not status.empty else "define") or "measurements"
if view == "define" or status.empty:
    metric_form(engine, workspace_id, status, journey_names)
elif view == "import":
    import_panel(engine, workspace_id)
elif not names:
    st.info(_("This journey has no metrics yet."))
else:
    chosen = st.selectbox(_("Metric"), list(names), format_func=names.get, key="metric.measurements.metric")
    metric = {"metric_id": chosen, **status.set_index("metric_id").loc[chosen].to_dict()}
    st.caption(_("Newest first. Add a row at the bottom of the table, delete rows with their checkbox and the bin; "
                 "“Save measurements” writes all changes at once or none."))
    measurement_editor(engine, workspace_id, metric)
