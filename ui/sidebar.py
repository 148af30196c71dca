"""The sidebar: data source and uploads, PCN, period and display mode. Returns the Selection."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from telephony import text as tx
from telephony.gate import Policy
from ui import upload_rescue
from ui.runs import Shield
from ui.session import LIBRARY, SAMPLE, UPLOADS, library_reader, limits_text, session, upload_limit_mb
from ui.selection import Selection

SOURCE_LABELS = {LIBRARY: "Library (NHS England's published data)", SAMPLE: "Sample (synthetic)",
                 UPLOADS: "Your files"}


# Uploads this large get a progress bar: anything bigger can take more than a second to load.
PROGRESS_BYTES = 1_000_000


def _process_uploads(files) -> None:
    """Load newly uploaded files. Already-seen files are not re-read.

    A click during a load does not cut it short (ui.runs.Shield): the file in progress finishes
    loading, then this run stops as Streamlit asked, and the next run loads any file not yet
    started, so every uploaded file ends loaded or refused with a message."""
    data = session()
    new = [f for f in files or [] if f.file_id not in data.upload_ids]
    if not new:
        return
    shield = Shield()
    bar = st.progress(0.0, text="Reading files…") if sum(f.size for f in new) > PROGRESS_BYTES else None
    for i, f in enumerate(new):
        def step(fraction: float, text: str, i=i, f=f) -> None:
            if bar:
                shield.call(bar.progress, min((i + fraction) / len(new), 1.0),
                            text=f"{f.name} ({i + 1} of {len(new)}): {text}…")
        step(0.0, "starting")
        data.add_upload(f.file_id, f.name, f.getvalue(), progress=step)
        shield.release()   # the user clicked meanwhile: stop here; the next run takes the rest
    if bar:
        bar.empty()


def _key(name: str) -> str:
    """The key of a sidebar choice's widget now (see `choose`)."""
    version = st.session_state.get(f"version_{name}", 0)
    return name if not version else f"{name}@{version}"


def choose(name: str, value) -> None:
    """Set a sidebar choice from code (takes effect when its widget is next drawn).

    Where the widget is already on the user's screen with another value, it is drawn anew under a
    new key: a click the browser sent before it heard of the change carries the old value under
    the old key, which is then ignored, instead of undoing the choice (Streamlit starts a run on
    every click without waiting for the last to end, so such clicks arrive)."""
    key = _key(name)
    if key in st.session_state and st.session_state[key] != value:
        st.session_state[f"version_{name}"] = st.session_state.get(f"version_{name}", 0) + 1
    st.session_state[f"chosen_{name}"] = value


def _copy_choice(key: str, name: str) -> None:
    if key == _key(name):   # a stale widget's change (see `choose`) is not the user's choice
        st.session_state[f"chosen_{name}"] = st.session_state[key]


def _seeded(name: str, default) -> dict:
    """Widget arguments that keep a choice across pages. The choice lives in 'chosen_<name>';
    the widget is re-seeded from it on every run and copies back on change, because Streamlit
    drops a widget's own state when a page renders without it (its legacy pages mode: see
    ui/legacy_pages.py)."""
    st.session_state.setdefault(f"chosen_{name}", default)
    key = _key(name)
    if isinstance(default, tuple):
        # A range slider: Streamlit tells a range from a single value by the `value` argument,
        # not by the state set before it (set that way, the slider shows two handles and sends
        # back one value, so a changed period snapped back). The value is given instead; a
        # widget with state keeps it, and `choose` draws a new one where code changes it.
        return {"key": key, "value": st.session_state[f"chosen_{name}"], "on_change": _copy_choice,
                "args": (key, name)}
    st.session_state[key] = st.session_state[f"chosen_{name}"]
    return {"key": key, "on_change": _copy_choice, "args": (key, name)}


def _failures_note(failed, shared_screen: bool) -> None:
    """Files of the user's that could not be loaded, whatever data is shown: each named, its
    reason a click away (on a shared screen, only how many: a file name can name a practice)."""
    if not failed:
        return
    st.sidebar.warning(f"**{len(failed)} of your files could not be loaded.** Nothing from "
                       f"{'it' if len(failed) == 1 else 'them'} is shown; the Data page has the details.",
                       icon=":material/error:")
    if shared_screen:
        return
    for report in failed:
        with st.sidebar.expander(tx.md(tx.shorten(report.file_name)), icon=":material/description:"):
            st.text(report.message)


def _month_label(m: dt.date) -> str:
    return f"{m:%b %Y}"


def build() -> Selection:
    data = session()
    params = st.query_params
    st.sidebar.markdown("### Phone access data")
    reader, unreadable = library_reader()
    sources = [LIBRARY, SAMPLE, UPLOADS] if reader is not None else [SAMPLE, UPLOADS]
    if st.session_state.get("chosen_data_source") not in (None, *sources):
        choose("data_source", SAMPLE)    # the library went (removed, or its folder moved)
    source = st.sidebar.radio("Data shown", sources, format_func=SOURCE_LABELS.get,
                              help="Your files sit on top of the library, for this session only."
                              if reader is not None else None,
                              **_seeded("data_source", sources[0]))
    if unreadable:
        st.sidebar.warning(f"The library cannot be opened: {tx.md(unreadable)}", icon=":material/error:")
    shared_screen = st.session_state.get("chosen_shared_screen", params.get("mode") == "shared")
    if shared_screen:
        # File names can name a practice; a shared screen shows none. Loaded files stay loaded.
        st.sidebar.caption("Uploading is hidden on a shared screen; files already added stay loaded.")
        files = []
    else:
        files = st.sidebar.file_uploader(
            "Add your files (.xlsx, .csv, .zip)", type=["xlsx", "csv", "zip"], accept_multiple_files=True,
            key="uploads",
            help=("Publication Summary workbooks, the practice-level CSV zips, list sizes and mapping "
                  f"files. Up to {upload_limit_mb():,} MB each. Files stay in this session only and are "
                  "deleted when you close the tab."),
        )
        st.sidebar.caption(limits_text())
    _process_uploads([*(files or []), *(upload_rescue.stranded(data.upload_ids) if not shared_screen else [])])
    if source == UPLOADS:
        data.unshown_uploads = 0
    elif data.unshown_uploads:
        # Show what was just uploaded: the radio above is already drawn, so switch on a rerun.
        # Asked of the session, not of this run's loads, and again on every run until a run has
        # drawn the switch: a click may end the run that loaded the files, or the one switching.
        choose("data_source", UPLOADS)
        st.rerun()
    elif data.loaded_uploads():
        # Never let the sample or the library pass for the user's own files.
        n = len(data.loaded_uploads())
        st.sidebar.caption(f"Your {n} uploaded file{'s are' if n != 1 else ' is'} loaded: choose **Your files** "
                           "above to see them.")
    _failures_note([r for r in data.upload_reports if r.status == "failed"], shared_screen)

    store = data.store(source)
    uploads_empty = source == UPLOADS and not data.loaded_uploads()
    directory = store.query("pcn_directory") if not uploads_empty else pd.DataFrame()

    pcn = None
    row = None
    if not directory.empty:
        codes = list(directory["pcn_code"])
        by_code = directory.set_index("pcn_code")
        if st.session_state.get("chosen_pcn") not in codes:
            wanted = params.get("pcn")
            if wanted in codes:
                choose("pcn", wanted)
            else:
                several = directory[directory["practices_reporting"] >= 3]
                choose("pcn", (several if not several.empty else directory)["pcn_code"].iloc[0])

        def label(code: str) -> str:
            # Options are shown as plain text (never Markdown); cleaned of bidirectional controls.
            return tx.clean(f"{tx.shorten(by_code.loc[code, 'pcn_name'])} ({code})")

        pcn = st.sidebar.selectbox("PCN (type to search by name or code)", codes, format_func=label,
                                   **_seeded("pcn", codes[0]))
        row = by_code.loc[pcn]
        of = f" of {int(row['members'])} member" if pd.notna(row["members"]) else ""
        st.sidebar.caption(f"{int(row['practices_reporting'])}{of} practices reporting in "
                           f"{pd.Timestamp(row['last_month']):%B %Y}")

    months: list[dt.date] = []
    start = end = None
    if row is not None:
        months = [m.date() for m in pd.date_range(row["first_month"], row["last_month"], freq="MS")]
        if len(months) > 1:
            current = st.session_state.get("chosen_period")
            if not (isinstance(current, (tuple, list)) and len(current) == 2 and set(current) <= set(months)):
                choose("period", (months[0], months[-1]))
            start, end = st.sidebar.select_slider("Period", options=months, format_func=_month_label,
                                                  **_seeded("period", (months[0], months[-1])))
        else:
            start = end = months[0]
            st.sidebar.caption(f"Period: {_month_label(start)} (the only month loaded)")

    shared = st.sidebar.toggle("Shared screen (for meetings)",
                               help="Large type, aggregated PCN views only, disclosure control on downloads. "
                                    "Bookmark with ?mode=shared in the address.",
                               **_seeded("shared_screen", params.get("mode") == "shared"))
    if shared and params.get("mode") != "shared":
        st.query_params["mode"] = "shared"
    elif not shared and params.get("mode") == "shared":
        del st.query_params["mode"]

    rounding = st.sidebar.checkbox(
        "Round downloads (disclosure control)", disabled=shared,
        help="NHS Digital's method: counts of 1-7 shown as *, others rounded to the nearest 5, percentages "
             "from the rounded figures. Always on for a shared screen.",
        **_seeded("disclosure_control", False))
    policy = Policy(shared_screen=shared, disclosure_control=True if shared else rounding)
    uploads = [r.file_name for r in data.loaded_uploads()]
    return Selection(
        source=source, uploads=uploads, store=store,
        on_library=source == LIBRARY or (source == UPLOADS and data.uploads_on_library),
        gate=data.gate(source, policy), policy=policy,
        pcn=pcn, pcn_name=tx.clean(row["pcn_name"]) if row is not None else "",
        icb=str(row["icb_code"]) if row is not None and pd.notna(row["icb_code"]) else None,
        icb_name=tx.clean(row["icb_name"]) if row is not None and pd.notna(row["icb_name"]) else "",
        start=start, end=end,
        practices_reporting=int(row["practices_reporting"]) if row is not None else 0,
        members=int(row["members"]) if row is not None and pd.notna(row["members"]) else None,
    )
