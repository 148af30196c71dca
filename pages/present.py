"""Present: the chosen PCN's findings one slide at a time, for a meeting room (shared screen)."""

import streamlit as st

from ui import current, present, render

sel = current()
if not sel.large:
    render.page_header(sel, "Present", "One finding at a time, full width, for a projector or a shared screen.",
                       about_pcn=False)
    present.start_button()
    st.stop()
if sel.pcn is None:
    render.page_header(sel, "Present", about_pcn=False)
    render.need_pcn(sel)
    st.stop()
present.show(sel)
