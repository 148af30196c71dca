"""The disclosure gate: refusals, disclosure control, and that no page can go around it."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from telephony.gate import (
    SUPPRESSED, Gate, Identifiers, Policy, Refused, apply_disclosure_control, round_count, suppressed,
)

ROOT = Path(__file__).resolve().parents[1]
IDS = Identifiers(codes=["E81050", "K82064"], names=["ASPLANDS MEDICAL CENTRE", "LAKESIDE"],
                  allowed_names=["ASCENT PCN", "LAKESIDE HEALTHCARE PCN"])


@pytest.fixture
def gate() -> Gate:
    return Gate(IDS, Policy())


# ---------------------------------------------------------------- disclosure control (NHS Digital)
@pytest.mark.parametrize("value, expected", [
    (0, 0), (1, SUPPRESSED), (2, SUPPRESSED), (7, SUPPRESSED), (8, 10), (10, 10), (12, 10), (13, 15),
    (17, 15), (18, 20), (1234, 1235), (1232, 1230), (None, None),
])
def test_round_count(value, expected):
    assert round_count(value) == expected


@pytest.mark.parametrize("value, expected", [(-3, SUPPRESSED), (-13, -15), (-8, -10)])
def test_a_negative_count_is_controlled_by_its_size(value, expected):
    assert round_count(value) == expected


def test_totals_are_rounded_from_their_own_value_and_shares_from_rounded_figures():
    # Kinds come from the registry: inbound and answered are counts, answered_share is answered ÷ inbound.
    frame = pd.DataFrame({"area": ["a", "b", "total"], "inbound": [3, 12, 15], "answered": [2, 8, 10],
                          "answered_share": [2 / 3, 8 / 12, 10 / 15]})
    out = apply_disclosure_control(frame)
    assert list(out["inbound"].astype(object)) == [pd.NA, 10, 15]     # total 15 stays 15, not 10 + '*'
    assert suppressed(out, "inbound") == [True, False, False]
    assert list(out["answered"].astype(object)) == [pd.NA, 10, 10]
    assert suppressed(out, "answered_share") == [True, False, False]
    assert list(out["answered_share"][1:]) == [1.0, 10 / 15]          # from rounded 10 / 10 and 10 / 15
    assert str(out["inbound"].dtype) == "Int64" and str(out["answered_share"].dtype) == "Float64"
    assert "nearest 5" in out.attrs["disclosure_note"]
    assert list(frame["inbound"]) == [3, 12, 15], "the input is not changed"


def test_unknown_stays_unknown_and_is_not_mistaken_for_suppressed():
    frame = pd.DataFrame({"month": ["2026-01", "2026-02"], "answered_with_waits": [None, 40],
                          "answered_wait_0": [None, 12], "answered_wait_0_share": [None, 0.3]})
    out = apply_disclosure_control(frame)
    assert out["answered_wait_0"].isna().tolist() == [True, False]
    assert suppressed(out, "answered_wait_0") == [False, False]
    assert out["answered_wait_0_share"].isna().tolist() == [True, False]
    assert out["answered_wait_0_share"].iloc[1] == 10 / 40


def test_a_share_without_its_parts_or_an_undeclared_column_cannot_be_controlled():
    with pytest.raises(Refused, match="answered ÷ inbound"):
        apply_disclosure_control(pd.DataFrame({"month": ["2026-01"], "answered_share": [0.5]}))
    with pytest.raises(Refused, match="no declared kind"):
        apply_disclosure_control(pd.DataFrame({"month": ["2026-01"], "answered_calls": [13]}))


def test_no_disclosure_note_where_nothing_was_controlled():
    out = apply_disclosure_control(pd.DataFrame({"metric": ["Answered"], "pcns": [12], "p50": [0.6]}))
    assert "disclosure_note" not in out.attrs and out["pcns"].tolist() == [12]


def test_disclosure_control_on_controlled_releases_in_shared_screen_mode_only():
    frame = pd.DataFrame({"month": ["2026-01"], "inbound": [13]})
    normal = Gate(IDS, Policy(shared_screen=False)).table(frame, grain="area-month", controlled=True)
    shared = Gate(IDS, Policy(shared_screen=True)).table(frame, grain="area-month", controlled=True)
    assert normal["inbound"].item() == 13 and "disclosure_note" not in normal.attrs
    assert shared["inbound"].item() == 15 and shared.attrs["disclosure_note"]
    chart_only = Gate(IDS, Policy(shared_screen=True)).table(frame, grain="area-month")
    assert chart_only["inbound"].item() == 13, "a chart's own figures are exact; its numbers' table is controlled"


# ---------------------------------------------------------------- refusals
def test_practice_grain_is_never_released(gate):
    frame = pd.DataFrame({"unit": [1, 2], "answered_share": [0.5, 0.6]})
    with pytest.raises(Refused, match="never shown"):
        gate.table(frame, grain="practice-month")


@pytest.mark.parametrize("column", ["practice_code", "practice_name", "rank", "position", "top_10",
                                    "bottom_5", "outlier", "league_position", "best", "gp_name"])
def test_ranking_and_identity_columns_are_refused(gate, column):
    frame = pd.DataFrame({column: [1, 2], "answered_share": [0.5, 0.6]})
    with pytest.raises(Refused):
        gate.table(frame, grain="area-month")


def test_a_ranked_practice_table_is_refused_however_it_is_labelled(gate):
    frame = pd.DataFrame({"area": ["E81050", "K82064"], "missed_share": [0.2, 0.1]}).sort_values("missed_share")
    with pytest.raises(Refused, match="practice identifier"):
        gate.table(frame, grain="area-comparison")


@pytest.mark.parametrize("text", ["Calls at Asplands Medical Centre", "x E81050 y", "lakeside"])
def test_practice_identifiers_in_text_are_refused(gate, text):
    with pytest.raises(Refused):
        gate.check_text(text)


@pytest.mark.parametrize("text", ["ASCENT PCN: 15,550 calls", "Lakeside Healthcare PCN", "U49574",
                                  "Monday 08:00-09:59", "E92000001"])
def test_area_names_and_codes_pass(gate, text):
    assert gate.check_text(text) == text


def test_a_figure_with_a_practice_in_its_hover_text_is_refused(gate):
    fig = go.Figure(go.Bar(x=["PCN"], y=[1], hovertext=["includes ASPLANDS MEDICAL CENTRE"]))
    with pytest.raises(Refused):
        gate.figure(fig)
    assert gate.figure(go.Figure(go.Bar(x=["ASCENT PCN"], y=[1]))) is not None


def test_a_total_beside_a_subset_of_itself_is_refused(gate):
    """PCN total with and without one practice would reveal that practice by difference."""
    frame = pd.DataFrame({"month": ["2026-01", "2026-01"], "members": ["all", "all but one"],
                          "inbound": [15550, 9109]})
    with pytest.raises(Refused, match="more than one row"):
        gate.table(frame, grain="area-month", key=["month"])


def test_member_spread_only_from_three_practices(gate):
    assert gate.distribution([0.5, 0.6], practices_reporting=2) is None
    spread = gate.distribution([0.5, 0.6, 0.7], practices_reporting=3)
    assert spread is not None and spread[0.5] == pytest.approx(0.6)
    assert Gate(IDS, Policy(min_practices=5)).distribution([0.1] * 4, practices_reporting=4) is None


# ---------------------------------------------------------------- no page goes around the gate
FORBIDDEN_CALLS = {"dataframe", "data_editor", "table", "plotly_chart", "altair_chart", "vega_lite_chart",
                   "pyplot", "line_chart", "bar_chart", "area_chart", "scatter_chart", "map",
                   "download_button", "write", "json"}


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_pages_render_data_only_through_ui_render(page):
    """Pages may not call Streamlit's data, chart or download functions directly: ui/render.py
    passes everything through the gate first."""
    tree = ast.parse((ROOT / "pages" / page).read_text(encoding="utf-8"))
    offending = [
        f"line {node.lineno}: st.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name) and node.func.value.id in ("st", "streamlit")
        and node.func.attr in FORBIDDEN_CALLS
    ]
    assert not offending, f"{page} bypasses the gate: {offending}"


def test_the_bypass_check_catches_a_direct_call(tmp_path):
    """The check above must be able to fail."""
    source = "import streamlit as st\nst.dataframe(df)\nst.download_button('x', b'', 'x.csv')\n"
    tree = ast.parse(source)
    calls = [n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    assert {"dataframe", "download_button"} <= set(calls) & FORBIDDEN_CALLS
