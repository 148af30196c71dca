"""Outcomes: what happened to calls, month by month and by time of day; the balance gap."""

import pandas as pd
import streamlit as st

from telephony import charts
from telephony.formats import TIME_BANDS
from ui import current, render
from ui.render import fmt_count, fmt_share

sel = current()
render.page_header(sel, "Outcomes", "Answered, ended in the automated menu (IVR), callback requested, or missed.")
if not render.need_pcn(sel):
    st.stop()

monthly = sel.store.query("area_month_metrics", **sel.area("pcn"))
last = monthly.iloc[-1]
fig = charts.outcome_shares_by_month(
    monthly, f"In {last['month']:%B %Y}, {fmt_share(last['answered_share'], 0)} of calls were answered and "
             f"{fmt_share(last['missed_share'], 0)} missed",
    sel.subtitle("Share of inbound calls by outcome, per month"), sel.source_line, large=sel.large)
cols = ["inbound", "answered", "ended_in_ivr", "callback_requested", "missed", "balance_gap"]
data = monthly[["month", *cols, "answered_share", "ivr_share", "callback_requested_share", "missed_share"]].assign(
    month=monthly["month"].dt.strftime("%Y-%m"))
render.chart(sel, fig, data, key="outcomes_by_month", grain="area-month", row_key=["month"], counts=cols,
             shares={"answered_share": ("answered", "inbound"), "ivr_share": ("ended_in_ivr", "inbound"),
                     "callback_requested_share": ("callback_requested", "inbound"),
                     "missed_share": ("missed", "inbound")})

bands = sel.store.query("outcomes_by_band", **sel.area("pcn"))
if bands.empty:
    st.info("Outcomes by time of day need the practice-level **By Day and Time** zip for these months.")
else:
    evening = bands[bands["band"].isin([0, 1, 7, 8])]
    ivr_out = evening["ended_in_ivr"].sum() / evening["inbound"].sum() if evening["inbound"].sum() else None
    fig = charts.outcomes_by_band(
        bands, f"Outside 08:00-18:00, {fmt_share(ivr_out, 0)} of calls end in the automated menu"
        if ivr_out is not None else "Outcomes by time of day",
        sel.subtitle("Share of inbound calls by outcome and time of call"), sel.source_line, large=sel.large)
    data = bands.assign(time_band=[TIME_BANDS[b] for b in bands["band"]])[["time_band", *cols]]
    render.chart(sel, fig, data, key="outcomes_by_band", grain="area-band", row_key=["time_band"], counts=cols)

st.subheader("Do the four outcomes add up?")
gap = monthly[["month", "inbound", "answered", "ended_in_ivr", "callback_requested", "missed", "balance_gap",
               "balance_gap_share", "units_unbalanced"]].copy()
off = gap[gap["balance_gap"].fillna(0) != 0]
render.text(sel, "Answered + ended in IVR + callback requested + missed should equal inbound calls.")
if off.empty:
    st.success("Yes: in every month, answered + IVR + callback requested + missed equals inbound calls.")
else:
    st.warning(f"**Not in {len(off)} of {len(gap)} month(s).** The outcomes differ from inbound calls by "
               f"{fmt_count(off['balance_gap'].abs().sum())} calls in all. Some calls fall outside the call flow "
               "or are counted twice by a supplier; NHS England publishes the figures as supplied, and so do we.",
               icon=":material/balance:")
gap["month"] = gap["month"].dt.strftime("%b %Y")
gap = gap.rename(columns={
    "month": "Month", "inbound": "Inbound", "answered": "Answered", "ended_in_ivr": "Ended in IVR",
    "callback_requested": "Callback req.", "missed": "Missed", "balance_gap": "Gap",
    "balance_gap_share": "Gap share", "units_unbalanced": "Units off"})
counts = ["Inbound", "Answered", "Ended in IVR", "Callback req.", "Missed", "Gap"]
st.caption("Gap = inbound − (answered + ended in IVR + callback requested + missed). Units off = practices "
           "and shared accounts whose own outcomes do not add up that month.")
render.table(sel, gap, key="balance_gap", grain="area-month", row_key=["Month"],
             column_config={**{c: st.column_config.NumberColumn(c, format="localized") for c in counts},
                            "Gap share": st.column_config.NumberColumn("Gap share", format="percent")},
             counts=counts, shares={"Gap share": ("Gap", "Inbound")})

st.subheader("Callbacks")
cb = monthly[["month", "callback_requested", "callback_made", "callback_made_ratio", "units_without_callbacks"]]
render.text(sel, f"Callbacks made ÷ requested over the period: **{fmt_share(cb['callback_made'].sum() / cb['callback_requested'].sum()) if cb['callback_requested'].sum() else 'not used'}**. "
                 "Where a practice requests no callbacks it does not use the feature: 0 means *not used*, not *perfect*.")
