"""The Data page's library controls: get NHS England's data (the only time the app contacts the
internet) and remove months from the library. The work is telephony.library's."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from telephony import fetch, library
from telephony import text as tx
from ui import sidebar
from ui.selection import Selection
from ui.session import LIBRARY, fetch_base, library_root

FIRST_MONTH = dt.date(2025, 10, 1)     # the first month of the publication in its current form
OUTCOME = "library_outcome"            # what the last Get or Remove did, shown after the rerun


OUTCOME_ICONS = {"ok": ":material/check_circle:", "problem": ":material/warning:"}


def _month_label(m: dt.date) -> str:
    return f"{m:%B %Y}"


def _offered_months(today: dt.date | None = None) -> list[dt.date]:
    """Every month from the first publication to last month, newest first."""
    last = fetch.add_months((today or dt.date.today()).replace(day=1), -1)
    months = [FIRST_MONTH]
    while months[-1] < last:
        months.append(fetch.add_months(months[-1], 1))
    return months[::-1]


def _show_outcome() -> None:
    outcome = st.session_state.pop(OUTCOME, None)
    if not outcome:
        return
    kind, lines = outcome
    (st.success if kind == "ok" else st.warning)("\n".join(f"- {tx.md(line)}" for line in lines),
                                                icon=OUTCOME_ICONS[kind])


def _result_lines(result: fetch.MonthResult) -> list[str]:
    lines = [f"{fetch.month_words(result.month)}: {len(result.downloaded)} file(s) downloaded, "
             f"{len(result.held)} already in the library"]
    lines += [f"{fetch.month_words(result.month)}: {problem}" for problem in result.problems]
    return lines


def get_data(sel: Selection) -> None:
    """Choose months, fetch them with progress, say what was added."""
    root = library_root()
    st.subheader("Get NHS England's data")
    st.markdown(
        "Downloads NHS England's published files for the months you choose (Cloud Based Telephony and "
        "Patients Registered at a GP Practice) into the library, a folder on this computer, and shows them. "
        "**This is the only time the app contacts the internet:** it reads the publication pages on "
        "digital.nhs.uk and downloads their files from files.digital.nhs.uk. Nothing is sent. "
        f"Files already in the library are not downloaded again.\n\nLibrary folder: `{tx.clean(str(root))}`")
    _show_outcome()
    held = set(library.held_months(root)) if (root / fetch.MANIFEST_NAME).exists() else set()
    months = st.multiselect("Months to get", _offered_months(), format_func=_month_label, key="fetch_months",
                            placeholder="Choose months")
    if not st.button("Get the data from NHS England", key="fetch_go", disabled=not months,
                     icon=":material/download:"):
        return
    bar = st.progress(0.0, text="Contacting NHS England…")
    chosen = sorted(months)

    def step(done: int, total: int | None, name: str) -> None:
        if total:
            bar.progress(min(done / total, 1.0), text=f"{tx.clean(name)}: {done / 1e6:,.1f} of {total / 1e6:,.1f} MB")

    lines: list[str] = []
    try:
        run = library.fetch_into(root, chosen, base=fetch_base(), progress=step,
                                 month_done=lambda r: lines.extend(_result_lines(r)))
        ok = run.ok
    except (fetch.FetchProblem, library.LibraryProblem, OSError) as exc:
        lines.append(str(exc))
        ok = False
    bar.empty()
    new = [m for m in chosen if m not in held]
    if ok:
        lines.insert(0, f"Added to the library: {', '.join(_month_label(m) for m in new) or 'nothing new'}.")
    st.session_state[OUTCOME] = ("ok" if ok else "problem", lines)
    if library.kind_of(root) is not None:
        sidebar.choose("data_source", LIBRARY)
    st.rerun()


def remove_data(sel: Selection) -> None:
    """Remove chosen months from the library (its database is rebuilt from the files it keeps)."""
    root = library_root()
    if library.kind_of(root) != "database" or not (root / fetch.MANIFEST_NAME).exists():
        return
    held = library.held_months(root)
    if not held:
        return
    st.subheader("Remove from library")
    months = st.multiselect("Months to remove", held[::-1], format_func=_month_label, key="remove_months",
                            placeholder="Choose months")
    if not st.button("Remove from library", key="remove_go", disabled=not months, icon=":material/delete:"):
        return
    bar = st.progress(0.0, text="Removing…")
    try:
        with st.spinner("Rebuilding the library from the files it keeps…"):
            removed = library.remove_months(root, months, progress=lambda f, text: bar.progress(f, text=text))
        st.session_state[OUTCOME] = ("ok", [f"Removed {len(removed)} file(s): "
                                            f"{', '.join(_month_label(m) for m in sorted(months))}."])
    except (library.LibraryProblem, OSError) as exc:
        st.session_state[OUTCOME] = ("problem", [str(exc)])
    bar.empty()
    st.rerun()
