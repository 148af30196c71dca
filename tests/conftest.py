"""Shared test helpers: tiny hand-written files in every published format, a fresh store per
test, a snapshot of the database for "nothing changed" checks, and where the real files live.

Every builder writes exactly the cells it is given: expected values in the tests are worked out
by hand from those cells, never read back from the code under test.
"""

from __future__ import annotations

import atexit
import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import xlsxwriter

from telephony.store import Store

# The app keeps its prepared synthetic sample in the user's cache folder; tests use their own,
# so a run starts from nothing and leaves nothing behind (ui.session._cache_dir).
_TEST_CACHE = tempfile.mkdtemp(prefix="cbt-test-cache-")
os.environ["CBT_CACHE_DIR"] = _TEST_CACHE
atexit.register(shutil.rmtree, _TEST_CACHE, True)
# Likewise the library (telephony.library): the app opens on the user's own if there is one.
os.environ["CBT_LIBRARY"] = os.path.join(_TEST_CACHE, "no-library")

# --------------------------------------------------------------------------- real published files

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
DEC_WORKBOOK = REAL_DIR / "Cloud Based Telephony Publication Summary December 2025.xlsx"
JAN_WORKBOOK = REAL_DIR / "Cloud Based Telephony Publication Summary January 2026.xlsx"
HAVE_REAL_DATA = REAL_DIR.is_dir()

# Apply to a test or a module (`pytestmark = real_data`): marks it and skips it where the real
# files are absent (a fresh clone without ../shared/data/real).
real_data = [
    pytest.mark.real_data,
    pytest.mark.skipif(
        not HAVE_REAL_DATA,
        reason=f"real published files not found: {REAL_DIR} does not exist",
    ),
]


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not HAVE_REAL_DATA:
        pytest.skip(f"real published files not found: {REAL_DIR} does not exist")
    return REAL_DIR


# --------------------------------------------------------------------------- the store

@pytest.fixture
def store():
    s = Store()
    yield s
    s.close()


def table_names(store: Store) -> list[str]:
    return [
        r[0]
        for r in store.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
            "ORDER BY table_name"
        ).fetchall()
    ]


def table_counts(store: Store) -> dict[str, int]:
    """Row count of every permanent table."""
    return {
        name: store.con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
        for name in table_names(store)
    }


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every permanent table, sorted (the test databases are tiny)."""
    out = {}
    for name in table_names(store):
        rows = store.con.execute(f'SELECT * FROM "{name}"').fetchall()
        out[name] = sorted(rows, key=repr)
    return out


def rows(store: Store, sql: str, **params) -> list[tuple]:
    return store.con.execute(sql, params).fetchall()


# --------------------------------------------------------------------------- geography

@dataclass(frozen=True)
class Geo:
    """One reporting unit as the files publish it."""

    region: str
    icb: str
    sub_icb: str
    pcn: str
    practice: str
    practice_name: str = ""
    pcn_name: str = ""

    def cells(self) -> list[str]:
        return [self.region, self.icb, self.sub_icb, self.pcn, self.practice]


ASPLANDS = Geo("Y61", "QHG", "M1J4Y", "U49574", "E81050", "ASPLANDS MEDICAL CENTRE", "ASCENT PCN")
FISHERMEAD = Geo("Y61", "QHG", "M1J4Y", "U49574", "K82064", "FISHERMEAD MEDICAL CENTRE", "ASCENT PCN")
WALNUT = Geo("Y61", "QHG", "M1J4Y", "U49574", "K82615", "WALNUT TREE HEALTH CENTRE", "ASCENT PCN")
KING_ST = Geo("Y61", "QHG", "M1J4Y", "U74819", "E81038", "KING STREET SURGERY", "CARITAS MEDICAL PCN")
NORTH = Geo("Y63", "QHM", "16C", "U12345", "A81001", "THE DENSHAM SURGERY", "STOCKTON PCN")
# Shared phone accounts: published under practice 'Unassigned'.
SHARED_IN_PCN = Geo("Y61", "QHG", "M1J4Y", "U49574", "Unassigned", "Unmapped", "ASCENT PCN")
SHARED_UNMAPPED_PCN = Geo("Y61", "QHG", "M1J4Y", "Unmapped", "Unassigned", "Unmapped", "Unmapped")
SHARED_ALL_UNMAPPED = Geo("Unmapped", "Unmapped", "Unmapped", "Unmapped", "Unassigned", "Unmapped", "Unmapped")

class RecordingConnection:
    """Stands in for a store's DuckDB connection and records the SQL text of every statement, so
    a test can show that text from a file reached SQL only as data."""

    def __init__(self, con):
        self._con = con
        self.sql: list[str] = []

    def execute(self, sql, *args, **kwargs):
        self.sql.append(str(sql))
        return self._con.execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        self.sql.append(str(sql))
        return self._con.executemany(sql, *args, **kwargs)

    def __getattr__(self, name):
        if name in ("query", "sql"):
            raise AssertionError(f"con.{name}() would take SQL text unrecorded")
        return getattr(self._con, name)


# --------------------------------------------------------------------------- long-format CSVs

GEO_HEADER = ["REGION_CODE", "ICB_CODE", "SUB_ICB_LOCATION_CODE", "PCN_CODE", "PRACTICE_CODE"]
DAY_TIME_HEADER = ["Date", *GEO_HEADER, "Indicator", "Time_Category", "Value"]
DURATIONS_HEADER = ["Date", *GEO_HEADER, "Indicator", "Duration", "Value"]
ANSWERED_HEADER = ["Date", *GEO_HEADER, "Indicator", "Wait_Time", "Core_Category", "Value"]


def day_time_row(geo: Geo, date: str, indicator: str, band: str, value) -> list[str]:
    return [date, *geo.cells(), indicator, band, str(value)]


def durations_row(geo: Geo, date: str, indicator: str, bucket: str, value) -> list[str]:
    return [date, *geo.cells(), indicator, bucket, str(value)]


def answered_row(geo: Geo, date: str, bucket: str, value, core: str = "Core_8_10",
                 indicator: str = "CBT003") -> list[str]:
    return [date, *geo.cells(), indicator, bucket, core, str(value)]


def csv_bytes(header: list[str], body: list[list[str]], *, delimiter: str = ",", newline: str = "\n",
              bom: bool = False, quote_all: bool = False, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(body)
    data = buf.getvalue().encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def write_csv(path: Path, header: list[str], body: list[list[str]], **options) -> Path:
    return write_bytes(path, csv_bytes(header, body, **options))


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# --------------------------------------------------------------------------- reference files

PRACPOP_HEADER = ["PUBLICATION", "EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE",
                  "CODE", "POSTCODE", "SEX", "AGE", "NUMBER_OF_PATIENTS"]
MAP_HEADER = ["PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "PRACTICE_POSTCODE", "PCN_CODE",
              "PCN_NAME", "ONS_SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME",
              "ONS_ICB_CODE", "ICB_CODE", "ICB_NAME", "ONS_COMM_REGION_CODE", "COMM_REGION_CODE",
              "COMM_REGION_NAME", "SUPPLIER_NAME"]


def pracpop_row(code: str, extract_date: str, patients, sex: str = "ALL", age: str = "ALL") -> list[str]:
    return ["GP_PRAC_PAT_LIST", extract_date, "GP", "M1J4Y", "E38000248", code, "MK6 1AA", sex, age, str(patients)]


def map_row(geo: Geo, practice_name: str | None = None, pcn_name: str | None = None,
            extract_date: str = "2026-01-01") -> list[str]:
    return ["GP_PRAC_PAT_LIST", extract_date, geo.practice, practice_name or geo.practice_name, "MK6 1AA",
            geo.pcn, pcn_name or geo.pcn_name, "E38000248", geo.sub_icb, "NHS BLMK ICB - " + geo.sub_icb,
            "E54000024", geo.icb, "NHS BLMK ICB", "E40000007", geo.region, "EAST OF ENGLAND", "EMIS"]


def write_epcn(path: Path, members: list[tuple[str, str, str, object]]) -> Path:
    """ODS ePCN.xlsx: (practice code, PCN code, PCN name, end date YYYYMMDD or None)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("PCN Core Partner Details")
    ws.write_row(0, 0, ["PCN Code", "PCN Name", "Partner\nOrganisation\nCode", "Partner\nName",
                        "Practice to PCN\nRelationship\nStart Date", "Practice to PCN\nRelationship\nEnd Date"])
    for i, (practice, pcn, name, end) in enumerate(members, start=1):
        ws.write_row(i, 0, [pcn, name, practice, "PRACTICE " + practice, "20200701"])
        if end is not None:
            ws.write(i, 5, end)
    other = wb.add_worksheet("PCN Details")
    other.write_row(0, 0, ["PCN Code", "PCN Name"])
    wb.close()
    return path


# --------------------------------------------------------------------------- summary workbook

BAND_LABELS = ("Less than 1 minute", "1 - 2 minutes", "2 - 5 minutes", "Longer than 5 minutes")
TIME_BANDS = ("00:00 - 05:59", "06:00 - 07:59", "08:00 - 09:59", "10:00 - 11:59", "12:00 - 13:59",
              "14:00 - 15:59", "16:00 - 17:59", "18:00 - 18:29", "18:30 - 23:59")


@dataclass
class WbRow:
    """One practice (or shared account) row of Tables 3-5."""

    geo: Geo
    inbound: int
    answered: int
    ivr: int
    callback_requested: int
    missed: int
    callback_made: int
    answered_wait: tuple = (0, 0, 0, 0)
    answered_duration: tuple = (0, 0, 0, 0)
    missed_wait: tuple = (0, 0, 0, 0)

    @property
    def counts(self) -> dict[str, int]:
        out = {"inbound": self.inbound, "answered": self.answered, "ivr": self.ivr,
               "callback_requested": self.callback_requested, "missed": self.missed,
               "callback_made": self.callback_made}
        for prefix in ("answered_wait", "answered_duration", "missed_wait"):
            for i, v in enumerate(getattr(self, prefix)):
                out[f"{prefix}_{i}"] = v
        return out


@dataclass
class WorkbookSpec:
    month: dt.date
    rows: list[WbRow]
    missed_header: str = "Missed [5]"          # Table 3 and Table 5 ('Missed' in some editions)
    ivr_header: str = "Ended during the IVR Stage [4]"
    # (sheet, practice code, field) -> raw cell written instead of the count
    overrides: dict = field(default_factory=dict)
    # (sheet, field) -> value written in the national Total row instead of the true sum
    total_overrides: dict = field(default_factory=dict)
    table4_blank_rows: int = 4                  # the real Table 4 starts on row 5


_GEO_HEADERS = ["Month [1]", "GP Practice \n(ODS_CODE)", "GP Name", "PCN Code", "PCN Name [2,3]",
                "Sub ICB Code [2]", "Sub ICB Name", "ICB Code  [2]", "ICB Name", "Region Code  [2]",
                "Region Name"]


def _geo_cells(g: Geo) -> list[str]:
    return [g.practice, g.practice_name or g.practice, g.pcn, g.pcn_name or g.pcn, g.sub_icb,
            "SUB ICB " + g.sub_icb, g.icb, "ICB " + g.icb, g.region, "REGION " + g.region]


def write_summary_workbook(path: Path, spec: WorkbookSpec) -> Path:
    """A Publication Summary workbook with the real layout of Tables 1-5, in miniature: title
    rows, a header row starting 'Month [1]' with footnote markers and odd spacing, a Total/%/Count
    sub-header, the national Total row, practice rows, then notes. `summary_excel_row` gives the
    row number Excel shows for a practice's row."""
    wb = xlsxwriter.Workbook(str(path))
    month_fmt = wb.add_format({"num_format": "mmm-yy"})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    title = f"{spec.month:%B %Y}"

    ws = wb.add_worksheet("Title sheet")
    ws.write(1, 0, "Cloud Based Telephony data in General Practice")
    ws = wb.add_worksheet("Data Quality")
    ws.write(1, 0, "Data Quality")

    totals = {f: sum(r.counts[f] for r in spec.rows) for f in spec.rows[0].counts}

    # Table 1: national series, months across (newest first, month-end dates as published).
    ws = wb.add_worksheet("Table 1")
    ws.write(0, 0, "Return to Contents")
    ws.write(2, 0, "Table 1: Summary of Cloud based telephony calls by month, England")
    month_end = (spec.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    ws.write_datetime(3, 2, dt.datetime.combine(month_end, dt.time()), date_fmt)
    ws.write_row(5, 0, ["Coverage", "Count of practices included",
                        sum(r.geo.practice != "Unassigned" for r in spec.rows)])
    ws.write_row(7, 0, ["Inbound calls", "Total Inbound Calls ", totals["inbound"]])

    # Table 2: national inbound calls by date and band (all on the 1st, 08:00-09:59).
    ws = wb.add_worksheet("Table 2")
    ws.write(0, 0, "Return to Contents")
    ws.write(2, 0, f"Table 2: Inbound Calls by day and time of day, {title}")
    ws.write_row(4, 1, ["Date", "Total Count of Inbound Calls", ""])
    ws.write_row(4, 4, list(TIME_BANDS))
    ws.write(6, 0, spec.month.strftime("%A"))
    ws.write_datetime(6, 1, dt.datetime.combine(spec.month, dt.time()), date_fmt)
    ws.write(6, 2, totals["inbound"])
    ws.write_row(6, 4, [0, 0, totals["inbound"], 0, 0, 0, 0, 0, 0])

    def write_table(sheet: str, first_row: int, group_headings: dict[int, str], columns: list,
                    sub: list, total_label: list):
        """columns: header text per column from index 11; each entry (header, field or None)."""
        ws = wb.add_worksheet(sheet)
        r = first_row
        ws.write(r, 0, "Return to Contents")
        ws.write(r + 2, 0, f"{sheet}: Summary of Cloud based telephony calls, by practice, England, {title}")
        for col, text in group_headings.items():
            ws.write(r + 4, col, text)
        header_row = r + 5
        ws.write_row(header_row, 0, _GEO_HEADERS)
        for j, (text, _) in enumerate(columns, start=11):
            if text:
                ws.write(header_row, j, text)
        for j, text in enumerate(sub, start=11):
            if text:
                ws.write(header_row + 1, j, text)
        total_row = header_row + 3
        ws.write_row(total_row, 0, total_label)
        for j, (_, f) in enumerate(columns, start=11):
            if f and not f.startswith("%"):
                ws.write(total_row, j, spec.total_overrides.get((sheet, f), totals[f]))
        row = total_row + 2
        for wr in spec.rows:
            ws.write_datetime(row, 0, dt.datetime.combine(spec.month, dt.time()), month_fmt)
            ws.write_row(row, 1, _geo_cells(wr.geo))
            counts = wr.counts
            for j, (_, f) in enumerate(columns, start=11):
                if not f:
                    continue
                if f.startswith("%"):          # a rounded percentage, as published
                    part, whole = f[1:].split("/")
                    if counts[whole]:
                        ws.write(row, j, round(counts[part] / counts[whole], 3))
                    continue
                value = spec.overrides.get((sheet, wr.geo.practice, f), counts[f])
                ws.write(row, j, value)
            row += 1
        ws.write(row + 1, 0, "Notes:")
        ws.write(row + 1, 1, "  1   Data for months October 24 - September 2025 is available")
        ws.write(row + 2, 1, "  2   Voicemails are included in the missed calls")
        ws.write(row + 4, 0, "Copyright © 2026 NHS England")

    write_table(
        "Table 3", 0, {13: "Count of Inbound Call Outcome"},
        [("Count of Inbound calls", "inbound"), ("", None), ("Answered", "answered"),
         ("", "%answered/inbound"), (spec.ivr_header, "ivr"), ("", "%ivr/inbound"),
         ("Call back requested", "callback_requested"), ("", "%callback_requested/inbound"), ("", None),
         (spec.missed_header, "missed"), ("", "%missed/inbound"), ("", None),
         ("Call back made", "callback_made"), ("", "%callback_made/callback_requested")],
        ["Total", "", "Total", "%", "Total", "%", "Total", "%", "", "Total", "%", "", "Total", "% of requested"],
        ["Total"],
    )
    t4_cols = [("Total Inbound calls", "inbound"), ("Answered  [4]", "answered"), ("", "%answered/inbound"),
               ("", None)]
    for i, label in enumerate(BAND_LABELS):
        t4_cols += [(label, f"answered_wait_{i}"), ("", f"%answered_wait_{i}/answered")]
    t4_cols.append(("", None))
    for i, label in enumerate(BAND_LABELS):
        t4_cols += [(label, f"answered_duration_{i}"), ("", f"%answered_duration_{i}/answered")]
    write_table(
        "Table 4", spec.table4_blank_rows, {15: "Answered Calls - Wait time [4]", 24: "Answered Calls - Duration "},
        t4_cols, ["Count", "Count", "%", ""] + ["Count", "%"] * 4 + [""] + ["Count", "%"] * 4,
        ["Total", "National"],
    )
    t5_cols = [("Total Inbound calls", "inbound"), (spec.missed_header, "missed"), ("", "%missed/inbound"),
               ("", None)]
    for i, label in enumerate(BAND_LABELS):
        t5_cols += [(label, f"missed_wait_{i}"), ("", f"%missed_wait_{i}/missed")]
    write_table(
        "Table 5", 0, {15: "Missed Calls - Wait time [4]"},
        t5_cols, ["Count", "Count", "%", ""] + ["Count", "%"] * 4,
        ["Total", "National"],
    )
    wb.close()
    return path


def summary_excel_row(spec: WorkbookSpec, sheet: str, practice: str) -> int:
    """The 1-based row number Excel shows for a practice's row in one of Tables 3-5."""
    first = spec.table4_blank_rows if sheet == "Table 4" else 0
    index = next(i for i, r in enumerate(spec.rows) if r.geo.practice == practice)
    # first: 'Return to Contents'; +5 header; +8 Total; +10 first practice row (0-based)
    return first + 10 + index + 1
