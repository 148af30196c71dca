"""The Trends page's parts: the events editor, one XmR chart per measure, before and after.

Domain work (series, SPC, events, sentences) is telephony/trends.py; this module only draws it
and passes everything through ui/render.py (the gate).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from telephony import caveats, charts, trends
from telephony import text as tx
from telephony.gate import Refused
from ui import render
from ui.selection import Selection

DIRECTIONS = {"none": "No direction (neutral colours)", "high": "Higher is better", "low": "Lower is better"}


def where_kept(sel: Selection) -> str:
    # telephony.trends.event_book: the library's folder keeps them; a session's store (the
    # sample, uploads) keeps them until the session ends.
    if getattr(sel, "source", "") == "library":
        return "Events are kept in the library, with its data."
    return ("Events are kept with this session's data and go when the session ends "
            "(in a library they are kept with it).")


def events_editor(sel: Selection) -> tuple[list[trends.Event], list[int]]:
    """Add or remove dated local events, and choose those to start new limits at; returns the
    events, oldest first, and the ids chosen."""
    book = trends.event_book(sel.store)
    try:
        recorded = book.list()
    except ValueError as exc:   # the library's events file is damaged: said, and left as it is
        st.warning(tx.md(exc), icon=":material/warning:")
        recorded = []
    # Closed: the page's first screen is for its first chart (a meeting looks at that); one click opens it.
    with st.expander(f"Local events ({len(recorded)} recorded)", expanded=False, icon=":material/event:"):
        st.caption("A change at your practices, such as a new phone system or a callback queue. Charts can start "
                   "new limits at an event, and Before and after compares the months either side. "
                   + where_kept(sel))
        with st.form("add_event", clear_on_submit=True, border=False):
            day, label, add = st.columns([2, 5, 2], vertical_alignment="bottom")
            when = day.date_input("Date", value=dt.date.today(), format="DD/MM/YYYY", key="event_date")
            text = label.text_input("What changed", max_chars=trends.LABEL_MAX, key="event_label",
                                    placeholder="new phone system")
            if add.form_submit_button("Add event", icon=":material/add:"):
                try:
                    sel.gate.check_text(text, "An event's description")
                    book.add(when, text)
                except Refused:
                    st.error("An event's description must not name a practice: this page shows PCN views only.")
                except ValueError as exc:
                    st.error(tx.md(exc))
                recorded = book.list()
        for event in recorded:
            words, remove = st.columns([7, 2], vertical_alignment="center")
            with words:
                render.text(sel, tx.md(event.title))
            if remove.button("Remove", key=f"remove_event_{event.event_id}", icon=":material/delete:"):
                try:
                    book.remove(event.event_id)
                except ValueError as exc:
                    st.error(tx.md(exc))
                else:
                    st.rerun()
    rebase_ids = st.multiselect("Start new limits at these events", [e.event_id for e in recorded],
                                format_func={e.event_id: e.title for e in recorded}.get, key="trend_rebase",
                                placeholder="No rebase" if recorded else "Record an event first")
    return recorded, rebase_ids


def measure_chart(sel: Selection, frame: pd.DataFrame, name: str, recorded: list[trends.Event],
                  rebase_ids: list[int], references: dict[str, pd.DataFrame]) -> None:
    """One measure's XmR chart with its direction choice, notes and download."""
    tm = trends.measure(name)
    rebased = [e for e in recorded if e.event_id in rebase_ids]
    chart = trends.trend(frame, name, [e.date for e in rebased])
    head, choice = st.columns([3, 2], vertical_alignment="bottom")
    head.subheader(tm.label)
    better = choice.selectbox("Which way is better?", list(DIRECTIONS), format_func=DIRECTIONS.get,
                              key=f"better_{name}", help="Only when you choose a direction are special-cause "
                              "months called improvement or concern; otherwise just high or low.")
    better = None if better == "none" else better
    if not chart.points:
        st.info(f"No month loaded has a value for {tx.md(tm.label.lower())}"
                + (" (it needs a list-size file)." if tm.per_working_day else "."))
        return
    months = chart.months
    refs = {label: trends.series(ref, name).set_index("month")["value"].reindex(months).tolist()
            for label, ref in references.items()}
    marks = [(e.date, e.label, e in rebased) for e in recorded]
    if chart.rebases and trends.SERIES_BREAK in chart.rebases and trends.spans_break(name, months):
        marks.append((trends.SERIES_BREAK, trends.BREAK_TEXT, True))
    subtitle = (f"{tx.plotly(tm.axis)}<br>{tx.plotly(tx.shorten(sel.pcn_label))} · "
                f"{months[0]:%b %Y} to {months[-1]:%b %Y}")
    fig = charts.xmr_chart(
        list(months), list(chart.points), tx.plotly(trends.headline(chart)), subtitle, sel.source_line,
        y_title=tm.axis, y_format=".1%" if tm.is_share else ",.0f" if tm.measure.kind == "count" else ",.1f",
        note=tx.plotly(trends.limits_note(chart)), better=better, ceiling=1.0 if tm.is_share else None,
        references=refs, events=marks, large=sel.large)
    data = trends.numbers_behind(chart, frame, better)
    render.chart(sel, fig, data, key=f"trend_{name}", grain="area-month", row_key=["month"],
                 name=f"{tm.label.lower()} trend", caveats=[caveats.IN_DEVELOPMENT])
    for note in chart.notes:
        st.caption(tx.md(note))


def before_after(sel: Selection, frame: pd.DataFrame, recorded: list[trends.Event]) -> None:
    """For a chosen event, one sentence per measure."""
    st.header("Before and after")
    if not recorded:
        st.info("Record a local event above (its date and what changed) to compare the months before and after it.")
        return
    by_id = {e.event_id: e for e in recorded}
    chosen = st.selectbox("Event", list(by_id), format_func=lambda i: tx.clean(by_id[i].title),
                          key="before_after_event")
    event = by_id[chosen]
    st.caption("Months are compared per working day (Monday to Friday less bank holidays in England); the event's "
               "month counts as after it. The months since are judged against the limits of the months before.")
    lines = [trends.before_after(frame, name, event).sentence for name in trends.NAMES]
    render.text(sel, "\n".join(f"- {tx.md(line)}" for line in lines))
