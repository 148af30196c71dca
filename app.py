"""The frame: page config, sidebar (data source, PCN, period, display mode) and navigation."""

from pathlib import Path

import streamlit as st

from ui import theme, warmup

# The tab's icon is a file of the app's own: with a Material Symbol page icon the browser fetches
# it from a Google font server on every load, and nothing may leave the machine. It must be set
# before st.navigation, or the browser fetches the page's own icon that way instead; reading the
# file costs Streamlit a numpy import before the warm-up chart (numpy comes with pandas anyway).
# Other icons are Material Symbols (drawn from Streamlit's bundled font), never emoji: Streamlit
# checks an emoji icon against its emoji catalogue, whose first use is slow (0.1 s of a session's
# first run, before the warm-up chart below can leave). tests/test_warmup.py keeps it so.
PAGE_ICON = Path(__file__).resolve().parent / "assets" / "phone.png"
st.set_page_config(page_title="GP phone access (CBT data)", page_icon=PAGE_ICON, layout="wide")

PAGES = [
    OVERVIEW := st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
                        url_path="overview", default=True),
    DEMAND := st.Page("pages/demand.py", title="Demand", icon=":material/trending_up:", url_path="demand"),
    OUTCOMES := st.Page("pages/outcomes.py", title="Outcomes", icon=":material/call_split:",
                        url_path="outcomes"),
    WAITS := st.Page("pages/waits.py", title="Waits", icon=":material/timer:", url_path="waits"),
    TRENDS := st.Page("pages/trends.py", title="Trends", icon=":material/monitoring:", url_path="trends"),
    st.Page("pages/call_logs.py", title="Call logs", icon=":material/list_alt:", url_path="call-logs"),
    CONTEXT := st.Page("pages/context.py", title="Context", icon=":material/explore:", url_path="context"),
    st.Page("pages/data.py", title="Data", icon=":material/folder_open:", url_path="data"),
    st.Page("pages/about.py", title="About", icon=":material/info:", url_path="about"),
    st.Page("pages/present.py", title="Present", icon=":material/slideshow:", url_path="present"),
]
# Pages that show a chart as soon as they open (on the sample).
CHARTED = [OVERVIEW, DEMAND, OUTCOMES, WAITS, TRENDS, CONTEXT]

navigation = st.navigation(PAGES)
theme.apply()   # caption contrast (ui/theme.py): CSS only
# A session's first page with charts: a blank chart (ui/warmup.py) goes to the browser before the
# slow work below, so the browser fetches and evaluates Plotly's renderer while the server imports
# and queries; without it that starts only when the page's first chart arrives. It sits below the
# page and is removed before the page itself runs.
body = st.container()
first_run = "selection" not in st.session_state
slot = warmup.plotly_slot(first_run and navigation.title in {page.title for page in CHARTED})

from ui import runs, sidebar  # noqa: E402  (pandas, DuckDB: after the blank chart is on its way)

# One run of this session at a time (ui/runs.py): a click before the last run ended starts a new
# run at once, and two runs must never share the session's database connection.
with body, runs.one_at_a_time():
    st.session_state["selection"] = sidebar.build()
    # The browser has the blank chart by now and goes on loading Plotly without it. Emptied before
    # the page runs, as nothing is drawn after a page stops early (st.stop).
    slot.empty()
    navigation.run()
