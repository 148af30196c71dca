"""Data: what was loaded, what was rejected and why, the checks against the files' own totals,
coverage by month, and the caveats that apply."""

import pandas as pd
import streamlit as st

from telephony.caveats import caveats_for
from ui import current, render, sidebar
from ui.session import MAX_UPLOAD_MB, session

sel = current()
render.page_header(sel, "Data", "Files loaded, rows rejected with reasons, checks against each file's own totals.")
data = session()
reports = sel.store.reports if sel.is_sample else data.upload_reports

st.markdown(f"Add files with **Add your files** in the sidebar: NHS England's Publication Summary workbook "
            "(.xlsx), the practice-level zips (By Day and Time, By Durations, Calls Answered Metric), list sizes "
            "(Patients Registered at a GP Practice) and the practice-to-PCN mapping file. Several at once is fine; "
            f"up to {MAX_UPLOAD_MB:,} MB each. A zip may expand to at most 8 GB (2 GB per CSV, 200 times its "
            "compressed size).")

if not reports:
    st.info("No files loaded yet.")
else:
    summary = pd.DataFrame([{
        "file": r.file_name, "format": r.kind_label if r.kind else "–", "status": r.status,
        "months": ", ".join(r.months), "practices": r.practices, "PCNs": r.pcns, "rows read": r.rows_read,
        "rows loaded": r.rows_loaded, "rows rejected": r.rows_rejected,
        "checks": {None: "–", True: "all match", False: "MISMATCH"}[r.reconciled], "seconds": r.seconds,
    } for r in reports])
    render.table(sel, summary, key="load_summary", grain="load-report", row_key=["file"] if
                 summary["file"].is_unique else ())
    for i, r in enumerate(reports):
        icon = {"loaded": "✅", "duplicate": "♻️", "failed": "❌"}[r.status]
        with st.expander(f"{icon} {r.file_name}: {r.status}", expanded=r.status == "failed"):
            if r.message:
                (st.error if r.status == "failed" else st.info)(r.message)
            for line in r.overlaps + r.notes:
                st.markdown(f"- {line}")
            if r.reconciliation:
                render.table(sel, pd.DataFrame(r.reconciliation), key=f"checks_{i}", grain="load-report",
                             download=False)
            if r.rows_rejected:
                render.rejects(sel, r.source_id, r.file_name, r.rows_rejected, key=f"rejects_{i}")

st.subheader("Coverage by month")
coverage = sel.store.query("coverage_by_month")
if coverage.empty:
    st.info("No call data loaded.")
else:
    coverage["month"] = coverage["month"].dt.strftime("%Y-%m")
    render.table(sel, coverage, key="coverage", grain="coverage", row_key=["month"])

st.subheader("Caveats that apply to what is loaded")
for caveat in caveats_for(sel.store):
    st.markdown(f"- {caveat}")

if not sel.is_sample and data.upload_reports:
    if st.button("Remove my uploaded files from this session", key="clear_uploads"):
        data.clear_uploads()
        sidebar.choose("data_source", "sample")
        st.rerun()
