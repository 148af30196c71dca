"""The only way pages put data on screen or into a download: everything passes the gate.

Pages never call st.dataframe, st.plotly_chart, st.download_button or st.table themselves
(tests/test_gate_bypass.py checks this); they call the functions here.
"""

from __future__ import annotations

import io
from typing import Iterable

import pandas as pd
import streamlit as st

from telephony.gate import Refused
from ui.selection import Selection

# Shared screen: scale the root font; Streamlit sizes text in rem, so everything grows together.
LARGE_CSS = "<style>html { font-size: 21px !important; }</style>"


def page_header(sel: Selection, title: str, intro: str = "", *, about_pcn: bool = True) -> None:
    """Title, the PCN and period shown, what data the page shows (sample or which uploads), and
    the shared-screen banner."""
    if sel.large:
        st.markdown(LARGE_CSS, unsafe_allow_html=True)
        st.info("**Shared screen.** This screen shows aggregated PCN views only. No practice is named, "
                "ranked or singled out; downloads have disclosure control applied.",
                icon=":material/cast:")
    st.title(title)
    if about_pcn and sel.pcn:
        text(sel, f"#### {sel.pcn_label} · {sel.period_label}")
    if sel.is_sample:
        st.warning("**Showing the synthetic sample**, made up by this tool to show how it works. "
                   "It is not real NHS data. Upload your own files in the sidebar.",
                   icon=":material/science:")
    elif sel.uploads:
        names = ", ".join(sel.uploads[:4]) + (f" and {len(sel.uploads) - 4} more" if len(sel.uploads) > 4 else "")
        try:
            names = sel.gate.check_text(names)
        except Refused:   # a file named after a practice: say how many, not what
            names = f"{len(sel.uploads)} file(s) (names hidden: they would identify a practice)"
        if sel.large:
            names = f"{len(sel.uploads)} file(s)"
        st.success(f"**Showing your uploaded files:** {names}", icon=":material/folder_open:")
    if intro:
        st.caption(intro)


def need_pcn(sel: Selection) -> bool:
    """Stop the page with a plain message when there is nothing to show. True if it can go on."""
    if sel.pcn is None:
        if not sel.is_sample and not sel.uploads:
            st.info("No files of yours are loaded yet. Add the Publication Summary workbook (.xlsx) or "
                    "the practice-level CSV zips with **Add your files** in the sidebar.")
        else:
            st.info("The loaded files hold no PCN with call data. See the Data page for what was loaded.")
        return False
    if sel.practices_reporting == 1:
        st.warning(f"**{sel.pcn_label}: figures come from a single reporting practice**, so they are that "
                   "practice's figures. Read them with that in mind.",
                   icon=":material/info:")
    return True


def _csv(frame: pd.DataFrame, sel: Selection, title: str) -> bytes:
    buf = io.StringIO()
    buf.write(f"# {title}\n# {sel.subtitle('Data behind the chart')}\n# {sel.source_line}\n")
    note = frame.attrs.get("disclosure_note")
    if note:
        buf.write(f"# {note}\n")
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _refused(exc: Refused) -> None:
    st.warning(f"Not shown: {exc}", icon=":material/lock:")


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
    st.download_button("Download all rejected rows (CSV)", frame.to_csv(index=False).encode("utf-8"),
                       file_name=f"rejected rows - {file_name}.csv", mime="text/csv", key=f"download_{key}")


def text(sel: Selection, markdown: str) -> None:
    """Free text built from data (names, figures) passes the gate too."""
    try:
        st.markdown(sel.gate.check_text(markdown))
    except Refused as exc:
        _refused(exc)


def fmt_count(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(v):,}"


def fmt_share(v, digits: int = 1) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.{digits}%}"
