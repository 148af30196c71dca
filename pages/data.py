"""Data: what was loaded, what was rejected and why, the checks against the files' own totals,
coverage by month, and the caveats that apply."""

import datetime as dt

import pandas as pd
import streamlit as st

from telephony import text as tx
from telephony.caveats import caveats_for
from telephony.report import what_is_loaded
from ui import current, library_panel, render, sidebar
from ui.session import library_reader, limits_text, session

SHORT_KIND = {"summary_workbook": "Summary workbook", "by_day_time": "By Day and Time",
              "by_durations": "By Durations", "answered_metric": "Calls Answered", "csv_zip": "CSV zip",
              "list_size": "List sizes", "practice_map": "Practice map", "epcn": "ePCN", "call_log": "Call log"}

# Material Symbols, not emoji: they draw without an emoji font; the status is in the label as words too.
STATUS_ICONS = {"loaded": ":material/check_circle:", "duplicate": ":material/content_copy:",
                "failed": ":material/error:"}

sel = current()
render.page_header(sel, "Data", "Files loaded, rows rejected with reasons, checks against each file's own totals.",
                   about_pcn=False)
data = session()
render.total_mismatches(sel, dt.date(1, 1, 1), dt.date(9999, 12, 1))   # every month, first thing on the page
reports = sel.store.reports if sel.is_sample or sel.is_library else data.upload_reports

st.markdown(f"Add files with **Add your files** in the sidebar: NHS England's Publication Summary workbook "
            "(.xlsx), the practice-level zips (By Day and Time, By Durations, Calls Answered Metric), list sizes "
            "(Patients Registered at a GP Practice) and the practice-to-PCN mapping file. Several at once is fine. "
            f"**Limits:** {limits_text()}")

if not sel.large:   # fetching and removing are for the user at their desk, not a meeting screen
    library_panel.get_data(sel)
    library_panel.remove_data(sel)
    st.subheader("Files shown")

own_failed = [r for r in data.upload_reports if r.status == "failed"]
if (sel.is_sample or sel.is_library) and own_failed:
    # The page shows the sample's files below; the user's own failures must not hide behind it.
    st.error(f"**{len(own_failed)} of your files could not be loaded.** Nothing from "
             f"{'it' if len(own_failed) == 1 else 'them'} is shown anywhere.", icon=":material/error:")
    if not sel.large:   # a shared screen names no file: a file name can name a practice
        for r in own_failed:
            st.markdown(f"**{tx.md(r.file_name)}**")
            st.text(r.message)

if not reports:
    st.info("No files loaded yet.")
else:
    loaded = sum(r.status == "loaded" for r in reports)
    rejected = sum(r.rows_rejected for r in reports)
    mismatches = sum(r.reconciled is False for r in reports)
    render.text(sel, f"**{loaded} of {len(reports)} files loaded**; {rejected:,} rows rejected; "
                     + ("every check against the files' own totals matches." if not mismatches
                        else f"**{mismatches} file(s) do not match their own totals** (see below)."))
    if sel.large:   # a shared screen names no file or zip member: a name can name a practice
        render.text(sel, f"**Loaded:** {tx.md(what_is_loaded(reports))}. File names are hidden on a shared screen.")
    summary = pd.DataFrame([{
        "File": f"File {i + 1}" if sel.large else r.file_name, "Read as": SHORT_KIND.get(r.kind, "–"),
        "Status": r.status,
        "Months": ", ".join(r.months), "Rows loaded": r.rows_loaded, "Rows rejected": r.rows_rejected,
        "Checks": {None: "–", True: "all match", False: "MISMATCH"}[r.reconciled],
    } for i, r in enumerate(reports)])
    render.table(sel, summary, key="load_summary", grain="load-report",
                 row_key=["File"] if summary["File"].is_unique else (),
                 column_config={"File": st.column_config.TextColumn("File", width="medium"),
                                "Rows loaded": st.column_config.NumberColumn(format="localized"),
                                "Rows rejected": st.column_config.NumberColumn(format="localized")},
                 title="Files loaded", name="files loaded")
    for i, r in enumerate(reports):
        notable = r.status != "loaded" or r.rows_rejected or r.reconciled is False or r.overlaps
        name = f"File {i + 1}, {r.kind_label}" if sel.large else render.md(r.file_name)
        with st.expander(f"{name}: {r.status}" + (" — needs a look" if notable else ""),
                         icon=STATUS_ICONS[r.status], expanded=bool(notable) and r.status != "duplicate"):
            if sel.large:   # messages and notes quote file and zip member names
                hidden = int(bool(r.message)) + len(r.overlaps) + len(r.notes)
                if hidden:
                    st.caption(f"{hidden} message(s) about this file are hidden on a shared screen, as they "
                               "quote file names; switch shared-screen mode off to read them.")
            elif r.message:
                (st.error if r.status == "failed" else st.info)(tx.md(r.message))
            if r.status == "loaded":
                st.markdown(f"{r.kind_label}; months {', '.join(r.months) or '–'}; {r.practices:,} practices; "
                            f"{r.pcns:,} PCNs; {r.rows_read:,} rows read, {r.rows_loaded:,} loaded, "
                            f"{r.rows_rejected:,} rejected; {r.seconds:.1f} s.")
            for line in [] if sel.large else r.overlaps + r.notes:
                st.markdown(f"- {tx.md(line)}")
            if r.reconciliation:
                render.table(sel, pd.DataFrame(r.reconciliation), key=f"checks_{i}", grain="load-report",
                             download=False,
                             column_config={
                                 "expected": st.column_config.NumberColumn("in the file", format="localized"),
                                 "actual": st.column_config.NumberColumn("loaded", format="localized")})
            if r.rows_rejected:
                render.rejects(sel, r.source_id, r.file_name, r.rows_rejected, key=f"rejects_{i}")

st.subheader("Coverage by month")
coverage = sel.store.query("coverage_by_month")
if coverage.empty:
    st.info("No call data loaded.")
else:
    coverage["month"] = coverage["month"].dt.strftime("%b %Y")
    render.table(sel, coverage, key="coverage", grain="coverage", row_key=["month"],
                 title="What the loaded files cover, month by month (England)", name="coverage by month")

st.subheader("Caveats that apply to what is loaded")
for caveat in caveats_for(sel.store):
    st.markdown(f"- {caveat}")

if not sel.is_sample and data.upload_reports:
    if st.button("Remove my uploaded files from this session", key="clear_uploads"):
        data.clear_uploads()
        sidebar.choose("data_source", "library" if library_reader()[0] is not None else "sample")
        st.rerun()
