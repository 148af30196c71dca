"""Overview: the PCN's headline figures for the period, with its ICB and England beside them."""

import pandas as pd
import streamlit as st

from telephony import caveats, charts, metrics
from ui import current, pack_button, render
from ui.render import fmt_count, fmt_share

LIST_SIZE_FILES = "gp-reg-pat-prac-all.csv, or PracPop*.csv"

sel = current()
render.page_header(sel, "Overview", "What happened to calls to the PCN's practices over the period.")
if not render.need_pcn(sel):
    st.stop()

areas = sel.store.query("area_period_metrics", pcn=sel.pcn, icb=sel.icb or "", start=sel.start, end=sel.end)
pcn = areas[areas["level"] == "pcn"].iloc[0]
months = int(pcn["months"])

render.text(sel, f"### {fmt_share(pcn['answered_share'], 0)} of calls were answered and "
                 f"{fmt_share(pcn['missed_share'], 0)} were missed")
st.caption(f"{fmt_count(pcn['inbound'])} inbound calls over {months} month{'s' if months != 1 else ''}")

rate = pcn["calls_per_1000"]
tiles = [
    ("Inbound calls", fmt_count(pcn["inbound"]),
     "CBT001: all external inbound calls, including shared-account calls published under this PCN."),
    ("Calls per 1,000 patients a month", "needs list sizes" if pd.isna(rate) else f"{rate:,.0f}",
     "Calls at named practices with a known list size, per 1,000 of their registered patients, per month "
     "(list dated the 1st of each month). Needs a list-size file."),
    ("Answered", fmt_share(pcn["answered_share"]), f"{fmt_count(pcn['answered'])} calls (CBT003/CBT007)"),
    ("Ended in the menu (IVR)", fmt_share(pcn["ivr_share"]),
     f"{fmt_count(pcn['ended_in_ivr'])} calls (CBT002): signposted, diverted or dealt with by the automated menu"),
    ("Callback requested", fmt_share(pcn["callback_requested_share"]),
     f"{fmt_count(pcn['callback_requested'])} calls (CBT005)"),
    ("Missed (includes voicemail)", fmt_share(pcn["missed_share"]), f"{fmt_count(pcn['missed'])} calls (CBT004)"),
    ("Answered within 2 minutes", fmt_share(pcn["answered_within_2min_share"]),
     metrics.by_id("answered_within_2min_share").help),
    ("Callbacks made ÷ requested",
     "not used" if pcn["callback_requested"] == 0 else fmt_share(pcn["callback_made_ratio"]),
     "CBT006 ÷ CBT005. Where no callbacks were requested the practice does not use the feature."),
]
per_row = 2 if sel.large else 4
for start in range(0, len(tiles), per_row):
    for column, (label, value, help_text) in zip(st.columns(per_row), tiles[start:start + per_row]):
        column.metric(label, value, help=help_text)

if pd.isna(rate):
    st.caption(f"**Calls per 1,000 patients** needs the practices' list sizes, in NHS England's "
               f"*Patients Registered at a GP Practice* file ({LIST_SIZE_FILES}) for {sel.period_label}. "
               f"{render.how_to_add(sel)}")

st.subheader("Beside the ICB and England")
st.caption("Reference values for the same period, not a ranking. Systems are set up differently in every "
           "practice, so differences need care.")
labels = {"pcn": "This PCN", "icb": "Its ICB", "england": "England"}
render.text(sel, f"This PCN: {render.md(sel.pcn_label)}. Its ICB: {render.md(sel.icb_name) or 'not known'}.")
# Areas as rows, measures (and the counts they are made of, for disclosure control) as columns;
# shown with the measures down the side.
SHOWN = ["inbound", "calls_per_1000", "answered_share", "ivr_share", "callback_requested_share", "missed_share",
         "answered_within_2min_share", "callback_made_ratio", "shared_account_share"]
PARTS = ["answered", "ended_in_ivr", "callback_requested", "missed", "answered_within_2min", "answered_with_waits",
         "callback_made", "shared_account_inbound", "rate_inbound", "patients"]
reference = areas[SHOWN + PARTS].assign(area=[labels[level] for level in areas["level"]])[["area", *SHOWN, *PARTS]]
render.table(sel, reference, key="overview_reference", grain="area-comparison", row_key=["area"], transpose=True,
             show=["area", *SHOWN], title="This PCN beside its ICB and England", name="beside ICB and England")

st.subheader("Coverage")
of = f" of {sel.members} member" if sel.members else ""
shared = pcn["shared_account_inbound"]
render.text(sel, f"- **{int(pcn['practices_reporting'])}{of}** practices reported calls in the period"
                 + ("" if sel.members else " (add the practice-to-PCN mapping file to see how many are members)")
                 + f".\n- **{fmt_count(shared)}** calls ({fmt_share(pcn['shared_account_share'])}) came through "
                 "shared phone accounts published under this PCN; they cannot be split between practices.")
if pcn["balance_gap"] and not pd.isna(pcn["balance_gap"]):
    st.info(f"The four outcomes do not add up to inbound calls: a gap of {fmt_count(pcn['balance_gap'])} calls "
            f"({fmt_share(pcn['balance_gap_share'])}). NHS England publishes outcomes as supplied; the gap is "
            "shown, never forced to balance. See the Outcomes page.")

monthly = sel.store.query("area_month_metrics", **sel.area("pcn"))
if len(monthly) > 1:
    def finding(d):
        return (f"Inbound calls ranged from {fmt_count(d['inbound'].min())} to "
                f"{fmt_count(d['inbound'].max())} a month")

    data = monthly[["month", "inbound", "practices_reporting", "shared_account_inbound"]].assign(
        month=monthly["month"].dt.strftime("%Y-%m"))
    fig = charts.bars(charts.month_labels(monthly["month"]), list(monthly["inbound"]), finding(data),
                      sel.subtitle("Inbound calls (CBT001) per month"), sel.source_line,
                      y_title="Inbound calls", x_title="Month", text=[fmt_count(v) for v in monthly["inbound"]],
                      large=sel.large, hover="%{x}: %{y:,} calls")
    render.chart(sel, fig, data, key="overview_inbound_by_month", grain="area-month", row_key=["month"],
                 finding=finding, name="inbound calls by month", caveats=[caveats.COVERAGE])

pack_button.show(sel)
