"""Outcomes: what happened to calls, month by month and by time of day; the balance gap."""

import pandas as pd
import streamlit as st

from telephony import caveats, charts
from telephony.formats import TIME_BANDS
from ui import current, render
from ui.render import fmt_count, fmt_share, share

sel = current()
render.page_header(sel, "Outcomes", "Answered, ended in the automated menu (IVR), callback requested, or missed.")
if not render.need_pcn(sel):
    st.stop()

monthly = sel.store.query("area_month_metrics", **sel.area("pcn"))
cols = ["inbound", "answered", "ended_in_ivr", "callback_requested", "missed", "balance_gap"]
SHARES = ["answered_share", "ivr_share", "callback_requested_share", "missed_share"]


def month_finding(d: pd.DataFrame) -> str:
    last = d.iloc[-1]
    return (f"In {pd.Timestamp(last['month']):%B %Y}, {fmt_share(share(last['answered'], last['inbound']), 0)} of "
            f"calls were answered and {fmt_share(share(last['missed'], last['inbound']), 0)} missed")


data = monthly[["month", *cols, *SHARES]].assign(month=monthly["month"].dt.strftime("%Y-%m"))
fig = charts.outcome_shares_by_month(monthly, month_finding(data),
                                     sel.subtitle("Share of inbound calls by outcome, per month"), sel.source_line,
                                     large=sel.large)
render.chart(sel, fig, data, key="outcomes_by_month", grain="area-month", row_key=["month"], finding=month_finding,
             name="outcomes by month", caveats=[caveats.VOICEMAIL, caveats.IVR_SETUP])

bands = sel.store.query("outcomes_by_band", **sel.area("pcn"))
if bands.empty:
    st.info("Outcomes by time of day need the practice-level **By Day and Time** zip for these months. "
            f"{render.how_to_add(sel)}")
else:
    EVENING = [TIME_BANDS[b] for b in (0, 1, 7, 8)]

    def band_finding(d: pd.DataFrame) -> str:
        """Outside 08:00-18:00: the share ending in the menu; else the busiest band's answered share."""
        evening = d[d["time_band"].isin(EVENING)]
        ivr_out = share(evening["ended_in_ivr"].sum(), evening["inbound"].sum())
        if ivr_out is not None:
            return f"Outside 08:00-18:00, {fmt_share(ivr_out, 0)} of calls end in the automated menu"
        busiest = d.loc[d["inbound"].astype("Float64").fillna(0).idxmax()]
        return (f"Between {busiest['time_band']}, the busiest time, "
                f"{fmt_share(share(busiest['answered'], busiest['inbound']), 0)} of calls were answered")

    data = bands.assign(time_band=[TIME_BANDS[b] for b in bands["band"]])[["time_band", *cols[:-1]]]
    fig = charts.outcomes_by_band(bands, band_finding(data),
                                  sel.subtitle("Share of inbound calls by outcome and time of call"), sel.source_line,
                                  large=sel.large)
    render.chart(sel, fig, data, key="outcomes_by_band", grain="area-band", row_key=["time_band"],
                 finding=band_finding, name="outcomes by time of call", caveats=[caveats.DIRECT_DIAL])

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
st.caption("Balance gap = inbound − (answered + ended in IVR + callback requested + missed). The last column "
           "counts practices and shared accounts whose own outcomes do not add up that month.")
render.table(sel, gap, key="balance_gap", grain="area-month", row_key=["month"],
             title="Inbound calls against the four outcomes, month by month", name="balance gap by month")

st.subheader("Callbacks")
cb = monthly[["month", "callback_requested", "callback_made", "callback_made_ratio", "units_without_callbacks"]]
requested = cb["callback_requested"].sum()
callback_ratio = fmt_share(cb["callback_made"].sum() / requested) if requested else "not used"
render.text(sel, f"Callbacks made ÷ requested over the period: **{callback_ratio}**. "
                 "Where a practice requests no callbacks it does not use the feature: "
                 "0 means *not used*, not *perfect*.")
