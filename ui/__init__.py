"""Streamlit-side helpers: session data, sidebar, gated rendering. The domain lives in telephony/."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if TYPE_CHECKING:   # imported for real by the sidebar; ui.warmup must stay light (no pandas)
    from ui.selection import Selection


def current() -> Selection:
    """The sidebar's selection for this run.

    Normally app.py builds the sidebar before the page runs. Streamlit runs a page file on its own
    (its legacy `pages/` mode) when a deep link is the first request after the server starts, and
    AppTest does so on every rerun; the page then builds the sidebar itself.
    """
    if PagesManager.uses_pages_directory:
        from ui import sidebar, theme

        theme.apply()   # app.py, which applies it otherwise, did not run
        st.session_state["selection"] = sidebar.build()
    return st.session_state["selection"]
