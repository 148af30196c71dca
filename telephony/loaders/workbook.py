"""Loader for NHS England's monthly Publication Summary workbook: practice-month figures,
Table 1 (national month) and Table 2 (national by time band), each table reconciled with its
own national Total row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from telephony import model
from telephony.formats import SHARED_ACCOUNT, is_real_pcn
from telephony.isolate import run_isolated
from telephony.readers import reference
from telephony.readers.sniff import Detected
from telephony.readers.workbook import COUNT_FIELDS, read_workbook
from telephony.report import LoadReport


def load(ctx, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
    """Load one workbook (`ctx`: a telephony.loaders.LoadContext)."""
    ctx.progress(0.1, "Reading the workbook's tables")
    # In a child process with a memory cap (telephony.isolate); detect() has checked the extent.
    data = run_isolated(read_workbook, path, True)
    ctx.progress(0.7, "Loading and reconciling with the national totals")
    pm = data.practice_month
    con = ctx.con
    con.register("wb_df", pm)
    model.intern_units(con, "SELECT practice_code, pcn_code, sub_icb_code, icb_code, region_code FROM wb_df")
    for level in ("practice", "pcn", "sub_icb", "icb", "region"):
        reference.save_names(con, level, pm[pm["practice_code"] != SHARED_ACCOUNT] if level == "practice" else pm,
                             f"{level}_code", f"{level}_name", source_id)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE wb_units AS
           SELECT w.*, u.unit_id FROM (SELECT *, {model.GEO_KEY} AS geo_key FROM wb_df) w
           JOIN units u USING (geo_key)"""
    )
    con.unregister("wb_df")
    con.execute("CREATE OR REPLACE TEMP TABLE wb_cov AS SELECT DISTINCT month, unit_id FROM wb_units")
    model.replace_overlaps(con, "workbook", "wb_cov", report)
    sums = ", ".join(f"sum({f}) AS {f}" for f in COUNT_FIELDS)
    con.execute(
        f"""INSERT INTO workbook_month
            SELECT month, unit_id, {sums}, $s FROM wb_units GROUP BY month, unit_id""",
        {"s": source_id},
    )
    con.execute("INSERT INTO coverage SELECT 'workbook', month, unit_id, $s FROM wb_cov", {"s": source_id})
    if not data.national_month.empty:
        con.register("t1_df", data.national_month)
        con.execute("INSERT OR REPLACE INTO national_month SELECT month, measure, value, $s FROM t1_df",
                    {"s": source_id})
        con.unregister("t1_df")
    if not data.national_by_band.empty:
        con.register("t2_df", data.national_by_band)
        con.execute("DELETE FROM national_by_band WHERE date IN (SELECT DISTINCT date FROM t2_df)")
        con.execute("INSERT INTO national_by_band SELECT date, band, value, $s FROM t2_df", {"s": source_id})
        con.unregister("t2_df")
    if data.rejects:
        rej = pd.DataFrame([r.as_dict() for r in data.rejects])
        con.register("rej_df", rej)
        con.execute("INSERT INTO rejects SELECT $s, location, row_number, \"column\", reason, raw FROM rej_df",
                    {"s": source_id})
        con.unregister("rej_df")
    # Reconcile what was loaded against each table's national Total row.
    for sheet, totals in data.totals.items():
        for field, expected in totals.items():
            actual = float(pm[field].sum()) if field in pm else 0.0
            report.reconciliation.append(
                {"check": f"{sheet} national Total row, {field.replace('_', ' ')}",
                 "expected": float(expected), "actual": actual, "ok": actual == float(expected)}
            )
    model.record_reconciliation(con, source_id, report)
    report.notes += data.notes
    report.notes.append("Rows with a practice code: " + "; ".join(
        f"{sheet} {read:,} read, {loaded:,} loaded, {rejected:,} rejected"
        for sheet, (read, loaded, rejected) in data.table_rows.items()))
    report.months = [f"{data.month:%Y-%m}"]
    report.rows_read = data.rows_read
    report.rows_loaded = data.rows_read - len(data.rejects)
    named = pm[pm["practice_code"] != SHARED_ACCOUNT]
    report.practices = int(named["practice_code"].nunique())
    report.pcns = int(sum(is_real_pcn(c) for c in pm["pcn_code"].unique()))
    report.notes.append(
        f"{report.practices:,} practices have their own rows. NHS England's 'practices included' count "
        "(Table 1) also counts practices whose calls come through a shared phone account, so it is higher."
    )
    shared = pm[pm["practice_code"] == SHARED_ACCOUNT]
    if not shared.empty:
        report.notes.append(
            f"{len(shared)} shared phone accounts ('Unassigned', {int(shared['inbound'].sum()):,} inbound "
            "calls) are kept and reported separately; they count in a PCN only where published with a PCN code"
        )
    con.execute("DROP TABLE wb_units; DROP TABLE wb_cov")
    model.note_list_size_matches(con, report, source_id)
