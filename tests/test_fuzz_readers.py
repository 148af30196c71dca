"""Fuzzing the readers with hypothesis: format detection, the three CSV families, zips, the
workbook and the reference files, from random bytes, from files built cell by cell out of good
and bad values, and from good files with bytes broken.

The property, for every input: `Store.load` never raises; the status is loaded, failed or
duplicate; a failed load leaves the database exactly as it was and claims no rows; a loaded CSV
accounts for every row (rows read = rows loaded + rows rejected) and its rows loaded are the
rows in the fact table; no message reports an unexpected problem (the store's last-resort
catch, which would hide a bug from this test otherwise).

Bounded for the suite: each test stops doing work when its share of FUZZ_SECONDS (default 12
seconds for the whole module) is used, and runs at most FUZZ_EXAMPLES examples (default: a few
dozen per test). For a longer run by hand:

    FUZZ_SECONDS=900 FUZZ_EXAMPLES=100000 python -m pytest tests/test_fuzz_readers.py -q

Failing examples are saved in .hypothesis/ and replayed first on the next run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from telephony.problems import FileProblem
from telephony.readers.sniff import detect
from telephony.store import Store
from tests.conftest import (
    ANSWERED_HEADER, ASPLANDS, DAY_TIME_HEADER, DURATIONS_HEADER, MAP_HEADER, PRACPOP_HEADER, TIME_BANDS, WbRow,
    WorkbookSpec, answered_row, csv_bytes, day_time_row, map_row, pracpop_row, write_summary_workbook,
)
from tests.corpus import db_state

SECONDS = float(os.environ.get("FUZZ_SECONDS", "12"))
EXAMPLES = os.environ.get("FUZZ_EXAMPLES")
_started: dict[str, float] = {}


def budget(share: float, examples: int):
    """Settings for one fuzz test, and a function telling whether it still has time."""
    def decorate(test):
        name = test.__name__

        def has_time() -> bool:
            start = _started.setdefault(name, time.monotonic())
            return time.monotonic() - start < SECONDS * share

        test.has_time = has_time
        return settings(max_examples=int(EXAMPLES) if EXAMPLES else examples, deadline=None,
                        suppress_health_check=list(HealthCheck))(test)
    return decorate


# --------------------------------------------------------------------------- strategies

NASTY = ["", " ", "0", "12.0", "-3", "-0.0", "2.5", "1e308", "1e10", "3000000000", "nan", "inf", "-inf", "NULL",
         "1,000.0", "0x10", "CBT001", "cbt004", "CBT009", "2026-01-05", "2026-01-31", "2026-02-30", "2025-12-31",
         "05/01/2026", "2026-01-05 08:00:00", "08:00 - 09:59", "8:00-9:59", "24:00 - 25:00", "1_60", ">300",
         "<60", "300_1", "TOTAL", "Core_8_10", "Unassigned", "Unmapped", "U49574", "E81050", '"', '""', ",", ";",
         "\t", "\n", "\r\n", "\r", "\x00", "\ufeff", "\u00e9", "\u2013", "\u00a0", "'); DROP TABLE units; --",
         "$p", "?", "\\", "=1+1", "9" * 40]
cell = st.one_of(st.sampled_from(NASTY), st.text(max_size=10))

FAMILIES = {"by_day_time": DAY_TIME_HEADER, "by_durations": DURATIONS_HEADER, "answered_metric": ANSWERED_HEADER}
GOOD = {
    "Date": st.sampled_from(["2026-01-05", "2026-01-06", "2026-01-31", "2026-01-01"]),
    "REGION_CODE": st.sampled_from(["Y61", "Unmapped"]),
    "ICB_CODE": st.sampled_from(["QHG", "Unmapped"]),
    "SUB_ICB_LOCATION_CODE": st.sampled_from(["M1J4Y", "Unmapped"]),
    "PCN_CODE": st.sampled_from(["U49574", "U74819", "Unmapped"]),
    "PRACTICE_CODE": st.sampled_from(["E81050", "K82064", "Unassigned"]),
    "Indicator": st.sampled_from([f"CBT00{i}" for i in range(1, 8)]),
    "Time_Category": st.sampled_from(TIME_BANDS),
    "Duration": st.sampled_from(["TOTAL", "0", "1_60", "61_120", "121_180", "181_300", ">300"]),
    "Wait_Time": st.sampled_from(["0", "1_60", "61_120", "121_300", ">300"]),
    "Core_Category": st.sampled_from(["Core_8_10", "Non-Core", ""]),
    "Value": st.integers(0, 5000).map(lambda v: f"{v}.0"),
}


@st.composite
def long_csv(draw) -> tuple[str, bytes]:
    """A CSV of one family: header in any order and spelling, rows of mostly good cells."""
    family = draw(st.sampled_from(sorted(FAMILIES)))
    header = list(FAMILIES[family])
    order = draw(st.permutations(range(len(header)))) if draw(st.booleans()) else list(range(len(header)))
    if draw(st.integers(0, 9)) == 0:
        order = order[:-1]                                    # a column missing
    names = [header[i] for i in order]
    shown = [draw(st.sampled_from([n, n.lower(), n.upper(), f" {n} ", n.replace("_", " ")])) for n in names]
    bad_rate = draw(st.sampled_from([0.0, 0.05, 0.3, 1.0]))
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        row = []
        for name in names:
            bad = draw(st.floats(0, 1)) < bad_rate
            row.append(draw(cell) if bad else draw(GOOD[name]))
        if draw(st.integers(0, 19)) == 0:
            row = row[: draw(st.integers(0, len(row)))]        # a short row
        if draw(st.integers(0, 19)) == 0:
            row = row + [draw(cell)]                           # a long one
        rows.append(row)
    if rows and draw(st.integers(0, 4)) == 0:
        rows.append(list(rows[0]))                             # a repeated row
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    buf = io.StringIO()
    if draw(st.booleans()):
        csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows([shown, *rows])
    else:   # written carelessly: no quoting at all
        buf.write(newline.join(delimiter.join(r) for r in [shown, *rows]) + draw(st.sampled_from(["", newline])))
    text = buf.getvalue()
    if draw(st.integers(0, 6)) == 0:
        text = text.replace(newline, newline * 2, 1)           # a blank line
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return family, text.encode(encoding, errors="replace")


REFERENCE = {"list_size": PRACPOP_HEADER, "practice_map": MAP_HEADER}


@st.composite
def reference_csv(draw) -> bytes:
    kind = draw(st.sampled_from(sorted(REFERENCE)))
    header = list(REFERENCE[kind])
    good = pracpop_row("E81050", "2026-01-01", 9000) if kind == "list_size" else map_row(ASPLANDS)
    rows = [[draw(cell) if draw(st.integers(0, 3)) == 0 else value for value in good]
            for _ in range(draw(st.integers(0, 8)))]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return csv_bytes(header, rows, encoding="utf-8").decode().encode(encoding, errors="replace")


# --------------------------------------------------------------------------- the property

def check_load(store: Store, path: Path, name: str | None = None):
    before = db_state(store)
    report = store.load(path, name)
    assert report.status in ("loaded", "failed", "duplicate"), report.status
    assert "unexpected problem" not in report.message, report.message
    if report.status in ("failed", "duplicate"):
        assert db_state(store) == before, f"{report.status} changed the database: {report.message}"
    if report.status == "failed":
        assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (0, 0, 0)
        assert report.message
    if report.status == "loaded" and report.kind in ("by_day_time", "by_durations", "answered_metric",
                                                     "csv_zip", "practice_map"):
        assert report.rows_read == report.rows_loaded + report.rows_rejected, report
    if report.status == "loaded":
        rejected = store.con.execute("SELECT count(*) FROM rejects WHERE source_id = $s",
                                     {"s": report.source_id}).fetchall()[0][0]
        assert rejected == report.rows_rejected
    return report


def facts(store: Store) -> int:
    return store.con.execute(
        "SELECT (SELECT count(*) FROM calls_by_band) + (SELECT count(*) FROM calls_by_bucket)").fetchall()[0][0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(folder: Path, data: bytes, name: str = "fuzz.csv") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- tests

PREFIXES = [b"", b"PK\x03\x04", b"PK\x05\x06", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xef\xbb\xbf", b"\xff\xfe",
            b"%PDF", (",".join(DAY_TIME_HEADER) + "\n").encode(), (",".join(MAP_HEADER) + "\n").encode(),
            (",".join(PRACPOP_HEADER) + "\r\n").encode()]


@budget(share=0.08, examples=150)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=600))
def test_detect_on_any_bytes(folder, prefix, body):
    if not test_detect_on_any_bytes.has_time():
        return
    path = _write(folder, prefix + body, "detect.bin")
    try:
        found = detect(path)
    except FileProblem as exc:
        assert str(exc)
    else:
        assert found.kind


@budget(share=0.12, examples=60)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=600), name=st.text(max_size=30))
def test_load_any_bytes(folder, prefix, body, name):
    if not test_load_any_bytes.has_time():
        return
    store = Store()
    try:
        check_load(store, _write(folder, prefix + body, "any.bin"), name or None)
    finally:
        store.close()


@budget(share=0.3, examples=60)
@given(case=long_csv())
def test_load_long_csvs(folder, case):
    if not test_load_long_csvs.has_time():
        return
    family, data = case
    store = Store()
    try:
        report = check_load(store, _write(folder, data, "long.csv"))
        if report.status == "loaded":
            assert facts(store) == report.rows_loaded
    finally:
        store.close()


@st.composite
def zips(draw) -> bytes:
    buf = io.BytesIO()
    names = ["cbt_Y61.csv", "folder/cbt_Y63.csv", "../up.csv", "readme.txt", "x.pdf", "a/b/c/d.CSV",
             "__MACOSX/._cbt.csv", "inner.zip", "dir/"]
    with zipfile.ZipFile(buf, "w", compression=draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))) as zf:
        for i in range(draw(st.integers(0, 3))):
            name = draw(st.sampled_from(names))
            if name in zf.namelist():
                continue
            data = b"" if name.endswith("/") else draw(
                st.one_of(long_csv().map(lambda c: c[1]), st.binary(max_size=200)))
            zf.writestr(name, data)
    data = buf.getvalue()
    if draw(st.integers(0, 4)) == 0 and data:
        data = data[: draw(st.integers(0, len(data)))]        # cut short
    return data


@budget(share=0.15, examples=40)
@given(data=zips())
def test_load_zips(folder, data):
    if not test_load_zips.has_time():
        return
    store = Store()
    try:
        report = check_load(store, _write(folder, data, "fuzz.zip"))
        if report.status == "loaded":
            assert facts(store) == report.rows_loaded
    finally:
        store.close()


@budget(share=0.1, examples=40)
@given(data=reference_csv())
def test_load_reference_csvs(folder, data):
    if not test_load_reference_csvs.has_time():
        return
    store = Store()
    try:
        check_load(store, _write(folder, data, "reference.csv"))
    finally:
        store.close()


workbook_value = st.one_of(
    st.integers(-10, 10**6), st.integers(2**31, 2**70), st.floats(-1e12, 1e300, allow_nan=False),
    st.sampled_from(["", "-", "n/a", "1,000", "12.0", " 7 ", "\u2013", "=1+1", "'); DROP TABLE units; --"]),
    st.text(max_size=8), st.booleans(), st.none(),
)
FIELDS = ["inbound", "answered", "ivr", "callback_requested", "missed", "callback_made", "answered_wait_0",
          "answered_duration_3", "missed_wait_1"]
text_code = st.one_of(st.sampled_from(["", "Unassigned", "U49574", "E81050", "K82064"]), st.text(max_size=6))


@budget(share=0.15, examples=12)
@given(overrides=st.dictionaries(st.tuples(st.sampled_from(["Table 3", "Table 4", "Table 5"]),
                                           st.sampled_from(["E81050", "K82064"]), st.sampled_from(FIELDS)),
                                 workbook_value, max_size=6),
       practice=text_code, pcn=text_code)
def test_load_workbooks(folder, overrides, practice, pcn):
    if not test_load_workbooks.has_time():
        return
    from dataclasses import replace

    other = replace(ASPLANDS, practice=practice or "K82064", pcn=pcn)
    rows = [WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48), WbRow(other, 500, 300, 100, 0, 100, 0)]
    spec = WorkbookSpec(dt.date(2026, 1, 1), rows, overrides=overrides)
    path = write_summary_workbook(folder / "fuzz.xlsx", spec)
    store = Store()
    try:
        report = check_load(store, path)
        if report.status == "loaded":
            assert report.rows_loaded == report.rows_read - report.rows_rejected
    finally:
        store.close()


@pytest.fixture(scope="module")
def good_files(folder) -> dict[str, bytes]:
    wb = write_summary_workbook(folder / "good.xlsx", WorkbookSpec(dt.date(2026, 1, 1), [
        WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48)])).read_bytes()
    day = csv_bytes(DAY_TIME_HEADER, [day_time_row(ASPLANDS, f"2026-01-{d:02d}", "CBT001", band, "5.0")
                                      for d in range(1, 4) for band in TIME_BANDS[:3]])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("cbt_Y61.csv", day)
        zf.writestr("cbt_Y63.csv", csv_bytes(ANSWERED_HEADER, [answered_row(ASPLANDS, "2026-01-05", "1_60", "3.0")]))
    return {"workbook": wb, "csv": day, "zip": buf.getvalue(),
            "map": csv_bytes(MAP_HEADER, [map_row(ASPLANDS)], encoding="cp1252")}


@budget(share=0.1, examples=40)
@given(which=st.sampled_from(["workbook", "csv", "zip", "map"]), seed=st.integers(0, 2**32 - 1),
       flips=st.integers(1, 20), cut=st.booleans())
def test_load_broken_good_files(folder, good_files, which, seed, flips, cut):
    if not test_load_broken_good_files.has_time():
        return
    data = bytearray(good_files[which])
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    if cut:
        data = data[: rng.randrange(1, len(data))]
    assume(bytes(data) != good_files[which])
    store = Store()
    try:
        check_load(store, _write(folder, bytes(data), f"broken.{ {'workbook': 'xlsx'}.get(which, which) }"))
    finally:
        store.close()
