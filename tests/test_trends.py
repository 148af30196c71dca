"""telephony/trends.py: monthly series, rebasing, too few months, the June 2026 wait-series break,
events, before/after sentences; the XmR chart's marks; and the `trend` command against files
written by the project's generator and read back here with an independent cell reader.

Expected values are worked out by hand in the comments beside them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from telephony import charts, spc, trends
from telephony.store import Store
from tests.app_support import table3_rows
from tests.test_chart_contrast import contrast

ROOT = Path(__file__).resolve().parents[1]


def months_from(first: str, n: int) -> list[dt.date]:
    start = pd.Timestamp(first)
    return [(start + pd.DateOffset(months=i)).date() for i in range(n)]


def frame(first: str, **columns) -> pd.DataFrame:
    """A stand-in for queries/area_month_trend.sql: one row per month from `first`."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"month": pd.to_datetime(months_from(first, n)), **columns})


# ------------------------------------------------------------------------------------ series
def test_per_1000_is_divided_by_working_days_and_months_without_a_value_are_left_out():
    f = frame("2026-03-01", calls_per_1000=[440.0, None, 380.0], working_days=[22, 20, 19], inbound=[1, 2, 3])
    s = trends.series(f, "inbound_per_1000")
    # 440 / 22 = 20.0; April has no rate (no list size); 380 / 19 = 20.0
    assert list(s["month"]) == [dt.date(2026, 3, 1), dt.date(2026, 5, 1)]
    assert list(s["value"]) == [20.0, 20.0]
    t = trends.trend(f, "inbound_per_1000")
    assert any("1 month loaded without a value" in n for n in t.notes)


def test_counts_per_working_day_only_when_asked_and_shares_never():
    f = frame("2026-03-01", inbound=[2200.0, 2000.0], answered_share=[0.5, 0.6], working_days=[22, 20])
    assert list(trends.series(f, "inbound")["value"]) == [2200.0, 2000.0]
    assert list(trends.series(f, "inbound", per_working_day=True)["value"]) == [100.0, 100.0]
    assert list(trends.series(f, "answered_share", per_working_day=True)["value"]) == [0.5, 0.6]


def test_unknown_measure_names_the_known_ones():
    with pytest.raises(ValueError, match="known: inbound_per_1000, inbound, answered_share"):
        trends.measure("answered")


# ------------------------------------------------------------------------------ too few months
@pytest.mark.parametrize("n,kind,note", [
    (4, "none", "Run chart"),
    (8, "trial", "Trial limits: fewer than 12 months"),
    (12, "limits", "Process limits from 12 or more months"),
])
def test_limits_kind_by_number_of_months(n, kind, note):
    f = frame("2025-01-01", answered_share=[0.5, 0.6] * (n // 2), working_days=[20] * n)
    t = trends.trend(f, "answered_share")
    assert trends.limits_note(t).startswith(note)
    assert {p.limits_kind for p in t.points} == {kind}
    rows = t.rows()
    assert len(rows) == n and rows[0]["month"] == "2025-01"
    assert rows[0]["mean"] == pytest.approx(0.55)
    if kind == "none":
        assert rows[0]["lower"] is None and rows[0]["upper"] is None
        assert not any(r["special_cause"] for r in rows) and all(r["rule"] is None for r in rows)
    else:
        # moving ranges all 0.1: limits 0.55 +/- 0.266
        assert rows[0]["lower"] == pytest.approx(0.284) and rows[0]["upper"] == pytest.approx(0.816)


# ----------------------------------------------------------------------------------- rebasing
def test_rebase_at_a_month_recalculates_limits_for_each_period():
    # 6 months at 10/12 alternating, then 6 at 20/24: rebased at month 7 (July 2025).
    values = [10, 12] * 3 + [20, 24] * 3
    f = frame("2025-01-01", inbound=[float(v) for v in values], working_days=[20] * 12)
    t = trends.trend(f, "inbound", [dt.date(2025, 7, 15)])     # an event mid-July: July is after
    assert t.rebases == (dt.date(2025, 7, 1),)
    first, second = t.points[:6], t.points[6:]
    # first: mean 11, amr 2, limits 11 +/- 5.32; second: mean 22, amr 4, limits 22 +/- 10.64
    assert {p.mean for p in first} == {11} and first[0].upper == pytest.approx(16.32)
    assert {p.mean for p in second} == {22} and second[0].lower == pytest.approx(11.36)
    assert {p.limits_kind for p in t.points} == {"trial"}
    # Without the rebase: one period, mean 16.5; amr = (5 x 2 + 8 + 5 x 4) / 11 = 38/11, and the jump of
    # 8 is under 3.267 x 3.45 = 11.3, so it is kept.
    whole = trends.trend(f, "inbound")
    assert whole.points[0].mean == 16.5 and whole.points[0].mean_moving_range == pytest.approx(38 / 11)


def test_a_rebase_between_loaded_months_starts_at_the_next_one_and_outside_ones_are_noted():
    f = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-05-01", "2026-06-01"]),
                      "answered_share": [0.5, 0.5, 0.7, 0.7], "working_days": [20] * 4})
    t = trends.trend(f, "answered_share", [dt.date(2026, 3, 3), dt.date(2025, 12, 1), dt.date(2026, 9, 1)])
    assert t.rebases == (dt.date(2026, 5, 1),)
    assert [p.period for p in t.points] == [0, 0, 1, 1]
    assert any("Not rebased at December 2025, September 2026" in n for n in t.notes)
    with pytest.raises(ValueError, match="cannot rebase at 2025-12, 2026-09"):
        trends.trend(f, "answered_share", [dt.date(2025, 12, 1), dt.date(2026, 9, 1)], strict=True)


# ------------------------------------------------------------------------------ series break
def test_the_answered_wait_measure_is_rebased_at_june_2026_when_its_months_span_it():
    values = [0.60, 0.62, 0.60, 0.62, 0.40, 0.42, 0.40, 0.42]          # Feb-May, Jun-Sep 2026
    f = frame("2026-02-01", answered_within_2min_share=values, answered_share=values, working_days=[20] * 8)
    t = trends.trend(f, "answered_within_2min_share")
    assert t.rebases == (trends.SERIES_BREAK,)
    assert [p.period for p in t.points] == [0] * 4 + [1] * 4
    assert t.points[0].mean == pytest.approx(0.61) and t.points[4].mean == pytest.approx(0.41)
    assert any("series break" in n for n in t.notes)
    # Other measures are not broken there, and neither is a wait series wholly after June.
    assert trends.trend(f, "answered_share").rebases == ()
    after = frame("2026-06-01", answered_within_2min_share=values[4:], working_days=[20] * 4)
    assert trends.trend(after, "answered_within_2min_share").rebases == ()


def test_before_after_a_wait_measure_leaves_out_months_across_the_break():
    values = [0.60, 0.62] * 5 + [0.40, 0.42] * 2     # Aug 2025-May 2026, Jun-Sep 2026
    f = frame("2025-08-01", answered_within_2min_share=values, working_days=[20] * 14)
    event = trends.Event(1, dt.date(2026, 7, 1), "new phone system")
    c = trends.before_after(f, "answered_within_2min_share", event)
    # Only June-September count: 1 month before (0.40), 3 after (0.42, 0.40, 0.42).
    assert (c.months_before, c.months_after) == (1, 3)
    assert c.mean_before == pytest.approx(0.40) and c.mean_after == pytest.approx(1.24 / 3)
    assert "Months before June 2026 are left out" in c.sentence
    assert "with only 1 month before, there are no limits" in c.sentence


# ----------------------------------------------------------------------------- before / after
def test_before_after_sentence_for_a_share_with_a_special_cause():
    # 12 months alternating 58% / 60%: centre 59%, amr 2 points, limits 59 +/- 5.32 (53.68-64.32);
    # then 6 months at 65%: all above the centre and above the upper limit.
    values = [0.58, 0.60] * 6 + [0.65] * 6
    f = frame("2025-03-01", answered_share=values, working_days=[20] * 18)
    event = trends.Event(1, dt.date(2026, 3, 3), "the new phone system")
    c = trends.before_after(f, "answered_share", event)
    assert (c.months_before, c.months_after) == (12, 6)
    assert c.mean_before == pytest.approx(0.59) and c.mean_after == pytest.approx(0.65)
    assert c.difference == pytest.approx(0.06) and c.special_cause
    assert c.sentence == (
        "Answered rose from 59.0% to 65.0% after the new phone system, 3 March 2026 (up 6.0 percentage points); "
        "the 6 months since are all above the earlier centre line. Against the limits of the 12 months before, "
        "the 6 months since show special cause variation (outside the limits): a real change, not chance.")


def test_before_after_compares_counts_per_working_day():
    # Before: 220 calls in 22 days, twice (10 a day); after: 209 in 19 days, twice (11 a day).
    # Monthly counts fell (220 to 209); per working day calls rose.
    f = frame("2026-03-01", inbound=[220.0, 220.0, 209.0, 209.0], working_days=[22, 22, 19, 19])
    c = trends.before_after(f, "inbound", trends.Event(1, dt.date(2026, 5, 1), "a callback queue"))
    assert c.mean_before == 10 and c.mean_after == 11
    assert c.sentence.startswith("Inbound calls per working day rose from 10.0 to 11.0 after a callback queue, "
                                 "1 May 2026 (up 1.0)")
    assert "with only 2 months before, there are no limits" in c.sentence and not c.special_cause


def test_before_after_with_no_months_on_one_side_says_so():
    f = frame("2026-03-01", answered_share=[0.5, 0.6], working_days=[20, 20])
    c = trends.before_after(f, "answered_share", trends.Event(1, dt.date(2026, 1, 5), "new phones"))
    assert c.sentence == "Answered: no months loaded before new phones, 5 January 2026 to compare."
    assert c.mean_before is None and not c.special_cause


# ------------------------------------------------------------------------------------ events
def test_events_are_added_listed_in_date_order_and_removed(store):
    later = trends.add_event(store.con, dt.date(2026, 5, 1), "  callback\tqueue\u202e ")
    first = trends.add_event(store.con, dt.date(2026, 3, 3), "x'); DROP TABLE events; --")
    assert later.label == "callback queue"             # one line, no control characters
    assert [e.label for e in trends.events(store.con)] == ["x'); DROP TABLE events; --", "callback queue"]
    assert first.title == "x'); DROP TABLE events; --, 3 March 2026"
    trends.remove_event(store.con, first.event_id)
    assert trends.events(store.con) == [later]


@pytest.mark.parametrize("label,message", [(" \t", "needs a short description"),
                                           ("x" * 81, "at most 80 characters; this one has 81")])
def test_a_bad_event_is_refused_with_a_plain_message(store, label, message):
    with pytest.raises(ValueError, match=message):
        trends.add_event(store.con, dt.date(2026, 3, 3), label)
    assert trends.events(store.con) == []


def test_events_in_a_database_file_are_kept_after_it_closes(tmp_path):
    # A library is a Store on a file: its events outlive the session that recorded them.
    db = tmp_path / "library.duckdb"
    s = Store(db)
    trends.add_event(s.con, dt.date(2026, 3, 3), "new phone system")
    s.close()
    s = Store(db)
    try:
        assert [(e.date, e.label) for e in trends.events(s.con)] == [(dt.date(2026, 3, 3), "new phone system")]
    finally:
        s.close()


# ------------------------------------------------------------------------------------- chart
def test_xmr_chart_marks_each_rule_by_shape_and_label_and_colours_by_direction():
    # The spec's worked check: every rule fires (tests/test_spc.py has the labels by hand).
    values = [50, 52, 49, 51, 50, 53, 48, 51, 50, 52, 49, 51, 58, 59, 60, 61, 62, 63, 64]
    points = spc.xmr(values)
    months = months_from("2025-01-01", 19)
    neutral = charts.xmr_chart(months, points, "t", "s", "src", y_title="y", y_format=",.0f",
                               events=[(dt.date(2025, 6, 9), "new <b>rota</b>", False)])
    marks = {tr.name: tr for tr in neutral.data if tr.mode == "markers+text"}
    assert set(marks) == {"Outside limits: special cause, high", "Outside limits: special cause, low",
                          "Trend: special cause, high", "2 of 3 near limit: special cause, low",
                          "Shift: special cause, low"}
    assert marks["Outside limits: special cause, low"].marker.symbol == "diamond"
    assert list(marks["Outside limits: special cause, low"].text) == ["Outside limits"]
    assert list(marks["Outside limits: special cause, low"].x) == ["Jul 2025"]      # the 48
    assert marks["Shift: special cause, low"].marker.symbol == "hexagon"
    assert marks["2 of 3 near limit: special cause, low"].marker.symbol == "square"
    assert marks["Trend: special cause, high"].marker.symbol == "triangle-up"
    colours = {tr.marker.color for tr in marks.values()}
    assert colours == {charts.XMR_COLOURS["high"], charts.XMR_COLOURS["low"]}       # neutral: no verdict
    assert all(contrast(tr.marker.line.color) >= 3 for tr in marks.values())
    # The event is a labelled vertical line, its text escaped.
    assert any(a.text == "new &lt;b&gt;rota&lt;/b&gt;" for a in neutral.layout.annotations)
    assert any(s.type == "line" and s.x0 == "Jun 2025" for s in neutral.layout.shapes)

    lower_better = charts.xmr_chart(months, points, "t", "s", "src", y_title="y", y_format=",.0f", better="low")
    names = {tr.name for tr in lower_better.data if tr.mode == "markers+text"}
    assert "Outside limits: concern" in names and "Shift: improvement" in names
    assert not any("special cause, high" in n for n in names)


def test_xmr_chart_draws_no_limits_for_a_run_chart_and_a_line_per_period():
    points = spc.xmr([1, 2, 3, 4, 5, 6, 7, 8, 9], [6])     # 6 months (trial), then 3 (no limits)
    fig = charts.xmr_chart(months_from("2026-01-01", 9), points, "t", "s", "src", y_title="y", y_format=",.0f")
    limits = [tr for tr in fig.data if tr.legendgroup in ("upper", "lower")]
    centres = [tr for tr in fig.data if tr.legendgroup == "mean"]
    assert len(limits) == 2 and all(len(tr.x) == 6 for tr in limits)
    assert [list(tr.x)[0] for tr in centres] == ["Jan 2026", "Jul 2026"]


# ----------------------------------------------------------------------- against real SQL + CLI
@pytest.fixture(scope="module")
def sample14(tmp_path_factory) -> tuple[Path, Path]:
    """14 months (July 2025 - August 2026) from the project's generator; workbooks, list sizes
    and the practice map loaded with the `load` command. (folder, database)"""
    folder = tmp_path_factory.mktemp("sample14")
    files = folder / "files"
    run_cli("sample", "--out", str(files), "--months", "14")
    db = folder / "cbt.duckdb"
    loadable = sorted(files.glob("*Summary*.xlsx")) + sorted(files.glob("*list sizes*.csv")) \
        + [files / "Synthetic practice map.csv"]
    run_cli("load", "--db", str(db), *map(str, loadable))
    return files, db


def run_cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "telephony", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def a_pcn(files: Path) -> str:
    """The first real PCN code (U and five digits) in the first workbook's Table 3."""
    rows = table3_rows(sorted(files.glob("*Summary*.xlsx"))[0])
    return next(r["pcn code"] for r in rows if re.fullmatch(r"U\d{5}", str(r["pcn code"])))


def pcn_months(files: Path, pcn: str) -> dict[str, tuple[int, int]]:
    """month -> (inbound, answered) for the PCN, straight from the workbooks' Table 3 cells."""
    out = {}
    for path in sorted(files.glob("*Summary*.xlsx")):
        for r in table3_rows(path):
            if r["pcn code"] == pcn:
                inbound, answered = out.get(f"{r['month']:%Y-%m}", (0, 0))
                out[f"{r['month']:%Y-%m}"] = (inbound + int(r["count of inbound calls"]), answered + int(r["answered"]))
    return dict(sorted(out.items()))


def test_working_days_come_from_the_bank_holidays_table(sample14):
    _, db = sample14
    s = Store(db)
    try:
        days = trends.area_months(s, "england", "").set_index("month")["working_days"]
    finally:
        s.close()
    # Weekdays less bank holidays: Aug 2025 21 - 1 (25th); Dec 2025 23 - 2 (25th, 26th);
    # May 2026 21 - 2 (4th, 25th); Jul 2026 23, none.
    assert days[pd.Timestamp("2025-08-01")] == 20 and days[pd.Timestamp("2025-12-01")] == 21
    assert days[pd.Timestamp("2026-05-01")] == 19 and days[pd.Timestamp("2026-07-01")] == 23
    assert len(days) == 14


def test_trend_command_gives_the_series_in_the_files_with_its_limits(sample14):
    files, db = sample14
    pcn = a_pcn(files)
    truth = pcn_months(files, pcn)
    assert len(truth) == 14
    out = json.loads(run_cli("trend", "--db", str(db), "--pcn", pcn, "--measure", "inbound", "--json").stdout)
    assert [r["month"] for r in out] == list(truth)
    assert [r["value"] for r in out] == [inbound for inbound, _ in truth.values()]
    assert set(out[0]) == {"month", "value", "mean", "lower", "upper", "special_cause", "rule"}
    # Limits by the spec's steps, from the files' values.
    ys = [float(v) for v, _ in truth.values()]
    mean = sum(ys) / len(ys)
    ranges = [abs(b - a) for a, b in zip(ys, ys[1:])]
    amr = sum(ranges) / len(ranges)
    kept = [r for r in ranges if r < 3.267 * amr]
    amr = sum(kept) / len(kept)
    assert out[0]["mean"] == pytest.approx(mean)
    assert out[0]["lower"] == pytest.approx(mean - 2.66 * amr) and out[0]["upper"] == pytest.approx(mean + 2.66 * amr)
    for r, y in zip(out, ys):
        beyond = y > mean + 2.66 * amr or y < mean - 2.66 * amr
        assert not beyond or (r["special_cause"] and r["rule"] == "outside_limits")
        assert r["special_cause"] == (r["rule"] is not None)

    # Shares as fractions, rebased where asked: two periods, each with its own mean.
    out = json.loads(run_cli("trend", "--db", str(db), "--pcn", pcn, "--measure", "answered_share",
                             "--rebase", "2026-03", "--json").stdout)
    shares = [a / i for i, a in truth.values()]
    assert [r["value"] for r in out] == pytest.approx(shares)
    assert out[0]["mean"] == pytest.approx(sum(shares[:8]) / 8)      # Jul 2025 - Feb 2026
    assert out[8]["mean"] == pytest.approx(sum(shares[8:]) / 6)      # Mar - Aug 2026
    assert out[0]["lower"] is not None and out[8]["upper"] is not None   # 8 and 6 months: trial limits


def test_trend_command_breaks_the_wait_series_and_refuses_bad_input(sample14):
    files, db = sample14
    pcn = a_pcn(files)
    out = json.loads(run_cli("trend", "--db", str(db), "--pcn", pcn, "--measure", "answered_within_2min_share",
                             "--json").stdout)
    by_month = {r["month"]: r for r in out}
    # Jul 2025 - May 2026 (11: trial limits) and Jun - Aug 2026 (3: no limits, null).
    assert by_month["2026-05"]["mean"] != by_month["2026-06"]["mean"]
    assert by_month["2026-05"]["upper"] is not None
    assert by_month["2026-06"]["lower"] is None and by_month["2026-08"]["upper"] is None
    assert by_month["2026-06"]["mean"] == pytest.approx(sum(by_month[m]["value"] for m in
                                                            ("2026-06", "2026-07", "2026-08")) / 3)

    bad = run_cli("trend", "--db", str(db), "--pcn", pcn, "--measure", "answered_share", "--rebase", "2024-01",
                  "--json", ok=False)
    assert bad.returncode == 2 and "cannot rebase at 2024-01" in bad.stderr and "Traceback" not in bad.stderr
    none = run_cli("trend", "--db", str(db), "--pcn", "U00000", "--measure", "inbound", "--json", ok=False)
    assert none.returncode == 1 and "no figures for PCN U00000" in none.stderr
    lib = run_cli("trend", "--library", str(db.parent / "nowhere"), "--pcn", pcn, "--measure", "inbound",
                  "--json", ok=False)
    assert lib.returncode == 2 and "no database at" in lib.stderr


def test_trend_command_reads_a_library_folder(sample14, tmp_path):
    files, db = sample14
    library = tmp_path / "library"
    library.mkdir()
    (library / "library.duckdb").write_bytes(db.read_bytes())
    pcn = a_pcn(files)
    out = json.loads(run_cli("trend", "--library", str(library), "--pcn", pcn, "--measure", "inbound_per_1000",
                             "--json").stdout)
    assert len(out) == 14 and all(0 < r["value"] < 100 for r in out)   # ~550 a month / ~21 days = ~26
