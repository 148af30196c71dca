"""The three practice-level CSV families (By Day and Time, By Durations, Calls Answered Metric).

Read with DuckDB's own CSV reader (no pandas on this path: a national month is ~3.8 million
rows), in one scan into a typed temporary table where every row carries either its parsed values
or the reason it cannot be loaded; the store then moves good rows into the fact tables (joining
units on a hash of the five geography codes) and bad rows into `rejects`.
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
        # No trim(): it costs ~15% of a national load and published files have no padding.
        parts.append(f"coalesce(c{pos}, '') AS {name}" if name in GEO_COLUMNS else f"c{pos} AS {name}")
    return ", ".join(parts)


def _ensure_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """The bucket-parsing macro, created once per connection."""
    if not con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'parse_bucket'"
                       ).fetchall()[0][0]:
        con.execute(BUCKET_MACRO)


def _band_case() -> str:
    """Inline CASE from a time band's text (spaces removed) to its number; NULL if unknown.
    Cheaper per row than a join. Unpadded hours ('8:00-9:59') are listed too."""
    texts = dict(time_band_lookup())
    for text, band in list(texts.items()):
        texts.setdefault("-".join(part[1:] if part.startswith("0") else part for part in text.split("-")), band)
    whens = " ".join(f"WHEN '{text}' THEN {band}" for text, band in sorted(texts.items(), key=lambda kv: kv[1]))
    return f"CASE replace(time_category, ' ', '') {whens} END::UTINYINT"


def stage(con: duckdb.DuckDBPyConnection, members: dict[str, str], shape: CsvShape, family: str,
          table: str, temp_dir=None) -> Staged:
    """Read CSVs of one layout (`members`: file path -> name to report it by, e.g. the zip member)
    in ONE scan into temp table `table` (a name made by the store, never from user input).

    Each row gets its parsed values, a hash of its five geography codes (`geo`, the key the store
    joins units on) and, where it cannot be loaded, `problem` and `problem_column`. Row numbers
    are worked out afterwards, for rejected rows only, in `<table>_rejects`."""
    _ensure_lookups(con)
    select = _select_list(shape, family)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(shape.header))) + "}"
    read = (
        "read_csv($paths, header = false, skip = $skip, delim = $delim, quote = '\"', escape = '\"', "
        f"encoding = 'utf-8', columns = {columns}, null_padding = true, strict_mode = false, "
        "auto_detect = false, nullstr = '', filename = true)"
    )
    if family == "by_day_time":
        # No per-row token: the band is all loading needs; the text is kept only for rejects.
        detail = f"{_band_case()} AS band, NULL::VARCHAR AS token, NULL::VARCHAR AS core,"
        detail_problem = ("WHEN band IS NULL THEN 'Time_Category ''' || coalesce(time_category, '') || ''' is not one "
                          "of the nine published time bands (e.g. 08:00 - 09:59)'")
        label = "Time_Category"
    else:
        token_col = "duration" if family == "by_durations" else "wait_time"
        core = "core_category" if family == "answered_metric" else "NULL::VARCHAR"
        detail = f"{token_col} AS token, {core} AS core,"
        detail_problem = ""   # unknown buckets are marked after the scan (few distinct tokens)
        label = "Duration" if family == "by_durations" else "Wait_Time"
    sources = list(members)

    def read_rows(paths: list[str]) -> None:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            WITH r AS (SELECT filename AS member_path, {select} FROM {read}),
            typed AS (
                SELECT r.*,
                       hash(region_code, icb_code, sub_icb_location_code, pcn_code, practice_code) AS geo,
                       coalesce(try_cast(date AS DATE), try_strptime(date, {_DATE_FORMATS})::DATE) AS day,
                       CASE upper(indicator) WHEN 'CBT001' THEN 1 WHEN 'CBT002' THEN 2 WHEN 'CBT003' THEN 3
                            WHEN 'CBT004' THEN 4 WHEN 'CBT005' THEN 5 WHEN 'CBT006' THEN 6
                            WHEN 'CBT007' THEN 7 END::UTINYINT AS ind,
                       {detail}
                       try_cast(replace(value, ',', '') AS DOUBLE) AS num
                FROM r
            ),
            checked AS (SELECT *,
                CASE
                    WHEN coalesce(practice_code, '') = '' THEN 'PRACTICE_CODE is empty'
                    WHEN coalesce(pcn_code, '') = '' THEN 'PCN_CODE is empty'
                    WHEN day IS NULL THEN 'Date ''' || coalesce(date, '') || ''' is not a date (expected YYYY-MM-DD)'
                    WHEN ind IS NULL THEN 'Indicator ''' || coalesce(indicator, '') || ''' is not one of CBT001-CBT007'
                    WHEN num IS NULL OR isnan(num) OR isinf(num) THEN 'Value ''' || coalesce(value, '') || ''' is not a number'
                    WHEN num < 0 THEN 'Value ' || value || ' is negative; counts are never negative'
                    WHEN num <> floor(num) THEN 'Value ' || value || ' is not a whole number of calls'
                    WHEN num > 2147483647 THEN 'Value ' || value || ' is too large to be a count of calls'
                    {detail_problem}
                END AS problem,
                CASE
                    WHEN coalesce(practice_code, '') = '' THEN 'PRACTICE_CODE'
                    WHEN coalesce(pcn_code, '') = '' THEN 'PCN_CODE'
                    WHEN day IS NULL THEN 'Date'
                    WHEN ind IS NULL THEN 'Indicator'
                    WHEN num IS NULL OR isnan(num) OR isinf(num) OR num < 0 OR num <> floor(num)
                         OR num > 2147483647 THEN 'Value'
                    ELSE '{label}'
                END AS problem_column
            FROM typed)
            -- Only what loading needs is kept; the raw text only where the row is rejected.
            SELECT member_path, region_code, icb_code, sub_icb_location_code, pcn_code, practice_code, geo,
                   day, ind, {'band, ' if family == 'by_day_time' else ''}token, core, num, problem, problem_column,
                   CASE WHEN problem IS NOT NULL THEN
                       CASE problem_column WHEN 'Date' THEN date WHEN 'Indicator' THEN indicator
                            WHEN 'Value' THEN value WHEN 'PRACTICE_CODE' THEN practice_code
                            WHEN 'PCN_CODE' THEN pcn_code
                            ELSE {'time_category' if family == 'by_day_time' else 'token'} END
                   END AS raw,
                   NULL::BIGINT AS dup_of
            FROM checked
            """,
            {"paths": paths, "skip": shape.skip, "delim": shape.delimiter},
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_files (member_path VARCHAR, member VARCHAR, "
                    "source VARCHAR, first_rid BIGINT)")
        con.executemany(f"INSERT INTO {table}_files VALUES (?, ?, ?, NULL)",
                        [(read_path, members[src], src) for read_path, src in zip(paths, sources)])

    try:
        with_utf8(read_rows, sources, shape.encoding, temp_dir)
    except duckdb.Error as exc:
        raise FileProblem(f"could not be read as CSV: {str(exc).splitlines()[0]}") from exc
    con.execute(f"""UPDATE {table}_files f SET first_rid = r.first_rid
                    FROM (SELECT member_path, min(rowid) AS first_rid FROM {table} GROUP BY ALL) r
                    WHERE f.member_path = r.member_path""")

    # Buckets (and time bands, for the store's join) are parsed once per distinct token.
    if family == "by_day_time":
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_buckets AS SELECT NULL::VARCHAR AS token WHERE false")
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_buckets AS "
            f"SELECT d.token, b.* FROM (SELECT DISTINCT token FROM {table}) d, "
            "LATERAL (SELECT * FROM parse_bucket(d.token)) b"
        )
        con.execute(
            f"""UPDATE {table} SET problem = b.problem, problem_column = '{label}', raw = {table}.token
                FROM {table}_buckets b
                WHERE b.problem IS NOT NULL AND {table}.problem IS NULL
                  AND b.token IS NOT DISTINCT FROM {table}.token"""
        )

    rows_read, month = con.execute(
        f"""SELECT count(*), (mode(date_trunc('month', day)) FILTER (WHERE problem IS NULL))::DATE
            FROM {table}"""
    ).fetchall()[0]
    if rows_read == 0:
        raise FileProblem("has a header but no data rows")
    if month is None:
        first = con.execute(f"SELECT problem FROM {table} WHERE problem IS NOT NULL LIMIT 1").fetchall()[0][0]
        raise FileProblem(f"has no row that can be loaded; the first problem is: {first}")
    con.execute(
        f"""
        UPDATE {table} SET
            problem = 'Date ' || strftime(day, '%Y-%m-%d') || ' is outside the file''s month ('
                      || strftime($month, '%B %Y') || ')',
            problem_column = 'Date', raw = strftime(day, '%Y-%m-%d')
        WHERE problem IS NULL AND (day < $month OR day >= $month + INTERVAL 1 MONTH)
        """,
        {"month": month},
    )
    _mark_duplicates(con, table, family)
    _collect_rejects(con, table, shape.skip, family)
    return Staged(table=table, rows_read=rows_read, month=month)


def _mark_duplicates(con: duckdb.DuckDBPyConnection, table: str, family: str) -> None:
    """A row repeating an earlier one (same date, unit, indicator and band or bucket) is
    rejected, never summed. Counted cheaply first; the row-by-row pass runs only if needed."""
    key = f"geo, day, ind, {'band' if family == 'by_day_time' else 'token, core'}"
    repeats = con.execute(
        f"SELECT count(*) - count(DISTINCT hash({key})) FROM {table} WHERE problem IS NULL"
    ).fetchall()[0][0]
    if not repeats:
        return
    con.execute(
        f"""
        UPDATE {table} SET problem = 'repeats an earlier row', problem_column = 'Indicator', dup_of = d.first_rid
        FROM (
            SELECT rowid AS rid, min(rowid) OVER w AS first_rid
            FROM {table} WHERE problem IS NULL
            WINDOW w AS (PARTITION BY {key})
            QUALIFY count(*) OVER w > 1
        ) d
        WHERE {table}.rowid = d.rid AND d.rid <> d.first_rid
        """
    )


def _collect_rejects(con: duckdb.DuckDBPyConnection, table: str, skip: int, family: str) -> None:
    """`<table>_rejects`: each rejected row with its member, row number (as a spreadsheet shows
    it, header = row 1, blank lines counted), column, reason and raw text."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table}_rejects AS
        SELECT s.rowid AS rid, f.member, f.source, s.rowid - f.first_rid + 1 + $skip AS row_number,
               s.problem_column, s.problem, s.dup_of, s.raw
        FROM {table} s JOIN {table}_files f ON f.member_path = s.member_path
        WHERE s.problem IS NOT NULL
        """,
        {"skip": skip},
    )
    _correct_row_numbers(con, table)
    what = "time band" if family == "by_day_time" else "bucket"
    con.execute(
        f"""
        UPDATE {table}_rejects SET problem = 'repeats row ' || first.row_number || ' of ' || f.member
                                             || ' (same date, practice, indicator and {what})'
        FROM (SELECT s.rowid AS rid, s.member_path,
                     s.rowid - f.first_rid + 1 + $skip AS row_number
              FROM {table} s JOIN {table}_files f USING (member_path)) first, {table}_files f
        WHERE {table}_rejects.dup_of = first.rid AND f.member_path = first.member_path
        """,
        {"skip": skip},
    )


def _correct_row_numbers(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """DuckDB skips blank lines, so in a file with blank lines later rows are numbered too low.
    Only files with a rejected row are checked (row numbers matter only for rejects)."""
    rejects = f"{table}_rejects"
    members = con.execute(
        f"""SELECT f.source, count(*) + 1 FROM {table} s JOIN {table}_files f USING (member_path)
            WHERE f.source IN (SELECT source FROM {rejects}) GROUP BY f.source"""
    ).fetchall()
    for source, last_row in members:
        blanks = blank_line_numbers(Path(source), last_row)
        if not blanks:
            continue
        # A blank line at physical line b moves every row after it down one; as a threshold on
        # the numbering DuckDB gave, the i-th blank (0-based) shifts rows numbered b - i or more.
        con.execute("CREATE OR REPLACE TEMP TABLE blank_shift (threshold BIGINT)")
        con.executemany("INSERT INTO blank_shift VALUES (?)", [(b - i,) for i, b in enumerate(blanks)])
        con.execute(
            f"""UPDATE {rejects} SET row_number = row_number + (
                    SELECT count(*) FROM blank_shift WHERE {rejects}.row_number >= threshold)
                WHERE source = $source""",
            {"source": source},
        )
        con.execute("DROP TABLE blank_shift")


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
