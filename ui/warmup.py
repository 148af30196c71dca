"""Start the browser on Plotly early. Imports nothing but Streamlit, so app.py can call it before
the heavy imports (pandas, DuckDB) and the first queries.

Streamlit's browser side fetches and evaluates Plotly's renderer (its largest script, about 5 MB)
only when a page first shows a chart, and a page's charts come after its queries. A blank chart
drawn at the start of a session's first run lets the browser do that work while the server is
still importing and querying, instead of after it. The figure holds no data, no title, no axes
and no hover: nothing a user could read; it sits at the foot of the page, 10 px high and
transparent, and is removed before the page itself runs (the browser goes on loading Plotly)."""

from __future__ import annotations

import streamlit as st

FIGURE = {
    "data": [{"type": "scatter", "x": [], "y": [], "visible": False}],   # Plotly refuses no traces
    "layout": {"height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
               "xaxis": {"visible": False}, "yaxis": {"visible": False}, "showlegend": False,
               "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"},
}


def plotly_slot(draw: bool):
    """An empty slot at the current position, holding the blank chart if `draw`. The caller
    empties it before running the page: nothing a script draws after st.stop reaches the browser."""
    slot = st.empty()
    if draw:
        slot.plotly_chart(FIGURE, config={"staticPlot": True, "displayModeBar": False})
    return slot
