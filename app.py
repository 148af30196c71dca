"""The frame: page config, sidebar (data source, PCN, period, display mode) and navigation."""

import streamlit as st

from ui import sidebar

st.set_page_config(page_title="GP phone access (CBT data)", page_icon="📞", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon="📊", url_path="overview", default=True),
    st.Page("pages/demand.py", title="Demand", icon="📈", url_path="demand"),
    st.Page("pages/outcomes.py", title="Outcomes", icon="📞", url_path="outcomes"),
    st.Page("pages/waits.py", title="Waits", icon="⏱️", url_path="waits"),
    st.Page("pages/call_logs.py", title="Call logs", icon="🗒️", url_path="call-logs"),
    st.Page("pages/context.py", title="Context", icon="🧭", url_path="context"),
    st.Page("pages/data.py", title="Data", icon="🗂️", url_path="data"),
    st.Page("pages/about.py", title="About", icon="ℹ️", url_path="about"),
]

navigation = st.navigation(PAGES)
st.session_state["selection"] = sidebar.build()
navigation.run()
