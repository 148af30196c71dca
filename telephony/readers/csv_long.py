"""The three practice-level CSV families (By Day and Time, By Durations, Calls Answered Metric).

Read with DuckDB's own CSV reader (no pandas on this path: a national month is ~3.8 million
rows), in one scan into a typed temporary table where every row carries either its parsed values
or the reason it cannot be loaded; the store then moves good rows into the fact tables (joining
units on a hash of the five geography codes) and bad rows into `rejects`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from telephony import limits
from telephony.formats import time_band_lookup
from telephony.problems import FileProblem
from telephony.readers.sniff import CsvShape, TextFacts, blank_row_numbers, scan_text, too_long_problem, with_utf8

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
    table: str          # temporary table: every row read; `value` is NULL where the row is rejected
    rows_read: int
    rows_rejected: int
    month: object       # datetime.date of the file's month (the month most rows fall in)


# Rows that carry their five geography codes into staging: enough to name every unit, far fewer
# than all rows (materialising five strings for 4.8 million rows costs a fifth of a national
# load). Every unit with calls has CBT001 rows; Calls Answered Metric has CBT003 only. A unit
# with no such row is still named, by a second read filtered to it (see `stage`).
_CODES_ROW = {"by_day_time": "ind = 1", "by_durations": "ind = 1", "answered_metric": "true"}


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


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the bucket-parsing macro on a connection (the store does this once when it opens)."""
    con.execute(BUCKET_MACRO)


def _band_case() -> str:
    """From a time band's text to its number (NULL if unknown): first the two spellings NHS
    England publishes ('08:00-09:59', '08:00 - 09:59'), then, for the rows left, any spacing
    and unpadded hours ('8:00-9:59'). Cheaper per row than a join or a replace() on every row."""
    published = {}
    normalised = dict(time_band_lookup())
    for text, band in normalised.items():
        published[text] = band
        published[text.replace("-", " - ")] = band
    for text, band in list(normalised.items()):
        normalised.setdefault("-".join(part[1:] if part.startswith("0") else part for part in text.split("-")), band)

    return (f"coalesce({_case('time_category', published)}, "
            f"{_lookup(normalised)}[replace(time_category, ' ', '')])::UTINYINT")


def _case(column: str, texts: dict[str, int]) -> str:
    return f"CASE {column} " + " ".join(f"WHEN '{t}' THEN {n}" for t, n in texts.items()) + " END"


def _lookup(texts: dict[str, int]) -> str:
    """A MAP literal. Fallbacks look up in one (rather than CASE on an expression, which DuckDB
    would hoist and compute for every row, not just the rows the fallback is for)."""
    return "MAP {" + ", ".join(f"'{t}': {n}" for t, n in texts.items()) + "}"


_INDICATORS = {f"CBT00{i}": i for i in range(1, 8)}
# Per-row parsing, each written in the form DuckDB runs fastest (measured on a national month):
# a direct cast of a CSV column costs 4-8 times a strptime or a cast after replace().
_DAY = f"coalesce(try_strptime(date, '%Y-%m-%d'), try_strptime(date, {_DATE_FORMATS}))::DATE"
_INDICATOR = f"coalesce({_case('indicator', _INDICATORS)}, {_lookup(_INDICATORS)}[upper(trim(indicator))])::UTINYINT"
_VALUE = "try_cast(replace(value, ',', '') AS DOUBLE)"
_GEO_HASH = "hash(region_code, icb_code, sub_icb_location_code, pcn_code, practice_code)"
_CODES = ("struct_pack(region_code, icb_code, sub_icb_code := sub_icb_location_code, pcn_code, "
          "practice_code)")
# In the one scan the codes travel as one string, joined by the ASCII unit separator: much
# cheaper than a five-field struct, which DuckDB materialises for every row, NULL or not.
# Split again per unit, and kept only if the parts hash back to the unit's key (a code that
# itself held the separator would not), so a unit is never named wrongly.
_CODES_JOINED = "concat_ws(chr(31), region_code, icb_code, sub_icb_location_code, pcn_code, practice_code)"


# A rejected row's reason, from its letter in `extra` (see `stage`) and its raw text.
_PROBLEMS = """CASE code
        WHEN 'a' THEN 'PRACTICE_CODE is empty'
        WHEN 'b' THEN 'PCN_CODE is empty'
        WHEN 'c' THEN 'Date ''' || coalesce(raw, '') || ''' is not a date (expected YYYY-MM-DD)'
        WHEN 'd' THEN 'Indicator ''' || coalesce(raw, '') || ''' is not one of CBT001-CBT007'
        WHEN 'e' THEN 'Value ''' || coalesce(raw, '') || ''' is not a number'
        WHEN 'f' THEN 'Value ' || raw || ' is negative; counts are never negative'
        WHEN 'g' THEN 'Value ' || raw || ' is not a whole number of calls'
        WHEN 'h' THEN 'Value ' || raw || ' is too large to be a count of calls'
        WHEN 'i' THEN 'Time_Category ''' || coalesce(raw, '') || ''' is not one of the nine published time bands'
                      || ' (e.g. 08:00 - 09:59)'
    END AS problem,
    CASE code WHEN 'a' THEN 'PRACTICE_CODE' WHEN 'b' THEN 'PCN_CODE' WHEN 'c' THEN 'Date' WHEN 'd' THEN 'Indicator'
              WHEN 'i' THEN '{label}' ELSE 'Value' END AS problem_column"""


def stage(con: duckdb.DuckDBPyConnection, members: dict[str, str], shape: CsvShape, family: str,
          table: str, temp_dir=None, facts: dict[str, TextFacts] | None = None) -> Staged:
    """Read CSVs of one layout (`members`: file path -> name to report it by, e.g. the zip member)
    in ONE scan into temp table `table` (a name made by the store, never from user input).
    `facts`: each path's TextFacts where already known (zip members, found as they were
    expanded); other paths are scanned here. A file with a row too long to read is refused.

    `table` gets, per row: the file it came from, a hash of its five geography codes (`geo`, the
    key the store joins units on), date, indicator, band or bucket token, `value`, which is NULL
    where the row cannot be loaded, and `extra` (a loaded row's codes, or why it was rejected; see
    the comment in the SQL below). Alongside it:
      * `<table>_codes`: the five codes of every `geo`, for the store's unit table;
      * `<table>_problems`: each rejected row (by rowid) with its reason, column and raw text;
      * `<table>_rejects`: the same with member name and row number, built by `_collect_rejects`;
      * `<table>_buckets`: bucket families only, each distinct token loaded, parsed once;
      * `<table>_sums`: the loaded rows summed per unit and indicator (and bucket; see `_summarise`).
    """
    select = _select_list(shape, family)
    facts = {p: (facts or {}).get(p) or scan_text(Path(p)) for p in members}
    for path, fact in facts.items():
        if fact.long_line is not None:
            raise too_long_problem(fact, members[path] if len(members) > 1 else None)
    # DuckDB's parallel reader cannot read a quoted field holding a line break with null padding
    # on (it refuses the file); such files, rare, are read by one thread.
    multiline = any(f.multiline for f in facts.values())
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(shape.header))) + "}"
    read = (
        "read_csv($paths, header = false, skip = $skip, delim = $delim, quote = '\"', escape = '\"', "
        f"encoding = 'utf-8', columns = {columns}, null_padding = true, strict_mode = false, "
        f"auto_detect = false, nullstr = '', max_line_size = {limits.MAX_ROW_BYTES:d}, "
        f"parallel = {str(not multiline).lower()})"
    )
    if family == "by_day_time":
        detail = f"{_band_case()} AS band"
        detail_ok = "band IS NOT NULL"
        detail_raw, keep = "time_category", "band"
        label = "Time_Category"
    else:
        token_col = "duration" if family == "by_durations" else "wait_time"
        core = "core_category" if family == "answered_metric" else "NULL::VARCHAR"
        detail = f"{token_col} AS token, {core} AS core"
        detail_ok = "true"    # unknown buckets are rejected after the scan (few distinct tokens)
        detail_raw, keep = "token", "token, core"
        label = "Duration" if family == "by_durations" else "Wait_Time"
    sources = list(members)

    def read_rows(paths: list[str]) -> None:
        params = {"paths": paths, "skip": shape.skip, "delim": shape.delimiter}
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            WITH r AS (SELECT file_index AS file, {select} FROM {read}),
            typed AS (
                SELECT r.*, {_GEO_HASH} AS geo,
                       {_DAY} AS day, {_INDICATOR} AS ind, {detail}, {_VALUE} AS num
                FROM r
            ),
            checked AS (
                SELECT *, coalesce(practice_code <> '' AND pcn_code <> '' AND day IS NOT NULL AND ind IS NOT NULL
                                   AND {detail_ok} AND num >= 0 AND num = floor(num) AND num <= 2147483647,
                                   false) AS ok
                FROM typed
            )
            -- Only what loading needs is kept. One sparse text column, `extra`, carries a loaded
            -- row's five codes (on the rows of _CODES_ROW) or a rejected row's reason as one letter
            -- (see _PROBLEMS) with its raw text after '=' ('-' where the field was empty). DuckDB
            -- materialises every column for every row, so one narrow column costs far less than
            -- a struct of codes and another of reason, column and raw text.
            SELECT file::USMALLINT AS file, geo, day, ind, {keep},
                   CASE WHEN ok THEN num::INTEGER END AS value,
                   CASE WHEN NOT ok THEN CASE
                            WHEN practice_code = '' THEN 'a='
                            WHEN pcn_code = '' THEN 'b='
                            WHEN day IS NULL THEN 'c' || coalesce('=' || date, '-')
                            WHEN ind IS NULL THEN 'd' || coalesce('=' || indicator, '-')
                            WHEN num IS NULL OR isnan(num) OR isinf(num) THEN 'e' || coalesce('=' || value, '-')
                            WHEN num < 0 THEN 'f=' || value
                            WHEN num <> floor(num) THEN 'g=' || value
                            WHEN num > 2147483647 THEN 'h=' || value
                            ELSE 'i' || coalesce('=' || {detail_raw}, '-')
                        END
                        WHEN {_CODES_ROW[family]} THEN {_CODES_JOINED}
                   END AS extra
            FROM checked
            """,
            params,
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table}_codes AS
                SELECT geo, struct_pack(region_code := p[1], icb_code := p[2], sub_icb_code := p[3],
                                        pcn_code := p[4], practice_code := p[5]) AS codes
                FROM (SELECT geo, string_split(any_value(extra), chr(31)) AS p
                      FROM {table} WHERE value IS NOT NULL AND extra IS NOT NULL GROUP BY geo)
                WHERE len(p) = 5 AND hash(p[1], p[2], p[3], p[4], p[5]) = geo""")
        unnamed = f"SELECT DISTINCT geo FROM {table} WHERE value IS NOT NULL EXCEPT SELECT geo FROM {table}_codes"
        if con.execute(f"SELECT count(*) FROM ({unnamed})").fetchall()[0][0]:
            con.execute(
                f"""INSERT INTO {table}_codes
                    SELECT geo, any_value(codes) FROM (
                        SELECT {_GEO_HASH} AS geo, {_CODES} AS codes FROM (SELECT {select} FROM {read}))
                    WHERE geo IN ({unnamed}) GROUP BY geo""",
                params,
            )

    try:
        with_utf8(read_rows, sources, shape.encoding, temp_dir,
                  frozenset(p for p, f in facts.items() if f.utf8))
    except duckdb.Error as exc:
        raise read_problem(exc, len(members) > 1) from exc
    # DuckDB numbers the files it reads in the order given (file_index); `source` is the file
    # as offered (not a UTF-8 copy), for counting blank lines.
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_files (file USMALLINT, member VARCHAR, source VARCHAR, "
                "multiline BOOLEAN)")
    con.executemany(f"INSERT INTO {table}_files VALUES (?, ?, ?, ?)",
                    [(i, members[src], src, facts[src].multiline) for i, src in enumerate(sources)])
    _check_every_line_read(con, table, facts, sources, members, shape.skip)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table}_problems AS
            SELECT rid, {_PROBLEMS.format(label=label)}, raw, NULL::BIGINT AS dup_of
            FROM (SELECT rowid AS rid, extra[1] AS code, CASE WHEN extra[2] = '=' THEN substr(extra, 3) END AS raw
                  FROM {table} WHERE value IS NULL)"""
    )

    # One pass over the loaded rows (`<table>_sums`) gives the file's month, the duplicate count,
    # the distinct buckets and the monthly summary. It is redone only after rows are rejected.
    _summarise(con, table, family)
    if family == "by_day_time":
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_buckets AS SELECT NULL::VARCHAR AS token WHERE false")
    else:
        # Buckets are parsed once per distinct token; rows with an unknown bucket are rejected.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table}_buckets AS "
            f"SELECT d.token, b.* FROM (SELECT DISTINCT token FROM {table}_sums) d, "
            "LATERAL (SELECT * FROM parse_bucket(d.token)) b"
        )
        if con.execute(f"SELECT count(*) FROM {table}_buckets WHERE problem IS NOT NULL").fetchall()[0][0]:
            _reject(con, table, f"""SELECT s.rowid, b.problem, '{label}', s.token, NULL
                                    FROM {table} s JOIN {table}_buckets b ON b.token IS NOT DISTINCT FROM s.token
                                    WHERE b.problem IS NOT NULL AND s.value IS NOT NULL""")
            _summarise(con, table, family)

    rows_read = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    first, last = con.execute(
        f"SELECT date_trunc('month', min(first))::DATE, date_trunc('month', max(last))::DATE FROM {table}_sums"
    ).fetchall()[0]
    if rows_read == 0:
        raise FileProblem("has a header but no data rows")
    if first is None:
        problem = con.execute(f"SELECT problem FROM {table}_problems ORDER BY rid LIMIT 1").fetchall()[0][0]
        raise FileProblem(f"has no row that can be loaded; the first problem is: {problem}")
    month = first
    if first != last:   # rows from more than one month: the file's month is the one most rows fall in
        month = con.execute(
            f"SELECT mode(date_trunc('month', day))::DATE FROM {table} WHERE value IS NOT NULL"
        ).fetchall()[0][0]
        _reject(
            con, table,
            f"""SELECT rowid, 'Date ' || strftime(day, '%Y-%m-%d') || ' is outside the file''s month ('
                       || strftime($month, '%B %Y') || ')', 'Date', strftime(day, '%Y-%m-%d'), NULL
                FROM {table}
                WHERE value IS NOT NULL AND (day < $month OR day >= $month + INTERVAL 1 MONTH)""",
            {"month": month},
        )
        _summarise(con, table, family)
    _mark_duplicates(con, table, family)
    rows_rejected = _collect_rejects(con, table, shape.skip, family)
    return Staged(table=table, rows_read=rows_read, rows_rejected=rows_rejected, month=month)


def read_problem(exc: duckdb.Error, several: bool) -> FileProblem:
    """A DuckDB read error as a message: a row too long to read (possible where a quoted field
    spans lines, which the byte scan cannot measure) is named as such, by its line."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    size = re.search(r"Maximum line size of \d+ bytes exceeded\. Actual Size:\s*(\d+)", text)
    if line and size:
        where = f"the row starting on line {int(line.group(1)):,}" + (" of one of the files" if several else "")
        return FileProblem(
            f"has a row too long to read: {where} is {limits.size_text(int(size.group(1)))}, and at most "
            f"{limits.size_text(limits.MAX_ROW_BYTES)} is read (a published row is under 200 bytes). The file "
            "may be damaged, or a field may open a quote that never closes")
    return FileProblem(f"could not be read as CSV: {text.splitlines()[0]}")


def _check_every_line_read(con, table: str, facts: dict[str, TextFacts], sources: list[str],
                           members: dict[str, str], skip: int) -> None:
    """Refuse a file whose lines DuckDB did not all read: each line is the header, a row or a
    blank line (a file with quoted line breaks has more lines than rows, and is not checked).
    A guard, never expected to trip: rows must not go missing silently."""
    counts = dict(con.execute(f"SELECT file, count(*) FROM {table} GROUP BY file").fetchall())
    for i, src in enumerate(sources):
        fact, got = facts[src], counts.get(i, 0)
        if fact.multiline or got + skip >= fact.lines:
            continue
        blanks = len(blank_row_numbers(Path(src), got + skip, False))
        if got + skip + blanks < fact.lines:
            raise FileProblem(
                f"could not be read whole: '{members[src]}' has {fact.lines - skip - blanks:,} rows under its "
                f"header, but only {got:,} could be read. Nothing was loaded rather than load part of it")


def _summarise(con: duckdb.DuckDBPyConnection, table: str, family: str) -> None:
    """`<table>_sums`: the loaded rows summed per unit (`geo`), indicator and, in the bucket
    families, bucket token and core category; with how many rows each sum has, a bitmap of the
    positions they fill (day of month x time band, or day of month), and their first and last day.
    A few hundred thousand rows at most, from which the file's month, the duplicate count, the
    distinct buckets and the monthly summary are all read."""
    key, position, positions = (("ind", "(day(day) - 1) * 9 + band", 31 * 9) if family == "by_day_time"
                                else ("ind, token, core", "day(day) - 1", 31))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {table}_sums AS
            SELECT geo, {key}, count(*) AS n, bitstring_agg(({position})::INTEGER, 0, {positions - 1}) AS seen,
                   min(day) AS first, max(day) AS last, sum(value) AS value
            FROM {table} WHERE value IS NOT NULL GROUP BY ALL"""
    )


def _reject(con: duckdb.DuckDBPyConnection, table: str, rows_sql: str, params: dict | None = None) -> None:
    """Reject the rows `rows_sql` selects (rowid, problem, column, raw text, row repeated):
    recorded in `<table>_problems`, and their value set to NULL so nothing loads them."""
    added = con.execute(f"INSERT INTO {table}_problems {rows_sql}", params or {}).fetchall()[0][0]
    if added:
        con.execute(f"""UPDATE {table} SET value = NULL WHERE value IS NOT NULL
                        AND rowid IN (SELECT rid FROM {table}_problems)""")


def _mark_duplicates(con: duckdb.DuckDBPyConnection, table: str, family: str) -> None:
    """A row repeating an earlier one (same date, unit, indicator and band or bucket) is
    rejected, never summed. Counted cheaply first; the row-by-row pass runs only if needed.

    Every row is now inside one month, so each sum in `<table>_sums` has one bit per position
    (day x band, or day, under its unit, indicator, bucket and core category): a sum of n rows
    that fill fewer than n positions holds repeats. Exact, and no extra pass over the rows."""
    repeats = con.execute(f"SELECT coalesce(sum(n - bit_count(seen)), 0) FROM {table}_sums").fetchall()[0][0]
    if not repeats:
        return
    key = "geo, day, ind, band" if family == "by_day_time" else "geo, day, ind, token, core"
    _reject(
        con, table,
        f"""SELECT rid, 'repeats an earlier row', 'Indicator', NULL, first_rid FROM (
                SELECT rowid AS rid, min(rowid) OVER w AS first_rid
                FROM {table} WHERE value IS NOT NULL
                WINDOW w AS (PARTITION BY {key})
                QUALIFY count(*) OVER w > 1)
            WHERE rid <> first_rid""",
    )
    _summarise(con, table, family)


def _collect_rejects(con: duckdb.DuckDBPyConnection, table: str, skip: int, family: str) -> int:
    """`<table>_rejects`: each rejected row with its member, row number (as a spreadsheet shows
    it, header = row 1, blank lines counted), column, reason and raw text. Rows keep the order
    they were read in, so a row's number is its rowid less its file's first rowid. Returns how
    many rows were rejected."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table}_rejects AS
        WITH bad AS (SELECT p.*, s.file FROM {table}_problems p JOIN {table} s ON s.rowid = p.rid),
        first AS (SELECT file, min(rowid) AS first_rid FROM {table}
                  WHERE file IN (SELECT file FROM bad) GROUP BY file)
        SELECT bad.rid, f.member, f.source, bad.rid - first.first_rid + 1 + $skip AS row_number,
               bad.problem_column, bad.problem, bad.dup_of, bad.raw
        FROM bad JOIN first USING (file) JOIN {table}_files f USING (file)
        """,
        {"skip": skip},
    )
    rejected = con.execute(f"SELECT count(*) FROM {table}_rejects").fetchall()[0][0]
    if not rejected:
        return 0
    # The rows that duplicates repeat (loaded, so not among the rejects) are numbered too.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table}_repeated AS
        SELECT s.rowid AS rid, f.member, f.source, s.rowid - first.first_rid + 1 + $skip AS row_number
        FROM {table} s JOIN {table}_files f USING (file)
        JOIN (SELECT file, min(rowid) AS first_rid FROM {table} GROUP BY file) first USING (file)
        WHERE s.rowid IN (SELECT dup_of FROM {table}_rejects)
        """,
        {"skip": skip},
    )
    _correct_row_numbers(con, table, (f"{table}_rejects", f"{table}_repeated"))
    what = "time band" if family == "by_day_time" else "bucket"
    con.execute(
        f"""
        UPDATE {table}_rejects SET problem = 'repeats row ' || r.row_number || ' of ' || r.member
                                             || ' (same date, practice, indicator and {what})'
        FROM {table}_repeated r WHERE {table}_rejects.dup_of = r.rid
        """
    )
    con.execute(f"DROP TABLE {table}_repeated")
    return rejected


def _correct_row_numbers(con: duckdb.DuckDBPyConnection, table: str, numbered: tuple[str, ...]) -> None:
    """DuckDB skips blank lines, so in a file with blank lines later rows are numbered too low.
    Only files with a rejected row are checked (row numbers matter only for rejects); the
    `numbered` tables (source, row_number) are corrected."""
    members = con.execute(
        f"""SELECT f.source, count(*) + 1, any_value(f.multiline) FROM {table} s JOIN {table}_files f USING (file)
            WHERE f.source IN (SELECT source FROM {table}_rejects) GROUP BY f.source"""
    ).fetchall()
    for source, last_row, multiline in members:
        blanks = blank_row_numbers(Path(source), last_row, multiline)
        if not blanks:
            continue
        # A blank line at physical line b moves every row after it down one; as a threshold on
        # the numbering DuckDB gave, the i-th blank (0-based) shifts rows numbered b - i or more.
        con.execute("CREATE OR REPLACE TEMP TABLE blank_shift (threshold BIGINT)")
        con.executemany("INSERT INTO blank_shift VALUES (?)", [(b - i,) for i, b in enumerate(blanks)])
        for target in numbered:
            con.execute(
                f"""UPDATE {target} SET row_number = row_number + (
                        SELECT count(*) FROM blank_shift WHERE {target}.row_number >= threshold)
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
        WHEN NOT known
            THEN 'bucket ''' || coalesce(raw, '') || ''' is not a seconds bucket such as 0, 1_60, >300 or TOTAL'
        WHEN s <> 'TOTAL' AND (band IS NULL OR lo < [0, 60, 120, 300][band + 1] OR (hi IS NOT NULL AND lo > hi))
            THEN 'bucket ''' || raw || ''' does not fall inside one of the bands'
                 || ' 0-60, 61-120, 121-300, over 300 seconds'
    END AS problem
FROM b
"""
