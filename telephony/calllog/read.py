"""Reading a call log (.csv or .xlsx) as text, whatever its layout.

A CSV is read with DuckDB's own reader (positional columns c0, c1, ... all text), an .xlsx with
python-calamine. Either way the rows land in one temporary table `cl_raw` with their row number
as a spreadsheet shows it (header = the row the header is on). The header row is found among
the first rows (exports often start with a title and a date range), the delimiter from it.

The caller's number never reaches a table: when a caller column is mapped, the scan that builds
`cl_raw` replaces it by a salted SHA-256 of the digits (see `caller_key`), used only to count
repeat callers and dropped when loading ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from python_calamine import CalamineWorkbook

from telephony.calllog.fields import (PHONE_RE, SYNONYMS, _WHEN, _synonym_score, header_key,
                                      looks_like_phone_numbers)
from telephony.isolate import run_isolated
from telephony.problems import FileProblem
from telephony.readers.sniff import OLE_MAGIC, ZIP_MAGIC, blank_line_numbers, decode_head, with_utf8

HEADER_SEARCH_ROWS = 30
MAX_DISTINCT = 60          # columns with at most this many different values have their values listed
SAMPLE_VALUES = 5
HIDDEN = "(hidden: phone numbers)"


@dataclass
class Layout:
    """Where the header and data are: enough to read the whole file again the same way."""

    kind: str                       # csv | xlsx
    headers: list[str]              # column labels, unique ('column 4' where a header cell is blank)
    header_row: int                 # 0-based line (CSV) or row (sheet) of the header
    title: list[str] = field(default_factory=list)    # text above the header
    delimiter: str = ","
    encoding: str = "utf-8"
    sheet: str | None = None
    # An .xlsx's rows as read to find the header, kept only until stage_raw uses them (calamine
    # reads the whole sheet either way; this saves reading it twice). Never kept in a session.
    rows: list | None = field(default=None, repr=False, compare=False)

    def position(self, header: str) -> int | None:
        """The column whose header matches `header` (after normalising), or None."""
        key = header_key(header)
        for i, h in enumerate(self.headers):
            if h == header:
                return i
        for i, h in enumerate(self.headers):
            if header_key(h) == key and key:
                return i
        return None

    @property
    def location(self) -> str:
        return f"sheet '{self.sheet}'" if self.sheet else "file"


@dataclass
class Inspection:
    """What the mapping step shows: headers, a few values per column, and every value (with its
    count of calls) of columns with few different values, such as the outcome or the site.
    Columns that look like phone numbers keep no values at all."""

    layout: Layout
    rows: int
    samples: dict[str, list[str]]
    values: dict[str, dict[str, int]]
    distinct: dict[str, int | None]
    phone_like: set[str]


def _labels(cells: list) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(cells):
        text = " ".join(str(c if c is not None else "").split()) or f"column {i + 1}"
        base, n = text, 2
        while text in out:
            text, n = f"{base} ({n})", n + 1
        out.append(text)
    while out and out[-1].startswith("column ") and not str(cells[len(out) - 1] or "").strip():
        out.pop()      # trailing empty header cells
    return out


def _header_score(cells: list) -> int:
    """How many cells of a row look like call-log headers."""
    score = 0
    for c in cells:
        key = header_key(c)
        if not key:
            continue
        if _synonym_score(key, _WHEN)[0] >= 3 or any(_synonym_score(key, s)[0] >= 3 for s in SYNONYMS.values()):
            score += 1
    return score


def _find_header(rows: list[list]) -> int:
    scored = [(i, _header_score(r)) for i, r in enumerate(rows[:HEADER_SEARCH_ROWS])]
    good = [i for i, s in scored if s >= 2]
    if good:
        return good[0]
    filled = [i for i, r in enumerate(rows[:HEADER_SEARCH_ROWS]) if sum(bool(str(c or "").strip()) for c in r) >= 3]
    if filled:
        return filled[0]
    raise FileProblem("has no header row in its first 30 rows (expected column names such as 'Date', 'Time', "
                      "'Status', 'Queue Time')")


def detect_layout(path: Path) -> Layout:
    """Find the header row, the delimiter (CSV) or sheet (xlsx)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head:
        raise FileProblem("is empty (0 bytes)")
    if head.startswith(OLE_MAGIC):
        raise FileProblem("is a password-protected workbook or an old .xls file; remove the password or save it "
                          "as .xlsx and try again")
    if head.startswith(ZIP_MAGIC):
        return _xlsx_layout(path)
    text, encoding = decode_head(head)
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    if not any(line.strip() for line in lines):
        raise FileProblem("is empty")
    rows = []
    for line in lines:
        delimiter = max((",", ";", "\t", "|"), key=line.count)
        rows.append(next(csv.reader([line], delimiter=delimiter), []))
    at = _find_header(rows)
    delimiter = max((",", ";", "\t", "|"), key=lines[at].count)
    headers = _labels(next(csv.reader([lines[at]], delimiter=delimiter)))
    title = [" ".join(c.strip() for c in r if c.strip()) for r in rows[:at]]
    return Layout("csv", headers, at, [t for t in title if t], delimiter, encoding)


def _xlsx_rows(path: Path, sheet: str | None = None) -> tuple[str, list[list]]:
    """The first sheet with data (or `sheet`) as rows of cells. Read in a child process with a
    memory cap (telephony.isolate): a crafted workbook can make the reader abort its process, and
    that must never be the server. No size check first: a year's call log can have far more rows
    than the summary workbooks' limits allow."""
    return run_isolated(_read_xlsx_rows, path, sheet)


def _read_xlsx_rows(path: Path, sheet: str | None) -> tuple[str, list[list]]:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own error types
        raise FileProblem(f"could not be opened as a workbook ({str(exc).splitlines()[0]})") from None
    names = [sheet] if sheet else book.sheet_names
    for name in names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if any(any(str(c).strip() for c in r) for r in rows):
            return name, rows
    raise FileProblem("is a workbook with no data on any sheet")


def _xlsx_layout(path: Path) -> Layout:
    sheet, rows = _xlsx_rows(path)
    at = _find_header(rows)
    title = [" ".join(str(c).strip() for c in r if str(c).strip()) for r in rows[:at]]
    return Layout("xlsx", _labels(rows[at]), at, [t for t in title if t], sheet=sheet, rows=rows)


def _cell_text(v) -> str | None:
    """An xlsx cell as the text a CSV export would hold."""
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    if isinstance(v, dt.timedelta):
        return str(round(v.total_seconds(), 3)).removesuffix(".0")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip() or None


CALLER_KEY = """CASE WHEN length({digits}) >= 6 THEN sha256($salt || {digits}) END"""
_DIGITS = ("regexp_replace(regexp_replace(trim({col}), '^(\\+44|0044)\\s*(\\(0\\))?', '0'), '[^0-9]', '', 'g')")


def caller_key(column: str) -> str:
    """SQL turning a caller-number column into a salted hash (NULL for withheld/anonymous).
    +44 and 0044 become 0, so '+44 7700 900123' and '07700900123' are the same caller."""
    return CALLER_KEY.format(digits=_DIGITS.format(col=column))


def stage_raw(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, caller: int | None = None,
              salt: str = "", temp_dir=None, table: str = "cl_raw") -> tuple[int, int]:
    """Read every data row into temp table `table` (rid, row_number, c0..cN as text). Column
    `caller` (a position) is replaced by its salted hash as it is read. Rows with every cell
    empty are skipped. Returns (rows kept, empty rows skipped)."""
    n = len(layout.headers)
    cols = [caller_key(f"c{i}") + f" AS c{i}" if i == caller else f"nullif(trim(c{i}), '') AS c{i}"
            for i in range(n)]
    not_empty = " OR ".join(f"nullif(trim(c{i}), '') IS NOT NULL" for i in range(n))
    params = {"salt": salt} if caller is not None else {}
    if layout.kind == "csv":
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"

        def read(paths: list[str]) -> None:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {table}_scan AS
                    SELECT * FROM read_csv($path, header = false, skip = $skip, delim = $delim, quote = '"',
                                           escape = '"', encoding = 'utf-8', columns = {columns},
                                           null_padding = true, strict_mode = false, auto_detect = false,
                                           nullstr = '')""",
                {"path": paths[0], "skip": layout.header_row + 1, "delim": layout.delimiter},
            )

        try:
            with_utf8(read, [str(path)], layout.encoding, temp_dir)
        except duckdb.Error as exc:
            raise FileProblem(f"could not be read as CSV: {str(exc).splitlines()[0]}") from None
        # Row number as a spreadsheet shows it: header line + 1 for the first data row. Inside a
        # transaction DuckDB numbers new rows from a large base, so count from the first rowid.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT rowid - b.base AS rid, rowid - b.base + $first AS row_number, {', '.join(cols)}
                FROM {table}_scan, (SELECT min(rowid) AS base FROM {table}_scan) b WHERE {not_empty}""",
            {"first": layout.header_row + 2, **params},
        )
        total = con.execute(f"SELECT count(*) FROM {table}_scan").fetchall()[0][0]
        con.execute(f"DROP TABLE {table}_scan")
    else:
        rows = layout.rows if layout.rows is not None else _xlsx_rows(path, layout.sheet)[1]
        layout.rows = None
        body = rows[layout.header_row + 1:]
        data = {f"c{i}": pa.array([_cell_text(r[i]) if i < len(r) else None for r in body], type=pa.string())
                for i in range(n)}
        data["rn"] = pa.array(range(layout.header_row + 2, layout.header_row + 2 + len(body)), type=pa.int64())
        con.register(f"{table}_arrow", pa.table(data))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT rn - {layout.header_row + 2} AS rid, rn AS row_number, {', '.join(cols)}
                FROM {table}_arrow WHERE {not_empty}""",
            params,
        )
        con.unregister(f"{table}_arrow")
        total = len(body)
        del data, rows, body
    kept = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return kept, total - kept


# A footer's first cell: a total or count, an end-of-report or generated-on line, a page number.
FOOTER = (r"^\s*((grand\s+)?(total|totals|count|summary)\b|(number|no\.?)\s+of\s+(calls|records|rows)\b"
          r"|\d[\d,]*\s+(calls|records|rows|results)\b|(calls|records|rows|results)\s*[:=]"
          r"|end\s+of\s+(the\s+)?(report|export|file|log|data)\b"
          r"|((report|export|file)\s+)?(generated|exported|printed|created|run)\s+(on|at|by)\b"
          r"|page\s+\d+(\s+of\s+\d+)?\s*$)")
# A footer that states the number of calls: '2357 calls', 'Total calls: 2,357', 'Records: 2357'.
_FOOTER_COUNT = re.compile(r"\b(calls?|records?|rows?)\b")
_NUMBER = re.compile(r"\d[\d,]*")


@dataclass
class Footer:
    """A line after the last call that is not a call (a total, a 'generated on' line)."""

    row_number: int
    text: str

    @property
    def calls(self) -> int | None:
        """The number of calls the line states, if it states one ('Total calls: 2357')."""
        numbers = _NUMBER.findall(self.text)
        if len(numbers) != 1 or not _FOOTER_COUNT.search(self.text.lower()):
            return None
        return int(numbers[0].replace(",", ""))


def drop_footer(con: duckdb.DuckDBPyConnection, layout: Layout, table: str) -> list[Footer]:
    """Remove from `table` the lines after the last call that are footers: their first filled
    cell reads like a total, a count, 'end of report' or 'generated on', and at most one other
    cell is not a number. Only a trailing run counts: such a line among calls stays a call (and
    is rejected with a reason if it cannot be one). Returns the footers, in file order."""
    n = len(layout.headers)
    cells = [f"c{i}" for i in range(n)]
    filled = " + ".join(f"({c} IS NOT NULL)::INT" for c in cells)
    numeric = " + ".join(f"coalesce(regexp_full_match({c}, '[0-9.,:%/ ]+'), false)::INT" for c in cells)
    found = con.execute(
        f"""WITH f AS (
                SELECT rid, row_number, concat_ws(' ', {', '.join(cells)}) AS text,
                       coalesce(regexp_matches(lower(coalesce({', '.join(cells)})), $pattern), false)
                       AND ({filled} <= 2 OR {filled} - ({numeric}) <= 1) AS footer
                FROM {table})
            SELECT rid, row_number, text FROM f
            WHERE footer AND rid > (SELECT coalesce(max(rid), -1) FROM f WHERE NOT footer)
            ORDER BY rid""", {"pattern": FOOTER}).fetchall()
    if found:
        con.execute(f"DELETE FROM {table} WHERE rid >= $first", {"first": found[0][0]})
    return [Footer(int(r), str(t)[:200]) for _, r, t in found]


def correct_row_numbers(con: duckdb.DuckDBPyConnection, path: Path, layout: Layout, table: str,
                        lines_read: int) -> None:
    """DuckDB skips blank lines in a CSV, so rows after one are numbered too low; shift the
    numbers in `table` (which has a row_number column) by the blank lines before them."""
    if layout.kind != "csv":
        return
    blanks = [b for b in blank_line_numbers(path, layout.header_row + 1 + lines_read) if b > layout.header_row + 1]
    if not blanks:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE cl_blank_shift (threshold BIGINT)")
    con.executemany("INSERT INTO cl_blank_shift VALUES (?)", [(b - i,) for i, b in enumerate(blanks)])
    con.execute(f"""UPDATE {table} SET row_number = row_number +
                    (SELECT count(*) FROM cl_blank_shift WHERE {table}.row_number >= threshold)""")
    con.execute("DROP TABLE cl_blank_shift")


def _may_hold_numbers(header: str, values: list[str]) -> bool:
    """Hide a column's values if it is named like a caller column or if even a fifth of its
    values look like phone numbers: better to hide a column too many than show one number."""
    if _synonym_score(header_key(header), SYNONYMS["caller"])[0] >= 2:
        return True
    vals = [v for v in values if v and v.strip()]
    return bool(vals) and (looks_like_phone_numbers(vals)
                           or sum(bool(PHONE_RE.match(v)) for v in vals) >= 0.2 * len(vals))


def inspect_file(path: Path, temp_dir=None) -> Inspection:
    """Headers, sample values and value counts, for the mapping step. Reads the whole file once
    into a throwaway in-memory database."""
    path = Path(path)
    layout = detect_layout(path)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        rows, _ = stage_raw(con, path, layout, temp_dir=temp_dir, table="insp")
        rows -= len(drop_footer(con, layout, "insp"))
        if rows == 0:
            raise FileProblem("has a header but no rows of calls")
        samples: dict[str, list[str]] = {}
        values: dict[str, dict[str, int]] = {}
        distinct: dict[str, int | None] = {}
        phone_like: set[str] = set()
        for i, header in enumerate(layout.headers):
            col = f"c{i}"
            found = [r[0] for r in con.execute(
                f"SELECT {col} FROM insp WHERE {col} IS NOT NULL LIMIT 200").fetchall()]
            if _may_hold_numbers(header, found):
                phone_like.add(header)
                samples[header] = [HIDDEN] if found else []
                distinct[header] = None
                continue
            seen: list[str] = []
            for v in found:
                if v not in seen:
                    seen.append(v)
                if len(seen) == SAMPLE_VALUES:
                    break
            samples[header] = seen
            counts = con.execute(
                f"""SELECT coalesce({col}, ''), count(*) FROM insp GROUP BY ALL ORDER BY count(*) DESC, 1
                    LIMIT {MAX_DISTINCT + 1}""").fetchall()
            if len(counts) <= MAX_DISTINCT:
                values[header] = {v: int(c) for v, c in counts}
                distinct[header] = len(counts)
            else:
                distinct[header] = None
        layout.rows = None
        return Inspection(layout, int(rows), samples, values, distinct, phone_like)
    finally:
        con.close()
