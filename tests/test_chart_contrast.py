"""WCAG 2.2 AA contrast of what the chart builders draw: text at least 4.5:1 on white, marks
(bars, line markers) at least 3:1, by their fill or else by their outline."""

from __future__ import annotations

import pandas as pd
import pytest

from telephony import charts


def contrast(a: str, b: str = "#FFFFFF") -> float:
    def lum(colour: str) -> float:
        c = colour.lstrip("#")
        rgb = [int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)   # the usual 4.5:1 grey


MONTHS = pd.DataFrame({"month": pd.to_datetime(["2026-03-01", "2026-04-01"]), "inbound": [100, 120],
                       "answered": [60, 70], "ended_in_ivr": [20, 25], "callback_requested": [10, 10],
                       "missed": [10, 15], "a": [0.5, 0.6], "b": [0.2, 0.3], "c": [0.1, 0.1], "d": [0.0, 0.1]})
FIGURES = {
    "outcomes": lambda: charts.outcome_shares_by_month(MONTHS, "t", "s", "src"),
    "bands": lambda: charts.band_distributions({"x": pd.Series([1, 2, 3, 4]), "y": pd.Series([4, 3, 2, 1])},
                                               "t", "s", "src"),
    "lines": lambda: charts.lines_by_month(MONTHS, {"a": "A", "b": "B", "c": "C", "d": "D"}, "t", "s", "src",
                                           y_title="y"),
}


@pytest.mark.parametrize("name", FIGURES)
def test_marks_reach_3_to_1_by_fill_or_outline(name):
    fig = FIGURES[name]()
    for trace in fig.data:
        fill = trace.marker.color if trace.type == "bar" else trace.line.color
        outline = trace.marker.line.color
        best = max(contrast(fill), contrast(outline) if outline else 0)
        assert best >= 3, f"{name}: {trace.name} fill {fill}, outline {outline}: {best:.2f}:1"


def test_chart_text_reaches_4_5_to_1():
    fig = FIGURES["outcomes"]()
    colours = {fig.layout.font.color, fig.layout.title.font.color, fig.layout.title.subtitle.font.color,
               *(a.font.color for a in fig.layout.annotations)}
    assert all(contrast(c) >= 4.5 for c in colours), {c: round(contrast(c), 2) for c in colours}
