"""Context: the PCN against all PCNs of its ICB and of England, as anonymous distribution bands."""

import streamlit as st

from telephony import charts
from telephony import text as tx
from ui import current, render

sel = current()
render.page_header(sel, "Context", "Where the PCN sits among all PCNs, as anonymous bands: no other PCN is "
                                   "named, and nothing is ranked.")
if not render.need_pcn(sel):
    st.stop()

dist = sel.store.query("pcn_distribution", pcn=sel.pcn, icb=sel.icb or "", start=sel.start, end=sel.end)
SHARES = {"answered_share": "Answered", "ivr_share": "Ended in IVR",
          "callback_requested_share": "Callback requested", "missed_share": "Missed",
          "answered_within_2min_share": "Answered within 2 minutes"}
scopes = [("icb", f"PCNs in {sel.icb_short}"), ("england", "PCNs in England")]
for scope, scope_label in scopes:
    rows = dist[(dist["scope"] == scope) & dist["metric"].isin(SHARES)].copy()
    if rows.empty or rows["pcns"].max() < 5:
        st.info(f"{render.md(scope_label)}: fewer than 5 PCNs with data, so no distribution is drawn.")
        continue
    rows["order"] = [list(SHARES).index(m) for m in rows["metric"]]
    rows = rows.sort_values("order")
    n = int(rows["pcns"].max())
    fig = charts.decile_strip(
        rows, SHARES, f"{tx.plotly(tx.shorten(sel.pcn_name))} among {n:,} {tx.plotly(scope_label)}",
        sel.subtitle(f"Outcome shares; band = middle 80% of {n:,} PCNs, ticks = deciles, bar = median"),
        sel.source_line, pcn_label=sel.pcn_label, large=sel.large)
    data = rows.assign(metric=[SHARES[m] for m in rows["metric"]]).drop(columns=["order", "scope"])
    render.chart(sel, fig, data, key=f"context_{scope}", grain="distribution", row_key=["metric"])

st.caption("Bands are drawn from every PCN's figures for the same period. IVR and callback shares mostly "
           "reflect how phones are set up, and some suppliers exclude direct-dial calls: a PCN outside the "
           "band is a question to ask, not a verdict.")
