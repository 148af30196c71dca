"""The three practice-level CSV families (By Day and Time, By Durations, Calls Answered Metric).

Read with DuckDB's own CSV reader (no pandas on this path: a national month is ~3.8 million
rows). Each CSV is staged once into a typed temporary table where every row carries either its
parsed values or the reason it cannot be loaded; the store then moves good rows into the fact
tables and bad rows into `rejects`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from telephony.formats import time_band_lookup
from telephony.problems import FileProblem
from telephony.readers.sniff import CsvShape, blank_line_numbers, with_utf8

# Canonical columns each family needs, besides the five geography codes.
FAMILY_COLUMNS = {
    "by_day_time": ("date", "indicator", "time_category", "value"),
    "by_durations": ("date", "indicator", "duration", "value"),
    "answered_metric": ("date", "indicator", "wait_time", "value"),
}
GEO_COLUMNS = ("region_code", "icb_code", "sub_icb_location_code", "pcn_code", "practice_code")
OPTIONAL_COLUMNS = {"answered_metric": ("core_category",)}
BUCKET_FAMILY = {"by_durations": "durations", "answered_metric": "answered_wait"}

_DATE_FORMATS = "['%Y-%m-%d', '%d/%m/%Y', '%Y-%m-%d %H:%M:%S', '%Y/%m/%d']"


@dataclass
class Staged:
    table: str          # temporary table holding every row of the CSV with `problem` set or not
    rows_read: int
    month: object       # datetime.date of the file's month (the month most rows fall in)


def _select_list(shape: CsvShape, family: str) -> str:
    """Columns of the positional read (c0, c1, ...) renamed to canonical names.

    Only column positions found by the header sniffer reach this SQL; no text from the file does.
    """
    wanted = GEO_COLUMNS + FAMILY_COLUMNS[family] + OPTIONAL_COLUMNS.get(family, ())
    parts = []
    for name in wanted:
        pos = shape.columns.get(name)
        if pos is None:
            if name in OPTIONAL_COLUMNS.get(family, ()):
                parts.append(f"NULL::VARCHAR AS {name}")
                continue
            raise FileProblem(f"the header has no '{name}' column (found: {', '.join(shape.header)})")
        parts.append(f"trim(c{pos}) AS {name}")
    return ", ".join(parts)


def _ensure_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Lookup table and macros, created once per connection."""
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'time_band_lookup' "
                   "AND temporary").fetchall()[0][0]:
        return
    con.execute("CREATE TEMP TABLE time_band_lookup (text VARCHAR PRIMARY KEY, band UTINYINT)")
    con.executemany("INSERT INTO time_band_lookup VALUES (?, ?)", time_band_lookup())
    con.execute(NORMALISE_BAND_MACRO)
    con.execute(BUCKET_MACRO)


def stage(con: duckdb.DuckDBPyConnection, members: dict[str, str], shape: CsvShape, family: str,
          table: str, temp_dir=None) -> Staged:
    """Read CSVs of one layout (`members`: file path -> name to report it by, e.g. the zip member)
    in one scan into temp table `table` (a name made by the store, never from user input)."""
    _ensure_lookups(con)
    select = _select_list(shape, family)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(shape.header))) + "}"
    read = (
        "read_csv($paths, header = false, skip = $skip, delim = $delim, quote = '\"', escape = '\"', "
        f"encoding = 'utf-8', columns = {columns}, null_padding = true, strict_mode = false, "
        "auto_detect = false, nullstr = '', filename = true)"
    )
    sources = list(members)

    def read_raw(paths: list[str]) -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_raw AS SELECT filename AS member_path, {select} "
                    f"FROM {read}", {"paths": paths, "skip": shape.skip, "delim": shape.delimiter})
        # Row numbers are counted per member, as a spreadsheet shows them (header = row 1).
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_files (member_path VARCHAR, member VARCHAR, "
                    "source VARCHAR, first_rid BIGINT)")
        con.executemany(f"INSERT INTO {table}_files VALUES (?, ?, ?, NULL)",
                        [(read_path, members[src], src) for read_path, src in zip(paths, sources)])

    try:
        with_utf8(read_raw, sources, shape.encoding, temp_dir)
    except duckdb.Error as exc:
        raise FileProblem(f"could not be read as CSV: {str(exc).splitlines()[0]}") from exc
    con.execute(f"""UPDATE {table}_files f SET first_rid = r.first_rid
                    FROM (SELECT member_path, min(rowid) AS first_rid FROM {table}_raw GROUP BY ALL) r
                    WHERE f.member_path = r.member_path""")

    # Low-cardinality columns are parsed once per distinct value, then joined back: a national
    # month has ~3.8 million rows but ~31 dates, 7 indicators and 9 time bands.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_days AS "
        f"SELECT date, try_strptime(date, {_DATE_FORMATS})::DATE AS day "
        f"FROM (SELECT DISTINCT date FROM {table}_raw)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table}_inds AS "
        "SELECT indicator, CASE WHEN regexp_full_match(upper(indicator), 'CBT00[1-7]') "
        "THEN right(indicator, 1)::UTINYINT END AS ind "
        f"FROM (SELECT DISTINCT indicator FROM {table}_raw)"
    )
    if family == "by_day_time":
        token_col, label, detail_cols = "time_category", "Time_Category", "x.band"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_detail AS "
            "SELECT d.token, tb.band, CASE WHEN tb.band IS NULL THEN 'Time_Category ''' || "
            "coalesce(d.token, '') || ''' is not one of the nine published time bands "
            "(e.g. 08:00 - 09:59)' END AS problem "
            f"FROM (SELECT DISTINCT time_category AS token FROM {table}_raw) d "
            "LEFT JOIN time_band_lookup tb ON tb.text = normalise_band(d.token)"
        )
    else:
        token_col = "duration" if family == "by_durations" else "wait_time"
        label = "Duration" if family == "by_durations" else "Wait_Time"
        core = "r.core_category" if family == "answered_metric" else "NULL::VARCHAR"
        detail_cols = f"x.bucket, x.lo, x.hi, x.wait_band, {core} AS core"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_detail AS "
            f"SELECT d.token, b.* FROM (SELECT DISTINCT {token_col} AS token FROM {table}_raw) d, "
            "LATERAL (SELECT * FROM parse_bucket(d.token)) b"
        )

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH typed AS (
            SELECT r.rowid AS rid, r.rowid - f.first_rid + 1 + $skip AS row_number, f.member, f.source,
                   r.* EXCLUDE (member_path), dd.day, ii.ind,
                   try_cast(replace(r.value, ',', '') AS DOUBLE) AS num,
                   {detail_cols}, x.problem AS detail_problem
            FROM {table}_raw r
            JOIN {table}_files f ON f.member_path = r.member_path
            LEFT JOIN {table}_days dd ON dd.date IS NOT DISTINCT FROM r.date
            LEFT JOIN {table}_inds ii ON ii.indicator IS NOT DISTINCT FROM r.indicator
            LEFT JOIN {table}_detail x ON x.token IS NOT DISTINCT FROM r.{token_col}
        )
        SELECT *,
            CASE
                WHEN coalesce(practice_code, '') = '' THEN 'PRACTICE_CODE is empty'
                WHEN coalesce(pcn_code, '') = '' THEN 'PCN_CODE is empty'
                WHEN day IS NULL THEN 'Date ''' || coalesce(date, '') || ''' is not a date (expected YYYY-MM-DD)'
                WHEN ind IS NULL THEN 'Indicator ''' || coalesce(indicator, '') || ''' is not one of CBT001-CBT007'
                WHEN num IS NULL OR isnan(num) OR isinf(num) THEN 'Value ''' || coalesce(value, '') || ''' is not a number'
                WHEN num < 0 THEN 'Value ' || value || ' is negative; counts are never negative'
                WHEN num <> floor(num) THEN 'Value ' || value || ' is not a whole number of calls'
                WHEN num > 2147483647 THEN 'Value ' || value || ' is too large to be a count of calls'
                ELSE detail_problem
            END AS problem,
            CASE
                WHEN coalesce(practice_code, '') = '' THEN 'PRACTICE_CODE'
                WHEN coalesce(pcn_code, '') = '' THEN 'PCN_CODE'
                WHEN day IS NULL THEN 'Date'
                WHEN ind IS NULL THEN 'Indicator'
                WHEN num IS NULL OR isnan(num) OR isinf(num) OR num < 0 OR num <> floor(num)
                     OR num > 2147483647 THEN 'Value'
                ELSE '{label}'
            END AS problem_column,
            {token_col} AS detail_raw,
            NULL::BIGINT AS dup_of
        FROM typed
        """,
        {"skip": shape.skip},
    )
    for suffix in ("_days", "_inds", "_detail", "_files"):
        con.execute(f"DROP TABLE {table}{suffix}")
    con.execute(f"DROP TABLE {table}_raw")
    rows_read, month = con.execute(
        f"""SELECT (SELECT count(*) FROM {table}),
                   (SELECT mode(date_trunc('month', day))::DATE FROM {table} WHERE problem IS NULL)"""
    ).fetchall()[0]
    if rows_read == 0:
        raise FileProblem("has a header but no data rows")
    if month is None:
        first = con.execute(f"SELECT problem FROM {table} WHERE problem IS NOT NULL LIMIT 1").fetchall()[0][0]
        raise FileProblem(f"has no row that can be loaded; the first problem is: {first}")
    # Rows outside the file's month, and repeated rows, are rejected too.
    key = "day, practice_code, pcn_code, sub_icb_location_code, icb_code, region_code, ind"
    key += ", band" if family == "by_day_time" else ", bucket, coalesce(core, '')"
    con.execute(
        f"""
        UPDATE {table} SET
            problem = 'Date ' || date || ' is outside the file''s month (' || strftime($month, '%B %Y') || ')',
            problem_column = 'Date'
        WHERE problem IS NULL AND date_trunc('month', day) <> $month
        """,
        {"month": month},
    )
    con.execute(
        f"""
        UPDATE {table} SET problem = 'repeats an earlier row', problem_column = 'Indicator', dup_of = d.first_rid
        FROM (
            SELECT rid, min(rid) OVER w AS first_rid
            FROM {table} WHERE problem IS NULL
            WINDOW w AS (PARTITION BY {key})
            QUALIFY count(*) OVER w > 1
        ) d
        WHERE {table}.rid = d.rid AND d.rid <> d.first_rid
        """
    )
    _correct_row_numbers(con, table)
    con.execute(
        f"""
        UPDATE {table} SET problem = 'repeats row ' || f.row_number || ' of ' || f.member
                                     || ' (same date, practice, indicator and '
                                     || '{'time band' if family == 'by_day_time' else 'bucket'})'
        FROM {table} f WHERE {table}.dup_of = f.rid
        """
    )
    return Staged(table=table, rows_read=rows_read, month=month)


def _correct_row_numbers(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """DuckDB skips blank lines, so a file with blank lines has its later rows numbered too low.
    Only files with a rejected row are checked (row numbers matter only for rejects)."""
    members = con.execute(
        f"""SELECT source, max(row_number) FROM {table} GROUP BY source
            HAVING bool_or(problem IS NOT NULL)"""
    ).fetchall()
    for source, last_row in members:
        blanks = blank_line_numbers(Path(source), last_row)
        if not blanks:
            continue
        # A blank line at physical line b moves every row after it down one; as a threshold on
        # the numbering DuckDB gave, the i-th blank (0-based) shifts rows numbered b - i or more.
        thresholds = [b - i for i, b in enumerate(blanks)]
        con.execute("CREATE OR REPLACE TEMP TABLE blank_shift (threshold BIGINT)")
        con.executemany("INSERT INTO blank_shift VALUES (?)", [(t,) for t in thresholds])
        con.execute(
            f"""UPDATE {table} SET row_number = row_number + (
                    SELECT count(*) FROM blank_shift WHERE {table}.row_number >= threshold)
                WHERE source = $source""",
            {"source": source},
        )
        con.execute("DROP TABLE blank_shift")


# Same rule as telephony.formats.normalise_time_band: drop white space, zero-pad 'h:mm'.
NORMALISE_BAND_MACRO = r"""
CREATE OR REPLACE TEMP MACRO normalise_band(t) AS
    regexp_replace(regexp_replace(coalesce(t, ''), '\s+', '', 'g'), '(^|-)(\d:)', '\10\2', 'g')
"""

BUCKET_MACRO = r"""
CREATE OR REPLACE TEMP MACRO parse_bucket(token) AS TABLE
WITH t AS (SELECT upper(regexp_replace(coalesce(token, ''), '\s+', '', 'g')) AS s, token AS raw),
p AS (
    SELECT raw, s,
        CASE WHEN s = 'TOTAL' THEN NULL
             WHEN regexp_full_match(s, '\d+') THEN s::INTEGER
             WHEN regexp_full_match(s, '\d+[_-]\d+') THEN split_part(replace(s, '-', '_'), '_', 1)::INTEGER
             WHEN regexp_full_match(s, '>\d+') THEN s[2:]::INTEGER + 1
             WHEN regexp_full_match(s, '<\d+') THEN 0
        END AS lo,
        CASE WHEN s = 'TOTAL' THEN NULL
             WHEN regexp_full_match(s, '\d+') THEN s::INTEGER
             WHEN regexp_full_match(s, '\d+[_-]\d+') THEN split_part(replace(s, '-', '_'), '_', 2)::INTEGER
             WHEN regexp_full_match(s, '<\d+') THEN s[2:]::INTEGER - 1
        END AS hi,
        s = 'TOTAL' OR regexp_full_match(s, '\d+|\d+[_-]\d+|[<>]\d+') AS known
    FROM t
),
b AS (
    SELECT *,
        CASE WHEN lo IS NULL THEN NULL
             WHEN hi IS NULL THEN (CASE WHEN lo >= 301 THEN 3 END)
             WHEN hi <= 60 THEN 0 WHEN hi <= 120 THEN 1 WHEN hi <= 300 THEN 2 ELSE 3 END AS band
    FROM p
)
-- A bucket must sit inside one summary band (0-60, 61-120, 121-300, over 300 seconds); a lower
-- bound one below the band's start ('60_120') is read as the usual boundary overlap.
SELECT
    s AS bucket, lo, hi,
    CASE WHEN band IS NOT NULL AND lo >= [0, 60, 120, 300][band + 1] AND (hi IS NULL OR lo <= hi)
         THEN band::UTINYINT END AS wait_band,
    CASE
        WHEN NOT known THEN 'bucket ''' || coalesce(raw, '') || ''' is not a seconds bucket such as 0, 1_60, >300 or TOTAL'
        WHEN s <> 'TOTAL' AND (band IS NULL OR lo < [0, 60, 120, 300][band + 1] OR (hi IS NOT NULL AND lo > hi))
            THEN 'bucket ''' || raw || ''' does not fall inside one of the bands 0-60, 61-120, 121-300, over 300 seconds'
    END AS problem
FROM b
"""
