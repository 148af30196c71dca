"""The "Meeting pack" downloads: the chosen PCN and period as one HTML file and one PowerPoint.

The pack is built only when a button is clicked (Streamlit runs a callable `data` then, in a
thread of its own), never on every run of the page. That thread takes the session's run lock
(ui/runs.py) before it reads the session's database, so it never shares the connection with a
run; both buttons share one built pack.
"""

from __future__ import annotations

import threading

import streamlit as st

from telephony import pack
from telephony.pack import html, pptx
from ui import runs
from ui.selection import Selection

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _builder(sel: Selection):
    """The pack for this selection, built once on first use (from a click's own thread)."""
    lock, built, guard = runs.session_lock(), {}, threading.Lock()
    identifiers = sel.gate.identifiers

    def get() -> pack.Pack:
        with guard, lock:
            if "pack" not in built:
                built["pack"] = pack.build(sel.store, sel.pcn, sel.start, sel.end, identifiers=identifiers,
                                           synthetic=sel.is_sample)
            return built["pack"]

    return get


def show(sel: Selection) -> None:
    """A short section with the two download buttons (for the chosen PCN and period)."""
    st.subheader("Meeting pack", anchor="meeting-pack")
    st.caption("The findings above, with trends, definitions, caveats and a privacy statement, for an LMC or "
               "PCN board: a web page that opens and prints without internet, and PowerPoint slides whose "
               "charts can be restyled. Counts are rounded (disclosure control) and no practice is named.")
    get = _builder(sel)
    stem = pack.content.file_stem(sel.pcn_label, sel.period_label)
    left, right = st.columns(2)
    left.download_button("Meeting pack (web page, prints to PDF)", lambda: html.render(get()).encode("utf-8"),
                         file_name=f"{stem}.html", mime="text/html", key="pack_html", icon=":material/description:",
                         on_click="ignore", width="stretch")
    right.download_button("Meeting pack (PowerPoint)", lambda: pptx.render(get()), file_name=f"{stem}.pptx",
                          mime=PPTX_MIME, key="pack_pptx", icon=":material/slideshow:", on_click="ignore",
                          width="stretch")
