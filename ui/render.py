"""The only way pages put data on screen or into a download: everything passes the gate.

Pages never call st.dataframe, st.plotly_chart, st.download_button or st.table themselves
(tests/test_gate_bypass.py checks this); they call the functions here.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Iterable

import pandas as pd
import streamlit as st

from telephony import columns
from telephony.formatting import formatted
from telephony import text as tx
from telephony.gate import UNTYPED_GRAINS, Refused, suppressed
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
    sel.page = title   # names its downloads
    if about_pcn and sel.pcn:
        label = tx.shorten(sel.pcn_label)
        text(sel, f"#### {tx.md(label)} · {sel.period_label}",
             help=tx.md(sel.pcn_label) if label != tx.clean(sel.pcn_label) else None)
    if sel.large:
        shown = ("**synthetic sample** data, not real NHS data" if sel.is_sample
                 else "**the library:** NHS England's published data" if sel.is_library
                 else f"**your files:** {tx.md(what_is_loaded(session().loaded_uploads()))}" if sel.uploads else "")
        st.caption(":material/cast: **Shared screen:** aggregated PCN views only; no practice is named, ranked "
                   "or singled out; downloads have disclosure control applied."
                   + (f" Showing {shown}." if shown else ""))
    elif sel.is_sample:
        st.warning("**Showing the synthetic sample**, made up by this tool to show how it works. "
                   "It is not real NHS data. Upload your own files in the sidebar.",
                   icon=":material/science:")
    elif sel.is_library:
        st.info("**Showing the library: NHS England's published data**, kept on this computer. "
                + ("More months: *Get NHS England's data* below." if title == "Data"
                   else "The Data page gets more months."), icon=":material/local_library:")
    elif sel.uploads:
        names = (", ".join(tx.md(tx.shorten(n)) for n in sel.uploads[:4])
                 + (f" and {len(sel.uploads) - 4} more" if len(sel.uploads) > 4 else ""))
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
        lines = [f"- {name(r.file_name)}, {tx.md(r.check_name)}: "
                 f"the file says {r.expected:,.0f}, {r.actual:,.0f} loaded "
                 f"({abs(r.difference):,.0f} {'more' if r.difference > 0 else 'fewer'})" for r in rows.itertuples()]
        st.warning(f"**{pd.Timestamp(month):%B %Y}: loaded figures do not match the file's own totals.** "
                   "Figures for this month may be off by the sizes shown; see the Data page.\n\n"
                   + "\n".join(lines[:8]) + (f"\n- and {len(lines) - 8} more" if len(lines) > 8 else ""),
                   icon=":material/warning:")


def how_to_add(sel: Selection) -> str:
    """Where the files a page lacks come from, for the data on show: on the library, its Data
    page fetches a month's files (all of them); otherwise they are added in the sidebar."""
    if sel.is_library or sel.on_library:
        return ("Get those months on the **Data** page (*Get NHS England's data* fetches all of a month's files), "
                "or add the files for this session with **Add your files** in the sidebar.")
    return "Add them with **Add your files** in the sidebar."


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


def _has_figures(text: str) -> bool:
    """Whether plain text carries a figure other than a year (a finding's numbers)."""
    return bool(re.search(r"\d", re.sub(r"\b(19|20)\d\d\b", "", text)))


def _file_name(sel: Selection, name: str) -> str:
    """'ASCENT PCN (U49574) - Waits - Jan 2026 to Jun 2026 - answered wait bands.csv'; no
    character a file system refuses."""
    parts = [sel.pcn_label if sel.pcn else "", sel.page, sel.period_label, name]
    stem = " - ".join(tx.clean(p) for p in parts if p)
    return re.sub(r'[\\/:*?"<>|]+', "_", stem)[:180] + ".csv"


def download(sel: Selection, frame: pd.DataFrame, *, key: str, name: str, title: str, subtitle: str,
             caveats: Iterable[str] = (), label: str = "Download the numbers (CSV)") -> None:
    """A download of a released frame: title (the finding), subtitle (measure, PCN, period),
    source, the caveats that apply, and the disclosure statement only where control was applied;
    then the table with human column names."""
    note = frame.attrs.get("disclosure_note")
    lines = [tx.plain(title), tx.plain(subtitle), sel.source_line,
             *(f"Caveat: {c}" for c in caveats), *([note] if note else [])]
    st.download_button(label, csv_bytes(formatted(frame), [line for line in lines if line]),
                       file_name=_file_name(sel, name), mime="text/csv", key=f"download_{key}")
    if note:
        st.caption(note)


def _refused(exc: Refused) -> None:
    st.warning(f"Not shown: {tx.md(exc)}", icon=":material/lock:")


def _name(key: str) -> str:
    """A download's name from its key: 'waits_by_month' -> 'by month'."""
    return key.split("_", 1)[-1].replace("_", " ")


def chart(sel: Selection, fig, data: pd.DataFrame, *, key: str, grain: str, row_key: Iterable[str] = (),
          finding=None, name: str | None = None, caveats: Iterable[str] = (), download: bool = True) -> None:
    """A gated chart with a download of the numbers behind it (unless download=False: a slide).
    `finding(frame) -> str` writes the chart's title from a frame of `data`'s columns: the download's
    title is written from the released (controlled) figures, so it carries no exact count beside
    rounded rows. Without it, a title carrying figures is left out of a controlled download."""
    try:
        fig = sel.gate.figure(fig, where=key)
        export = sel.gate.table(data, grain=grain, key=row_key, where=key, controlled=True)
    except Refused as exc:
        _refused(exc)
        return
    st.plotly_chart(fig, key=f"chart_{key}", config={"displaylogo": False})
    if not download:
        return
    title = tx.plain(fig.layout.title.text or "")
    subtitle = tx.plain(fig.layout.title.subtitle.text or "") if fig.layout.title.subtitle else ""
    if export.attrs.get("controlled"):
        if finding is not None:
            title = tx.plain(finding(export))
        elif _has_figures(title):
            title = ""   # the subtitle says what the numbers are
    _download_from(sel, export, key=key, name=name or _name(key), title=title or subtitle, subtitle=subtitle,
                   caveats=caveats)


def _download_from(sel: Selection, export: pd.DataFrame, **kwargs) -> None:
    """`download`, with the PCN and period as the subtitle where the caller has none of its own."""
    if not kwargs["subtitle"] or kwargs["title"] == kwargs["subtitle"]:
        kwargs["subtitle"] = " · ".join(p for p in (sel.pcn_label if sel.pcn else "", sel.period_label) if p)
    download(sel, export, **kwargs)


def _column_config(frame: pd.DataFrame) -> dict:
    """Number formats for the screen, by column kind (after `formatted`, labels as names)."""
    config = {}
    for col in frame.columns:
        spec = columns.get(col)
        if spec is None or any(suppressed(frame, col)):
            continue
        fmt = {"int": "localized", "pct": "%.1f%%", "dec": "%.1f"}.get(spec.fmt)
        if fmt:
            config[spec.label] = st.column_config.NumberColumn(spec.label, format=fmt)
    return config


def _on_screen(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers stay numbers (sortable) where no cell is suppressed; a column holding a '*' is
    shown as text, formatted."""
    out, text = formatted(frame), formatted(frame, display=True)
    for col in frame.columns:
        if any(suppressed(frame, col)):
            out[columns.label(col)] = text[columns.label(col)]
    return out


def table(sel: Selection, frame: pd.DataFrame, *, key: str, grain: str, row_key: Iterable[str] = (),
          column_config: dict | None = None, download: bool = True, title: str = "", name: str | None = None,
          caveats: Iterable[str] = (), transpose: bool = False, pivot: tuple[str, str, str] | None = None,
          show: Iterable[str] | None = None) -> None:
    """A gated table. On a shared screen it shows the same controlled figures as its download.
    `title`: what the table shows (plain text, for the download). `transpose`: areas as columns,
    measures as rows (the first column names the areas). `pivot`: (rows, columns, values) shown as
    a grid; the download keeps the long table. `show`: the columns shown on screen (the download
    has them all, and the counts a share is made of)."""
    try:
        released = sel.gate.table(frame, grain=grain, key=row_key, where=key, controlled=True)
    except Refused as exc:
        _refused(exc)
        return
    if transpose or pivot:
        text = formatted(released if show is None else released[list(show)], display=True)
        if pivot:
            rows, cols, values = (columns.label(c) for c in pivot)
            text = text.pivot(index=rows, columns=cols, values=values).reindex(
                index=list(dict.fromkeys(text[rows])), columns=list(dict.fromkeys(text[cols]))).reset_index()
            text.columns.name = None
        else:
            first = text.columns[0]
            text = text.set_index(first).T.rename_axis("Measure").reset_index()
            text.columns.name = None
        st.dataframe(text, hide_index=True, key=f"table_{key}")
    else:
        visible = released if show is None else released[list(show)]
        shown = _on_screen(visible) if grain not in UNTYPED_GRAINS else visible
        config = (_column_config(released) if grain not in UNTYPED_GRAINS else {}) | (column_config or {})
        st.dataframe(shown, hide_index=True, column_config=config or None, key=f"table_{key}")
    if download:
        _download_from(sel, released, key=key,
                       name=name or _name(key), title=title, subtitle="", caveats=caveats,
                       label="Download this table (CSV)")


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


def share(part, whole) -> float | None:
    """part ÷ whole of (possibly controlled) figures: None where either is unknown or whole is 0."""
    return None if pd.isna(part) or pd.isna(whole) or not whole else float(part) / float(whole)
