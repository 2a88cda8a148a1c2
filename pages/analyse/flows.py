"""Flow and drop-off: where the customers of a branched journey go, per step and per stage,
and how the map compares with measured step rates."""

import streamlit as st

from components.analysis_charts import (
    flow_sankey_figure,
    measured_vs_modelled_figure,
    number,
    sankey_links,
    stage_funnel_figure,
)
from components.cache import snapshot
from components.charts import chart_panel
from components.feedback import message
from components.i18n import _
from components.labels import translated
from components.page import open_page
from components.step_editor import EXIT_KINDS
from components.text import md
from services import journeys
from services.core import DomainError

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # the reads and charts below: once per change of the workspace
FLAGGED = 3  # the steps that lose the most are flagged in the Sankey and the table

st.title(_("Flow and drop-off"))
listing = view.data(journeys.list_journeys)
if listing.empty:
    st.info(_("No journeys yet. Create one on the Journeys page."))
    st.page_link("pages/map/journeys.py", label=_("Open the journeys"), icon="🗺️")
    st.stop()

names = {int(i): name for i, name in zip(listing["id"], listing["name"], strict=True)}
pick, count = st.columns([3, 1], vertical_alignment="bottom")
journey_id = pick.selectbox(_("Journey"), list(names), format_func=names.get, key="flow.journey")
customers = int(count.number_input(_("Customers entering"), min_value=1, max_value=10_000_000, value=1000, step=100,
                                   key="flow.customers"))
st.caption(_("Customers enter at the entry points by their entry shares and follow the branch shares; what a step's "
             "branches leave of 100 % drops off there. Loops are solved exactly (absorbing Markov chain)."))

try:
    flow, rates = view.data(journeys.flow_and_rates, journey_id, customers)
except DomainError as err:
    st.error(message(err), icon="⚠️")
    st.page_link("pages/map/journey_editor.py", label=_("Open the journey map"), icon="🧭")
    st.stop()

if flow.steps.empty:
    st.info(_("This journey has no steps yet."))
    st.stop()
if flow.notes:
    with st.expander(_("{count} assumptions the model made").format(count=len(flow.notes)), icon="ℹ️"):
        for note in flow.notes:
            st.caption(md(note.render(_)))

outcomes = flow.outcomes()
finished = outcomes[outcomes["kind"].isin(["purchase", "complete", ""])]["customers"].sum()
losses = flow.biggest_losses(5)
flagged = set(losses["step_id"].head(FLAGGED).astype(int))
done, lost, worst = st.columns(3)
done.metric(_("Reach a purchase or completion exit"), number(finished), f"{number(100 * finished / customers, 1)} %",
            delta_color="off", delta_arrow="off")
lost.metric(_("Lost (drop-off, abort, churn)"), number(flow.lost), f"{number(100 * flow.lost / customers, 1)} %",
            delta_color="off", delta_arrow="off")
if not losses.empty:
    worst.metric(_("Biggest loss at one step"), number(losses["lost"].iat[0]),
                 f"{number(losses['lost_pct'].iat[0], 1)} % " + _("of its visits"), delta_color="off", delta_arrow="off")
    worst.caption(md(losses["title"].iat[0]))

st.subheader(_("Flow of the customers"), anchor=False)
st.caption(_("Band width: customers. Orange: the {count} steps that lose the most; green: purchase or completion "
             "exits; red: abort and churn exits and the drop-off.").format(count=FLAGGED))
shown_as = (journey_id, customers)
chart_panel(view.figure(flow_sankey_figure, flow, _("Flow of {customers} customers").format(customers=number(customers)), flagged,
                        inputs=shown_as),
            sankey_links(flow), key="flow.sankey", filename=f"{names[journey_id]} flow")

st.subheader(_("Funnel per stage"), anchor=False)
chart_panel(view.figure(stage_funnel_figure, flow.stages, customers, _("Customers reaching each stage, and the share lost there"),
                        inputs=shown_as),
            flow.stages, key="flow.funnel", filename=f"{names[journey_id]} stage funnel")

st.subheader(_("Steps that lose the most customers"), anchor=False)
if losses.empty:
    st.success(_("No step loses customers in this model."))
else:
    st.dataframe(
        losses.assign(flag=["⚠️" if s in flagged else "" for s in losses["step_id"]]),
        hide_index=True, width="stretch",
        column_order=("flag", "title", "stage_name", "visits", "dropped_here", "to_loss_exits", "lost", "lost_pct",
                      "pct_of_customers"),
        column_config={
            "flag": st.column_config.TextColumn("", width="small"),
            "title": st.column_config.TextColumn(_("Step"), width="large"),
            "stage_name": st.column_config.TextColumn(_("Stage")),
            "visits": st.column_config.NumberColumn(_("Visits"), format="%.0f"),
            "dropped_here": st.column_config.NumberColumn(_("Drop off here"), format="%.0f"),
            "to_loss_exits": st.column_config.NumberColumn(_("To abort/churn exits"), format="%.0f"),
            "lost": st.column_config.NumberColumn(_("Lost"), format="%.0f"),
            "lost_pct": st.column_config.ProgressColumn(_("Lost of the visits (%)"), format="%.1f %%", min_value=0,
                                                        max_value=100),
            "pct_of_customers": st.column_config.NumberColumn(_("Lost of all customers (%)"), format="%.1f %%"),
        },
    )

with st.expander(_("Exits"), icon="🚪"):
    st.dataframe(flow.exits.assign(exit_kind=flow.exits["exit_kind"].map(translated(EXIT_KINDS))), hide_index=True,
                 width="stretch", column_order=("title", "stage_name", "exit_kind", "customers", "pct"),
                 column_config={"title": _("Exit step"), "stage_name": _("Stage"), "exit_kind": _("Kind of exit"),
                                "customers": st.column_config.NumberColumn(_("Customers"), format="%.0f"),
                                "pct": st.column_config.NumberColumn(_("Of all customers (%)"), format="%.1f %%")})

st.subheader(_("Measured and modelled"), anchor=False)
if rates.empty:
    st.caption(_("No step of this journey has a conversion or drop-off rate metric yet. Define one on a step to compare "
                 "the map with reality."))
else:
    st.caption(_("The latest measured rate of each step metric beside the rate the map implies (abort and churn branches "
                 "count as lost). Large gaps show where the map's shares need another look."))
    chart_panel(view.figure(measured_vs_modelled_figure, rates, _("Measured and modelled step rates"), inputs=shown_as), rates,
                key="flow.rates", filename=f"{names[journey_id]} measured vs modelled")
