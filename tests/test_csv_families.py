"""The CSV families, every row accounted for: By Durations' CBT003 by wait bucket, zips holding
two members of one name, quoted line breaks, rows too long to read, rows in no figure, and list
sizes matched. Tiny literal files; expected values worked out by hand from the cells written.
"""

from __future__ import annotations

import datetime as dt
import random
import warnings
import zipfile

import pytest

from tests.conftest import (
    ANSWERED_HEADER, ASPLANDS, DAY_TIME_HEADER, DURATIONS_HEADER, FISHERMEAD, MAP_HEADER, NORTH, PRACPOP_HEADER,
    SHARED_IN_PCN, answered_row, csv_bytes, day_time_row, durations_row, map_row, pracpop_row, rows, write_bytes,
    write_csv, write_zip,
)

JAN = dt.date(2026, 1, 1)
D = "2026-01-05"
PCN = "U49574"   # ASPLANDS and FISHERMEAD


def pcn_waits(store) -> dict:
    """The answered-wait figures the Waits page reads (area_month_metrics, the PCN, January)."""
    frame = store.query("area_month_metrics", level="pcn", code=PCN, start=JAN, end=JAN)
    assert len(frame) == 1
    row = frame.iloc[0]
    return {"answered": int(row["answered"]), "with_waits": int(row["answered_with_waits"]),
            "waits": [int(row[f"answered_wait_{i}"]) for i in range(4)],
            "within_2min": float(row["answered_within_2min_share"])}


# By Durations with CBT003 published by wait bucket. ASPLANDS has TOTAL and buckets (TOTAL 20 =
# 2 + 8 + 4 + 3 + 3), FISHERMEAD buckets only (6 + 1 + 2 = 9). No CBT007, so answered calls come
# from CBT003: 20 + 9, never 20 + 20 + 9.
DURATIONS_CBT003_BUCKETS = [
    durations_row(ASPLANDS, D, "CBT001", "TOTAL", "30.0"),
    durations_row(ASPLANDS, D, "CBT003", "TOTAL", "20.0"),
    durations_row(ASPLANDS, D, "CBT003", "0", "2.0"),          # band 0 (0-60 s)
    durations_row(ASPLANDS, D, "CBT003", "1_60", "8.0"),       # band 0
    durations_row(ASPLANDS, D, "CBT003", "61_120", "4.0"),     # band 1
    durations_row(ASPLANDS, D, "CBT003", "121_180", "3.0"),    # band 2
    durations_row(ASPLANDS, D, "CBT003", ">300", "3.0"),       # band 3
    durations_row(FISHERMEAD, D, "CBT001", "TOTAL", "12.0"),
    durations_row(FISHERMEAD, D, "CBT003", "1_60", "6.0"),     # band 0
    durations_row(FISHERMEAD, D, "CBT003", "121_180", "1.0"),  # band 2
    durations_row(FISHERMEAD, D, "CBT003", "181_300", "2.0"),  # band 2
]
# Calls Answered Metric for ASPLANDS only: 15 answered within a minute, 5 after five minutes.
ANSWERED_ASPLANDS = [answered_row(ASPLANDS, D, "1_60", "15.0"), answered_row(ASPLANDS, D, ">300", "5.0")]


def test_durations_cbt003_wait_buckets_give_answered_waits_where_no_answered_metric(store, tmp_path):
    report = store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, DURATIONS_CBT003_BUCKETS))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (11, 11, 0)
    assert pcn_waits(store) == {"answered": 29, "with_waits": 29, "waits": [16, 4, 6, 3],
                                "within_2min": pytest.approx(20 / 29)}
    # ASPLANDS' TOTAL row and its buckets are checked against each other, and agree.
    checks = [c for c in report.reconciliation if "CBT003 TOTAL rows equal the sum of its buckets" in c["check"]]
    assert [(c["expected"], c["actual"], c["ok"]) for c in checks] == [(20.0, 20.0, True)]


def test_durations_cbt003_total_disagreeing_with_its_buckets_is_a_failed_check(store, tmp_path):
    body = [r if r[6:8] != ["CBT003", "TOTAL"] else [*r[:8], "21.0"] for r in DURATIONS_CBT003_BUCKETS]
    report = store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, body))
    assert report.status == "loaded", report.message
    failed = [c for c in report.reconciliation if not c["ok"]]
    assert [(c["expected"], c["actual"]) for c in failed] == [(21.0, 20.0)]
    assert "CBT003 TOTAL" in failed[0]["check"]
    assert pcn_waits(store)["answered"] == 21 + 9        # the count from TOTAL, never TOTAL plus buckets


@pytest.mark.parametrize("order", ["durations first", "answered metric first"])
def test_answered_metric_wins_over_durations_cbt003_buckets_and_nothing_is_counted_twice(store, tmp_path, order):
    files = [write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, DURATIONS_CBT003_BUCKETS),
             write_csv(tmp_path / "ans.csv", ANSWERED_HEADER, ANSWERED_ASPLANDS)]
    if order == "answered metric first":
        files.reverse()
    reports = store.load_many(files)
    assert [r.status for r in reports] == ["loaded", "loaded"], [r.message for r in reports]
    # ASPLANDS from Calls Answered Metric [15, 0, 0, 5]; FISHERMEAD from By Durations [6, 0, 3, 0].
    assert pcn_waits(store) == {"answered": 29, "with_waits": 29, "waits": [21, 0, 3, 5],
                                "within_2min": pytest.approx(21 / 29)}
    # The By Durations CBT003 bucket rows left out are named, by whichever load came second.
    second = reports[1]
    if order == "durations first":
        assert any("1 practice-months had answered waits from By Durations' CBT003 wait buckets ('dur.csv')" in n
                   for n in second.notes), second.notes
    else:
        assert any(n.startswith("5 rows of 'dur.csv' (CBT003 by wait bucket") and "in no figure" in n
                   for n in second.notes), second.notes


def test_a_later_durations_file_without_cbt003_buckets_clears_the_earlier_ones_waits(store, tmp_path):
    store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, DURATIONS_CBT003_BUCKETS))
    totals_only = [durations_row(ASPLANDS, D, "CBT001", "TOTAL", "30.0"),
                   durations_row(ASPLANDS, D, "CBT003", "TOTAL", "20.0"),
                   durations_row(FISHERMEAD, D, "CBT001", "TOTAL", "12.0"),
                   durations_row(FISHERMEAD, D, "CBT003", "TOTAL", "9.0")]
    report = store.load(write_csv(tmp_path / "dur_v2.csv", DURATIONS_HEADER, totals_only))
    assert report.status == "loaded", report.message
    frame = store.query("area_month_metrics", level="pcn", code=PCN, start=JAN, end=JAN)
    assert int(frame.iloc[0]["answered"]) == 29
    assert frame.iloc[0][[f"answered_wait_{i}" for i in range(4)]].isna().all()   # not known, not stale


def test_answered_metric_rows_of_another_indicator_are_named_as_in_no_figure(store, tmp_path):
    body = [*ANSWERED_ASPLANDS, answered_row(ASPLANDS, D, "1_60", "4.0", indicator="CBT004"),
            answered_row(ASPLANDS, "2026-01-06", "1_60", "2.0", indicator="CBT004")]
    report = store.load(write_csv(tmp_path / "ans.csv", ANSWERED_HEADER, body))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded) == (4, 4)
    notes = [n for n in report.notes if "in no figure" in n]
    assert notes == [notes[0]] and notes[0].startswith("2 rows of 'ans.csv' (CBT004, Wait_Time '1_60')"), report.notes
    assert rows(store, "SELECT answered_wait_0, answered_wait_1, answered_wait_2, answered_wait_3 FROM unit_month") == [
        (15, 0, 0, 5)]


def test_cbt003_is_checked_against_cbt007_in_by_day_and_time(store, tmp_path):
    body = [day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0"),
            day_time_row(ASPLANDS, D, "CBT003", "08:00 - 09:59", "7.0"),
            day_time_row(ASPLANDS, D, "CBT007", "08:00 - 09:59", "6.0")]
    report = store.load(write_csv(tmp_path / "bdt.csv", DAY_TIME_HEADER, body))
    checks = [c for c in report.reconciliation if "CBT003 equals CBT007" in c["check"]]
    assert [(c["expected"], c["actual"], c["ok"]) for c in checks] == [(7.0, 6.0, False)]


# ============================================================================ zips with two members of one name

def zip_with_duplicate_names(path, members: list[tuple[str, bytes]]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # zipfile warns about a duplicate name, and writes it
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def test_zip_with_two_members_of_one_name_reads_both(store, tmp_path):
    # Two regions' rows under one file name: a user wants both, so both are read, each from its own entry.
    first = csv_bytes(DAY_TIME_HEADER, [day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0")])
    second = csv_bytes(DAY_TIME_HEADER, [day_time_row(NORTH, D, "CBT001", "08:00 - 09:59", "40.0")])
    report = store.load(zip_with_duplicate_names(tmp_path / "dup.zip", [("cbt.csv", first), ("cbt.csv", second)]))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 2, 0)
    assert rows(store, "SELECT u.practice_code, sum(value) FROM calls_by_band JOIN units u USING (unit_id) "
                       "GROUP BY 1 ORDER BY 1") == [("A81001", 40), ("E81050", 10)]
    assert any("more than one file named 'cbt.csv'" in n and "'cbt.csv (2nd copy)'" in n for n in report.notes)


def test_zip_with_the_same_member_twice_counts_its_rows_once(store, tmp_path):
    # Identical content twice: the second copy's rows repeat the first's, and are rejected as repeats.
    data = csv_bytes(DAY_TIME_HEADER, [day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0")])
    report = store.load(zip_with_duplicate_names(tmp_path / "dup.zip", [("cbt.csv", data), ("cbt.csv", data)]))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 1, 1)
    assert rows(store, "SELECT sum(value) FROM calls_by_band") == [(10,)]
    assert [(r["location"], r["row_number"]) for r in report.rejects] == [("cbt.csv (2nd copy)", 2)]
    assert "repeats row 2 of cbt.csv" in report.rejects[0]["reason"]


# ============================================================================ quoted line breaks

def test_mapping_file_with_a_line_break_inside_a_quoted_name_loads(store, tmp_path):
    body = [map_row(ASPLANDS, practice_name="ASPLANDS\nMEDICAL CENTRE"), map_row(FISHERMEAD)]
    data = csv_bytes(MAP_HEADER, body)
    assert data.count(b"\n") == 4                  # header, two rows, and the break inside the name
    report = store.load(write_bytes(tmp_path / "gp-reg-pat-prac-map.csv", data))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.practices) == (2, 2, 2)
    assert rows(store, "SELECT code, name FROM org_names WHERE level = 'practice' ORDER BY code") == [
        ("E81050", "ASPLANDS\nMEDICAL CENTRE"), ("K82064", "FISHERMEAD MEDICAL CENTRE")]
    assert rows(store, "SELECT practice_code, pcn_code FROM pcn_membership ORDER BY 1") == [
        ("E81050", PCN), ("K82064", PCN)]


QUOTED_BREAK_HEADER = [*DAY_TIME_HEADER, "PRACTICE_NAME"]
QUOTED_BREAK_BODY = [
    [*day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0"), "ASPLANDS\nMEDICAL CENTRE"],   # row 2
    [*day_time_row(ASPLANDS, D, "CBT002", "08:00 - 09:59", "ten"), "ASPLANDS"],                     # row 3
    [*day_time_row(FISHERMEAD, D, "CBT001", "08:00 - 09:59", "5.0"), "FISHERMEAD\r\n\r\nCENTRE"],   # row 4
    [*day_time_row(FISHERMEAD, D, "CBT001", "10:00 - 11:59", "-1"), "FISHERMEAD"],                  # row 5
]


@pytest.mark.parametrize("in_zip", [False, True], ids=["csv", "zip"])
def test_long_csv_with_line_breaks_inside_quoted_fields_loads(store, tmp_path, in_zip):
    data = csv_bytes(QUOTED_BREAK_HEADER, QUOTED_BREAK_BODY)
    path = (write_zip(tmp_path / "bdt.zip", {"bdt_Y61.csv": data}) if in_zip
            else write_bytes(tmp_path / "bdt_Y61.csv", data))
    report = store.load(path)
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 2, 2)
    assert rows(store, "SELECT u.practice_code, b.indicator, b.value FROM calls_by_band b JOIN units u "
                       "USING (unit_id) ORDER BY 1") == [("E81050", 1, 10), ("K82064", 1, 5)]
    # Rows are numbered as a spreadsheet shows them (by record), not by physical line; a blank
    # line inside a quoted field is not a blank row.
    assert [(r["location"], r["row_number"], r["column"]) for r in report.rejects] == [
        ("bdt_Y61.csv", 3, "Value"), ("bdt_Y61.csv", 5, "Value")]


# ============================================================================ rows too long to read

@pytest.mark.parametrize("size, last", [(2_500_000, False), (40_000_000, True)], ids=["2.5MB-middle", "40MB-last"])
def test_a_row_too_long_to_read_is_named_by_file_and_row(store, tmp_path, size, last):
    # Past 32 MB, as the last row, DuckDB's parallel reader used to drop the row without a word.
    long_row = day_time_row(ASPLANDS, "2026-01-06", "CBT001", "08:00 - 09:59", "1" * size)
    body = [day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0"), long_row]
    if not last:
        body.append(day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "4.0"))
    report = store.load(write_csv(tmp_path / "bdt.csv", DAY_TIME_HEADER, body))
    assert report.status == "failed"
    assert "'bdt.csv' has a row too long to read: row 3 is" in report.message, report.message
    assert "header but no data rows" not in report.message
    assert rows(store, "SELECT count(*) FROM calls_by_band") == [(0,)]


def test_a_row_too_long_in_a_zip_names_the_member(store, tmp_path):
    good = day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0")
    digits = "".join(random.Random(1).choices("0123456789", k=2_500_000))   # compresses under the zip ratio limit
    members = {"bdt_Y61.csv": csv_bytes(DAY_TIME_HEADER, [good]),
               "bdt_Y63.csv": csv_bytes(DAY_TIME_HEADER, [good, [*good[:-1], digits]])}
    report = store.load(write_zip(tmp_path / "bdt.zip", members))
    assert report.status == "failed"
    assert "row 3 of 'bdt_Y63.csv'" in report.message and "too long to read" in report.message, report.message


def test_a_quoted_field_spanning_lines_past_the_row_limit_is_named(store, tmp_path):
    # Every physical line is short, but one quoted field holds 3 MB of them: one row too long.
    body = [[*day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "10.0"), "ok"],
            [*day_time_row(ASPLANDS, D, "CBT002", "08:00 - 09:59", "1.0"), "x\n" * 1_500_000]]
    report = store.load(write_csv(tmp_path / "bdt.csv", QUOTED_BREAK_HEADER, body))
    assert report.status == "failed"
    assert "has a row too long to read: the row starting on line 3" in report.message, report.message


def test_a_mapping_file_row_too_long_is_named(store, tmp_path):
    body = [map_row(ASPLANDS), map_row(FISHERMEAD, practice_name="F" * 2_500_000)]
    report = store.load(write_csv(tmp_path / "map.csv", MAP_HEADER, body))
    assert report.status == "failed"
    assert "has a row too long to read: row 3 is" in report.message, report.message


# ============================================================================ list sizes matched

def test_load_report_says_how_many_practices_matched_a_list_size(store, tmp_path):
    calls = [durations_row(ASPLANDS, D, "CBT001", "TOTAL", "30.0"),
             durations_row(FISHERMEAD, D, "CBT001", "TOTAL", "10.0"),
             durations_row(SHARED_IN_PCN, D, "CBT001", "TOTAL", "7.0")]     # a shared account has no list
    first = store.load(write_csv(tmp_path / "ls1.csv", PRACPOP_HEADER, [pracpop_row("E81050", "2026-01-01", 9000)]))
    assert not any("matched a list size" in n for n in first.notes)        # no call data yet
    loaded = store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, calls))
    assert ("1 of 2 practices with call data matched a list size; calls per 1,000 patients leave out the 1 "
            "that did not") in loaded.notes, loaded.notes
    # A list dated before the call month counts too (the nearest earlier list is used).
    later = store.load(write_csv(tmp_path / "ls2.csv", PRACPOP_HEADER, [pracpop_row("K82064", "2025-12-01", 8000)]))
    assert "2 of 2 practices with call data matched a list size" in later.notes, later.notes


def test_by_day_and_time_reconciles_with_by_durations_carrying_cbt003_both_ways(store, tmp_path):
    # By Day and Time: 30 + 20 (CBT001, CBT003) for ASPLANDS, 12 + 9 for FISHERMEAD = 71, which By
    # Durations matches only if CBT003's TOTAL and bucket rows are not both added (it would be 91).
    bdt = [day_time_row(ASPLANDS, D, "CBT001", "08:00 - 09:59", "30.0"),
           day_time_row(ASPLANDS, D, "CBT003", "08:00 - 09:59", "20.0"),
           day_time_row(FISHERMEAD, D, "CBT001", "08:00 - 09:59", "12.0"),
           day_time_row(FISHERMEAD, D, "CBT003", "08:00 - 09:59", "9.0")]
    store.load(write_csv(tmp_path / "bdt.csv", DAY_TIME_HEADER, bdt))
    report = store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, DURATIONS_CBT003_BUCKETS))
    check = next(c for c in report.reconciliation if "By Day and Time total equals By Durations total" in c["check"])
    assert (check["expected"], check["actual"], check["ok"]) == (71.0, 71.0, True)
    # A Calls Answered Metric file changes neither side, so its load does not repeat the check.
    answered = store.load(write_csv(tmp_path / "cam.csv", ANSWERED_HEADER, ANSWERED_ASPLANDS))
    assert answered.status == "loaded", answered.message
    assert not any("By Day and Time total equals" in c["check"] for c in answered.reconciliation)
