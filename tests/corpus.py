"""The bad-file corpus: every kind of file a tired practice manager can upload, generated here
(nothing binary is committed), each with what the app must say about it.

A case is a file name, a function making its bytes, the status the store must give it and the
words its message must hold (the file, the row or column, what was expected). Tests run the
corpus through the store (tests/test_bad_files.py), the command line and the Data page.

Every case's content is distinct, so loading the whole corpus into one database (as the CLI and
UI tests do) gives each file the status it gets on its own. Some cases need the limits lowered
(no test writes gigabytes): CORPUS_LIMITS holds the lowered values, applied to every run in
this process; cases marked `needs_limits` are left out of runs in a subprocess.
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable
from unittest import mock

import xlsxwriter

from telephony import limits
from tests import conftest
from tests.conftest import (
    ANSWERED_HEADER, ASPLANDS, DAY_TIME_HEADER, DURATIONS_HEADER, FISHERMEAD, KING_ST, MAP_HEADER, NORTH,
    PRACPOP_HEADER, WALNUT, Geo, WbRow, WorkbookSpec, answered_row, csv_bytes, day_time_row, durations_row, map_row,
    pracpop_row, write_summary_workbook,
)

import datetime as dt

JAN = dt.date(2026, 1, 1)
DEC = dt.date(2025, 12, 1)

# Limits lowered for the corpus (module attributes of telephony.limits).
CORPUS_LIMITS = {
    "MAX_FILE_BYTES": 512 * limits.KB,
    "MAX_MEMBER_BYTES": 256 * limits.KB,
    "MAX_ZIP_BYTES": 384 * limits.KB,
    "MAX_ZIP_MEMBERS": 40,
}

NOTHING_KEPT = "Nothing from this file was loaded"


@dataclass(frozen=True)
class Case:
    id: str
    name: str                                  # the file's name, as uploaded
    make: Callable[[Path], bytes]              # its bytes (the folder is for scratch files)
    status: str                                # loaded | failed | duplicate
    says: tuple[str, ...] = ()                 # words the message (or, if loaded, a note or overlap) holds
    rejects: tuple[tuple[str, int, str, str], ...] = ()   # (location, row, column, words in the reason)
    rows: tuple[int, int, int] | None = None   # (read, loaded, rejected), when loaded
    before: tuple[tuple[str, Callable[[Path], bytes]], ...] = ()   # files loaded first
    check: Callable | None = None              # check(store) of what was loaded
    needs_limits: bool = False                 # only meaningful with CORPUS_LIMITS applied

    def write(self, folder: Path) -> list[Path]:
        """The case's files (those loaded before it, then its own) written into `folder`."""
        paths = []
        for name, make in (*self.before, (self.name, self.make)):
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(make(folder))
            paths.append(path)
        return paths


# --------------------------------------------------------------------------- builders

def dt_good(v: int, geo: Geo = ASPLANDS) -> list[list[str]]:
    """Two good By Day and Time rows (lines 2 and 3 once written), values v and v + 1."""
    return [day_time_row(geo, "2026-01-05", "CBT001", "08:00 - 09:59", f"{v}.0"),
            day_time_row(geo, "2026-01-06", "CBT001", "10:00 - 11:59", f"{v + 1}.0")]


def dt_with_bad(v: int, bad: list[str], **options) -> Callable[[Path], bytes]:
    """Good row (line 2), the bad row (line 3), good row (line 4)."""
    first, last = dt_good(v)
    return lambda tmp: csv_bytes(DAY_TIME_HEADER, [first, bad, last], **options)


def dt_csv(v: int, **options) -> Callable[[Path], bytes]:
    return lambda tmp: csv_bytes(DAY_TIME_HEADER, dt_good(v), **options)


def zip_bytes(members: dict[str, bytes], *, encrypted: set[str] = frozenset(),
              stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 31, 12, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            if name.endswith("/"):
                zf.writestr(info, b"")
                continue
            zf.writestr(info, data)
    out = bytearray(buf.getvalue())
    for name in encrypted:   # set the "encrypted" flag, as a password-protected zip has it
        encoded = name.encode()
        local = out.find(b"PK\x03\x04")
        while out[local + 30: local + 30 + len(encoded)] != encoded:
            local = out.find(b"PK\x03\x04", local + 4)
        out[local + 6] |= 0x1
        central = out.find(b"PK\x01\x02")
        while out[central + 46: central + 46 + len(encoded)] != encoded:
            central = out.find(b"PK\x01\x02", central + 4)
        out[central + 8] |= 0x1
    return bytes(out)


def varied_rows(n: int, start: int = 0) -> list[list[str]]:
    """n distinct, valid By Day and Time rows (each practice gets every day, band and indicator)."""
    bands = conftest.TIME_BANDS
    out = []
    rng = random.Random(n + start)
    for i in range(start, start + n):
        practice, rest = divmod(i, 31 * 9 * 7)
        day, rest = divmod(rest, 9 * 7)
        band, ind = divmod(rest, 7)
        geo = replace(ASPLANDS, practice=f"Z{practice:05d}")
        out.append(day_time_row(geo, f"2026-01-{day + 1:02d}", f"CBT00{ind + 1}", bands[band],
                                f"{rng.randint(0, 999)}.0"))
    return out


def workbook_bytes(tmp: Path, label: str, rows: list[WbRow] | None = None, *, rename: dict | None = None,
                   extra: tuple[str, ...] = (), geo_headers: list[str] | None = None,
                   overrides: dict | None = None) -> bytes:
    """A Publication Summary workbook (tests.conftest layout), optionally with sheets renamed
    (a missing sheet), extra sheets, or other geography headers."""
    rows = rows or [WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (300, 100, 120, 80), (100, 200, 250, 50),
                          (50, 20, 20, 10))]
    spec = WorkbookSpec(JAN, rows, overrides=overrides or {})
    path = tmp / f"_source_{label}.xlsx"
    add, close = xlsxwriter.Workbook.add_worksheet, xlsxwriter.Workbook.close

    def add_renamed(self, name=None, *args, **kwargs):
        return add(self, (rename or {}).get(name, name), *args, **kwargs)

    def close_with_extra(self):
        for sheet in extra:
            add(self, sheet).write(0, 0, "Not part of the publication")
        return close(self)

    with mock.patch.object(xlsxwriter.Workbook, "add_worksheet", add_renamed), \
            mock.patch.object(xlsxwriter.Workbook, "close", close_with_extra), \
            mock.patch.object(conftest, "_GEO_HEADERS", geo_headers or conftest._GEO_HEADERS):
        write_summary_workbook(path, spec)
    return path.read_bytes()


def password_workbook(tmp: Path) -> bytes:
    """What Excel writes for a workbook with a password to open: an OLE compound file (the
    encrypted package inside), not a zip."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = (0x3E).to_bytes(2, "little")
    header[26:28] = (0x03).to_bytes(2, "little")
    header[28:30] = (0xFFFE).to_bytes(2, "little")
    body = "EncryptionInfo\x00EncryptedPackage".encode("utf-16-le") + random.Random(3).randbytes(3000)
    return bytes(header) + body


def truncated_zip(tmp: Path) -> bytes:
    whole = zip_bytes({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, varied_rows(300)),
                       "cbt_Y63.csv": csv_bytes(DAY_TIME_HEADER, varied_rows(300, 300))})
    return whole[: len(whole) // 2]


def bomb_zip(tmp: Path) -> bytes:
    """A CSV that is one row repeated: it compresses about a thousand times."""
    row = ",".join(day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "1.0")) + "\n"
    data = (",".join(DAY_TIME_HEADER) + "\n" + row * 60_000).encode()
    return zip_bytes({"bomb_Y61.csv": data})


def names_csv(encoding: str) -> Callable[[Path], bytes]:
    body = [map_row(ASPLANDS, practice_name="CAF\u00c9 SURGERY", pcn_name="ST MARY\u2019S PCN"),
            map_row(KING_ST)]
    return lambda tmp: csv_bytes(MAP_HEADER, body, encoding=encoding, newline="\r\n")


def epcn_short_rows(tmp: Path) -> bytes:
    wb = xlsxwriter.Workbook(str(tmp / "_source_epcn_short.xlsx"))
    ws = wb.add_worksheet("PCN Core Partner Details")
    ws.write_row(0, 0, ["PCN Code", "PCN Name", "Partner\nOrganisation\nCode", "Partner\nName",
                        "Practice to PCN\nRelationship\nStart Date", "Practice to PCN\nRelationship\nEnd Date"])
    ws.write_row(1, 0, ["U49574", "ASCENT PCN", "E81050"])          # a row cut short: no name, no dates
    ws.write_row(2, 0, ["U74819"])                                   # no practice at all
    wb.close()
    return (tmp / "_source_epcn_short.xlsx").read_bytes()


# --------------------------------------------------------------------------- checks of what loaded

def band_values(store) -> list[tuple]:
    return sorted(store.con.execute(
        """SELECT b.date::VARCHAR, u.practice_code, b.indicator, b.band, b.value
           FROM calls_by_band b JOIN units u USING (unit_id) WHERE b.date >= DATE '2026-01-01'""").fetchall())


def expect_bands(*facts: tuple) -> Callable:
    def check(store):
        assert band_values(store) == sorted(facts), band_values(store)
    return check


def expect_names(*names: tuple) -> Callable:
    def check(store):
        got = set(store.con.execute("SELECT level, code, name FROM org_names").fetchall())
        assert set(names) <= got, got
    return check


def expect_workbook_inbound(expected: dict) -> Callable:
    def check(store):
        got = dict(store.con.execute(
            "SELECT u.practice_code, w.inbound FROM workbook_month w JOIN units u USING (unit_id)").fetchall())
        assert got == expected, got
    return check


def ASP(day: int, band: int, value: int, ind: int = 1) -> tuple:
    return (f"2026-01-{day:02d}", "E81050", ind, band, value)


# --------------------------------------------------------------------------- the corpus

def _header_shuffled(tmp: Path) -> bytes:
    order = [8, 6, 7, 5, 4, 3, 2, 1, 0]            # Value first, Date last
    header = [" value ", "INDICATOR", "Time Category", "practice_code", "PCN_Code", "Sub_ICB_Location_Code",
              "icb_code", "Region_Code", "DATE"]
    return csv_bytes(header, [[r[i] for i in order] for r in dt_good(40)])


def _big_csv(tmp: Path) -> bytes:
    return csv_bytes(DAY_TIME_HEADER, varied_rows(6_500))


def _lying_extension(tmp: Path) -> bytes:
    return workbook_bytes(tmp, "named_csv",
                          [WbRow(WALNUT, 700, 400, 150, 50, 100, 40, (100, 100, 100, 100), (100, 100, 100, 100),
                                 (25, 25, 25, 25))])


CASES: list[Case] = [
    # ---- empty, header only, wrong or shuffled headers
    Case("empty-file", "empty.csv", lambda tmp: b"", "failed", ("'empty.csv'", "is empty (0 bytes)", "Expected")),
    Case("header-only", "header_only.csv", lambda tmp: csv_bytes(DAY_TIME_HEADER, []), "failed",
         ("'header_only.csv'", "has a header but no data rows")),
    Case("blank-lines-only", "blank_lines.csv", lambda tmp: b"\r\n\r\n\r\n", "failed",
         ("'blank_lines.csv'", "holds only blank lines", "Expected")),
    Case("blank-first-line", "blank_first_line.csv",
         lambda tmp: b"\n" + csv_bytes(DAY_TIME_HEADER, dt_good(20)), "failed",
         ("'blank_first_line.csv'", "line 1 is empty where the header should be")),
    Case("wrong-headers", "wrong_headers.csv",
         lambda tmp: b"Datum;Region;Praxis;Anrufe\n2026-01-05;Y61;E81050;12\n", "failed",
         ("'wrong_headers.csv'", "matches none of the published CSV layouts", "Expected",
          "Date,REGION_CODE,ICB_CODE", "found 'Datum;Region;Praxis;Anrufe'")),
    Case("missing-column", "no_value_column.csv",
         lambda tmp: csv_bytes(DAY_TIME_HEADER[:-1], [r[:-1] for r in dt_good(30)]), "failed",
         ("'no_value_column.csv'", "looks like a By Day and Time CSV", "has no 'Value' column",
          "Expected the columns Date, REGION_CODE")),
    Case("shuffled-headers", "shuffled_headers.csv", _header_shuffled, "loaded", rows=(2, 2, 0),
         check=expect_bands(ASP(5, 2, 40), ASP(6, 3, 41))),
    # ---- encodings, delimiters, line ends
    Case("utf8-bom", "utf8_bom.csv", dt_csv(50, bom=True), "loaded", rows=(2, 2, 0),
         check=expect_bands(ASP(5, 2, 50), ASP(6, 3, 51))),
    Case("cp1252", "windows_names.csv", names_csv("cp1252"), "loaded", rows=(2, 2, 0),
         check=expect_names(("practice", "E81050", "CAF\u00c9 SURGERY"), ("pcn", "U49574", "ST MARY\u2019S PCN"))),
    Case("utf8-bom-names", "bom_names.csv",
         lambda tmp: csv_bytes(MAP_HEADER, [map_row(WALNUT, practice_name="\u00c5SE SURGERY")], bom=True),
         "loaded", rows=(1, 1, 0), check=expect_names(("practice", "K82615", "\u00c5SE SURGERY"))),
    Case("semicolons", "semicolons.csv", dt_csv(60, delimiter=";"), "loaded", rows=(2, 2, 0),
         check=expect_bands(ASP(5, 2, 60), ASP(6, 3, 61))),
    Case("crlf", "crlf.csv", dt_with_bad(70, day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "n/a"),
                                         newline="\r\n"), "loaded", rows=(3, 2, 1),
         rejects=(("crlf.csv", 3, "Value", "'n/a' is not a number"),),
         check=expect_bands(ASP(5, 2, 70), ASP(6, 3, 71))),
    Case("excel-export", "excel_export.csv", dt_csv(80, bom=True, newline="\r\n", delimiter=";", quote_all=True),
         "loaded", rows=(2, 2, 0), check=expect_bands(ASP(5, 2, 80), ASP(6, 3, 81))),
    Case("utf-16", "utf16.csv", lambda tmp: ",".join(DAY_TIME_HEADER).encode("utf-16"),
         "failed", ("'utf16.csv'", "UTF-16", "save it as CSV (UTF-8)")),
    # ---- bad counts, dates, indicators, duplicates: the row is rejected, the rest load
    Case("negative-count", "negative.csv",
         dt_with_bad(100, day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "-3.0")), "loaded",
         rows=(3, 2, 1), rejects=(("negative.csv", 3, "Value", "negative"),),
         check=expect_bands(ASP(5, 2, 100), ASP(6, 3, 101))),
    Case("fractional-count", "fractional.csv",
         dt_with_bad(110, day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "2.5")), "loaded",
         rows=(3, 2, 1), rejects=(("fractional.csv", 3, "Value", "not a whole number"),)),
    Case("non-numeric-count", "non_numeric.csv",
         dt_with_bad(120, day_time_row(ASPLANDS, "2026-01-07", "CBT001", "08:00 - 09:59", "twelve")), "loaded",
         rows=(3, 2, 1), rejects=(("non_numeric.csv", 3, "Value", "'twelve' is not a number"),)),
    Case("date-outside-month", "date_outside.csv",
         dt_with_bad(130, day_time_row(ASPLANDS, "2025-12-31", "CBT001", "08:00 - 09:59", "3.0")), "loaded",
         rows=(3, 2, 1), rejects=(("date_outside.csv", 3, "Date", "outside the file's month (January 2026)"),)),
    Case("unknown-indicator", "unknown_indicator.csv",
         dt_with_bad(140, day_time_row(ASPLANDS, "2026-01-07", "CBT009", "08:00 - 09:59", "3.0")), "loaded",
         rows=(3, 2, 1), rejects=(("unknown_indicator.csv", 3, "Indicator", "'CBT009' is not one of CBT001-CBT007"),)),
    Case("duplicate-rows", "duplicate_rows.csv",
         dt_with_bad(150, day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "150.0")), "loaded",
         rows=(3, 2, 1), rejects=(("duplicate_rows.csv", 3, "Indicator", "repeats row 2"),),
         check=expect_bands(ASP(5, 2, 150), ASP(6, 3, 151))),
    Case("unknown-bucket", "unknown_bucket.csv",
         lambda tmp: csv_bytes(DURATIONS_HEADER, [
             durations_row(ASPLANDS, "2026-01-05", "CBT007", "1_60", "5.0"),
             durations_row(ASPLANDS, "2026-01-05", "CBT007", "about a minute", "3.0")]), "loaded",
         rows=(2, 1, 1), rejects=(("unknown_bucket.csv", 3, "Duration", "not a seconds bucket"),)),
    Case("no-loadable-row", "all_bad.csv",
         lambda tmp: csv_bytes(ANSWERED_HEADER, [answered_row(ASPLANDS, "2026-01-05", "1_60", "x"),
                                                 answered_row(ASPLANDS, "2026-01-06", "1_60", "y")]),
         "failed", ("'all_bad.csv'", "has no row that can be loaded", "'x' is not a number")),
    Case("list-size-bad-count", "list_sizes.csv",
         lambda tmp: csv_bytes(PRACPOP_HEADER, [pracpop_row("E81050", "2026-01-01", 9000),
                                                pracpop_row("K82064", "2026-01-01", "lots")]),
         "loaded", rows=(2, 1, 1), rejects=(("list_sizes.csv", 3, "NUMBER_OF_PATIENTS", "whole number"),)),
    Case("list-size-no-date-column", "list_sizes_no_date.csv",
         lambda tmp: csv_bytes([h for h in PRACPOP_HEADER if h != "EXTRACT_DATE"],
                               [[c for j, c in enumerate(pracpop_row("E81050", "2026-01-01", 9100)) if j != 1]]),
         "failed", ("'list_sizes_no_date.csv'", "no EXTRACT_DATE column")),
    Case("workbook-bad-counts", "summary_bad_cells.xlsx",
         lambda tmp: workbook_bytes(tmp, "bad_cells", [
             WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48), WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0)],
             overrides={("Table 3", "K82064", "answered"): -5, ("Table 4", "E81050", "answered_wait_1"): 2.5,
                        ("Table 5", "K82064", "missed_wait_0"): "lots"}),
         "loaded", rows=(6, 3, 3),
         rejects=(("Table 3", 12, "Answered", "negative"), ("Table 4", 15, "1 - 2 minutes", "whole number"),
                  ("Table 5", 12, "Less than 1 minute", "'lots' is not a number"))),
    # ---- the same month twice, the same file twice
    Case("same-month-two-files", "by_day_time_jan_v2.csv", dt_csv(200), "loaded",
         ("'by_day_time_jan_v1.csv'", "January 2026", "later file wins"), rows=(2, 2, 0),
         before=(("by_day_time_jan_v1.csv", dt_csv(190)),), check=expect_bands(ASP(5, 2, 200), ASP(6, 3, 201))),
    Case("same-file-twice", "copy of original.csv", dt_csv(210), "duplicate",
         ("already loaded", "'original.csv'", "nothing changed"), before=(("original.csv", dt_csv(210)),)),
    # ---- zips
    Case("truncated-zip", "truncated.zip", truncated_zip, "failed",
         ("'truncated.zip'", "looks like a zip file but is damaged or truncated", "download it again")),
    Case("empty-zip", "empty.zip", lambda tmp: zip_bytes({}), "failed", ("'empty.zip'", "empty zip")),
    Case("zip-with-other-files", "with_extras.zip",
         lambda tmp: zip_bytes({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, dt_good(220)),
                                "readme.pdf": b"%PDF-1.4 notes", "logo.png": b"\x89PNG\r\n\x1a\n....",
                                "__MACOSX/._cbt_Y61.csv": b"\x00\x05\x16\x07"}), "loaded",
         ("readme.pdf (not a CSV) was not read", "logo.png (not a CSV)"), rows=(2, 2, 0),
         check=expect_bands(ASP(5, 2, 220), ASP(6, 3, 221))),
    Case("zip-without-csv", "pictures.zip",
         lambda tmp: zip_bytes({"photo.jpg": b"\xff\xd8\xff\xe0", "notes.docx": b"PK\x03\x04"}), "failed",
         ("'pictures.zip'", "no CSV files that can be read", "photo.jpg (not a CSV)", "Expected")),
    Case("zip-nested-folders", "folders.zip",
         lambda tmp: zip_bytes({
             "January 2026/": b"", "January 2026/East/": b"",
             "January 2026/East/cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, [
                 *dt_good(230), day_time_row(ASPLANDS, "2026-01-08", "CBT001", "08:00 - 09:59", "-1.0")]),
             "January 2026/North/cbt_Y63.csv": csv_bytes(DAY_TIME_HEADER, dt_good(5, NORTH))}), "loaded",
         rows=(5, 4, 1), rejects=(("January 2026/East/cbt_Y61.csv", 4, "Value", "negative"),)),
    Case("zip-inside-zip", "zip_in_zip.zip",
         lambda tmp: zip_bytes({"inner.zip": zip_bytes({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, dt_good(240))})}),
         "failed", ("'zip_in_zip.zip'", "inner.zip (a zip inside the zip: unzip it")),
    Case("zip-path-traversal", "traversal.zip",
         lambda tmp: zip_bytes({"../../../../tmp/cbt_evil_Y61.csv": csv_bytes(DAY_TIME_HEADER, dt_good(250))}),
         "loaded", rows=(2, 2, 0), check=expect_bands(ASP(5, 2, 250), ASP(6, 3, 251))),
    Case("zip-password", "locked.zip",
         lambda tmp: zip_bytes({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, dt_good(260))}, encrypted={"cbt_Y61.csv"}),
         "failed", ("'locked.zip'", "'cbt_Y61.csv', which is password-protected")),
    Case("decompression-bomb-ratio", "bomb.zip", bomb_zip, "failed",
         ("'bomb.zip'", "'bomb_Y61.csv', which would expand to", "times its compressed size",
          f"more than {limits.MAX_RATIO} times", "Not expanded")),
    Case("decompression-past-member-limit", "too_big_member.zip",
         lambda tmp: zip_bytes({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, varied_rows(4_200))}), "failed",
         ("'too_big_member.zip'", "'cbt_Y61.csv', which would expand to", "256 KB per CSV", "Not expanded"),
         needs_limits=True),
    Case("decompression-past-zip-limit", "too_big_zip.zip",
         lambda tmp: zip_bytes({"cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, varied_rows(3_000)),
                                "cbt_Y62.csv": csv_bytes(DAY_TIME_HEADER, varied_rows(3_000, 3_000))}), "failed",
         ("'too_big_zip.zip'", "in all so far", "at most 384 KB in all"), needs_limits=True),
    Case("zip-too-many-members", "many.zip",
         lambda tmp: zip_bytes({f"cbt_{i:03d}.csv": csv_bytes(DAY_TIME_HEADER, dt_good(300 + i)) for i in range(50)}),
         "failed", ("'many.zip'", "a zip of 50 files; at most 40 are read"), needs_limits=True),
    # ---- workbooks
    Case("workbook-extra-sheets", "summary_extra_sheets.xlsx",
         lambda tmp: workbook_bytes(tmp, "extra", extra=("Table 6", "Chart1", "Notes")), "loaded",
         rows=(3, 3, 0), check=expect_workbook_inbound({"E81050": 1000})),
    Case("workbook-missing-sheet", "summary_no_table5.xlsx",
         lambda tmp: workbook_bytes(tmp, "no5", rename={"Table 5": "Old Table 5"}), "failed",
         ("'summary_no_table5.xlsx'", "no sheet 'Table 5'", "Expected sheets 'Table 3', 'Table 4' and 'Table 5'",
          "Old Table 5")),
    Case("workbook-missing-table4", "summary_no_table4.xlsx",
         lambda tmp: workbook_bytes(tmp, "no4", rename={"Table 4": "Sheet4"}), "failed",
         ("'summary_no_table4.xlsx'", "no sheet 'Table 4'", "its sheets:")),
    Case("workbook-wrong-headers", "summary_wrong_headers.xlsx",
         lambda tmp: workbook_bytes(tmp, "headers", geo_headers=[
             "Month [1]", "GP Practice \n(ODS_CODE)", "GP Name", "Network", "PCN Name [2,3]", "Sub ICB Code [2]",
             "Sub ICB Name", "ICB Code  [2]", "ICB Name", "Region Code  [2]", "Region Name"]), "failed",
         ("'summary_wrong_headers.xlsx'", "sheet 'Table 3' has no column 'PCN Code'", "header row (row 6)",
          "found: Month [1], GP Practice (ODS_CODE), GP Name, Network,")),
    Case("truncated-workbook", "truncated.xlsx", lambda tmp: workbook_bytes(tmp, "cut")[:4000], "failed",
         ("'truncated.xlsx'", "looks like an Excel workbook (.xlsx) but is damaged or truncated",
          "download it again")),
    Case("password-protected-workbook", "protected.xlsx", password_workbook, "failed",
         ("'protected.xlsx'", "password-protected workbook", "remove the password")),
    Case("unrelated-workbook", "budget.xlsx",
         lambda tmp: workbook_bytes(tmp, "budget", rename={f"Table {i}": f"Budget {i}" for i in range(1, 6)}),
         "failed", ("'budget.xlsx'", "neither a Cloud Based Telephony Publication Summary")),
    Case("epcn-short-rows", "ePCN.xlsx", epcn_short_rows, "loaded", rows=(2, 1, 1),
         rejects=(("PCN Core Partner Details", 3, "Partner Organisation Code", "practice or PCN code is empty"),)),
    # ---- contents that do not match the extension
    Case("workbook-named-csv", "summary.csv", _lying_extension, "loaded",
         ("named '.csv' but holds a Publication Summary workbook",), rows=(3, 3, 0),
         check=expect_workbook_inbound({"K82615": 700})),
    Case("csv-named-xlsx", "by_day_time.xlsx", dt_csv(270), "loaded",
         ("named '.xlsx' but holds a By Day and Time CSV",), rows=(2, 2, 0)),
    Case("picture-named-csv", "calls.csv", lambda tmp: b"\x89PNG\r\n\x1a\n" + bytes(200), "failed",
         ("'calls.csv'", "is a PNG image", "Expected")),
    Case("pdf-named-csv", "report.csv", lambda tmp: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "failed",
         ("'report.csv'", "is a PDF document")),
    Case("web-page-named-zip", "download.zip",
         lambda tmp: b"<!DOCTYPE html>\n<html><body>Sign in</body></html>\n", "failed",
         ("'download.zip'", "web page (HTML)", "download may have saved the page")),
    Case("binary-named-xlsx", "random.xlsx", lambda tmp: random.Random(7).randbytes(3000), "failed",
         ("'random.xlsx'", "is not a text file, an Excel workbook or a zip of CSV files")),
    # ---- size
    Case("large-file-within-limit", "big.csv", _big_csv, "loaded", rows=(6_500, 6_500, 0)),
    Case("file-over-size-limit", "huge.csv",
         lambda tmp: csv_bytes(DAY_TIME_HEADER, varied_rows(8_500, 6_500)), "failed",
         ("'huge.csv'", "files of at most 512 KB are read", "Limits"), needs_limits=True),
]

BY_ID = {c.id: c for c in CASES}


def batch(folder: Path, cases: list[Case] | None = None) -> list[tuple[Case | None, Path]]:
    """Every case's files in one folder, in load order: (case or None for a 'before' file, path)."""
    out = []
    for case in cases or CASES:
        paths = case.write(folder)
        out += [(None, p) for p in paths[:-1]] + [(case, paths[-1])]
    return out


def db_state(store, sequences: bool = True) -> dict:
    """Everything a load could change: rows of every table (temporary ones too), the views and
    macros defined, and (unless `sequences` is False) every sequence's position."""
    con = store.con
    state = {}
    for db, schema, name in con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() ORDER BY ALL").fetchall():
        rows = con.execute(f'SELECT * FROM "{db}"."{schema}"."{name}"').fetchall()
        state[f"table {db}.{schema}.{name}"] = sorted(rows, key=repr)
    state["views"] = con.execute(
        "SELECT database_name, schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY ALL"
    ).fetchall()
    if sequences:
        state["sequences"] = con.execute(
            "SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY ALL").fetchall()
    state["macros"] = con.execute(
        "SELECT function_name FROM duckdb_functions() WHERE NOT internal ORDER BY ALL").fetchall()
    return state


def apply_limits(monkeypatch) -> None:
    for name, value in CORPUS_LIMITS.items():
        monkeypatch.setattr(limits, name, value)
