"""The metric definitions in queries/staging/views.sql, case by case.

Each case is a tiny set of practice rows (written as a Publication Summary workbook or as
practice-level CSVs and loaded through the Store) with the expected figures worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pytest

from tests.conftest import (
    ANSWERED_HEADER, ASPLANDS, DAY_TIME_HEADER, DURATIONS_HEADER, FISHERMEAD, KING_ST, NORTH, PRACPOP_HEADER,
    SHARED_ALL_UNMAPPED, SHARED_IN_PCN, SHARED_UNMAPPED_PCN, WALNUT, WbRow, WorkbookSpec, answered_row,
    day_time_row, durations_row, pracpop_row, write_csv, write_summary_workbook,
)

JAN = dt.date(2026, 1, 1)
DEC = dt.date(2025, 12, 1)


def load_workbook(store, tmp_path, wb_rows, month=JAN, name=None):
    path = write_summary_workbook(tmp_path / (name or f"summary_{month:%Y%m}.xlsx"), WorkbookSpec(month, wb_rows))
    report = store.load(path)
    assert report.status == "loaded", report.message
    return report


def metrics(store, level: str, code: str, month: dt.date = JAN) -> dict | None:
    """One area-month of area_month_metrics as a dict (NULL -> None), or None if absent."""
    frame = store.query("area_month_metrics", level=level, code=code, start=month, end=month)
    if frame.empty:
        return None
    assert len(frame) == 1
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in frame.iloc[0].to_dict().items()}


def check(got: dict, expected: dict) -> None:
    problems = []
    for key, want in expected.items():
        have = got[key]
        if want is None:
            ok = have is None
        else:
            ok = have is not None and math.isclose(float(have), float(want), rel_tol=1e-12, abs_tol=1e-12)
        if not ok:
            problems.append(f"{key}: expected {want!r}, got {have!r}")
    assert not problems, "; ".join(problems)


# A typical pair of practices in one PCN, by hand:
#   ASPLANDS   inbound 1000 = answered 600 + IVR 250 + callback requested 50 + missed 100; made 48
#   FISHERMEAD inbound  500 = answered 300 + IVR 100 + callback requested  0 + missed 100; made 0
TYPICAL = [
    WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (300, 100, 120, 80), (100, 200, 250, 50), (50, 20, 20, 10)),
    WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0, (100, 100, 50, 50), (50, 100, 100, 50), (40, 30, 20, 10)),
]

PCN_CASES = [
    pytest.param(TYPICAL, {
        "practices_reporting": 2, "inbound": 1500, "answered": 900, "ended_in_ivr": 350,
        "callback_requested": 50, "callback_made": 48, "missed": 200,
        "answered_share": 900 / 1500, "ivr_share": 350 / 1500, "callback_requested_share": 50 / 1500,
        "missed_share": 200 / 1500, "callback_made_ratio": 48 / 50,
        "answered_within_2min": 300 + 100 + 100 + 100, "answered_within_2min_share": 600 / 900,
        "balance_gap": 0, "balance_gap_share": 0, "units_unbalanced": 0, "units_without_callbacks": 1,
        "shared_account_inbound": 0, "shared_account_share": 0.0,
        "answered_wait_0": 400, "answered_wait_3": 130, "answered_duration_1": 300, "missed_wait_2": 40,
    }, id="typical"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 650, 250, 0, 100, 0),
        WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0),
    ], {
        "callback_requested": 0, "callback_made": 0, "callback_requested_share": 0.0,
        "callback_made_ratio": None,                 # no callbacks requested: "not used", not 0% or 100%
        "units_without_callbacks": 2,
    }, id="callbacks-not-used"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 60),
    ], {"callback_made_ratio": 60 / 50}, id="more-callbacks-made-than-requested"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 600, 250, 50, 60, 48),    # outcomes 960: 40 calls outside the call flow
    ], {"balance_gap": 40, "balance_gap_share": 0.04, "units_unbalanced": 1, "answered_share": 0.6},
        id="positive-balance-gap"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 600, 250, 50, 130, 48),   # outcomes 1030: 30 calls counted twice
        WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0),    # balances exactly
    ], {"balance_gap": -30, "balance_gap_share": -30 / 1500, "units_unbalanced": 1, "missed_share": 230 / 1500},
        id="negative-balance-gap"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 600, 250, 50, 60, 48),    # +40
        WbRow(FISHERMEAD, 500, 300, 100, 0, 140, 0),    # -40
    ], {"balance_gap": 0, "units_unbalanced": 2}, id="gaps-cancel-but-both-unbalanced"),
    pytest.param([
        WbRow(ASPLANDS, 0, 0, 0, 0, 0, 0),
    ], {"inbound": 0, "practices_reporting": 1, "answered_share": None, "ivr_share": None, "missed_share": None,
        "callback_requested_share": None, "callback_made_ratio": None, "answered_within_2min_share": None,
        "balance_gap": 0, "balance_gap_share": None}, id="zero-inbound"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (600, 0, 0, 0)),
    ], {"answered_within_2min": 600, "answered_within_2min_share": 1.0}, id="all-answered-within-a-minute"),
    pytest.param([
        WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (300, 100, 120, 50)),   # bands sum to 570, not 600
    ], {"answered_within_2min_share": 400 / 570},   # of the bands' own total, as NHS England's Table 4 is
        id="wait-bands-short-of-answered"),
    pytest.param([
        *TYPICAL,
        WbRow(SHARED_IN_PCN, 200, 100, 50, 20, 30, 20, (50, 20, 20, 10)),
    ], {
        "practices_reporting": 2, "inbound": 1700, "shared_account_inbound": 200, "answered": 1000,
        "shared_account_share": 200 / 1700,
        "callback_requested": 70, "callback_made": 68, "answered_share": 1000 / 1700,
        "answered_within_2min": 600 + 70, "answered_within_2min_share": 670 / 1000,
    }, id="shared-account-under-real-pcn-counts"),
    pytest.param([
        *TYPICAL,
        WbRow(SHARED_IN_PCN, 200, 100, 50, 20, 30, 20),
        WbRow(SHARED_IN_PCN, 120, 60, 30, 10, 20, 10),   # a second account with the same geography
    ], {"practices_reporting": 2, "inbound": 1820, "shared_account_inbound": 320}, id="two-shared-accounts"),
    pytest.param([
        *TYPICAL,
        WbRow(SHARED_UNMAPPED_PCN, 300, 100, 100, 50, 50, 50),
    ], {"practices_reporting": 2, "inbound": 1500, "shared_account_inbound": 0, "answered": 900},
        id="shared-account-with-unmapped-pcn-excluded"),
    pytest.param([
        *TYPICAL,
        WbRow(KING_ST, 700, 400, 200, 50, 50, 50),       # another PCN
    ], {"practices_reporting": 2, "inbound": 1500}, id="other-pcn-excluded"),
]


@pytest.mark.parametrize("wb_rows, expected", PCN_CASES)
def test_pcn_metrics(store, tmp_path, wb_rows, expected):
    load_workbook(store, tmp_path, wb_rows)
    check(metrics(store, "pcn", "U49574"), expected)


def test_shared_account_with_unmapped_pcn_counts_in_its_icb_and_england(store, tmp_path):
    load_workbook(store, tmp_path, [*TYPICAL, WbRow(SHARED_UNMAPPED_PCN, 300, 100, 100, 50, 50, 50),
                                    WbRow(SHARED_ALL_UNMAPPED, 40, 20, 10, 5, 5, 5),
                                    WbRow(NORTH, 60, 30, 20, 5, 5, 5)])
    check(metrics(store, "icb", "QHG"), {"inbound": 1800, "shared_account_inbound": 300, "practices_reporting": 2})
    check(metrics(store, "icb", "QHM"), {"inbound": 60, "shared_account_inbound": 0, "practices_reporting": 1})
    check(metrics(store, "england", "E92000001"),
          {"inbound": 1900, "shared_account_inbound": 340, "practices_reporting": 3})
    assert metrics(store, "pcn", "Unmapped") is None
    assert metrics(store, "icb", "Unmapped") is None


def test_practice_in_no_pcn_is_not_a_pcn(store, tmp_path):
    no_pcn = replace(WALNUT, pcn="U", pcn_name="Unallocated")
    unallocated = replace(FISHERMEAD, pcn="Unallocated", pcn_name="Unallocated")
    load_workbook(store, tmp_path, [TYPICAL[0], WbRow(no_pcn, 300, 300, 0, 0, 0, 0),
                                    WbRow(unallocated, 200, 200, 0, 0, 0, 0)])
    assert metrics(store, "pcn", "U") is None
    assert metrics(store, "pcn", "Unallocated") is None
    check(metrics(store, "icb", "QHG"), {"inbound": 1500, "practices_reporting": 3})


# ---------------------------------------------------------------------------- calls per 1,000 patients

def load_list_sizes(store, tmp_path, entries, name="pracpop.csv"):
    body = [pracpop_row(code, date, patients) for code, date, patients in entries]
    report = store.load(write_csv(tmp_path / name, PRACPOP_HEADER, body))
    assert report.status == "loaded", report.message


LISTS = [
    ("E81050", "2025-12-01", 8000), ("E81050", "2026-01-01", 9000), ("E81050", "2026-02-01", 9500),
    ("K82064", "2026-01-01", 6000),
]


def test_calls_per_1000_use_the_list_dated_the_first_of_the_month(store, tmp_path):
    load_list_sizes(store, tmp_path, LISTS)
    load_workbook(store, tmp_path, [*TYPICAL, WbRow(SHARED_IN_PCN, 300, 200, 50, 25, 25, 25)])
    # Shared-account calls are left out of the rate: their patients cannot be identified.
    check(metrics(store, "pcn", "U49574"), {
        "rate_inbound": 1500, "patients": 9000 + 6000, "calls_per_1000": 1000 * 1500 / 15000,
        "inbound": 1800, "shared_account_inbound": 300,
    })


def test_calls_per_1000_in_december_ignore_later_lists(store, tmp_path):
    load_list_sizes(store, tmp_path, LISTS)
    load_workbook(store, tmp_path, [WbRow(ASPLANDS, 880, 500, 200, 80, 100, 80),
                                    WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0)], month=DEC)
    # FISHERMEAD's only list is dated after December: it is left out of both sides of the rate.
    check(metrics(store, "pcn", "U49574", DEC),
          {"rate_inbound": 880, "patients": 8000, "calls_per_1000": 110.0, "inbound": 1380})


def test_calls_per_1000_without_any_list_is_missing_not_zero(store, tmp_path):
    load_list_sizes(store, tmp_path, [("E81050", "2026-02-01", 9500)])
    load_workbook(store, tmp_path, TYPICAL)
    check(metrics(store, "pcn", "U49574"), {"calls_per_1000": None, "inbound": 1500})


def test_calls_per_1000_skip_a_zero_list_size(store, tmp_path):
    load_list_sizes(store, tmp_path, [("E81050", "2026-01-01", 10000), ("K82064", "2026-01-01", 0)])
    load_workbook(store, tmp_path, TYPICAL)
    check(metrics(store, "pcn", "U49574"), {"patients": 10000, "calls_per_1000": 100.0})


def test_calls_per_1000_at_icb_level(store, tmp_path):
    load_list_sizes(store, tmp_path, LISTS + [("E81038", "2026-01-01", 5000)])
    load_workbook(store, tmp_path, [*TYPICAL, WbRow(KING_ST, 700, 400, 200, 50, 50, 50),
                                    WbRow(SHARED_UNMAPPED_PCN, 300, 100, 100, 50, 50, 50)])
    check(metrics(store, "icb", "QHG"), {"calls_per_1000": 1000 * (1500 + 700) / 20000, "inbound": 2500})


# ---------------------------------------------------------------------------- a period of months

def test_period_metrics_are_recomputed_from_summed_counts(store, tmp_path):
    load_list_sizes(store, tmp_path, LISTS)
    load_workbook(store, tmp_path, [WbRow(ASPLANDS, 880, 500, 200, 80, 100, 80),
                                    WbRow(KING_ST, 100, 50, 20, 10, 20, 10)], month=DEC)
    load_workbook(store, tmp_path, [*TYPICAL, WbRow(SHARED_IN_PCN, 300, 200, 50, 25, 25, 25)], month=JAN)
    frame = store.query("area_period_metrics", pcn="U49574", icb="QHG", start=DEC, end=JAN)
    assert frame["level"].tolist() == ["pcn", "icb", "england"]
    got = {k: (None if isinstance(v, float) and math.isnan(v) else v)
           for k, v in frame.iloc[0].to_dict().items()}
    # December: ASPLANDS 880. January: ASPLANDS 1000, FISHERMEAD 500, shared account 300.
    check(got, {
        "months": 2, "practices_reporting": 2, "inbound": 880 + 1800, "answered": 500 + 900 + 200,
        "callback_requested": 80 + 50 + 25, "callback_made": 80 + 48 + 25,
        "shared_account_inbound": 300, "answered_share": 1600 / 2680,
        "callback_made_ratio": 153 / 155,
        # per 1,000 patients per month: each month's calls over that month's list
        "rate_inbound": 880 + 1500, "patients": 8000 + 9000 + 6000,
        "calls_per_1000": 1000 * 2380 / 23000,
    })
    check({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in frame.iloc[1].to_dict().items()},
          {"inbound": 880 + 100 + 1800, "practices_reporting": 3})


# ---------------------------------------------------------------------------- metrics from the CSVs

def test_metrics_from_practice_level_csvs(store, tmp_path):
    d1, d2 = "2026-01-05", "2026-01-06"
    day_time = [
        # ASPLANDS: inbound 60 + 40; CBT007 57 (answered, preferred to CBT003's 55)
        day_time_row(ASPLANDS, d1, "CBT001", "08:00 - 09:59", "60.0"),
        day_time_row(ASPLANDS, d2, "CBT001", "10:00 - 11:59", "40.0"),
        day_time_row(ASPLANDS, d1, "CBT002", "08:00 - 09:59", "20.0"),
        day_time_row(ASPLANDS, d1, "CBT003", "08:00 - 09:59", "55.0"),
        day_time_row(ASPLANDS, d1, "CBT007", "08:00 - 09:59", "57.0"),
        day_time_row(ASPLANDS, d1, "CBT004", "08:00 - 09:59", "15.0"),
        day_time_row(ASPLANDS, d1, "CBT005", "08:00 - 09:59", "10.0"),
        day_time_row(ASPLANDS, d2, "CBT006", "10:00 - 11:59", "9.0"),
        day_time_row(ASPLANDS, d2, "CBT001", "12:00 - 13:59", "-5.0"),        # rejected: never counted
        # FISHERMEAD: CBT003 only, so answered = 30; no callbacks at all
        day_time_row(FISHERMEAD, d1, "CBT001", "08:00 - 09:59", "50.0"),
        day_time_row(FISHERMEAD, d1, "CBT002", "08:00 - 09:59", "10.0"),
        day_time_row(FISHERMEAD, d1, "CBT003", "08:00 - 09:59", "30.0"),
        day_time_row(FISHERMEAD, d1, "CBT004", "08:00 - 09:59", "10.0"),
        # a shared account under the PCN
        day_time_row(SHARED_IN_PCN, d1, "CBT001", "08:00 - 09:59", "12.0"),
        day_time_row(SHARED_IN_PCN, d1, "CBT007", "08:00 - 09:59", "12.0"),
    ]
    waits = [   # ASPLANDS only: 25 within a minute, 15 in 61-120 s, 10 in 121-300 s, 5 over 300 s
        answered_row(ASPLANDS, d1, "0", "5.0"), answered_row(ASPLANDS, d1, "1_60", "20.0"),
        answered_row(ASPLANDS, d1, "61_120", "15.0", core="Non-Core"), answered_row(ASPLANDS, d2, "121_300", "10.0"),
        answered_row(ASPLANDS, d2, ">300", "5.0"),
    ]
    r1 = store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, day_time))
    r2 = store.load(write_csv(tmp_path / "waits.csv", ANSWERED_HEADER, waits))
    assert (r1.status, r2.status) == ("loaded", "loaded"), (r1.message, r2.message)
    assert r1.rows_rejected == 1
    check(metrics(store, "pcn", "U49574"), {
        "practices_reporting": 2, "inbound": 100 + 50 + 12, "answered": 57 + 30 + 12, "ended_in_ivr": 30,
        "callback_requested": 10, "callback_made": 9, "missed": 25, "shared_account_inbound": 12,
        "answered_share": 99 / 162, "callback_made_ratio": 0.9,
        "balance_gap": 162 - (99 + 30 + 10 + 25),
        "answered_wait_0": 25, "answered_wait_1": 15, "answered_wait_2": 10, "answered_wait_3": 5,
        # only ASPLANDS has waits: the share is of its 55 calls in the wait bands (CBT003 by wait, as
        # NHS England's Table 4 percentages are), not of its 57 answered (CBT007) nor of all 99
        "answered_within_2min": 40, "answered_within_2min_share": 40 / 55,
        "answered_duration_0": None, "missed_wait_0": None,
    })


def test_within_2_minutes_when_no_call_waited_over_a_minute_csv(store, tmp_path):
    # Every answered call was answered within a minute: the other buckets simply have no rows.
    day_time = [day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "30.0"),
                day_time_row(ASPLANDS, "2026-01-05", "CBT007", "08:00 - 09:59", "20.0")]
    waits = [answered_row(ASPLANDS, "2026-01-05", "1_60", "20.0")]
    store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, day_time))
    store.load(write_csv(tmp_path / "waits.csv", ANSWERED_HEADER, waits))
    check(metrics(store, "pcn", "U49574"), {
        "answered_wait_0": 20, "answered_wait_1": 0, "answered_wait_2": 0, "answered_wait_3": 0,
        "answered_within_2min": 20, "answered_within_2min_share": 1.0})


def test_duration_and_missed_wait_bands_from_durations_csv(store, tmp_path):
    d = "2026-01-05"
    body = [
        durations_row(ASPLANDS, d, "CBT001", "TOTAL", "30.0"),
        durations_row(ASPLANDS, d, "CBT007", "0", "1.0"), durations_row(ASPLANDS, d, "CBT007", "1_60", "4.0"),
        durations_row(ASPLANDS, d, "CBT007", "61_120", "6.0"), durations_row(ASPLANDS, d, "CBT007", "121_300", "7.0"),
        durations_row(ASPLANDS, d, "CBT007", ">300", "2.0"),
        durations_row(ASPLANDS, d, "CBT004", "1_60", "3.0"), durations_row(ASPLANDS, d, "CBT004", "61_120", "2.0"),
        durations_row(ASPLANDS, d, "CBT004", "121_300", "1.0"), durations_row(ASPLANDS, d, "CBT004", ">300", "1.0"),
        durations_row(ASPLANDS, d, "CBT002", "TOTAL", "3.0"),
    ]
    store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, body))
    check(metrics(store, "pcn", "U49574"), {
        "inbound": 30, "answered": 20, "missed": 7, "ended_in_ivr": 3,
        "answered_duration_0": 5, "answered_duration_1": 6, "answered_duration_2": 7, "answered_duration_3": 2,
        "missed_wait_0": 3, "missed_wait_1": 2, "missed_wait_2": 1, "missed_wait_3": 1,
        "answered_wait_0": None, "answered_within_2min_share": None,
    })


def test_practices_with_no_callback_rows_in_the_csv_requested_none(store, tmp_path):
    # Long files carry no rows for zero counts: a practice that does not use callbacks simply has
    # no CBT005/CBT006 rows. FISHERMEAD balances (50 = 30 + 10 + 0 + 10); WALNUT is 5 short.
    d = "2026-01-05"
    body = [
        day_time_row(FISHERMEAD, d, "CBT001", "08:00 - 09:59", "50.0"),
        day_time_row(FISHERMEAD, d, "CBT007", "08:00 - 09:59", "30.0"),
        day_time_row(FISHERMEAD, d, "CBT002", "08:00 - 09:59", "10.0"),
        day_time_row(FISHERMEAD, d, "CBT004", "08:00 - 09:59", "10.0"),
        day_time_row(WALNUT, d, "CBT001", "08:00 - 09:59", "50.0"),
        day_time_row(WALNUT, d, "CBT007", "08:00 - 09:59", "30.0"),
        day_time_row(WALNUT, d, "CBT002", "08:00 - 09:59", "10.0"),
        day_time_row(WALNUT, d, "CBT004", "08:00 - 09:59", "5.0"),
    ]
    report = store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, body))
    assert report.status == "loaded", report.message
    check(metrics(store, "pcn", "U49574"), {
        "inbound": 100, "callback_requested": 0, "callback_made": 0, "callback_requested_share": 0.0,
        "callback_made_ratio": None, "units_without_callbacks": 2, "units_unbalanced": 1,
        "balance_gap": 5, "balance_gap_share": 0.05,
    })
