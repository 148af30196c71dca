"""Call logs: a practice's own supplier call log in national terms, and the views only call-level
data allows: demand by the hour or half hour, waits in fine buckets, repeat callers per day."""

import streamlit as st

from telephony import caveats
from telephony import text as tx
from telephony.calllog import views
from ui import current, render, sidebar
from ui.call_log_setup import add_logs

sel = current()
render.page_header(sel, "Call logs", "Practices' own call logs from their telephony supplier, mapped to the national "
                   "definitions. Their calls also count on every other page, except where published figures for "
                   "the same practice and month are loaded (those win).", about_pcn=sel.pcn is not None)
add_logs(sel)

logs = sel.store.query("calllog_logs")
if logs.empty:
    st.info("No call logs are loaded in the data shown. Add one above, or load the synthetic examples.")
    st.stop()
what = "the synthetic example call logs" if sel.is_sample else "your call logs"
names = sorted(set(logs["file_name"]))
listed = f"{len(names)} file(s)" if sel.large else ", ".join(render.md(n) for n in names[:4]) + (
    f" and {len(names) - 4} more" if len(names) > 4 else "")
render.text(sel, f"**Call-level views from {what}:** {listed}")
if sel.pcn is None or sel.pcn not in set(logs["pcn_code"]):
    covered = logs.drop_duplicates("pcn_code")
    render.text(sel, "The call logs loaded cover " + ", ".join(render.md(f"{n} ({c})") for c, n in
                                                                  zip(covered["pcn_code"], covered["pcn_name"]))
                + (f", not {render.md(sel.pcn_label)}." if sel.pcn else "."))
    first = covered["pcn_code"].iloc[0]
    if st.button(f"Show {tx.md(first)}", key="calllog_show_pcn"):
        sidebar.choose("pcn", first)
        st.rerun()
    st.stop()

cover = sel.store.query("calllog_coverage", pcn=sel.pcn, start=sel.start, end=sel.end).iloc[0]
if not cover["calls"]:
    st.info(f"The call logs hold no calls for {render.md(sel.pcn_label)} in {sel.period_label}; "
            "widen the period in the sidebar.")
    st.stop()
n = int(cover["practices_with_logs"])
render.text(sel, f"{int(cover['calls']):,} calls from the logs of {n} of the PCN's {sel.practices_reporting} "
                 f"reporting practices, {cover['first_date']:%d %b %Y} to {cover['last_date']:%d %b %Y} "
                 f"({int(cover['days'])} days). Supplier logs can count calls differently from the national data "
                 "(for example queued calls only).")
if n == 1:
    st.warning("**These views come from a single practice's call log**, so they are that practice's figures. "
               "Read them with that in mind.", icon=":material/info:")
source = views.SAMPLE_SOURCE if sel.is_sample else views.SOURCE

st.subheader("When calls arrive")
half = st.radio("Steps", ["Hour", "Half hour"], horizontal=True, key="calllog_step") == "Half hour"
as_share = st.toggle("Share of the period's calls instead of calls a day", key="calllog_share")
minutes = 30 if half else 60
cells = sel.store.query("calllog_heatmap", pcn=sel.pcn, start=sel.start, end=sel.end, minutes=minutes)
fig, data = views.heatmap(cells, minutes, sel.subtitle(
    ("Share of the period's calls" if as_share else "Average calls a day")
    + f" by weekday and {'half hour' if half else 'hour'} (all inbound calls in the logs, CBT001); bank holidays "
      "in their own row"), source, as_share=as_share, large=sel.large)
render.chart(sel, fig, data, key="calllog_heatmap", grain="area-band", row_key=["weekday", "starting"],
             name=f"call log calls by weekday and {'half hour' if half else 'hour'}", caveats=[caveats.CLOSURES])

st.subheader("How long callers waited")
waits = sel.store.query("calllog_fine_waits", pcn=sel.pcn, start=sel.start, end=sel.end)
if waits.empty:
    st.info("The call logs shown have no wait column, so waits are not known.")
else:
    fig, data = views.fine_waits(waits, sel.subtitle("Share of answered calls (CBT003) and of missed calls "
                                                     "(CBT004) by seconds waited, in fine buckets"),
                                 source, large=sel.large)
    render.chart(sel, fig, data, key="calllog_fine_waits", grain="area-band", row_key=["wait"],
                 name="call log waits in fine buckets")
    st.caption("The national publication has four wait bands (under 1, 1-2, 2-5, over 5 minutes); a call log shows "
               "where inside them calls fall, for example how many callers give up in the first 15 seconds.")

st.subheader("Callers who rang again")
repeats = sel.store.query("calllog_repeat_callers", pcn=sel.pcn, start=sel.start, end=sel.end)
if repeats.empty:
    st.info("The call logs shown have no caller-number column, so repeat callers cannot be counted.")
else:
    fig, data = views.repeat_callers(repeats, sel.subtitle("Callers who rang the same practice two or more times "
                                                           "that day (a rough count)"), source, large=sel.large)
    render.chart(sel, fig, data, key="calllog_repeat_callers", grain="area-band", row_key=["date"],
                 name="call log repeat callers by day", caveats=[caveats.CALLS_NOT_PEOPLE])
    st.caption("Counted from caller numbers hashed with this session's random salt while the log was read, then "
               "dropped: no number is stored or shown. One person on two phones counts twice; a shared phone once. "
               f"{int(cover['calls_with_number']):,} calls had a number given.")
