"""The only way pages put data on screen or into a download: everything passes the gate.

Pages never call st.dataframe, st.plotly_chart, st.download_button or st.table themselves
(tests/test_gate_bypass.py checks this); they call the functions here.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable

import pandas as pd
import streamlit as st

from telephony import text as tx
from telephony.gate import Refused
from telephony.report import what_is_loaded
from ui.selection import Selection
from ui.session import session

# Shared screen: scale the root font; Streamlit sizes text in rem, so everything grows together
# (tables too: the data grid takes its font size from the root's). Less padding and a smaller page
# title, so the page's headline figure or chart is on the first screen of a 1280x720 projector.
LARGE_CSS = """<style>
html { font-size: 21px !important; }
[data-testid="stMainBlockContainer"] { padding-top: 2.6rem !important; padding-left: 1.5rem !important;
    padding-right: 1.5rem !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; padding-top: 0; padding-bottom: 0.2rem; }
[data-testid="stMainBlockContainer"] h4 { font-size: 1.05rem; padding-top: 0; }
</style>"""


def page_header(sel: Selection, title: str, intro: str = "", *, about_pcn: bool = True) -> None:
    """Title, the PCN and period shown, what data the page shows (library, sample or which uploads),
    and the shared-screen note. On a shared screen all of that is one line under the title, and no
    file is named (a file's name can name a practice): what is loaded is told by kind and month."""
    if sel.large:
        st.markdown(LARGE_CSS, unsafe_allow_html=True)
    st.title(title)
    if about_pcn and sel.pcn:
        label = tx.shorten(sel.pcn_label)
        text(sel, f"#### {tx.md(label)} · {sel.period_label}",
             help=tx.md(sel.pcn_label) if label != tx.clean(sel.pcn_label) else None)
    if sel.large:
        shown = ("**synthetic sample** data, not real NHS data" if sel.is_sample
                 else "**the library:** NHS England's published data" if sel.is_library
                 else f"**your files:** {tx.md(what_is_loaded(session().loaded_uploads()))}" if sel.uploads else "")
        st.caption(":material/cast: **Shared screen:** aggregated PCN views only; no practice is named, ranked "
                   "or singled out; downloads have disclosure control applied." + (f" Showing {shown}." if shown else ""))
    elif sel.is_sample:
        st.warning("**Showing the synthetic sample**, made up by this tool to show how it works. "
                   "It is not real NHS data. Upload your own files in the sidebar.",
                   icon=":material/science:")
    elif sel.is_library:
        st.info("**Showing the library: NHS England's published data**, kept on this computer. "
                "The Data page gets more months.", icon=":material/local_library:")
    elif sel.uploads:
        names = ", ".join(tx.md(tx.shorten(n)) for n in sel.uploads[:4]) + (f" and {len(sel.uploads) - 4} more" if len(sel.uploads) > 4 else "")
        try:
            names = sel.gate.check_text(names)
        except Refused:   # a file named after a practice: say how many, not what
            names = f"{len(sel.uploads)} file(s) (names hidden: they would identify a practice)"
        on = " on top of the library (NHS England's published data)" if sel.on_library else ""
        st.success(f"**Showing your uploaded files{on}:** {names}", icon=":material/folder_open:")
    if intro and not sel.large:   # a meeting reads the headline; the page's purpose is for a reader
        st.caption(intro)
    if about_pcn and sel.start is not None:
        total_mismatches(sel, sel.start, sel.end)


def total_mismatches(sel: Selection, start, end) -> None:
    """A warning, with sizes, for each month in [start, end] whose figures come from a file that
    does not match its own totals: what is shown for that month may be short or over by that much."""
    found = sel.store.query("total_mismatches", start=start, end=end)

    def name(file_name: str) -> str:   # a file named after a practice is not shown by name
        try:
            return "a file" if sel.large else f"'{tx.md(sel.gate.check_text(file_name))}'"
        except Refused:
            return "a file"

    for month, rows in found.groupby("month", sort=True):
        lines = [f"- {name(r.file_name)}, {tx.md(r.check_name)}: the file says {r.expected:,.0f}, {r.actual:,.0f} loaded "
                 f"({abs(r.difference):,.0f} {'more' if r.difference > 0 else 'fewer'})" for r in rows.itertuples()]
        st.warning(f"**{pd.Timestamp(month):%B %Y}: loaded figures do not match the file's own totals.** "
                   "Figures for this month may be off by the sizes shown; see the Data page.\n\n"
                   + "\n".join(lines[:8]) + (f"\n- and {len(lines) - 8} more" if len(lines) > 8 else ""),
                   icon=":material/warning:")


def need_pcn(sel: Selection) -> bool:
    """Stop the page with a plain message when there is nothing to show. True if it can go on."""
    if sel.pcn is None:
        if sel.source == "uploads" and not sel.uploads:
            st.info("No files of yours are loaded yet. Add the Publication Summary workbook (.xlsx) or "
                    "the practice-level CSV zips with **Add your files** in the sidebar.")
        else:
            st.info("The loaded files hold no PCN with call data. See the Data page for what was loaded.")
        return False
    if sel.practices_reporting == 1:
        st.warning(f"**{tx.md(sel.pcn_label)}: figures come from a single reporting practice**, so they are that "
                   "practice's figures. Read them with that in mind.",
                   icon=":material/info:")
    return True


def csv_bytes(frame: pd.DataFrame, comments: Iterable[str] = ()) -> bytes:
    """A download safe to open in a spreadsheet: comment lines first, each one quoted cell of
    plain text starting with '#'; then the table, with any text that would start a formula
    neutralised (telephony/text.py, OWASP's advice)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for line in comments:
        writer.writerow([f"# {tx.plain(line)}"])
    tx.csv_frame(frame).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _csv(frame: pd.DataFrame, sel: Selection, title: str) -> bytes:
    note = frame.attrs.get("disclosure_note")
    return csv_bytes(frame, [title, sel.subtitle("Data behind the chart"), sel.source_line, *([note] if note else [])])


def _refused(exc: Refused) -> None:
    st.warning(f"Not shown: {tx.md(exc)}", icon=":material/lock:")


def _release(sel: Selection, frame: pd.DataFrame, *, key: str, grain: str, row_key, counts, shares):
    """The table as shown on screen, and as exported (with disclosure control where the mode
    asks for it). Raises Refused."""
    shown = sel.gate.table(frame, grain=grain, key=row_key, where=key)
    export = sel.gate.table(shown, grain=grain, key=row_key, where=key, counts=counts, shares=shares,
                            for_export=True)
    return shown, export


def chart(sel: Selection, fig, data: pd.DataFrame, *, key: str, grain: str, row_key: Iterable[str] = (),
          counts: Iterable[str] = (), shares: dict | None = None, download: bool = True) -> None:
    """A gated chart with a download of the numbers behind it (unless download=False: a slide)."""
    try:
        fig = sel.gate.figure(fig, where=key)
        shown, export = _release(sel, data, key=key, grain=grain, row_key=row_key, counts=counts, shares=shares)
    except Refused as exc:
        _refused(exc)
        return
    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False})
    if not download:
        return
    title = fig.layout.title.text or key
    st.download_button("Download the numbers (CSV)", _csv(export, sel, title), file_name=f"{key}.csv",
                       mime="text/csv", key=f"download_{key}")
    if export.attrs.get("disclosure_note"):
        st.caption(export.attrs["disclosure_note"])


def table(sel: Selection, frame: pd.DataFrame, *, key: str, grain: str, row_key: Iterable[str] = (),
          column_config: dict | None = None, download: bool = True, counts: Iterable[str] = (),
          shares: dict | None = None) -> None:
    try:
        shown, export = _release(sel, frame, key=key, grain=grain, row_key=row_key, counts=counts, shares=shares)
    except Refused as exc:
        _refused(exc)
        return
    st.dataframe(shown, hide_index=True, column_config=column_config, key=f"table_{key}")
    if download:
        st.download_button("Download this table (CSV)", _csv(export, sel, key), file_name=f"{key}.csv",
                           mime="text/csv", key=f"download_{key}")


def rejects(sel: Selection, source_id: int, file_name: str, count: int, *, key: str) -> None:
    """Row-level rejects of one file: the one place raw file text (which may hold practice codes)
    is shown, on the Data page only, and never on a shared screen."""
    if sel.large:
        st.caption(f"{count:,} rows were rejected. Row details are hidden on a shared screen; switch "
                   "shared-screen mode off to see and download them.")
        return
    frame = sel.store.con.execute(
        "SELECT location, row_number, column_name, reason, raw FROM rejects WHERE source_id = $s "
        "ORDER BY location, row_number", {"s": source_id}).df()
    st.markdown(f"**{count:,} rejected rows**, each with its row in the file and the reason:")
    st.dataframe(frame.head(500), hide_index=True, key=f"table_{key}")
    st.download_button("Download all rejected rows (CSV)", csv_bytes(frame),
                       file_name=f"rejected rows - {tx.clean(file_name)}.csv", mime="text/csv", key=f"download_{key}")


def text(sel: Selection, markdown: str, help: str | None = None) -> None:
    """Free text built from data (names, figures) passes the gate too. Names in it must already
    be escaped with `md` (file text is never Markdown); `help`: a tooltip, Markdown too."""
    try:
        st.markdown(sel.gate.check_text(markdown), help=help and sel.gate.check_text(help))
    except Refused as exc:
        _refused(exc)


def md(value, n: int = tx.LONG) -> str:
    """A name from a file, shortened to `n` characters, as Markdown that shows it as written."""
    return tx.md(tx.shorten(value, n))


def fmt_count(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(v):,}"


def fmt_share(v, digits: int = 1) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.{digits}%}"
