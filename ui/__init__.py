"""Streamlit-side helpers: session data, sidebar, gated rendering. The domain lives in telephony/."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ui import legacy_pages

if TYPE_CHECKING:   # imported for real by the sidebar; ui.warmup must stay light (no pandas)
    from ui.selection import Selection


def current() -> Selection:
    """The sidebar's selection for this run.

    Normally app.py builds the sidebar before the page runs. When Streamlit runs the page file on
    its own (its legacy `pages/` mode: see ui/legacy_pages.py), the page builds it itself.
    """
    if legacy_pages.page_runs_alone():
        from ui import sidebar, theme

        theme.apply()   # app.py, which applies it otherwise, did not run
        st.session_state["selection"] = sidebar.build()
    return st.session_state["selection"]
