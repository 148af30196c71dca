"""Keeping the store's model consistent as files land: the steps every loader shares (published
files in telephony/loaders/, call logs in telephony/calllog/load.py).

* units: `intern_units` adds the practices (and shared phone accounts) a file brings;
* precedence: `replace_overlaps` removes an earlier file's rows for the unit-months a new file of
  the same family covers (the later file wins), and says so in the load report;
* summaries: `refresh_summaries` rebuilds the monthly summary tables (and the ICB and England
  band sums) for the months a load touched, `upsert_summary` writes one from the sums a loader
  staged; `refresh_areas` rewrites the pages' area table from the first month a load changed;
* reconciliation: `reconcile_daily` checks By Day and Time against By Durations,
  `record_reconciliation` stores a report's checks, `note_list_size_matches` says how many
  practices matched a list size.

Every function takes the store's connection and runs inside the caller's load transaction.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from telephony import queries
from telephony.report import LoadReport

# A unit's key: the hash of its five published codes, in this order, as text. CSV staging
# computes the same expression (telephony.readers.csv_long.stage).
GEO_KEY = "hash(region_code, icb_code, sub_icb_code, pcn_code, practice_code)"

_IN_MONTH = "t.unit_id = o.unit_id AND t.date >= o.month AND t.date < o.month + INTERVAL 1 MONTH"
_DELETE_OVERLAP = {  # family -> statement removing superseded rows listed in overlap_df
    "workbook": "DELETE FROM workbook_month t USING overlap_df o WHERE t.unit_id = o.unit_id AND t.month = o.month",
    "by_day_time": f"DELETE FROM calls_by_band t USING overlap_df o WHERE {_IN_MONTH}",
    **{family: "DELETE FROM bucket_counts t USING overlap_df o WHERE t.bucket_id IN "
                f"(SELECT bucket_id FROM buckets WHERE family = '{family}') AND {_IN_MONTH}"
       for family in ("durations", "answered_wait")},
}
SUMMARIES = ("band_month", "bucket_month")


def intern_units(con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
    """Add any new units among the rows `rows_sql` selects (columns named as in `units`).
    Units are found by `geo_key`, the hash of the five codes, which CSV staging computes in
    its one scan (telephony.readers.csv_long), so facts join on one integer. `rows_sql` is
    the caller's own fixed SQL over its temp tables, never text from a file."""
    con.execute(
        f"""
        INSERT INTO units
        -- Ids from the table, not a sequence: a sequence would move on even when the load is rolled back.
        -- Numbered in code order, so a PCN's practices get neighbouring ids: the daily rows are
        -- kept in id order (calls_by_band), and a page reading one PCN then skips the rest unread.
        SELECT (SELECT coalesce(max(unit_id), 0) FROM units)
               + row_number() OVER (ORDER BY region_code, icb_code, sub_icb_code, pcn_code, practice_code),
               practice_code, pcn_code, sub_icb_code, icb_code, region_code, geo_key
        FROM (SELECT DISTINCT *, {GEO_KEY} AS geo_key FROM ({rows_sql})) n
        WHERE geo_key NOT IN (SELECT geo_key FROM units)
        """
    )


def replace_overlaps(con: duckdb.DuckDBPyConnection, family: str, new_cov: str, report: LoadReport) -> None:
    """Remove earlier rows of `family` for the unit-months in temp table `new_cov` (month,
    unit_id), which the new file covers, and say so in `report`."""
    overlap = con.execute(
        f"""
        SELECT c.month, c.unit_id, c.source_id, s.file_name
        FROM coverage c JOIN {new_cov} n USING (month, unit_id)
        JOIN sources s ON s.source_id = c.source_id
        WHERE c.family = $family
        """,
        {"family": family},
    ).df()
    if overlap.empty:
        return
    con.register("overlap_df", overlap)
    con.execute(_DELETE_OVERLAP[family])
    con.execute(
        "DELETE FROM coverage c USING overlap_df o WHERE c.family = $family AND c.month = o.month "
        "AND c.unit_id = o.unit_id",
        {"family": family},
    )
    con.unregister("overlap_df")
    for (month, file_name), grp in overlap.groupby(["month", "file_name"]):
        report.overlaps.append(
            f"{pd.Timestamp(month):%B %Y}: {len(grp)} practice-months were already loaded from "
            f"'{file_name}'; this file's figures replace them (the later file wins)"
        )


def refresh_summaries(con: duckdb.DuckDBPyConnection, months: list[dt.date], tables=SUMMARIES,
                      bands: bool = True) -> None:
    """Rebuild the monthly summaries in `tables` for the months just touched, from their daily
    tables (all units), then `daily_month` from both summaries (small), and, with `bands` (the
    load changed calls_by_band), `area_day_band` for those months. A CSV load passes no
    tables: it has already updated its own summary for the units it covers (`upsert_summary`)."""
    if not months:
        return
    params = {"start": min(months), "end": (pd.Timestamp(max(months)) + pd.offsets.MonthBegin(1)).date()}
    if bands:
        con.execute("DELETE FROM area_day_band WHERE date >= $start AND date < $end", params)
        queries.run_load_step(con, "area_day_band_sums", **params)
    for table in tables:
        if table not in SUMMARIES:   # the table name goes into SQL text: a fixed allow-list
            raise ValueError(f"no summary table {table!r}")
        con.execute(f"DELETE FROM {table} WHERE month >= $start AND month < $end", params)
        queries.run_load_step(con, f"{table}_sums", **params)
        upsert_summary(con, table)
    con.execute("DELETE FROM daily_month WHERE month >= $start AND month < $end", params)
    queries.run_load_step(con, "refresh_daily_month", **params)


ALL_MONTHS = dt.date(1900, 1, 1)


def refresh_areas(con: duckdb.DuckDBPyConnection, since: dt.date | None = ALL_MONTHS) -> None:
    """Rewrite `area_unit_month_rows` (the pages' unit-months placed in their areas, read
    through the view `area_unit_month`) for every month from `since` on. Every load that can
    change units, monthly figures or list sizes ends with this, inside its transaction, from the
    first month it changed (a list size counts from its extract month on), so pages never see
    the table out of step with the facts. `since` None: nothing changed."""
    if since is None:
        return
    con.execute("DELETE FROM area_unit_month_rows WHERE month >= $since", {"since": since})
    queries.run_load_step(con, "area_unit_month_refresh", since=since)


def changed_since(con: duckdb.DuckDBPyConnection, source_id: int, months: list[str]) -> dt.date | None:
    """The first month a published file (`source_id`, its report's `months`, 'YYYY-MM') changed
    for `refresh_areas`: its earliest month of figures, or the month of its earliest list size."""
    listed = con.execute("SELECT date_trunc('month', min(extract_date))::DATE FROM list_sizes WHERE source_id = $s",
                         {"s": source_id}).fetchall()[0][0]
    firsts = [dt.date.fromisoformat(f"{m}-01") for m in months] + ([listed] if listed else [])
    return min(firsts) if firsts else None


def fill_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the tables derived for pages (`area_unit_month_rows`, `area_day_band`) where one is
    empty but what it derives from is not: a database (or an export) made before they existed."""
    no_areas, no_bands = con.execute(
        """SELECT NOT EXISTS (SELECT 1 FROM area_unit_month_rows) AND EXISTS (SELECT 1 FROM unit_month),
                  NOT EXISTS (SELECT 1 FROM area_day_band) AND EXISTS (SELECT 1 FROM calls_by_band)""").fetchall()[0]
    if no_areas:
        refresh_areas(con)
    if no_bands:
        first, last = con.execute("SELECT min(date), max(date) FROM calls_by_band").fetchall()[0]
        queries.run_load_step(con, "area_day_band_sums", start=first, end=last + dt.timedelta(days=1))


def upsert_summary(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Write `table` (band_month or bucket_month) for the unit-months in its temp sums table
    (band_sums, bucket_sums), replacing what it held for them; the temp table is dropped."""
    if table not in SUMMARIES:
        raise ValueError(f"no summary table {table!r}")
    queries.run_load_step(con, f"{table}_upsert")
    con.execute(f"DROP TABLE {table.replace('_month', '_sums')}")


def reconcile_daily(con: duckdb.DuckDBPyConnection, months: list[dt.date], report: LoadReport) -> None:
    """By Day and Time and By Durations must sum to the same all-indicator total each month."""
    for month in months:
        # Nothing to compare until both families cover the month (the first of the two zips
        # loaded): then the sums, each a scan of a month of daily rows, are not worked out.
        if not con.execute(
                """SELECT EXISTS (SELECT unit_id FROM coverage WHERE month = $m AND family = 'by_day_time'
                                  INTERSECT SELECT unit_id FROM coverage WHERE month = $m AND family = 'durations')""",
                {"m": month}).fetchall()[0][0]:
            continue
        row = con.execute(
            """
            WITH common AS (
                SELECT unit_id FROM coverage WHERE month = $m AND family = 'by_day_time'
                INTERSECT SELECT unit_id FROM coverage WHERE month = $m AND family = 'durations')
            SELECT (SELECT count(*) FROM common),
                   -- Dates as a range, not date_trunc(date) = $m: the range lets DuckDB skip
                   -- every other month's rows unread (a year's library held 12 times the work).
                   (SELECT sum(value) FROM calls_by_band WHERE date >= $m AND date < $m + INTERVAL 1 MONTH
                    AND unit_id IN (SELECT unit_id FROM common)),
                   -- Each indicator's TOTAL rows where it has any that day, else its buckets
                   -- (CBT003 may come both ways): counted once, as the monthly figures count it.
                   (SELECT sum(calls) FROM (
                        SELECT coalesce(sum(value) FILTER (WHERE bucket = 'TOTAL'), sum(value)) AS calls
                        FROM calls_by_bucket WHERE family = 'durations'
                          AND date >= $m AND date < $m + INTERVAL 1 MONTH
                          AND unit_id IN (SELECT unit_id FROM common)
                        GROUP BY unit_id, date, indicator))
            """,
            {"m": month},
        ).fetchall()[0]
        if row[0]:
            report.reconciliation.append({
                "check": f"{month:%B %Y}: By Day and Time total equals By Durations total "
                         f"(all indicators, {row[0]:,} practices and shared accounts in both)",
                "expected": float(row[1] or 0), "actual": float(row[2] or 0),
                "ok": (row[1] or 0) == (row[2] or 0),
            })


def record_reconciliation(con: duckdb.DuckDBPyConnection, source_id: int, report: LoadReport) -> None:
    """Store the report's reconciliation checks against the file (`source_id`)."""
    if report.reconciliation:
        frame = pd.DataFrame(report.reconciliation)
        con.register("rec_df", frame)
        con.execute(
            "INSERT INTO reconciliation SELECT $s, \"check\", expected, actual, ok FROM rec_df", {"s": source_id}
        )
        con.unregister("rec_df")


def note_list_size_matches(con: duckdb.DuckDBPyConnection, report: LoadReport, source_id: int | None = None) -> None:
    """Note how many practices with call data matched a list size (the list dated the 1st of
    the call month, or the nearest earlier one: see stg_unit_month): those that did not are
    left out of calls per 1,000 patients. For a file of call data (`source_id`), its own
    practices and months, once any list size is loaded; for a list-size file, every month
    of call data loaded."""
    if not con.execute("SELECT count(*) FROM list_sizes").fetchall()[0][0]:
        return
    with_data, matched = con.execute(
        """SELECT count(DISTINCT practice_code), count(DISTINCT practice_code) FILTER (WHERE patients > 0)
           FROM stg_unit_month m
           WHERE NOT is_shared AND inbound IS NOT NULL
             AND ($s IS NULL OR EXISTS (SELECT 1 FROM coverage c
                                        WHERE c.source_id = $s AND c.month = m.month AND c.unit_id = m.unit_id))""",
        {"s": source_id}).fetchall()[0]
    if with_data:
        report.notes.append(
            f"{matched:,} of {with_data:,} practices with call data matched a list size"
            + ("" if matched == with_data else
               f"; calls per 1,000 patients leave out the {with_data - matched:,} that did not"))
