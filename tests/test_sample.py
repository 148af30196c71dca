"""Tests for the synthetic sample generator (samplegen/published.py).

The written files are read back independently (zipfile, csv, pandas, python_calamine), never
with the project's own readers.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from telephony.holidays import BANK_HOLIDAYS, _rule_bank_holidays, england_bank_holidays
from samplegen.published import (
    ANSWERED_DURATION_BUCKETS,
    ANSWERED_WAIT_BUCKETS,
    MISSED_WAIT_BUCKETS,
    SCALES,
    write_sample,
)

MONTHS = ["June 2026", "July 2026", "August 2026"]
GEO = ["REGION_CODE", "ICB_CODE", "SUB_ICB_LOCATION_CODE", "PCN_CODE", "PRACTICE_CODE"]
BDT_HEADER = ("Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,"
              "Indicator,Time_Category,Value")
DUR_HEADER = ("Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,"
              "Indicator,Duration,Value")
CAM_HEADER = ("Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,"
              "Indicator,Wait_Time,Core_Category,Value")
BANDS = ["00:00 - 05:59", "06:00 - 07:59", "08:00 - 09:59", "10:00 - 11:59", "12:00 - 13:59",
         "14:00 - 15:59", "16:00 - 17:59", "18:00 - 18:29", "18:30 - 23:59"]

# Column positions copied from the real January 2026 workbook.
T3_COUNTS = [11, 13, 15, 17, 20, 23]
T3_BLANKS = [12, 19, 22]
T4_COUNTS = [11, 12, 15, 17, 19, 21, 24, 26, 28, 30]
T4_BLANKS = [14, 23]
T5_COUNTS = [11, 12, 15, 17, 19, 21]
T5_BLANKS = [14]


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("sample_pcn")
    paths = write_sample(out, seed=0, scale="pcn", months=3, last_month="2026-08")
    return out, paths


def wb_path(d: Path, month: str) -> Path:
    return d / f"Synthetic CBT Summary {month}.xlsx"


def zip_path(d: Path, family: str, month: str) -> Path:
    return d / f"Synthetic CBT {family} - {month}.zip"


def read_zip(path: Path) -> pd.DataFrame:
    frames = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            with zf.open(name) as fh:
                df = pd.read_csv(fh, dtype=str, keep_default_na=False)
            df["_file"] = name
            frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    df["Value"] = df["Value"].astype(float)
    return df


def sheet(path: Path, name: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def header_index(rows: list[list]) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0] == "Month [1]")


def unit_rows(rows: list[list]) -> list[list]:
    return [r for r in rows if r and isinstance(r[0], dt.date)]


def total_row(rows: list[list]) -> list:
    return next(r for r in rows if r and r[0] == "Total")


def num(v) -> float:
    return 0.0 if v == "" or v is None else float(v)


def norm(s: str) -> str:
    return " ".join(re.sub(r"\[[\d,\s]+\]", "", str(s)).split())


def unit_key(r: list) -> tuple:
    """Table 3-5 row -> (PRACTICE, PCN, SUB_ICB, ICB, REGION) code tuple."""
    return (r[1], r[3], r[5], r[7], r[9])


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------
# files and layouts
# ------------------------------------------------------------------------------------------


def test_file_list(tmp_path):
    paths = write_sample(tmp_path, scale="pcn", months=2)
    names = [p.name for p in paths]
    assert names == [
        "Synthetic CBT Summary July 2026.xlsx",
        "Synthetic CBT By Day and Time - July 2026.zip",
        "Synthetic CBT By Durations - July 2026.zip",
        "Synthetic CBT Calls Answered Metric - July 2026.zip",
        "Synthetic list sizes Jul26.csv",
        "Synthetic CBT Summary August 2026.xlsx",
        "Synthetic CBT By Day and Time - August 2026.zip",
        "Synthetic CBT By Durations - August 2026.zip",
        "Synthetic CBT Calls Answered Metric - August 2026.zip",
        "Synthetic list sizes Aug26.csv",
        "Synthetic practice map.csv",
        "README.txt",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    readme = (tmp_path / "README.txt").read_text()
    assert "synthetic" in readme.lower() and "not real nhs data" in readme.lower()
    assert "python -m telephony sample" in readme and "seed 0" in readme and "'pcn'" in readme


def test_invalid_arguments(tmp_path):
    assert SCALES == ("pcn", "icb", "national")
    with pytest.raises(ValueError):
        write_sample(tmp_path, scale="district")
    with pytest.raises(ValueError):
        write_sample(tmp_path, last_month="August 2026")
    with pytest.raises(ValueError):
        write_sample(tmp_path, months=0)


@pytest.mark.parametrize("family,header", [("By Day and Time", BDT_HEADER),
                                           ("By Durations", DUR_HEADER),
                                           ("Calls Answered Metric", CAM_HEADER)])
def test_zip_layout(sample, family, header):
    d, _ = sample
    for month in MONTHS:
        path = zip_path(d, family, month)
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            stem = path.stem
            assert names[-1] == f"{stem}_Unmapped.csv"
            assert all(re.fullmatch(re.escape(stem) + r"_(Y5[6-9]|Y6[0-3]|Unmapped)\.csv", n)
                       for n in names)
            assert len(names) == 2  # pcn scale: one region plus Unmapped
            for n in names:
                info = zf.getinfo(n)
                assert info.compress_type == zipfile.ZIP_DEFLATED
                text = zf.read(n).decode("utf-8")
                lines = text.split("\n")
                assert lines[0] == header
                assert text.endswith("\n") and "\r" not in text and '"' not in text
                values = [ln.rsplit(",", 1)[1] for ln in lines[1:] if ln]
                assert values, n
                assert all(re.fullmatch(r"\d+\.0", v) for v in values)
                assert all(v != "0.0" for v in values)
        df = read_zip(path)
        first = dt.datetime.strptime(month, "%B %Y").date()
        dates = pd.to_datetime(df["Date"], format="%Y-%m-%d").dt.date
        assert dates.min() >= first and all(x.month == first.month for x in dates)
        unm = df[df["_file"].str.endswith("_Unmapped.csv")]
        assert (unm[GEO[:4]] == "Unmapped").all().all()
        assert (unm["PRACTICE_CODE"] == "Unassigned").all()
        assert not (df.loc[~df["_file"].str.endswith("_Unmapped.csv"), "REGION_CODE"]
                    == "Unmapped").any()


def test_csv_tokens(sample):
    d, _ = sample
    bdt = read_zip(zip_path(d, "By Day and Time", "August 2026"))
    assert set(bdt["Indicator"]) == {f"CBT00{i}" for i in range(1, 8)}
    spaced, compact = set(BANDS), {b.replace(" - ", "-") for b in BANDS}
    cats = set(bdt["Time_Category"])
    assert cats <= spaced | compact
    assert cats & spaced and cats & compact, "both time band spellings must appear"
    # one spelling per file
    for _, g in bdt.groupby("_file"):
        assert set(g["Time_Category"]) <= spaced or set(g["Time_Category"]) <= compact

    dur = read_zip(zip_path(d, "By Durations", "August 2026"))
    by_ind = dur.groupby("Indicator")["Duration"].agg(set).to_dict()
    for ind in ("CBT001", "CBT002", "CBT003", "CBT005", "CBT006"):
        assert by_ind[ind] == {"TOTAL"}
    assert by_ind["CBT004"] <= set(MISSED_WAIT_BUCKETS)
    assert by_ind["CBT007"] <= set(ANSWERED_DURATION_BUCKETS)
    assert MISSED_WAIT_BUCKETS == ("0", "1_30", "31_60", "61_120", "121_300", "301_600", ">600")
    assert ANSWERED_DURATION_BUCKETS == ("0", "1_60", "61_120", "121_180", "181_300", ">300")

    cam = read_zip(zip_path(d, "Calls Answered Metric", "August 2026"))
    assert set(cam["Indicator"]) == {"CBT003"}
    assert set(cam["Wait_Time"]) <= set(ANSWERED_WAIT_BUCKETS)
    assert set(cam["Core_Category"]) == {"Core_8_10", "Core_10_1830", "Non-Core"}
    # core hours never fall on weekends or bank holidays
    dates = pd.to_datetime(cam["Date"])
    core = cam["Core_Category"] != "Non-Core"
    bh = {str(x) for x in england_bank_holidays(2026)}
    assert not (core & (dates.dt.day_of_week >= 5)).any()
    assert not (core & cam["Date"].isin(bh)).any()


def test_workbook_layout(sample):
    d, _ = sample
    path = wb_path(d, "August 2026")
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    assert names == ["Title sheet", "Data Quality", "Table 1", "Table 2", "Table 3", "Table 4",
                     "Table 5"]

    t3 = sheet(path, "Table 3")
    h = header_index(t3)
    assert t3[h][:12] == ["Month [1]", "GP Practice \n(ODS_CODE)", "GP Name", "PCN Code",
                          "PCN Name [2,3]", "Sub ICB Code [2]", "Sub ICB Name", "ICB Code  [2]",
                          "ICB Name", "Region Code  [2]", "Region Name", "Count of Inbound calls"]
    assert [norm(x) for x in t3[h][13:]] == ["Answered", "", "Ended during the IVR Stage", "",
                                             "Call back requested", "", "", "Missed", "", "",
                                             "Call back made", ""]
    assert t3[h + 1][11:] == ["Total", "", "Total", "%", "Total", "%", "Total", "%", "",
                              "Total", "%", "", "Total", "% of requested"]
    assert t3[h + 3][0] == "Total"
    first = dt.date(2026, 8, 1)
    rows = unit_rows(t3)
    assert rows and all(r[0] == first for r in rows)
    for r in rows:
        assert all(r[c] == "" for c in T3_BLANKS)
        assert isinstance(r[14], float) and r[14] == round(r[14], 3)
    assert any(r and r[0] == "Notes:" for r in t3)

    t4 = sheet(path, "Table 4")
    h = header_index(t4)
    assert t4[h][11:14] == ["Total Inbound calls", "Answered  [4]", ""]
    assert t4[h][15] == "Less than 1 minute" and t4[h][24] == "Less than 1 minute"
    assert t4[h][21] == "Longer than 5 minutes" and t4[h][30] == "Longer than 5 minutes"
    assert t4[h + 1][11:] == (["Count", "Count", "%", ""] + ["Count", "%"] * 4 + [""]
                              + ["Count", "%"] * 4)
    assert t4[h + 2][:2] == ["Total", "National"]
    for r in unit_rows(t4):
        assert all(r[c] == "" for c in T4_BLANKS)

    t5 = sheet(path, "Table 5")
    h = header_index(t5)
    assert t5[h][11:13] == ["Total Inbound calls", "Missed [4]"]
    assert t5[h + 2][:2] == ["Total", "National"]
    for r in unit_rows(t5):
        assert all(r[c] == "" for c in T5_BLANKS)

    t2 = sheet(path, "Table 2")
    hi = next(i for i, r in enumerate(t2) if len(r) > 1 and r[1] == "Date")
    assert t2[hi][2] == "Total Count of Inbound Calls" and t2[hi][3] == ""
    assert t2[hi][4:13] == BANDS
    days = [r for r in t2 if len(r) > 1 and isinstance(r[1], dt.date)]
    assert [r[1] for r in days] == [dt.date(2026, 8, k) for k in range(1, 32)]
    assert all(r[0] == r[1].strftime("%A") for r in days)
    assert all(r[2] == sum(r[4:13]) for r in days)

    t1 = sheet(path, "Table 1")
    assert t1[3][2:] == [dt.date(2026, 8, 31), dt.date(2026, 7, 31), dt.date(2026, 6, 30)]
    labels = [r[1] for r in t1]
    assert "Count of practices included" in labels and "Total Inbound Calls " in labels


def test_headers_vary_between_editions(sample):
    d, _ = sample
    heads = {}
    for month in MONTHS:
        t3 = sheet(wb_path(d, month), "Table 3")
        heads[month] = tuple(t3[header_index(t3)])
    assert len(set(heads.values())) > 1
    # ... but they agree once footnote markers and white space are removed
    assert len({tuple(norm(x) for x in h) for h in heads.values()}) == 1
    # the July edition carries a text month header in Table 1 (a revised month)
    t1 = sheet(wb_path(d, "July 2026"), "Table 1")
    assert t1[3][2] == dt.date(2026, 7, 31) and t1[3][3] == "Jun-26 [5]"


# ------------------------------------------------------------------------------------------
# every file agrees with every other
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", MONTHS)
def test_workbook_totals_equal_sum_of_rows(sample, month):
    d, _ = sample
    path = wb_path(d, month)
    for name, cols in (("Table 3", T3_COUNTS), ("Table 4", T4_COUNTS), ("Table 5", T5_COUNTS)):
        rows = sheet(path, name)
        tot = total_row(rows)
        units = unit_rows(rows)
        for c in cols:
            assert num(tot[c]) == sum(num(r[c]) for r in units), (name, c)
    t3 = sheet(path, "Table 3")
    inbound = num(total_row(t3)[11])
    t2 = sheet(path, "Table 2")
    assert inbound == sum(r[2] for r in t2 if len(r) > 2 and isinstance(r[1], dt.date))
    t1 = sheet(path, "Table 1")
    assert t1[14][2] == inbound
    assert t1[17][2] == num(total_row(t3)[13])
    assert t1[25][2] == num(total_row(t3)[23])
    # tables 3, 4 and 5 list the same units in the same order with the same inbound
    k3 = [(unit_key(r), r[11]) for r in unit_rows(t3)]
    assert k3 == [(unit_key(r), r[11]) for r in unit_rows(sheet(path, "Table 4"))]
    assert k3 == [(unit_key(r), r[11]) for r in unit_rows(sheet(path, "Table 5"))]
    assert len({k for k, _ in k3}) == len(k3), "unit keys must be unique"


@pytest.mark.parametrize("month", MONTHS)
def test_table3_matches_by_day_and_time(sample, month):
    d, _ = sample
    bdt = read_zip(zip_path(d, "By Day and Time", month))
    sums = bdt.pivot_table(index=["PRACTICE_CODE", "PCN_CODE", "SUB_ICB_LOCATION_CODE",
                                  "ICB_CODE", "REGION_CODE"], columns="Indicator",
                           values="Value", aggfunc="sum", fill_value=0)
    t3 = unit_rows(sheet(wb_path(d, month), "Table 3"))
    assert len(t3) == len(sums)
    for r in t3:
        s = sums.loc[unit_key(r)]
        assert s["CBT001"] == r[11]
        assert s["CBT003"] == r[13] == s["CBT007"]
        assert s["CBT002"] == r[15]
        assert s["CBT005"] == num(r[17])
        assert s["CBT004"] == r[20]
        assert s["CBT006"] == num(r[23])


@pytest.mark.parametrize("month", MONTHS)
def test_zip_families_agree(sample, month):
    d, _ = sample
    bdt = read_zip(zip_path(d, "By Day and Time", month))
    dur = read_zip(zip_path(d, "By Durations", month))
    cam = read_zip(zip_path(d, "Calls Answered Metric", month))
    assert bdt["Value"].sum() == dur["Value"].sum()
    pd.testing.assert_series_equal(bdt.groupby("Indicator")["Value"].sum(),
                                   dur.groupby("Indicator")["Value"].sum())
    assert cam["Value"].sum() == bdt.loc[bdt["Indicator"] == "CBT003", "Value"].sum()
    # and at unit x date grain
    keys = ["Date"] + GEO
    a = bdt[bdt["Indicator"] == "CBT003"].groupby(keys)["Value"].sum()
    b = cam.groupby(keys)["Value"].sum()
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index(), check_names=False)
    c = dur[dur["Indicator"] == "CBT007"].groupby(keys)["Value"].sum()
    pd.testing.assert_series_equal(a.sort_index(), c.sort_index(), check_names=False)


def test_band_tables_match_csvs(sample):
    d, _ = sample
    month = "August 2026"
    keys = ["PRACTICE_CODE", "PCN_CODE", "SUB_ICB_LOCATION_CODE", "ICB_CODE", "REGION_CODE"]
    cam = read_zip(zip_path(d, "Calls Answered Metric", month))
    dur = read_zip(zip_path(d, "By Durations", month))
    ans_band = {"0": 0, "1_60": 0, "61_120": 1, "121_180": 2, "181_300": 2, ">300": 3}
    mis_band = {"0": 0, "1_30": 0, "31_60": 0, "61_120": 1, "121_300": 2, "301_600": 3,
                ">600": 3}
    cam["band"] = cam["Wait_Time"].map(ans_band)
    wait = cam.pivot_table(index=keys, columns="band", values="Value", aggfunc="sum",
                           fill_value=0)
    d7 = dur[dur["Indicator"] == "CBT007"].copy()
    d7["band"] = d7["Duration"].map(ans_band)
    durn = d7.pivot_table(index=keys, columns="band", values="Value", aggfunc="sum",
                          fill_value=0)
    d4 = dur[dur["Indicator"] == "CBT004"].copy()
    d4["band"] = d4["Duration"].map(mis_band)
    miss = d4.pivot_table(index=keys, columns="band", values="Value", aggfunc="sum",
                          fill_value=0)
    for r in unit_rows(sheet(wb_path(d, month), "Table 4")):
        k = unit_key(r)
        assert [r[c] for c in (15, 17, 19, 21)] == [wait.loc[k].get(b, 0) for b in range(4)]
        assert [r[c] for c in (24, 26, 28, 30)] == [durn.loc[k].get(b, 0) for b in range(4)]
        assert sum(r[c] for c in (15, 17, 19, 21)) == r[12]
    for r in unit_rows(sheet(wb_path(d, month), "Table 5")):
        k = unit_key(r)
        got = [r[c] for c in (15, 17, 19, 21)]
        assert got == [miss.loc[k].get(b, 0) if k in miss.index else 0 for b in range(4)]
        assert sum(got) == r[12]


def test_table1_history(sample):
    d, _ = sample
    totals = {}
    for month in MONTHS:
        t3 = sheet(wb_path(d, month), "Table 3")
        totals[month] = num(total_row(t3)[11])
    t1 = sheet(wb_path(d, "August 2026"), "Table 1")
    assert t1[14][2:5] == [totals["August 2026"], totals["July 2026"], totals["June 2026"]]
    t1 = sheet(wb_path(d, "June 2026"), "Table 1")
    assert [x for x in t1[3][2:] if x != ""] == [dt.date(2026, 6, 30)]
    assert t1[14][2] == totals["June 2026"]


# ------------------------------------------------------------------------------------------
# magnitudes and quirks
# ------------------------------------------------------------------------------------------


def test_magnitudes(sample):
    d, _ = sample
    month = "August 2026"
    pop = pd.read_csv(d / "Synthetic list sizes Aug26.csv", dtype={"NUMBER_OF_PATIENTS": int})
    lists = dict(zip(pop["CODE"], pop["NUMBER_OF_PATIENTS"]))
    t3 = unit_rows(sheet(wb_path(d, month), "Table 3"))
    named = [r for r in t3 if r[1] != "Unassigned"]
    rates = sorted(r[11] / lists[r[1]] * 1000 for r in named)
    median = rates[len(rates) // 2]
    assert 300 <= median <= 900
    sizes = sorted(lists[r[1]] for r in named)
    assert 5000 <= sizes[len(sizes) // 2] <= 14000
    tot = total_row(sheet(wb_path(d, month), "Table 3"))
    assert 0.45 <= tot[13] / tot[11] <= 0.70
    assert 0.15 <= tot[15] / tot[11] <= 0.40
    assert 0.03 <= tot[20] / tot[11] <= 0.20
    assert 0.97 <= tot[23] / tot[17] <= 1.0
    shared = sum(r[11] for r in t3 if r[1] == "Unassigned") / tot[11]
    assert 0.03 <= shared <= 0.10

    bdt = read_zip(zip_path(d, "By Day and Time", month))
    inbound = bdt[bdt["Indicator"] == "CBT001"]
    wd = pd.to_datetime(inbound["Date"]).dt.day_of_week
    by_wd = inbound.groupby(wd)["Value"].sum() / inbound["Value"].sum()
    # August 2026 has 5 Mondays but the last one is a bank holiday
    assert 0.20 <= by_wd[0] <= 0.32
    assert all(0.14 <= by_wd[k] <= 0.24 for k in (1, 2, 3, 4))
    assert by_wd[5] + by_wd[6] < 0.04
    band = inbound.assign(b=inbound["Time_Category"].str.replace(" ", "")).groupby("b")[
        "Value"].sum() / inbound["Value"].sum()
    assert 0.22 <= band["08:00-09:59"] <= 0.34
    # out of hours ends mostly in the IVR
    ooh = bdt[(pd.to_datetime(bdt["Date"]).dt.day_of_week >= 5)]
    ivr = ooh.loc[ooh["Indicator"] == "CBT002", "Value"].sum()
    assert ivr / ooh.loc[ooh["Indicator"] == "CBT001", "Value"].sum() > 0.6
    # waits and durations
    t4 = total_row(sheet(wb_path(d, month), "Table 4"))
    assert 0.35 <= t4[15] / t4[12] <= 0.55 and 0.12 <= t4[21] / t4[12] <= 0.30
    assert 0.28 <= t4[26] / t4[12] <= 0.45


def test_bank_holiday_demand_is_low(sample):
    d, _ = sample
    t2 = sheet(wb_path(d, "August 2026"), "Table 2")
    days = {r[1]: r[2] for r in t2 if len(r) > 2 and isinstance(r[1], dt.date)}
    bh = days[dt.date(2026, 8, 31)]
    mondays = [v for k, v in days.items() if k.weekday() == 0 and k.day < 31]
    assert bh < 0.1 * min(mondays)
    t1 = sheet(wb_path(d, "August 2026"), "Table 1")
    assert t1[12][2] == 20  # 21 weekdays minus the summer bank holiday


def test_bank_holidays():
    for year, days in BANK_HOLIDAYS.items():
        assert _rule_bank_holidays(year) == days
        assert len(days) == 8 and all(x.weekday() < 5 for x in days)
    assert dt.date(2026, 12, 28) in england_bank_holidays(2026)  # Boxing Day substitute
    assert dt.date(2028, 8, 28) in england_bank_holidays(2028)  # rule beyond the fixed list
    # any four consecutive months contain at least one bank holiday
    for start in range(2024 * 12, 2027 * 12 + 9):
        months = {(t // 12, t % 12 + 1) for t in range(start, start + 4)}
        assert any((x.year, x.month) in months for y in BANK_HOLIDAYS for x in BANK_HOLIDAYS[y])


def test_quirks_present(sample):
    d, _ = sample
    for month in MONTHS:
        t3 = unit_rows(sheet(wb_path(d, month), "Table 3"))
        named = [r for r in t3 if r[1] != "Unassigned"]
        shared = [r for r in t3 if r[1] == "Unassigned"]
        assert all(r[2] == "Unmapped" for r in shared)
        unbalanced = [r for r in named
                      if num(r[13]) + num(r[15]) + num(r[17]) + num(r[20]) != r[11]]
        assert unbalanced, "at least one practice whose outcomes do not sum to inbound"
        assert any(num(r[13]) + num(r[15]) + num(r[17]) + num(r[20]) > r[11] for r in unbalanced)
        assert any(num(r[13]) + num(r[15]) + num(r[17]) + num(r[20]) < r[11] for r in unbalanced)
        assert all(abs(num(r[13]) + num(r[15]) + num(r[17]) + num(r[20]) - r[11]) <= 0.1 * r[11]
                   for r in unbalanced)
        no_cb = [r for r in named if num(r[17]) == 0 and num(r[23]) == 0]
        assert no_cb, "at least one practice that requests no callbacks"
        assert all(r[24] == "" for r in no_cb)  # % of requested is blank, not 0 or 100%
        assert any(r[17] == "" for r in no_cb)  # real quirk: blank instead of 0
        assert any(re.fullmatch(r"U\d{5}", r[3]) and r[4] != "Unmapped" for r in shared)
        assert any(r[3] == "Unmapped" and r[4] == "Unmapped" and r[5] != "Unmapped"
                   and r[7] != "Unmapped" and r[9] != "Unmapped" for r in shared)
        assert any(all(r[c] == "Unmapped" for c in (3, 5, 7, 9)) for r in shared)
        assert any(r[3] == "U" and r[4] == "Unallocated" for r in named)
        for r in named:
            assert re.fullmatch(r"[A-Z]\d{5}", r[1])
            assert r[3] == "U" or re.fullmatch(r"U\d{5}", r[3])
            assert re.fullmatch(r"Q[A-Z0-9]{2}", r[7]) and re.fullmatch(r"Y\d{2}", r[9])
            assert r[6].endswith(" ICB - " + r[5]) and r[8].endswith("INTEGRATED CARE BOARD")
    # unbalanced outcomes are visible at the daily/band grain too
    bdt = read_zip(zip_path(d, "By Day and Time", "August 2026"))
    p = bdt.pivot_table(index=["Date", "Time_Category"] + GEO, columns="Indicator",
                        values="Value", aggfunc="sum", fill_value=0)
    gap = p["CBT001"] - p[["CBT002", "CBT003", "CBT004", "CBT005"]].sum(axis=1)
    assert (gap > 0).any() and (gap < 0).any()
    assert (p["CBT006"] <= p["CBT005"]).all()


def test_reference_csvs(sample):
    d, _ = sample
    t3 = unit_rows(sheet(wb_path(d, "August 2026"), "Table 3"))
    named = {r[1]: r for r in t3 if r[1] != "Unassigned"}
    for month, fname in (("July 2026", "Synthetic list sizes Jul26.csv"),
                         ("August 2026", "Synthetic list sizes Aug26.csv")):
        text = (d / fname).read_text()
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["PUBLICATION", "EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE",
                           "ONS_SUB_ICB_LOCATION_CODE", "CODE", "POSTCODE", "SEX", "AGE",
                           "NUMBER_OF_PATIENTS"]
        first = dt.datetime.strptime(month, "%B %Y").date().isoformat()
        assert all(r[1] == first and r[2] == "GP" and r[7] == "ALL" and r[8] == "ALL"
                   for r in rows[1:])
        assert all(int(r[9]) > 0 for r in rows[1:])
        codes = [r[5] for r in rows[1:]]
        assert len(codes) == len(set(codes))
    pop_codes = set(codes)
    assert set(named) <= pop_codes
    assert 2 <= len(pop_codes - set(named)) <= 8, "a few practices never report calls"

    m = list(csv.DictReader(io.StringIO((d / "Synthetic practice map.csv").read_text())))
    assert list(m[0]) == [
        "PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE",
        "PCN_CODE", "PCN_NAME", "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE",
        "SUB_ICB_LOCATION_NAME", "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME", "ONS_COMM_REGION_CODE",
        "COMM_REGION_CODE", "COMM_REGION_NAME", "SUPPLIER_NAME"]
    assert {r["PRACTICE_CODE"] for r in m} == pop_codes
    assert {r["SUPPLIER_NAME"] for r in m} == {"EMIS", "TPP"}
    assert all(r["EXTRACT_DATE"] == "2026-08-01" for r in m)
    for r in m:
        if r["PRACTICE_CODE"] in named:
            w = named[r["PRACTICE_CODE"]]
            assert (r["PRACTICE_NAME"], r["PCN_CODE"], r["PCN_NAME"],
                    r["SUB_ICB_LOCATION_CODE"], r["ICB_CODE"], r["COMM_REGION_CODE"]) == (
                w[2], w[3], w[4], w[5], w[7], w[9])


# ------------------------------------------------------------------------------------------
# determinism and scales
# ------------------------------------------------------------------------------------------


def test_deterministic(sample, tmp_path):
    d, paths = sample
    again = write_sample(tmp_path / "again", seed=0, scale="pcn", months=3, last_month="2026-08")
    assert [p.name for p in again] == [p.name for p in paths]
    for a, b in zip(paths, again):
        assert md5(a) == md5(b), a.name
    # a month's data does not depend on how many months were generated (only Table 1 does)
    one = write_sample(tmp_path / "one", seed=0, scale="pcn", months=1, last_month="2026-08")
    for p in one:
        if p.suffix in (".zip",) or p.name.startswith("Synthetic list sizes"):
            assert md5(p) == md5(d / p.name), p.name
    other = write_sample(tmp_path / "other", seed=1, scale="pcn", months=1,
                         last_month="2026-08")
    for p in other:
        if p.suffix in (".zip", ".xlsx", ".csv"):
            assert md5(p) != md5(d / p.name), p.name


def test_icb_scale_one_month(tmp_path):
    paths = write_sample(tmp_path, seed=2, scale="icb", months=1, last_month="2026-05")
    assert len(paths) == 7
    t3 = unit_rows(sheet(wb_path(tmp_path, "May 2026"), "Table 3"))
    named = [r for r in t3 if r[1] != "Unassigned"]
    assert 140 <= len(named) <= 230
    assert len({r[7] for r in named}) == 3 and len({r[9] for r in named}) == 1
    assert 32 <= len({r[3] for r in named if r[3] != "U"}) <= 48
    shared = [r for r in t3 if r[1] == "Unassigned"]
    assert any(re.fullmatch(r"U\d{5}", r[3]) for r in shared)
    assert any(r[3] == "Unmapped" and r[5] != "Unmapped" for r in shared)
    tot = total_row(sheet(wb_path(tmp_path, "May 2026"), "Table 3"))
    assert tot[11] == sum(r[11] for r in t3)
    bdt = read_zip(zip_path(tmp_path, "By Day and Time", "May 2026"))
    assert bdt.loc[bdt["Indicator"] == "CBT001", "Value"].sum() == tot[11]
    # May 2026 has two bank holidays (4th and 25th): both quiet
    inbound = bdt[bdt["Indicator"] == "CBT001"].groupby("Date")["Value"].sum()
    for day in ("2026-05-04", "2026-05-25"):
        assert inbound[day] < 0.1 * inbound["2026-05-11"]


def test_bundled_sample_is_exactly_what_the_generator_writes(tmp_path):
    """data/sample is generated by `python -m telephony sample --out data/sample --scale pcn
    --months 6 --seed 0`; regenerate it with that command whenever the generator changes."""
    import hashlib

    bundled = Path(__file__).resolve().parents[1] / "data" / "sample"
    write_sample(tmp_path, seed=0, scale="pcn", months=6)
    # Files only: the call_logs/ subfolder is checked in tests/test_call_logs.py.
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in bundled.iterdir() if p.is_file()}
    fresh = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.iterdir()}
    assert fresh == digest
