"""Readers and the store's loading rules, on tiny hand-written files in every published format.

Expected values are worked out by hand from the cells each test writes.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from dataclasses import replace

import pytest
import xlsxwriter

from telephony import model
from tests.conftest import (
    ANSWERED_HEADER, ASPLANDS, DAY_TIME_HEADER, DURATIONS_HEADER, FISHERMEAD, KING_ST, MAP_HEADER, NORTH,
    PRACPOP_HEADER, SHARED_ALL_UNMAPPED, SHARED_IN_PCN, SHARED_UNMAPPED_PCN, WALNUT, WbRow, WorkbookSpec,
    answered_row, csv_bytes, day_time_row, durations_row, map_row, pracpop_row, rows, snapshot,
    summary_excel_row, table_counts, write_bytes, write_csv, write_epcn, write_summary_workbook, write_zip,
)

JAN = dt.date(2026, 1, 1)


def band_facts(store) -> set[tuple]:
    """calls_by_band as (date, practice, pcn, indicator, band, value)."""
    return set(rows(store, """
        SELECT b.date::VARCHAR, u.practice_code, u.pcn_code, b.indicator, b.band, b.value
        FROM calls_by_band b JOIN units u USING (unit_id)"""))


def bucket_facts(store, family: str) -> set[tuple]:
    return set(rows(store, """
        SELECT b.date::VARCHAR, u.practice_code, b.indicator, b.bucket, b.lo, b.hi, b.wait_band, b.core, b.value
        FROM calls_by_bucket b JOIN units u USING (unit_id) WHERE b.family = $f""", f=family))


def month_figures(store, practice: str, month: dt.date = JAN, pcn: str | None = None) -> dict:
    """unit_month for one practice (or shared account under `pcn`) as a dict."""
    frame = store.con.execute(
        """SELECT m.* FROM unit_month m JOIN units u USING (unit_id)
           WHERE u.practice_code = $p AND m.month = $m AND ($pcn IS NULL OR u.pcn_code = $pcn)""",
        {"p": practice, "m": month, "pcn": pcn},
    ).df()
    assert len(frame) == 1, f"expected one unit_month row for {practice}, got {len(frame)}"
    return {k: (None if v != v else v) for k, v in frame.iloc[0].to_dict().items()}  # NaN -> None


def assert_identity(report):
    assert report.rows_read == report.rows_loaded + report.rows_rejected, (
        report.rows_read, report.rows_loaded, report.rows_rejected)


# ============================================================================ By Day and Time

# Five rows covering spaced and unspaced bands, float-text and integer values, a shared
# account under a real PCN and a shared account unmapped at every level.
DAY_TIME_BODY = [
    day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "12.0"),
    day_time_row(ASPLANDS, "2026-01-05", "CBT003", "08:00-09:59", "7.0"),
    day_time_row(ASPLANDS, "2026-01-06", "CBT001", "18:30 - 23:59", "3"),
    day_time_row(SHARED_IN_PCN, "2026-01-05", "CBT001", "10:00 -11:59", "5.0"),
    day_time_row(SHARED_ALL_UNMAPPED, "2026-01-31", "CBT002", "00:00 - 05:59", "0.0"),
]
DAY_TIME_FACTS = {
    ("2026-01-05", "E81050", "U49574", 1, 2, 12),
    ("2026-01-05", "E81050", "U49574", 3, 2, 7),
    ("2026-01-06", "E81050", "U49574", 1, 8, 3),
    ("2026-01-05", "Unassigned", "U49574", 1, 3, 5),
    ("2026-01-31", "Unassigned", "Unmapped", 2, 0, 0),
}

CSV_VARIANTS = [
    pytest.param("plain.csv", {}, id="plain"),
    pytest.param("bom.csv", {"bom": True}, id="utf8-bom"),
    pytest.param("crlf.csv", {"newline": "\r\n"}, id="crlf"),
    pytest.param("quoted.csv", {"quote_all": True}, id="quoted-fields"),
    pytest.param("semicolon.csv", {"delimiter": ";"}, id="semicolon"),
    pytest.param("windows.csv", {"encoding": "cp1252", "newline": "\r\n"}, id="cp1252-crlf"),
    pytest.param("everything.csv", {"bom": True, "newline": "\r\n", "quote_all": True, "delimiter": ";"},
                 id="bom-crlf-quoted-semicolon"),
    pytest.param("export.txt", {}, id="named-txt"),
    pytest.param("data.bin", {"newline": "\r\n"}, id="named-bin"),
]


@pytest.mark.parametrize("name, options", CSV_VARIANTS)
def test_day_time_csv_variants_load_the_same_facts(store, tmp_path, name, options):
    path = write_csv(tmp_path / name, DAY_TIME_HEADER, DAY_TIME_BODY, **options)
    report = store.load(path)
    assert report.status == "loaded", report.message
    assert report.kind == "by_day_time"
    assert report.months == ["2026-01"]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 5, 0)
    assert band_facts(store) == DAY_TIME_FACTS


def test_columns_are_found_by_header_name_in_any_order_and_case(store, tmp_path):
    header = ["value", "indicator", " time_category ", "practice_code", "pcn_code", "sub_icb_location_code",
              "icb_code", "region_code", "date"]
    order = [DAY_TIME_HEADER.index(h) for h in
             ["Value", "Indicator", "Time_Category", "PRACTICE_CODE", "PCN_CODE", "SUB_ICB_LOCATION_CODE",
              "ICB_CODE", "REGION_CODE", "Date"]]
    body = [[r[i] for i in order] for r in DAY_TIME_BODY]
    report = store.load(write_csv(tmp_path / "reordered.csv", header, body))
    assert report.status == "loaded", report.message
    assert band_facts(store) == DAY_TIME_FACTS


@pytest.mark.parametrize("spelling", ["08:00 - 09:59", "08:00-09:59", "8:00 - 9:59", "08:00 -09:59",
                                      " 08:00  -  09:59 "])
def test_time_band_spacing_is_normalised(store, tmp_path, spelling):
    path = write_csv(tmp_path / "bands.csv", DAY_TIME_HEADER,
                     [day_time_row(ASPLANDS, "2026-01-05", "CBT001", spelling, "4.0")])
    report = store.load(path)
    assert report.status == "loaded", report.message
    assert band_facts(store) == {("2026-01-05", "E81050", "U49574", 1, 2, 4)}


def test_shared_accounts_and_unmapped_codes_become_their_own_units(store, tmp_path):
    store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, DAY_TIME_BODY))
    units = set(rows(store, "SELECT practice_code, pcn_code, sub_icb_code, icb_code, region_code FROM units"))
    assert units == {
        ("E81050", "U49574", "M1J4Y", "QHG", "Y61"),
        ("Unassigned", "U49574", "M1J4Y", "QHG", "Y61"),
        ("Unassigned", "Unmapped", "Unmapped", "Unmapped", "Unmapped"),
    }


def test_a_code_holding_the_staging_separator_still_names_its_unit_exactly(store, tmp_path):
    """Staging carries the five codes joined by chr(31); a code containing that character must
    not be split wrongly (the parts are checked against the unit's key, and re-read if not)."""
    odd = replace(ASPLANDS, practice="E8\x1f1050", pcn="U4\x1f9574")
    body = [day_time_row(odd, "2026-01-05", "CBT001", "08:00-09:59", 4),
            day_time_row(KING_ST, "2026-01-05", "CBT001", "08:00-09:59", 6)]
    assert store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, body)).status == "loaded"
    units = set(rows(store, "SELECT practice_code, pcn_code, sub_icb_code, icb_code, region_code FROM units"))
    assert units == {tuple(reversed(odd.cells())), tuple(reversed(KING_ST.cells()))}
    assert rows(store, "SELECT sum(value) FROM calls_by_band")[0][0] == 10


def test_day_time_monthly_outcomes_are_summed_by_indicator(store, tmp_path):
    body = [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "60.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT001", "10:00 - 11:59", "40.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT002", "08:00 - 09:59", "20.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT003", "08:00 - 09:59", "55.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT004", "08:00 - 09:59", "15.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT005", "08:00 - 09:59", "10.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT006", "10:00 - 11:59", "9.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT007", "08:00 - 09:59", "50.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT007", "10:00 - 11:59", "7.0"),
    ]
    report = store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, body))
    assert report.status == "loaded", report.message
    got = month_figures(store, "E81050")
    # answered is CBT007 (50 + 7) where published, as NHS England's workbook does
    assert (got["inbound"], got["answered"], got["ivr"], got["callback_requested"], got["callback_made"],
            got["missed"]) == (100, 57, 20, 10, 9, 15)
    assert got["origin"] == "csv"
    assert got["answered_wait_0"] is None and got["answered_duration_0"] is None and got["missed_wait_0"] is None


# ============================================================================ By Durations, Calls Answered Metric

DURATIONS_BODY = [
    durations_row(ASPLANDS, "2026-01-05", "CBT001", "TOTAL", "20.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT002", "TOTAL", "4.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT007", "0", "1.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT007", "1_60", "4.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT007", "61_120", "3.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT007", "121_180", "2.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT007", "181_300", "1.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT007", ">300", "2.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT004", "1_60", "3.0"),
    durations_row(ASPLANDS, "2026-01-05", "CBT004", ">300", "1.0"),
]


def test_durations_csv_buckets_and_bands(store, tmp_path):
    report = store.load(write_csv(tmp_path / "dur.csv", DURATIONS_HEADER, DURATIONS_BODY))
    assert report.status == "loaded", report.message
    assert report.kind == "by_durations"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (10, 10, 0)
    d = "2026-01-05"
    assert bucket_facts(store, "durations") == {
        (d, "E81050", 1, "TOTAL", None, None, None, None, 20),
        (d, "E81050", 2, "TOTAL", None, None, None, None, 4),
        (d, "E81050", 7, "0", 0, 0, 0, None, 1),
        (d, "E81050", 7, "1_60", 1, 60, 0, None, 4),
        (d, "E81050", 7, "61_120", 61, 120, 1, None, 3),
        (d, "E81050", 7, "121_180", 121, 180, 2, None, 2),
        (d, "E81050", 7, "181_300", 181, 300, 2, None, 1),
        (d, "E81050", 7, ">300", 301, None, 3, None, 2),
        (d, "E81050", 4, "1_60", 1, 60, 0, None, 3),
        (d, "E81050", 4, ">300", 301, None, 3, None, 1),
    }
    got = month_figures(store, "E81050")
    # Only By Durations covers this practice-month: outcomes from its TOTAL and bucket rows.
    assert (got["inbound"], got["ivr"], got["answered"], got["missed"]) == (20, 4, 13, 4)
    assert [got[f"answered_duration_{i}"] for i in range(4)] == [5, 3, 3, 2]
    assert [got[f"missed_wait_{i}"] for i in range(4)] == [3, 0, 0, 1]


ANSWERED_BODY = [
    answered_row(ASPLANDS, "2026-01-05", "0", "2.0", core="Core_8_10"),
    answered_row(ASPLANDS, "2026-01-05", "1_60", "5.0", core="Core_8_10"),
    answered_row(ASPLANDS, "2026-01-05", "61_120", "3.0", core="Non-Core"),
    answered_row(ASPLANDS, "2026-01-05", "121_300", "4.0", core="Core_8_10"),
    answered_row(ASPLANDS, "2026-01-06", ">300", "1.0", core="Non-Core"),
]


def test_answered_metric_csv_wait_bands_and_core_category(store, tmp_path):
    report = store.load(write_csv(tmp_path / "ans.csv", ANSWERED_HEADER, ANSWERED_BODY))
    assert report.status == "loaded", report.message
    assert report.kind == "answered_metric"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (5, 5, 0)
    assert bucket_facts(store, "answered_wait") == {
        ("2026-01-05", "E81050", 3, "0", 0, 0, 0, "Core_8_10", 2),
        ("2026-01-05", "E81050", 3, "1_60", 1, 60, 0, "Core_8_10", 5),
        ("2026-01-05", "E81050", 3, "61_120", 61, 120, 1, "Non-Core", 3),
        ("2026-01-05", "E81050", 3, "121_300", 121, 300, 2, "Core_8_10", 4),
        ("2026-01-06", "E81050", 3, ">300", 301, None, 3, "Non-Core", 1),
    }
    got = month_figures(store, "E81050")
    assert [got[f"answered_wait_{i}"] for i in range(4)] == [7, 3, 4, 1]


def test_answered_metric_without_core_category_column(store, tmp_path):
    header = [h for h in ANSWERED_HEADER if h != "Core_Category"]
    body = [[*r[:8], r[9]] for r in ANSWERED_BODY]       # drop the Core_Category cell
    report = store.load(write_csv(tmp_path / "ans_old.csv", header, body))
    assert report.status == "loaded", report.message
    assert {f[7] for f in bucket_facts(store, "answered_wait")} == {None}
    assert [month_figures(store, "E81050")[f"answered_wait_{i}"] for i in range(4)] == [7, 3, 4, 1]


# ============================================================================ zips of regional CSVs

ZIP_FAMILIES = {
    "by_day_time": ("By Day and Time", DAY_TIME_HEADER,
                    lambda geo, v: day_time_row(geo, "2026-01-05", "CBT001", "08:00 - 09:59", v)),
    "by_durations": ("By Durations", DURATIONS_HEADER,
                     lambda geo, v: durations_row(geo, "2026-01-05", "CBT001", "TOTAL", v)),
    "answered_metric": ("Calls Answered Metric", ANSWERED_HEADER,
                        lambda geo, v: answered_row(geo, "2026-01-05", "1_60", v)),
}


@pytest.mark.parametrize("kind", list(ZIP_FAMILIES))
def test_zip_of_regional_csvs_loads_every_member(store, tmp_path, kind):
    title, header, make = ZIP_FAMILIES[kind]
    stem = f"Cloud Based Telephony {title} - January 2026"
    members = {
        f"{stem}_Y61.csv": csv_bytes(header, [make(ASPLANDS, "10.0"), make(FISHERMEAD, "20.0")], bom=True),
        f"{stem}_Y63.csv": csv_bytes(header, [make(NORTH, "40.0")], newline="\r\n"),
        f"{stem}_Unmapped.csv": csv_bytes(header, [make(SHARED_ALL_UNMAPPED, "8.0")], quote_all=True),
        "readme.pdf": b"%PDF-1.4 not a csv",
    }
    report = store.load(write_zip(tmp_path / f"{stem}.zip", members))
    assert report.status == "loaded", report.message
    assert report.kind == kind
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 4, 0)
    assert (report.practices, report.pcns) == (3, 2)          # shared account is not a practice
    assert report.overlaps == []
    assert any("readme.pdf" in n for n in report.notes)
    total = rows(store, "SELECT sum(value) FROM calls_by_band")[0][0] if kind == "by_day_time" else \
        rows(store, "SELECT sum(value) FROM calls_by_bucket")[0][0]
    assert total == 78
    assert {r[0] for r in rows(store, "SELECT region_code FROM units")} == {"Y61", "Y63", "Unmapped"}


def test_zip_rejects_are_located_by_member_name(store, tmp_path):
    members = {
        "cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, [
            day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "10.0"),
            day_time_row(ASPLANDS, "2026-01-06", "CBT001", "08:00 - 09:59", "ten"),
        ]),
        "cbt_Y63.csv": csv_bytes(DAY_TIME_HEADER, [
            day_time_row(NORTH, "2026-01-05", "CBT001", "08:00 - 09:59", "-1.0"),
            day_time_row(NORTH, "2026-01-06", "CBT001", "08:00 - 09:59", "4.0"),
        ]),
    }
    report = store.load(write_zip(tmp_path / "regions.zip", members))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 2, 2)
    assert {(r["location"], r["row_number"], r["column"]) for r in report.rejects} == {
        ("cbt_Y61.csv", 3, "Value"), ("cbt_Y63.csv", 2, "Value")}


def test_zip_with_an_empty_regional_csv_loads_the_others(store, tmp_path):
    members = {"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, [GOOD_FIRST, GOOD_LAST]),
               "cbt_Y62.csv": csv_bytes(DAY_TIME_HEADER, [])}
    report = store.load(write_zip(tmp_path / "regions.zip", members))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 2, 0)
    assert rows(store, "SELECT sum(value) FROM calls_by_band")[0][0] == 14


# ============================================================================ bad rows

GOOD_FIRST = day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "10.0")
GOOD_LAST = day_time_row(ASPLANDS, "2026-01-06", "CBT002", "10:00 - 11:59", "4.0")
DUR_FIRST = durations_row(ASPLANDS, "2026-01-05", "CBT007", "1_60", "10.0")
DUR_LAST = durations_row(ASPLANDS, "2026-01-06", "CBT007", ">300", "4.0")
ANS_FIRST = answered_row(ASPLANDS, "2026-01-05", "1_60", "10.0")
ANS_LAST = answered_row(ASPLANDS, "2026-01-06", ">300", "4.0")
FAMILY_ROWS = {
    "by_day_time": (DAY_TIME_HEADER, GOOD_FIRST, GOOD_LAST),
    "by_durations": (DURATIONS_HEADER, DUR_FIRST, DUR_LAST),
    "answered_metric": (ANSWERED_HEADER, ANS_FIRST, ANS_LAST),
}

BAD_ROWS = [
    # family, bad row (written as line 3, between two good rows), column, words in reason, raw
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "abc"),
                 "Value", "not a number", "abc", id="non-numeric-value"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "-3.0"),
                 "Value", "negative", "-3.0", id="negative-value"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "2.5"),
                 "Value", "whole number", "2.5", id="fractional-value"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", ""),
                 "Value", "not a number", "", id="empty-value"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-01-07", "CBT009", "08:00 - 09:59", "3.0"),
                 "Indicator", "CBT001-CBT007", "CBT009", id="unknown-indicator"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-02-30", "CBT001", "08:00 - 09:59", "3.0"),
                 "Date", "not a date", "2026-02-30", id="impossible-date"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "yesterday", "CBT001", "08:00 - 09:59", "3.0"),
                 "Date", "not a date", "yesterday", id="text-date"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2025-12-31", "CBT001", "08:00 - 09:59", "3.0"),
                 "Date", "outside the file's month", "2025-12-31", id="date-outside-month"),
    pytest.param("by_day_time", day_time_row(ASPLANDS, "2026-01-07", "CBT001", "07:00 - 07:59", "3.0"),
                 "Time_Category", "time band", "07:00 - 07:59", id="unknown-time-band"),
    pytest.param("by_day_time", [*GOOD_FIRST], None, "repeats row 2", None, id="duplicate-row"),
    pytest.param("by_day_time", day_time_row(replace(ASPLANDS, practice=""), "2026-01-07",
                                             "CBT001", "08:00 - 09:59", "3.0"),
                 "PRACTICE_CODE", "PRACTICE_CODE is empty", "", id="empty-practice"),
    pytest.param("by_durations", durations_row(ASPLANDS, "2026-01-07", "CBT007", "1_90", "3.0"),
                 "Duration", "does not fall inside", "1_90", id="straddling-bucket"),
    pytest.param("by_durations", durations_row(ASPLANDS, "2026-01-07", "CBT007", "short", "3.0"),
                 "Duration", "not a seconds bucket", "short", id="unknown-bucket"),
    pytest.param("answered_metric", answered_row(ASPLANDS, "2026-01-07", "100_200", "3.0"),
                 "Wait_Time", "does not fall inside", "100_200", id="straddling-wait-bucket"),
    pytest.param("answered_metric", [*ANS_FIRST], None, "repeats row 2", None, id="duplicate-wait-row"),
]


@pytest.mark.parametrize("family, bad, column, reason, raw", BAD_ROWS)
def test_bad_row_is_rejected_with_row_number_and_reason(store, tmp_path, family, bad, column, reason, raw):
    header, first, last = FAMILY_ROWS[family]
    path = write_csv(tmp_path / "with_bad_row.csv", header, [first, bad, last])
    report = store.load(path)
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    [reject] = report.rejects
    assert reject["location"] == "with_bad_row.csv"
    assert reject["row_number"] == 3                      # header is line 1
    assert reason in reject["reason"]
    if column is not None:
        assert reject["column"] == column
    if raw is not None:
        assert reject["raw"] == raw or (raw == "" and reject["raw"] in ("", None))
    # the two good rows are loaded, the bad one is not
    if family == "by_day_time":
        assert band_facts(store) == {("2026-01-05", "E81050", "U49574", 1, 2, 10),
                                     ("2026-01-06", "E81050", "U49574", 2, 3, 4)}
    else:
        fam = "durations" if family == "by_durations" else "answered_wait"
        assert sorted(f[8] for f in bucket_facts(store, fam)) == [4, 10]
    # ... and the reject is kept in the database too
    assert rows(store, "SELECT row_number, reason FROM rejects") == [(3, reject["reason"])]


def test_many_bad_rows_every_row_is_loaded_or_rejected(store, tmp_path):
    body = [
        GOOD_FIRST,                                                                        # 2 ok
        day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "1,000.0"),       # 3 ok (1000)
        day_time_row(ASPLANDS, "2026-01-08", "CBT008", "08:00 - 09:59", "3.0"),           # 4 bad
        day_time_row(ASPLANDS, "2026-01-08", "CBT001", "08:00 - 09:59", "3.5"),           # 5 bad
        day_time_row(FISHERMEAD, "2026-01-08", "CBT001", "08:00 - 09:59", "6"),           # 6 ok
        day_time_row(FISHERMEAD, "2026-01-08", "CBT001", "24:00 - 25:00", "6"),           # 7 bad
        day_time_row(FISHERMEAD, "2026-01-08", "CBT001", "08:00 - 09:59", "6"),           # 8 bad (repeats 6)
        GOOD_LAST,                                                                         # 9 ok
        day_time_row(FISHERMEAD, "2026-03-01", "CBT001", "08:00 - 09:59", "6"),           # 10 bad
    ]
    report = store.load(write_csv(tmp_path / "mixed.csv", DAY_TIME_HEADER, body, newline="\r\n", bom=True))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (9, 4, 5)
    assert_identity(report)
    assert sorted(r["row_number"] for r in report.rejects) == [4, 5, 7, 8, 10]
    assert rows(store, "SELECT count(*), sum(value) FROM calls_by_band")[0] == (4, 10 + 1000 + 6 + 4)
    assert rows(store, "SELECT count(*) FROM rejects")[0][0] == 5


def test_row_numbers_count_blank_lines_as_the_file_shows_them(store, tmp_path):
    # Line 1 header, line 2 good, line 3 blank (as Excel leaves it), line 4 bad.
    data = (csv_bytes(DAY_TIME_HEADER, [GOOD_FIRST]) + b"\n"
            + ",".join(day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "x")).encode() + b"\n")
    report = store.load(write_bytes(tmp_path / "gap.csv", data))
    assert report.status == "loaded", report.message
    assert report.rows_rejected == 1
    assert report.rejects[0]["row_number"] == 4


def test_windows_1252_file_with_en_dash_in_a_time_band_still_loads_its_good_rows(store, tmp_path):
    # Excel on Windows turns '-' into an en dash (byte 0x96 in Windows-1252). One such row must
    # not sink the whole file: it is either read as the band or rejected, and the rest load.
    body = [GOOD_FIRST, day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 \u2013 09:59", "3.0"), GOOD_LAST]
    report = store.load(write_csv(tmp_path / "excel.csv", DAY_TIME_HEADER, body, encoding="cp1252",
                                  newline="\r\n"))
    assert report.status == "loaded", report.message
    assert report.rows_read == 3
    assert (report.rows_loaded, report.rows_rejected) in {(3, 0), (2, 1)}
    assert {("2026-01-05", "E81050", "U49574", 1, 2, 10), ("2026-01-06", "E81050", "U49574", 2, 3, 4)} \
        <= band_facts(store)


# ============================================================================ unreadable files

def _workbook_bytes(tmp_path) -> bytes:
    spec = WorkbookSpec(JAN, [WbRow(ASPLANDS, 100, 60, 20, 10, 10, 10)])
    return write_summary_workbook(tmp_path / "wb_source.xlsx", spec).read_bytes()


def _zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _truncated_zip() -> bytes:
    whole = _zip_of({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, DAY_TIME_BODY * 20),
                     "cbt_Y63.csv": csv_bytes(DAY_TIME_HEADER, DAY_TIME_BODY * 20)})
    return whole[: len(whole) // 2]


def _other_workbook_bytes(tmp_path) -> bytes:
    path = tmp_path / "other_source.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Budget").write(0, 0, "not telephony")
    wb.close()
    return path.read_bytes()


UNREADABLE = [
    pytest.param("empty.csv", lambda tmp: b"", id="empty-file"),
    pytest.param("header_only.csv", lambda tmp: csv_bytes(DAY_TIME_HEADER, []), id="header-only"),
    pytest.param("blank_lines.csv", lambda tmp: b"\n\n\n", id="blank-lines"),
    pytest.param("wrong_headers.csv", lambda tmp: b"name,calls\nA,1\n", id="wrong-headers"),
    pytest.param("truncated.zip", lambda tmp: _truncated_zip(), id="truncated-zip"),
    pytest.param("random.bin", lambda tmp: random.Random(7).randbytes(3000), id="random-bytes"),
    pytest.param("truncated.xlsx", lambda tmp: _workbook_bytes(tmp)[:5000], id="truncated-workbook"),
    pytest.param("budget.xlsx", _other_workbook_bytes, id="unrelated-workbook"),
    pytest.param("utf16.csv", lambda tmp: ",".join(DAY_TIME_HEADER).encode("utf-16"), id="utf-16"),
    pytest.param("all_bad.csv", lambda tmp: csv_bytes(DAY_TIME_HEADER, [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "x"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT001", "08:00 - 09:59", "y")]), id="no-loadable-row"),
    pytest.param("pictures.zip", lambda tmp: _zip_of({"photo.jpg": b"\xff\xd8\xff"}), id="zip-without-csv"),
    # the good By Day and Time member is read first, so its rows must be rolled back
    pytest.param("half_broken.zip", lambda tmp: _zip_of({
        "day_time_Y61.csv": csv_bytes(DAY_TIME_HEADER, [GOOD_FIRST, GOOD_LAST]),
        "durations_Y61.csv": csv_bytes(DURATIONS_HEADER, [])}), id="zip-with-an-unreadable-member"),
]


@pytest.mark.parametrize("name, make", UNREADABLE)
def test_unreadable_file_fails_names_the_file_and_changes_nothing(store, tmp_path, name, make):
    store.load(write_csv(tmp_path / "good.csv", DAY_TIME_HEADER, DAY_TIME_BODY))
    before_counts, before = table_counts(store), snapshot(store)
    report = store.load(write_bytes(tmp_path / name, make(tmp_path)))
    assert report.status == "failed"
    assert name in report.message
    assert report.message.strip() != f"'{name}'"          # says what is wrong, not just the name
    assert table_counts(store) == before_counts
    assert snapshot(store) == before
    # the store is still usable afterwards
    later = store.load(write_csv(tmp_path / "later.csv", DAY_TIME_HEADER, [
        day_time_row(NORTH, "2026-01-05", "CBT001", "08:00 - 09:59", "1.0")]))
    assert later.status == "loaded", later.message


# ============================================================================ duplicates and overlaps

def test_same_file_twice_is_a_duplicate_and_changes_nothing(store, tmp_path):
    data = csv_bytes(DAY_TIME_HEADER, DAY_TIME_BODY)
    first = store.load(write_bytes(tmp_path / "jan.csv", data))
    assert first.status == "loaded", first.message
    before = snapshot(store)
    again = store.load(write_bytes(tmp_path / "jan (1).csv", data))      # renamed copy, same bytes
    assert again.status == "duplicate"
    assert "jan.csv" in again.message
    assert snapshot(store) == before
    assert rows(store, "SELECT sum(value) FROM calls_by_band")[0][0] == 12 + 7 + 3 + 5 + 0


def test_same_month_from_two_csv_files_later_replaces_earlier_for_overlapping_practices(store, tmp_path):
    first = write_csv(tmp_path / "dt_jan_v1.csv", DAY_TIME_HEADER, [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "10.0"),
        day_time_row(FISHERMEAD, "2026-01-05", "CBT001", "08:00 - 09:59", "20.0"),
        day_time_row(FISHERMEAD, "2026-01-09", "CBT001", "12:00 - 13:59", "2.0"),
    ])
    second = write_csv(tmp_path / "dt_jan_v2.csv", DAY_TIME_HEADER, [
        day_time_row(FISHERMEAD, "2026-01-06", "CBT001", "10:00 - 11:59", "25.0"),
        day_time_row(WALNUT, "2026-01-05", "CBT001", "08:00 - 09:59", "30.0"),
    ])
    assert store.load(first).status == "loaded"
    report = store.load(second)
    assert report.status == "loaded", report.message
    assert len(report.overlaps) == 1
    assert "dt_jan_v1.csv" in report.overlaps[0] and "January 2026" in report.overlaps[0]
    # FISHERMEAD: only v2's day survives; ASPLANDS untouched; WALNUT new.
    assert band_facts(store) == {
        ("2026-01-05", "E81050", "U49574", 1, 2, 10),
        ("2026-01-06", "K82064", "U49574", 1, 3, 25),
        ("2026-01-05", "K82615", "U49574", 1, 2, 30),
    }
    assert {p: month_figures(store, p)["inbound"] for p in ("E81050", "K82064", "K82615")} == {
        "E81050": 10, "K82064": 25, "K82615": 30}
    pcn = store.query("area_month_metrics", level="pcn", code="U49574", start=JAN, end=JAN)
    assert pcn["inbound"].tolist() == [65]


def test_a_different_family_for_the_same_practice_month_is_not_an_overlap(store, tmp_path):
    store.load(write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, [GOOD_FIRST]))
    report = store.load(write_csv(tmp_path / "ans.csv", ANSWERED_HEADER, ANSWERED_BODY))
    assert report.status == "loaded", report.message
    assert report.overlaps == []
    assert rows(store, "SELECT count(*) FROM calls_by_band")[0][0] == 1


def test_regional_csvs_of_one_month_in_separate_uploads_add_up(store, tmp_path):
    east = write_zip(tmp_path / "jan_east.zip", {"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "10.0"),
        day_time_row(FISHERMEAD, "2026-01-05", "CBT001", "08:00 - 09:59", "20.0")])})
    north = write_zip(tmp_path / "jan_north.zip", {"cbt_Y63.csv": csv_bytes(DAY_TIME_HEADER, [
        day_time_row(NORTH, "2026-01-05", "CBT001", "08:00 - 09:59", "40.0")])})
    assert store.load(east).status == "loaded"
    report = store.load(north)
    assert report.status == "loaded", report.message
    assert report.overlaps == []
    england = store.query("area_month_metrics", level="england", code="", start=JAN, end=JAN)
    assert england["inbound"].tolist() == [70]
    assert store.query("area_month_metrics", level="icb", code="QHG", start=JAN, end=JAN)["inbound"].tolist() == [30]
    assert store.query("area_month_metrics", level="icb", code="QHM", start=JAN, end=JAN)["inbound"].tolist() == [40]


SUMMARIES = ("band_month", "bucket_month", "daily_month")


def test_monthly_summaries_kept_by_each_load_equal_a_rebuild_from_the_daily_tables(store, tmp_path):
    """Each CSV load updates the monthly summaries only for the unit-months it covers, from its
    own staged rows. After loads of every family, a later file replacing some practices, a file
    with a repeated row and one with rows outside its month, the summaries must be exactly what
    a rebuild from the daily tables gives."""
    loads = [
        write_csv(tmp_path / "dur_v1.csv", DURATIONS_HEADER, DURATIONS_BODY + [
            durations_row(FISHERMEAD, "2026-01-07", "CBT001", "TOTAL", "9.0"),
            durations_row(FISHERMEAD, "2026-01-07", "CBT007", "61_120", "5.0")]),
        write_csv(tmp_path / "ans.csv", ANSWERED_HEADER, ANSWERED_BODY + [ANSWERED_BODY[0]]),  # one repeat
        write_csv(tmp_path / "dt.csv", DAY_TIME_HEADER, [
            day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "10.0"),
            day_time_row(ASPLANDS, "2026-01-05", "CBT003", "08:00 - 09:59", "7.0"),
            day_time_row(FISHERMEAD, "2026-01-06", "CBT001", "10:00 - 11:59", "4.0"),
            day_time_row(FISHERMEAD, "2026-02-01", "CBT001", "10:00 - 11:59", "99.0")]),  # outside January
        # A later By Durations file for FISHERMEAD only: replaces its January, leaves ASPLANDS as it was.
        write_csv(tmp_path / "dur_v2.csv", DURATIONS_HEADER, [
            durations_row(FISHERMEAD, "2026-01-08", "CBT001", "TOTAL", "3.0"),
            durations_row(FISHERMEAD, "2026-01-08", "CBT004", ">300", "2.0")]),
    ]
    for path in loads:
        report = store.load(path)
        assert report.status == "loaded", report.message
    assert store.reports[1].rows_rejected == 1 and store.reports[2].rows_rejected == 1
    kept = {t: sorted(rows(store, f"SELECT * FROM {t}")) for t in SUMMARIES}
    # Both bucket families' columns sit in one bucket_month row for ASPLANDS (E81050).
    asplands = month_figures(store, "E81050")
    assert asplands["inbound"] == 10 and asplands["answered_wait_0"] == 7 and asplands["answered_duration_0"] == 5
    assert month_figures(store, "K82064")["missed_wait_3"] == 2

    model.refresh_summaries(store.con, [JAN])
    assert {t: sorted(rows(store, f"SELECT * FROM {t}")) for t in SUMMARIES} == kept


@pytest.mark.parametrize("order", ["csv_then_workbook", "workbook_then_csv"])
def test_workbook_gives_monthly_outcomes_and_csvs_give_daily_detail(store, tmp_path, order):
    csv_path = write_csv(tmp_path / "dt_jan.csv", DAY_TIME_HEADER, [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "100.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT001", "10:00 - 11:59", "50.0"),
        day_time_row(FISHERMEAD, "2026-01-05", "CBT001", "08:00 - 09:59", "70.0"),
    ])
    wb_path = write_summary_workbook(tmp_path / "summary_jan.xlsx", WorkbookSpec(JAN, [
        WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (300, 100, 120, 80), (100, 200, 250, 50), (50, 20, 20, 10)),
    ]))
    paths = [csv_path, wb_path] if order == "csv_then_workbook" else [wb_path, csv_path]
    for p in paths:
        assert store.load(p).status == "loaded"
    asplands = month_figures(store, "E81050")
    assert (asplands["origin"], asplands["inbound"], asplands["answered"]) == ("workbook", 1000, 600)
    fishermead = month_figures(store, "K82064")
    assert (fishermead["origin"], fishermead["inbound"]) == ("csv", 70)
    # the daily detail is still there for ASPLANDS
    assert rows(store, """SELECT sum(value) FROM calls_by_band b JOIN units u USING (unit_id)
                          WHERE u.practice_code = 'E81050'""")[0][0] == 150
    pcn = store.query("area_month_metrics", level="pcn", code="U49574", start=JAN, end=JAN)
    assert pcn["inbound"].tolist() == [1070]


# ============================================================================ reference files

def test_list_size_csv_keeps_the_all_all_totals(store, tmp_path):
    body = [
        pracpop_row("E81050", "2026-01-01", 9000),
        pracpop_row("E81050", "2026-01-01", 4400, sex="MALE"),
        pracpop_row("E81050", "2026-01-01", 4600, sex="FEMALE"),
        pracpop_row("K82064", "2026-01-01", 4000),
        pracpop_row("K82064", "2026-01-01", 350, age="0-4"),
    ]
    report = store.load(write_csv(tmp_path / "PracPopJan26.csv", PRACPOP_HEADER, body))
    assert report.status == "loaded", report.message
    assert report.kind == "list_size"
    assert report.rows_read == 5 and report.rows_rejected == 0
    assert set(rows(store, "SELECT practice_code, extract_date::VARCHAR, patients FROM list_sizes")) == {
        ("E81050", "2026-01-01", 9000), ("K82064", "2026-01-01", 4000)}


@pytest.mark.parametrize("bad", ["abc", "-5", "4000.5", ""])
def test_list_size_with_a_bad_count_is_rejected(store, tmp_path, bad):
    body = [pracpop_row("E81050", "2026-01-01", 9000), pracpop_row("K82064", "2026-01-01", bad)]
    report = store.load(write_csv(tmp_path / "pracpop.csv", PRACPOP_HEADER, body))
    assert report.status == "loaded", report.message
    assert report.rows_rejected == 1
    [reject] = report.rejects
    assert (reject["row_number"], reject["column"]) == (3, "NUMBER_OF_PATIENTS")
    assert rows(store, "SELECT practice_code, patients FROM list_sizes") == [("E81050", 9000)]


def test_practice_mapping_file_gives_names_and_membership(store, tmp_path):
    body = [
        map_row(ASPLANDS), map_row(FISHERMEAD), map_row(KING_ST),
        map_row(replace(WALNUT, pcn="", pcn_name="")),                     # no PCN code
    ]
    report = store.load(write_csv(tmp_path / "gp-reg-pat-prac-map.csv", MAP_HEADER, body))
    assert report.status == "loaded", report.message
    assert report.kind == "practice_map"
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 3, 1)
    assert report.rejects[0]["row_number"] == 5
    names = set(rows(store, "SELECT level, code, name FROM org_names WHERE level IN ('practice', 'pcn')"))
    assert names == {
        ("practice", "E81050", "ASPLANDS MEDICAL CENTRE"), ("practice", "K82064", "FISHERMEAD MEDICAL CENTRE"),
        ("practice", "E81038", "KING STREET SURGERY"),
        ("pcn", "U49574", "ASCENT PCN"), ("pcn", "U74819", "CARITAS MEDICAL PCN"),
    }
    assert set(rows(store, "SELECT practice_code, pcn_code, valid_to FROM pcn_membership")) == {
        ("E81050", "U49574", None), ("K82064", "U49574", None), ("E81038", "U74819", None)}


def test_mapping_file_saved_as_windows_1252_keeps_its_names(store, tmp_path):
    body = [map_row(ASPLANDS, practice_name="CAF\u00c9 SURGERY", pcn_name="ST MARY\u2019S PCN")]
    report = store.load(write_csv(tmp_path / "gp-reg-pat-prac-map.csv", MAP_HEADER, body,
                                  encoding="cp1252", newline="\r\n"))
    assert report.status == "loaded", report.message
    assert set(rows(store, "SELECT level, name FROM org_names WHERE code IN ('E81050', 'U49574')")) == {
        ("practice", "CAF\u00c9 SURGERY"), ("pcn", "ST MARY\u2019S PCN")}


def test_mapping_file_with_a_windows_1252_name_far_down_the_file(store, tmp_path):
    # 400 plain ASCII rows (over 64 KB) before the one name with a non-ASCII letter.
    body = [map_row(replace(ASPLANDS, practice=f"A{i:05d}")) for i in range(400)]
    body.append(map_row(FISHERMEAD, practice_name="CAF\u00c9 SURGERY"))
    path = write_csv(tmp_path / "gp-reg-pat-prac-map.csv", MAP_HEADER, body, encoding="cp1252")
    assert path.stat().st_size > 65536
    report = store.load(path)
    assert report.status == "loaded", report.message
    assert report.rows_loaded == 401
    assert rows(store, "SELECT name FROM org_names WHERE level = 'practice' AND code = 'K82064'") == [
        ("CAF\u00c9 SURGERY",)]


@pytest.mark.parametrize("name", ["ePCN.xlsx", "epcn_download.bin"])
def test_epcn_workbook_gives_membership_with_end_dates(store, tmp_path, name):
    path = write_epcn(tmp_path / name, [
        ("E81050", "U49574", "ASCENT PCN", None),
        ("K82064", "U49574", "ASCENT PCN", "20250331"),
        ("K82615", "U49574", "ASCENT PCN", 20991231),
        ("E81038", "U74819", "CARITAS MEDICAL PCN", None),
    ])
    report = store.load(path)
    assert report.status == "loaded", report.message
    assert report.kind == "epcn"
    assert set(rows(store, "SELECT practice_code, pcn_code, valid_to FROM pcn_membership")) == {
        ("E81050", "U49574", None), ("K82064", "U49574", dt.date(2025, 3, 31)),
        ("K82615", "U49574", dt.date(2099, 12, 31)), ("E81038", "U74819", None)}
    assert set(rows(store, "SELECT code, name FROM org_names WHERE level = 'pcn'")) == {
        ("U49574", "ASCENT PCN"), ("U74819", "CARITAS MEDICAL PCN")}


def test_a_newer_epcn_replaces_the_older_membership(store, tmp_path):
    store.load(write_epcn(tmp_path / "ePCN_old.xlsx", [("E81050", "U74819", "CARITAS MEDICAL PCN", None)]))
    store.load(write_epcn(tmp_path / "ePCN_new.xlsx", [("E81050", "U49574", "ASCENT PCN", None)]))
    assert rows(store, "SELECT practice_code, pcn_code FROM pcn_membership") == [("E81050", "U49574")]


# ============================================================================ summary workbook

WB_ROWS = [
    WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (300, 100, 120, 80), (100, 200, 250, 50), (50, 20, 20, 10)),
    WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0, (100, 100, 50, 50), (50, 100, 100, 50), (40, 30, 20, 10)),
    WbRow(SHARED_IN_PCN, 200, 100, 50, 20, 30, 20, (50, 20, 20, 10), (25, 25, 25, 25), (10, 10, 5, 5)),
    WbRow(SHARED_UNMAPPED_PCN, 90, 40, 30, 10, 10, 9, (20, 10, 5, 5), (10, 10, 10, 10), (4, 3, 2, 1)),
]


def _expected_workbook_month(wb_rows) -> dict[tuple, tuple]:
    fields = ["inbound", "answered", "ivr", "callback_requested", "callback_made", "missed"] + [
        f"{p}_{i}" for p in ("answered_wait", "answered_duration", "missed_wait") for i in range(4)]
    return {(r.geo.practice, r.geo.pcn): tuple(r.counts[f] for f in fields) for r in wb_rows}


def _loaded_workbook_month(store) -> dict[tuple, tuple]:
    got = rows(store, """
        SELECT u.practice_code, u.pcn_code, inbound, answered, ivr, callback_requested, callback_made, missed,
               answered_wait_0, answered_wait_1, answered_wait_2, answered_wait_3,
               answered_duration_0, answered_duration_1, answered_duration_2, answered_duration_3,
               missed_wait_0, missed_wait_1, missed_wait_2, missed_wait_3
        FROM workbook_month w JOIN units u USING (unit_id)""")
    return {(r[0], r[1]): tuple(r[2:]) for r in got}


@pytest.mark.parametrize("missed_header, ivr_header", [
    ("Missed [5]", "Ended during the IVR Stage [4]"),
    ("Missed", "Ended during the IVR Stage [5]"),
    ("Missed  [4]", "Ended during the IVR  Stage"),
])
def test_summary_workbook_loads_counts_by_header_meaning(store, tmp_path, missed_header, ivr_header):
    spec = WorkbookSpec(JAN, WB_ROWS, missed_header=missed_header, ivr_header=ivr_header)
    report = store.load(write_summary_workbook(tmp_path / "summary.xlsx", spec))
    assert report.status == "loaded", report.message
    assert report.kind == "summary_workbook"
    assert report.months == ["2026-01"]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (12, 12, 0)   # 4 rows x 3 tables
    assert report.practices == 2
    assert _loaded_workbook_month(store) == _expected_workbook_month(WB_ROWS)
    checks = {c["check"]: c for c in report.reconciliation}
    assert all(c["ok"] for c in checks.values()), [c for c in checks.values() if not c["ok"]]
    # every count column of every table is checked against its Total row
    assert len(checks) == 6 + 10 + 6
    assert checks["Table 3 national Total row, inbound"]["expected"] == 1790


def test_summary_workbook_renamed_is_detected_from_content(store, tmp_path):
    report = store.load(write_summary_workbook(tmp_path / "download (3).bin", WorkbookSpec(JAN, WB_ROWS)))
    assert report.status == "loaded", report.message
    assert report.kind == "summary_workbook"


def test_two_workbooks_for_one_month_later_replaces_earlier_for_the_practices_it_covers(store, tmp_path):
    first = WorkbookSpec(JAN, [WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48),
                               WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0)])
    reissue = WorkbookSpec(JAN, [WbRow(ASPLANDS, 1100, 700, 250, 50, 100, 48)])
    assert store.load(write_summary_workbook(tmp_path / "summary_jan.xlsx", first)).status == "loaded"
    report = store.load(write_summary_workbook(tmp_path / "summary_jan_v2.xlsx", reissue))
    assert report.status == "loaded", report.message
    assert len(report.overlaps) == 1 and "summary_jan.xlsx" in report.overlaps[0]
    assert {k[0]: v[0] for k, v in _loaded_workbook_month(store).items()} == {"E81050": 1100, "K82064": 500}
    pcn = store.query("area_month_metrics", level="pcn", code="U49574", start=JAN, end=JAN)
    assert pcn["inbound"].tolist() == [1600]


def test_summary_workbook_total_row_mismatch_is_reported(store, tmp_path):
    spec = WorkbookSpec(JAN, WB_ROWS, total_overrides={("Table 3", "missed"): 999})
    report = store.load(write_summary_workbook(tmp_path / "summary.xlsx", spec))
    assert report.status == "loaded", report.message
    failed = [c for c in report.reconciliation if not c["ok"]]
    assert [(c["check"], c["expected"], c["actual"]) for c in failed] == [
        ("Table 3 national Total row, missed", 999, 240)]
    assert report.reconciled is False


@pytest.mark.parametrize("sheet, field, header", [
    ("Table 3", "answered", "Answered"),
    ("Table 4", "answered_wait_1", "1 - 2 minutes"),        # Table 4 starts on row 5, as published
    ("Table 5", "missed_wait_3", "Longer than 5 minutes"),
])
def test_summary_workbook_non_numeric_count_is_rejected_with_sheet_and_row(store, tmp_path, sheet, field,
                                                                            header):
    spec = WorkbookSpec(JAN, WB_ROWS, overrides={(sheet, "K82064", field): "n/a"})
    report = store.load(write_summary_workbook(tmp_path / "summary.xlsx", spec))
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (12, 11, 1)
    [reject] = report.rejects
    assert reject["location"] == sheet
    assert reject["row_number"] == summary_excel_row(spec, sheet, "K82064")
    assert reject["column"] == header
    assert reject["raw"] == "n/a"
    assert "not a number" in reject["reason"]
    # ASPLANDS is untouched by FISHERMEAD's bad cell
    assert _loaded_workbook_month(store)[("E81050", "U49574")] == _expected_workbook_month(WB_ROWS)[
        ("E81050", "U49574")]


def test_summary_workbook_blank_and_dash_cells_are_missing_not_zero(store, tmp_path):
    spec = WorkbookSpec(JAN, WB_ROWS[:2], overrides={("Table 5", "K82064", "missed_wait_0"): "-"})
    report = store.load(write_summary_workbook(tmp_path / "summary.xlsx", spec))
    assert report.status == "loaded", report.message
    assert report.rows_rejected == 0
    assert _loaded_workbook_month(store)[("K82064", "U49574")][14] is None     # missed_wait_0
