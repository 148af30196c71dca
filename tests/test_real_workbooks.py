"""The two real Publication Summary workbooks (December 2025, January 2026), loaded once.

Expected figures are computed here straight from the workbook cells (read with python_calamine,
columns found by their header text in this file's own code), independently of telephony's reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import DEC_WORKBOOK, JAN_WORKBOOK, REAL_DIR, real_data, table_counts
from telephony.cli import pcn_report
from telephony.store import Store

pytestmark = real_data

DEC = dt.date(2025, 12, 1)
JAN = dt.date(2026, 1, 1)
WORKBOOKS = {DEC: DEC_WORKBOOK, JAN: JAN_WORKBOOK}
LIST_SIZES = {DEC: REAL_DIR / "PracPopDec.csv", JAN: REAL_DIR / "PracPopJan26.csv"}

# U49574 ASCENT PCN; U09531 CHILTERN HILLS PCN (a shared account 'Unassigned' under its real PCN
# code in both months); U87975 TORENTUM PCN (shared account with an 'Unmapped' sub-ICB);
# U64639 NORTH LIVERPOOL PCN (20 practices plus a shared account); U74819 CARITAS MEDICAL PCN.
PCNS = ["U49574", "U09531", "U87975", "U64639", "U74819"]

BANDS = ("less than 1 minute", "1 - 2 minutes", "2 - 5 minutes", "longer than 5 minutes")
BAND_KEYS = ("0-60", "61-120", "121-300", "over-300")


def norm(text) -> str:
    """Header text without footnote markers like [4], line breaks or repeated spaces."""
    return re.sub(r"\s+", " ", re.sub(r"\[[^\]]*\]", " ", str(text))).strip().lower()


def _sheet(book, name):
    return book.get_sheet_by_name(name).to_python()


def _header_row(cells) -> int:
    return next(i for i, r in enumerate(cells) if r and norm(r[0]) == "month")


def _col(header, text) -> int:
    matches = [j for j, c in enumerate(header) if norm(c) == text]
    assert len(matches) == 1, f"header {text!r} found {len(matches)} times"
    return matches[0]


def _num(cell) -> int:
    return 0 if cell in ("", None) else int(cell)


def read_raw(path):
    """Per-PCN sums, national Total rows and row counts taken straight from Tables 3-5."""
    book = CalamineWorkbook.from_path(str(path))
    pcn = defaultdict(lambda: defaultdict(int))
    practices = defaultdict(set)
    names = {}
    totals = {}
    data_rows = 0
    named_practices = set()

    # Table 3: outcomes
    t3 = _sheet(book, "Table 3")
    h = _header_row(t3)
    head = t3[h]
    c = {
        "practice": _col(head, "gp practice (ods_code)"), "pcn": _col(head, "pcn code"),
        "pcn_name": _col(head, "pcn name"), "inbound": _col(head, "count of inbound calls"),
        "answered": _col(head, "answered"), "ended_in_ivr": _col(head, "ended during the ivr stage"),
        "callback_requested": _col(head, "call back requested"), "missed": _col(head, "missed"),
        "callback_made": _col(head, "call back made"),
    }
    counts = ["inbound", "answered", "ended_in_ivr", "callback_requested", "missed", "callback_made"]
    for row in t3[h + 1:]:
        if norm(row[0]) == "total":
            totals.update({k: _num(row[c[k]]) for k in counts})
        if not isinstance(row[0], (dt.date, dt.datetime)):
            continue
        data_rows += 1
        code, practice = row[c["pcn"]], row[c["practice"]]
        names[code] = row[c["pcn_name"]]
        for k in counts:
            pcn[code][k] += _num(row[c[k]])
        if practice == "Unassigned":
            pcn[code]["shared_account_inbound"] += _num(row[c["inbound"]])
        else:
            named_practices.add(practice)
            if row[c["inbound"]] not in ("", None):
                practices[code].add(practice)

    # Tables 4 and 5: bands, told apart by the group heading in the row above the header
    def band_columns(cells, h, group_word):
        above, head = cells[h - 1], cells[h]
        start = next(j for j, t in enumerate(above) if group_word in norm(t))
        following = [j for j, t in enumerate(above) if norm(t) and j > start]
        end = following[0] if following else len(head)
        return [next(j for j in range(start, end) if norm(head[j]) == band) for band in BANDS]

    for sheet, groups in (("Table 4", (("answered_wait", "wait time"), ("answered_duration", "duration"))),
                          ("Table 5", (("missed_wait", "wait time"),))):
        cells = _sheet(book, sheet)
        h = _header_row(cells)
        head = cells[h]
        pcn_col = _col(head, "pcn code")
        for prefix, word in groups:
            cols = band_columns(cells, h, word)
            for row in cells[h + 1:]:
                if norm(row[0]) == "total":
                    for i, j in enumerate(cols):
                        totals[f"{prefix}_{i}"] = _num(row[j])
                if not isinstance(row[0], (dt.date, dt.datetime)):
                    continue
                for i, j in enumerate(cols):
                    pcn[row[pcn_col]][f"{prefix}_{i}"] += _num(row[j])
        data_rows += sum(isinstance(r[0], (dt.date, dt.datetime)) for r in cells[h + 1:])
    # named practices' inbound calls, for the rate per 1,000 patients
    inbound_by_practice = {}
    for row in t3[_header_row(t3) + 1:]:
        if isinstance(row[0], (dt.date, dt.datetime)) and row[c["practice"]] != "Unassigned":
            inbound_by_practice[row[c["practice"]]] = (row[c["pcn"]], _num(row[c["inbound"]]))
    return {"pcn": pcn, "practices": practices, "names": names, "totals": totals, "rows": data_rows,
            "named_practices": named_practices, "inbound_by_practice": inbound_by_practice}


def read_list_sizes(path) -> dict[str, int]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return {r["CODE"]: int(r["NUMBER_OF_PATIENTS"]) for r in csv.DictReader(fh)
                if r["SEX"] == "ALL" and r["AGE"] == "ALL"}


@pytest.fixture(scope="module")
def raw():
    return {month: read_raw(path) for month, path in WORKBOOKS.items()}


@pytest.fixture(scope="module")
def loaded():
    store = Store()
    reports = {DEC: store.load(DEC_WORKBOOK), JAN: store.load(JAN_WORKBOOK)}
    reports["lists"] = {month: store.load(path) for month, path in LIST_SIZES.items()}
    yield store, reports
    store.close()


@pytest.mark.parametrize("month", [DEC, JAN], ids=["dec-2025", "jan-2026"])
def test_real_workbook_loads_whole_and_reconciles(loaded, raw, month):
    store, reports = loaded
    report = reports[month]
    assert report.status == "loaded", report.message
    assert report.kind == "summary_workbook"
    assert report.months == [f"{month:%Y-%m}"]
    assert report.rows_rejected == 0, report.rejects[:5]
    assert report.rows_read == raw[month]["rows"]
    assert report.rows_loaded == report.rows_read
    assert report.practices == len(raw[month]["named_practices"])
    assert report.reconciliation, "no reconciliation checks were made"
    assert [c for c in report.reconciliation if not c["ok"]] == []
    assert report.overlaps == []


@pytest.mark.parametrize("month", [DEC, JAN], ids=["dec-2025", "jan-2026"])
@pytest.mark.parametrize("pcn", PCNS)
def test_pcn_report_matches_the_workbook_cells(loaded, raw, month, pcn):
    store, _ = loaded
    expected = raw[month]["pcn"][pcn]
    assert expected["inbound"] > 0, f"{pcn} has no rows in {month:%B %Y}; pick another PCN"
    [got] = pcn_report(store, pcn, month)
    assert got["pcn_code"] == pcn
    assert got["month"] == f"{month:%Y-%m}"
    if month == JAN:                                  # names come from the latest file loaded
        assert got["pcn_name"] == raw[JAN]["names"][pcn]
    assert got["practices_reporting"] == len(raw[month]["practices"][pcn])
    for key in ("inbound", "answered", "ended_in_ivr", "callback_requested", "callback_made", "missed",
                "shared_account_inbound"):
        assert got[key] == expected[key], key
    for prefix in ("answered_wait", "answered_duration", "missed_wait"):
        assert got[prefix] == {k: expected[f"{prefix}_{i}"] for i, k in enumerate(BAND_KEYS)}, prefix


@pytest.mark.parametrize("month", [DEC, JAN], ids=["dec-2025", "jan-2026"])
def test_real_list_sizes_load_whole(loaded, month):
    _, reports = loaded
    report = reports["lists"][month]
    assert report.status == "loaded", report.message
    assert report.kind == "list_size"
    assert report.rows_rejected == 0
    assert report.rows_loaded == len(read_list_sizes(LIST_SIZES[month]))
    assert report.months == [f"{month:%Y-%m}"]


@pytest.mark.parametrize("month", [DEC, JAN], ids=["dec-2025", "jan-2026"])
@pytest.mark.parametrize("pcn", PCNS)
def test_calls_per_1000_match_the_published_files(loaded, raw, month, pcn):
    # Named practices with a list size dated the 1st of the month; shared accounts left out.
    store, _ = loaded
    lists = read_list_sizes(LIST_SIZES[month])
    members = [(code, inbound) for code, (p, inbound) in raw[month]["inbound_by_practice"].items()
               if p == pcn and lists.get(code, 0) > 0]
    frame = store.query("area_month_metrics", level="pcn", code=pcn, start=month, end=month)
    if not members:      # e.g. TORENTUM PCN publishes only a shared account: no rate at all
        assert frame["calls_per_1000"].isna().all()
        return
    calls = sum(inbound for _, inbound in members)
    patients = sum(lists[code] for code, _ in members)
    assert int(frame["patients"].iloc[0]) == patients
    assert frame["calls_per_1000"].iloc[0] == pytest.approx(1000 * calls / patients, rel=1e-12)


def test_chiltern_hills_counts_its_shared_account(loaded, raw):
    # The January 2026 CHILTERN HILLS PCN includes a shared phone account published as 'Unassigned'.
    store, _ = loaded
    [got] = pcn_report(store, "U09531", JAN)
    assert got["shared_account_inbound"] > 0
    assert got["shared_account_inbound"] == raw[JAN]["pcn"]["U09531"]["shared_account_inbound"]


def test_codes_that_are_not_pcns_have_no_report(loaded):
    store, _ = loaded
    assert pcn_report(store, "U", JAN) == []
    assert pcn_report(store, "Unmapped", JAN) == []


@pytest.mark.parametrize("month", [DEC, JAN], ids=["dec-2025", "jan-2026"])
def test_england_total_equals_the_national_total_rows(loaded, raw, month):
    store, _ = loaded
    frame = store.query("area_month_metrics", level="england", code="E92000001", start=month, end=month)
    assert len(frame) == 1
    got = frame.iloc[0]
    totals = raw[month]["totals"]
    for key, value in totals.items():
        assert int(got[key]) == value, key
    assert got["answered_share"] == pytest.approx(totals["answered"] / totals["inbound"])


def test_loading_january_again_is_a_duplicate_and_changes_nothing(loaded):
    store, _ = loaded
    before = table_counts(store)
    england = store.query("area_month_metrics", level="england", code="", start=DEC, end=JAN)
    again = store.load(JAN_WORKBOOK)
    assert again.status == "duplicate"
    assert JAN_WORKBOOK.name in again.message
    assert table_counts(store) == before
    assert store.query("area_month_metrics", level="england", code="", start=DEC, end=JAN).equals(england)
