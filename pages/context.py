"""Context: the PCN against all PCNs of its ICB and of England, as anonymous distribution bands."""

import streamlit as st

from telephony import charts
from telephony import text as tx
from ui import current, render
from ui.render import fmt_share

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
    name = tx.shorten(sel.pcn_name)

    def finding(d, name=name, n=n, scope_label=scope_label):
        """The PCN's answered share beside the median PCN's."""
        answered = d[d["metric"] == SHARES["answered_share"]]
        if answered.empty or answered["pcn_value"].isna().all():
            return f"{name} among {n:,} {scope_label}"
        row = answered.iloc[0]
        return (f"Among {n:,} {scope_label} the middle one answered {fmt_share(row['p50'], 0)} of calls; "
                f"{name} answered {fmt_share(row['pcn_value'], 0)}")

    data = rows.assign(metric=[SHARES[m] for m in rows["metric"]]).drop(columns=["order", "scope"])
    fig = charts.decile_strip(
        rows, SHARES, tx.plotly(finding(data)),
        sel.subtitle(f"Outcome shares; band = middle 80% of {n:,} PCNs, ticks = deciles, bar = median, "
                     "diamond = this PCN"),
        sel.source_line, pcn_label=sel.pcn_label, large=sel.large)
    render.chart(sel, fig, data, key=f"context_{scope}", grain="distribution", row_key=["metric"],
                 finding=finding, name=f"among {scope_label}")

st.caption("Bands are drawn from every PCN's figures for the same period. IVR and callback shares mostly "
           "reflect how phones are set up, and some suppliers exclude direct-dial calls: a PCN outside the "
           "band is a question to ask, not a verdict.")
