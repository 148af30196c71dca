"""Trends: did it help? Every month loaded as XmR charts (NHS England's Making Data Count), local
events to start new limits at, and before/after a change."""

import streamlit as st

from telephony import trends
from ui import current, render
from ui import trends as parts

sel = current()
render.page_header(sel, "Trends", "Each measure month by month as an XmR chart (NHS England's Making Data Count): "
                   "a centre line, process limits, and months of special cause marked with the rule that found "
                   "them. Common cause variation is the noise every month has; special cause is a signal.")
if not render.need_pcn(sel):
    st.stop()

frame = trends.area_months(sel.store, "pcn", sel.pcn)
if frame.empty:
    st.info("No months are loaded for this PCN.")
    st.stop()
if not sel.large:   # a meeting reads the charts; their subtitles say where limits are trial limits
    st.caption("Every month loaded is shown, whatever period is chosen in the sidebar. Limits from fewer than 12 "
               "months are trial limits; with fewer than 6 there are none (a run chart).")

# Events and the two choices on one row, so the first chart starts on the first screen.
events, toggle = st.columns([3, 2])
with events:
    recorded, rebase_ids = parts.events_editor(sel)
show = toggle.toggle("Show the ICB and England beside each chart", key="trend_references",
                     help="Thin lines for reference only: areas are never ranked.")
references = {}
if show:
    if sel.icb:
        references[sel.icb_short] = trends.area_months(sel.store, "icb", sel.icb)
    references["England (all loaded)"] = trends.area_months(sel.store, "england", "")

for name in trends.NAMES:
    parts.measure_chart(sel, frame, name, recorded, rebase_ids, references)

parts.before_after(sel, frame, recorded)
