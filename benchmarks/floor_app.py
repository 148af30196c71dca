"""The cold-start floor (benchmarks/run.py, part `start`): the smallest Streamlit page that shows a
Plotly chart. A title and one two-bar chart given as a plain dict, so it imports nothing but
Streamlit and queries nothing. It is started from the project root, so it runs with the app's own
`.streamlit/config.toml`. A page drawing its charts with st.plotly_chart cannot be drawn much
sooner on the same machine: the time the app takes beyond this one is the app's own work."""

import streamlit as st

st.title("Overview")
st.plotly_chart({"data": [{"type": "bar", "x": ["2026-07", "2026-08"], "y": [1, 2]}],
                 # The title the benchmark waits for (run.py, OVERVIEW_CHART_TITLE).
                 "layout": {"title": {"text": "Inbound calls ranged from 1 to 2 a month"}}})
