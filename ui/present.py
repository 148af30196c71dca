"""The Present view: one slide at a time, full width, driven by buttons or keys alone.

Keys: Right arrow or Page Down for the next slide, Left arrow or Page Up for the previous one
(presentation clickers send Page Up/Down). They are Streamlit's own button shortcuts
(`st.button(shortcut=...)`), one key per button, so Page Up/Down have buttons of their own, kept
out of sight (display: none removes them from the page and from screen readers; Streamlit still
listens for their keys).
"""

from __future__ import annotations

import streamlit as st

from telephony import charts, slides
from ui import render
from ui.selection import Selection

AT = "present_at"            # index of the slide shown
CHOSEN = "present_chosen"    # slide ids the chair chose, kept across pages
CHOICE = "present_choice"    # the chooser widget (re-seeded from CHOSEN on every run)

# On this page only (the style element goes when the page does): no sidebar, no header bar, less
# padding, type sized for a projector at 1280x720, and the Page Up/Down buttons out of sight.
CSS = """<style>
html { font-size: 20px !important; }
[data-testid="stSidebar"], [data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapseButton"],
[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.6rem 1.6rem 0.8rem !important; max-width: none !important; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.5rem; padding: 0.1rem 0 0; line-height: 1.25; }
.st-key-present_page_keys { display: none !important; }
.st-key-present_chrome p, .st-key-present_caveat p { font-size: 0.9rem; margin: 0; }
</style>"""
SLIDE_HEIGHT = 455   # px: headline, chart, caveat and buttons fit a 1280x720 projector


def _step(by: int, total: int) -> None:
    st.session_state[AT] = max(0, min(total - 1, st.session_state.get(AT, 0) + by))


def _copy_choice() -> None:
    st.session_state[CHOSEN] = list(st.session_state[CHOICE])
    st.session_state[AT] = 0


SLIDE_WIDTH = 950    # px: a slide's chart at 1024x768, the narrower projector (full width, no sidebar)


def _fit(fig):
    """A chart sized for a slide: the measure as a smaller title (the headline is above it) and a
    fixed height; the margins are those charts.style worked out for SLIDE_WIDTH."""
    top = fig.layout.margin.t - (fig.layout.title.font.size - 19) * (1 + fig.layout.title.text.count("<br"))
    fig.update_layout(margin=dict(t=int(top)), title=dict(font=dict(size=19)))
    return charts.resize(fig, SLIDE_HEIGHT)


def start_button() -> None:
    """Outside shared-screen mode: say why, and offer to switch."""
    st.info("**Present** shows one finding at a time, full width, for a meeting room. It opens in "
            "shared-screen mode (aggregated PCN views only, no practice named), so switch that on first.",
            icon=":material/slideshow:")
    if st.button("Switch to shared screen and present", key="present_start", icon=":material/cast:", type="primary"):
        from ui import sidebar

        sidebar.choose("shared_screen", True)
        st.query_params["mode"] = "shared"
        st.rerun()


def chooser(available: set[str]) -> None:
    with st.popover("Choose the slides", icon=":material/tune:", width="stretch"):
        st.multiselect("Slides, in order", [s.id for s in slides.SLIDES], key=CHOICE, on_change=_copy_choice,
                       format_func=lambda i: slides.BY_ID[i].label)
        missing = [slides.BY_ID[i].label for i in st.session_state[CHOSEN] if i not in available]
        if missing:
            st.markdown("Not shown, as the loaded data cannot support them: " + "; ".join(missing) + ".")


def show(sel: Selection) -> None:
    """The deck for the chosen PCN and period."""
    st.markdown(CSS, unsafe_allow_html=True)
    st.session_state.setdefault(CHOSEN, list(slides.DEFAULT))
    st.session_state[CHOICE] = st.session_state[CHOSEN]
    with charts.chart_width(SLIDE_WIDTH):
        deck = slides.build(sel, st.session_state[CHOSEN])
    total = len(deck)
    at = st.session_state[AT] = max(0, min(total - 1, st.session_state.get(AT, 0)))

    with st.container(key="present_chrome"):
        left, right = st.columns([5, 1])
        with left:
            render.text(sel, f"**{sel.pcn_label}** · {sel.period_label}"
                             + (" · synthetic sample, not real NHS data" if sel.is_sample else ""))
        right.markdown(f"<p style='text-align:right'>Slide {at + 1} of {total}</p>" if total else "",
                       unsafe_allow_html=True)
    if not total:
        st.title("No slides to show")
        st.markdown("None of the chosen slides can be built from the loaded data. Choose others below.")
    else:
        definition, slide = deck[at]
        render.text(sel, f"# {slide.headline}")
        render.chart(sel, _fit(slide.figure), slide.data, key=f"present_{definition.id}", grain=slide.grain,
                     row_key=slide.row_key, download=False)
        with st.container(key="present_caveat"):
            render.text(sel, f":material/info: **Caveat:** {slide.caveat}")

    back, forward, choose, end = st.columns(4)
    back.button("Previous", key="present_prev", icon=":material/arrow_back:", shortcut="Left",
                on_click=_step, args=(-1, total), disabled=at == 0, width="stretch")
    forward.button("Next", key="present_next", icon=":material/arrow_forward:", shortcut="Right",
                   on_click=_step, args=(1, total), disabled=at >= total - 1, width="stretch", type="primary")
    if end.button("End", key="present_end", icon=":material/close:", width="stretch"):
        st.switch_page("pages/overview.py")
    with choose:
        chooser({d.id for d, _ in deck})
    with st.container(key="present_page_keys"):
        st.button("Previous (Page Up)", key="present_page_up", shortcut="PageUp", on_click=_step, args=(-1, total))
        st.button("Next (Page Down)", key="present_page_down", shortcut="PageDown", on_click=_step, args=(1, total))
