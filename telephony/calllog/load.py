"""Load one supplier call log into the store, in the national definitions.

Every call read is loaded, left out as not inbound, or rejected with its row number and reason
(calls read = calls loaded + calls rejected + calls not inbound (left out); the load report checks
it against what landed in the tables). A call that is not an inbound call (outbound, internal) is
not an error in the file, so it is counted apart from the rejected and not listed among them. A
footer after the last call ('Total calls: 2357') is not a call: it is named in the report, and
where it states the number of calls, that number is checked against the calls read.

Where the calls go:
  * `call_log_slots`, `call_log_waits`, `call_log_callers`: every loaded call, for the views only
    call-level data allows (30-minute demand, waits in fine buckets, repeat callers);
  * the published fact tables (`calls_by_band`, `calls_by_bucket`, and so `daily_month`): the
    calls of practice-months that no published file covers, so every page works on them.

Precedence (the same practice and month in a published file and a call log):
  * published figures win for the monthly and daily pages, whichever is loaded first. If a
    workbook or practice-level CSV already covers the practice-month, the log's calls for it go
    to the call-level views only. If a published file arrives later, `yield_to_published` (run
    after every load by the CLI and the app) removes the log's rows for the practice-months it
    covers, matching practices by ODS code (a practice first seen in a log has a unit whose
    sub-ICB, ICB and region are guessed, so the published file's unit can differ). The load
    reports list every such overlap.
  * two call logs for the same practice-days: the later one replaces the earlier one's rows
    (logs covering different days of a month both stay).

Caller numbers are replaced by a salted SHA-256 as the file is scanned (telephony.calllog.read),
used to count repeat callers per practice and day, and dropped with the staging tables before
the load commits: no number and no hash of one is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from telephony import model, queries
from telephony.calllog.convert import positions, stage_calls
from telephony.calllog.fields import LABELS
from telephony.calllog.profile import Profile, ProfileError
from telephony.calllog.read import Layout, correct_row_numbers, detect_layout, drop_footer, stage_raw
from telephony.formats import is_real_pcn
from telephony.problems import FileProblem
from telephony.report import MAX_REJECTS_IN_REPORT, LoadReport

KIND = "call_log"
KIND_LABEL = "supplier call log"
PUBLISHED_FAMILIES = ("by_day_time", "answered_wait", "durations")
_TEMP = ("cl_raw", "cl_raw_scan", "cl_raw_arrow", "cl_calls", "cl_good", "cl_outcomes", "cl_sites", "cl_new_units",
         "cl_unit_map", "cl_days", "cl_replaced", "cl_published", "cl_fact_months", "cl_field_headers",
         "cl_blank_shift", "cl_schemes", "new_buckets")


@dataclass
class CallLogReport(LoadReport):
    """A load report whose rows are calls."""

    profile_name: str = ""
    not_inbound: int = 0          # calls left out as not inbound (outbound, internal); not among the rejected
    footers: list[str] = field(default_factory=list)     # lines after the last call that are not calls

    @property
    def kind_label(self) -> str:
        return KIND_LABEL + (f" (mapping '{self.profile_name}')" if self.profile_name else "")

    def lines(self) -> list[str]:
        out = super().lines()
        counts = f"  rows read {self.rows_read:,}; loaded {self.rows_loaded:,}; rejected {self.rows_rejected:,}"
        mine = (f"  calls read {self.rows_read:,}; loaded {self.rows_loaded:,}; rejected {self.rows_rejected:,}; "
                f"not inbound (left out) {self.not_inbound:,}")
        return [mine if line == counts else line for line in out]

    @property
    def counts(self) -> str:
        """Calls read = loaded + rejected + left out, in words."""
        return (f"Calls read {self.rows_read:,} = loaded {self.rows_loaded:,} + rejected {self.rows_rejected:,} "
                f"+ not inbound (left out) {self.not_inbound:,}.")


def session_salt() -> bytes:
    """A fresh random salt (keep one per session, in memory only)."""
    return secrets.token_bytes(16)


def _content_hash(path: Path, profile: Profile) -> str:
    """The file's content and the mapping: the same log mapped differently is a different load."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    h.update(json.dumps({k: v for k, v in profile.as_dict().items() if k != "name"}, sort_keys=True).encode())
    return h.hexdigest()


def _store_dir(store) -> Path:
    folder = getattr(store, "temp_dir", None)
    return Path(folder) if folder else Path(tempfile.gettempdir())


def _stage_file(path: Path, folder: Path, name: str) -> Path:
    """A link to (or copy of) the file inside the store's folder, where its sandboxed DuckDB
    connection may read it."""
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in Path(name).name)[:120] or "call_log.csv"
    target = folder / safe
    try:
        os.link(path, target)
    except OSError:
        shutil.copyfile(path, target)
    return target


def yield_to_published(store, report: LoadReport | None = None) -> int:
    """Remove call-log rows from the published fact tables for practice-months a published file
    (workbook or practice-level CSV) now covers, whatever unit either was loaded under. Run after
    loading a published file; the report of that file gets an overlap line per log. Returns the
    number of practice-months handed over. The call-level views keep the logs' calls."""
    con = store.con
    handed = con.execute(
        """WITH log_cov AS (
               SELECT DISTINCT c.month, c.unit_id, c.source_id, u.practice_code
               FROM coverage c JOIN sources s USING (source_id) JOIN units u USING (unit_id)
               WHERE s.kind = $kind),
           published AS (
               SELECT DISTINCT c.month, u.practice_code
               FROM coverage c JOIN sources s USING (source_id) JOIN units u USING (unit_id)
               WHERE s.kind <> $kind)
           SELECT l.month, l.unit_id, l.source_id FROM log_cov l JOIN published p USING (month, practice_code)""",
        {"kind": KIND}).df()
    if handed.empty:
        return 0
    con.register("cl_handed_df", handed)
    try:
        for table in ("calls_by_band", "bucket_counts"):
            con.execute(f"""DELETE FROM {table} t USING cl_handed_df h
                            WHERE t.unit_id = h.unit_id AND t.source_id = h.source_id
                              AND t.date >= h.month AND t.date < h.month + INTERVAL 1 MONTH""")
        con.execute("""DELETE FROM coverage c USING cl_handed_df h
                       WHERE c.unit_id = h.unit_id AND c.source_id = h.source_id AND c.month = h.month""")
        names = con.execute("""SELECT h.month, s.file_name, count(DISTINCT h.unit_id)
                               FROM cl_handed_df h JOIN sources s USING (source_id)
                               GROUP BY ALL ORDER BY 1, 2""").fetchall()
    finally:
        con.unregister("cl_handed_df")
    model.refresh_summaries(con, sorted({m.date() if hasattr(m, "date") else m for m in handed["month"]}))
    if report is not None:
        for month, file_name, units in names:
            report.overlaps.append(
                f"{pd.Timestamp(month):%B %Y}: the call log '{file_name}' gave the figures of {units} "
                f"practice-month{'s' if units != 1 else ''}; this file's published figures replace them on the "
                "monthly and daily pages (published figures win; the log's calls stay in the call-level views)")
    return len(handed.drop_duplicates(["month", "unit_id"]))


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for name in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    try:
        con.unregister("cl_raw_arrow")
    except Exception:  # noqa: BLE001 - not registered
        pass


def load_call_log(store, path: str | Path, profile: Profile, *, name: str | None = None,
                  salt: bytes | None = None) -> CallLogReport:
    """Load one call log (.csv or .xlsx) with its mapping profile. Never raises for a bad file or
    profile: the report says loaded, failed (nothing kept, the database as it was) or duplicate."""
    path = Path(path)
    report = CallLogReport(file_name=name or path.name, kind=KIND, profile_name=profile.name)
    started = time.perf_counter()
    con = store.con
    staged_dir: Path | None = None
    try:
        profile.validate(f"the mapping '{profile.name}'" if profile.name else "the mapping")
        profile.check_units("the mapping")
        sha = _content_hash(path, profile)
        seen = con.execute("SELECT file_name FROM sources WHERE sha256 = $sha AND status = 'loaded' LIMIT 1",
                           {"sha": sha}).fetchall()
        if seen:
            report.status = "duplicate"
            report.message = (f"the same call log with the same mapping was already loaded (as '{seen[0][0]}'); "
                              "nothing changed")
            return report
        layout = detect_layout(path)
        if layout.kind == "csv":
            staged_dir = Path(tempfile.mkdtemp(prefix="calllog-", dir=_store_dir(store)))
            path = _stage_file(path, staged_dir, report.file_name)
        con.execute("BEGIN TRANSACTION")
        try:
            source_id = con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchall()[0][0]
            report.source_id = source_id
            _load(store, path, layout, profile, source_id, report, salt or session_salt(), staged_dir)
            _drop_temp(con)
            model.refresh_areas(con)   # every month: simpler than tracking what a log and its precedence changed
            report.status = "loaded"
            report.rejects = con.execute(
                """SELECT location, row_number, column_name AS column, reason, raw FROM rejects
                   WHERE source_id = $s ORDER BY row_number LIMIT $n""",
                {"s": source_id, "n": MAX_REJECTS_IN_REPORT}).df().to_dict("records")
            report.seconds = round(time.perf_counter() - started, 3)
            con.execute("INSERT INTO sources VALUES ($id, $sha, $name, $kind, 'loaded', $msg, now(), $report)",
                        {"id": source_id, "sha": sha, "name": report.file_name, "kind": KIND,
                         "msg": report.message, "report": json.dumps(report.as_dict(), default=str)})
            con.execute("COMMIT")
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
    except (FileProblem, ProfileError) as exc:
        _failed(report, f"'{report.file_name}' {str(exc).rstrip('.')}. Nothing from this file was loaded."
                if isinstance(exc, FileProblem) else f"'{report.file_name}' was not loaded: {exc}.")
    except (duckdb.Error, OSError, ValueError, KeyError) as exc:
        _failed(report, f"'{report.file_name}' could not be loaded: {str(exc).splitlines()[0]}. "
                        "Nothing from this file was loaded.")
    finally:
        _drop_temp(con)
        if staged_dir is not None:
            shutil.rmtree(staged_dir, ignore_errors=True)
        report.seconds = round(time.perf_counter() - started, 3)
        store.reports.append(report)
    return report


def _failed(report: CallLogReport, message: str) -> None:
    report.status = "failed"
    report.message = message
    report.rows_read = report.rows_loaded = report.rows_rejected = report.not_inbound = 0
    report.footers = []
    report.rejects, report.overlaps, report.notes, report.reconciliation = [], [], [], []


def _scalar(con, sql: str, **params):
    return con.execute(sql, params).fetchall()[0][0]


def _load(store, path: Path, layout: Layout, profile: Profile, source_id: int, report: CallLogReport,
          salt: bytes, scratch: Path | None) -> None:
    con = store.con
    pos = positions(layout, profile)
    kept, empty = stage_raw(con, path, layout, caller=pos.get("caller"), salt=salt.hex(), temp_dir=scratch)
    footers = drop_footer(con, layout, "cl_raw")
    kept -= len(footers)
    report.footers = [f.text for f in footers]
    if kept == 0:
        raise FileProblem("has a header but no rows of calls")
    stage_calls(con, layout, profile, pos)
    con.execute("DROP TABLE cl_raw")        # the raw text goes as soon as each call is typed
    read, good, left_out = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE problem IS NULL), count(*) FILTER (WHERE left_out)
           FROM cl_calls""").fetchall()[0]
    if good == 0:
        first = con.execute("""SELECT row_number, problem FROM cl_calls ORDER BY row_number LIMIT 3""").fetchall()
        raise FileProblem("has no call that can be loaded with this mapping; for example "
                          + "; ".join(f"row {r}: {p}" for r, p in first))
    if read > good:
        correct_row_numbers(con, path, layout, "cl_calls", kept + empty + len(footers))
    _resolve_units(store, profile, report)
    con.execute("""CREATE OR REPLACE TEMP TABLE cl_good AS
                   SELECT c.*, u.unit_id FROM cl_calls c JOIN cl_unit_map u USING (practice_code)
                   WHERE c.problem IS NULL""")
    # Rejected rows: the column is named as in the file; the raw text is the offending cell only.
    con.execute("CREATE OR REPLACE TEMP TABLE cl_field_headers (field VARCHAR, header VARCHAR)")
    headers = [(f, layout.headers[i]) for f, i in pos.items()]
    if "site" not in pos:
        headers.append(("site", "practice (from the mapping)"))
    con.executemany("INSERT INTO cl_field_headers VALUES (?, ?)", headers)
    location = report.file_name + (f", sheet '{layout.sheet}'" if layout.sheet else "")
    con.execute(
        """INSERT INTO rejects
           SELECT $s, $location, c.row_number, coalesce(h.header, c.problem_field), c.problem, c.raw
           FROM cl_calls c LEFT JOIN (SELECT field, any_value(header) AS header FROM cl_field_headers GROUP BY field) h
                ON h.field = c.problem_field
           WHERE c.problem IS NOT NULL AND NOT c.left_out""",
        {"s": source_id, "location": location})
    rejected = read - good - left_out
    report.not_inbound = int(left_out)
    months_touched = _apply_precedence(store, source_id, report)

    with_waits = "wait" in pos
    with_durations = with_waits and "talk" in pos
    with_made = "callback_made" in pos
    queries.run_load_step(con, "calllog_insert_band", source=source_id, with_callback_made=with_made)
    queries.run_load_step(con, "calllog_new_buckets")
    queries.run_load_step(con, "intern_buckets")
    queries.run_load_step(con, "calllog_insert_buckets", source=source_id, with_waits=with_waits,
                          with_durations=with_durations, with_callback_made=with_made)
    families = ["by_day_time"] + (["answered_wait"] if with_waits else []) + (["durations"] if with_durations else [])
    for family in families:
        con.execute("INSERT OR REPLACE INTO coverage SELECT $f, month, unit_id, $s FROM cl_fact_months",
                    {"f": family, "s": source_id})
    queries.run_load_step(con, "calllog_insert_slots", source=source_id)
    queries.run_load_step(con, "calllog_insert_waits", source=source_id)
    if "caller" in pos:
        queries.run_load_step(con, "calllog_insert_callers", source=source_id)
    months_touched |= {r[0] for r in con.execute("SELECT DISTINCT month FROM cl_fact_months").fetchall()}
    if months_touched:
        model.refresh_summaries(con, sorted(months_touched))

    # ------------------------------------------------------------------ the report
    loaded = _scalar(con, "SELECT coalesce(sum(calls), 0) FROM call_log_slots WHERE source_id = $s", s=source_id)
    in_facts = _scalar(con, "SELECT coalesce(sum(value), 0) FROM calls_by_band WHERE source_id = $s AND indicator = 1",
                       s=source_id)
    views_only = _scalar(con, """SELECT count(*) FROM cl_good g
                                 WHERE NOT EXISTS (SELECT 1 FROM cl_fact_months f
                                                   WHERE f.unit_id = g.unit_id AND f.month = g.month)""")
    outcomes = _scalar(con, """SELECT coalesce(sum(value), 0) FROM calls_by_band
                               WHERE source_id = $s AND indicator IN (2, 3, 4, 5)""", s=source_id)
    report.rows_read, report.rows_loaded, report.rows_rejected = int(read), int(loaded), int(rejected)
    stated = [f for f in footers if f.calls is not None]
    if len(stated) == 1:
        report.reconciliation.append(
            {"check": f"calls read = the calls the file's footer states ('{stated[0].text[:60]}')",
             "expected": float(stated[0].calls), "actual": float(read), "ok": stated[0].calls == read})
    report.reconciliation += [
        {"check": "calls read = calls loaded + calls rejected + calls not inbound (left out)", "expected": float(read),
         "actual": float(loaded + rejected + left_out), "ok": read == loaded + rejected + left_out},
        {"check": "calls loaded = calls in the monthly figures + calls shown in the call-level views only "
                  "(where published figures win)", "expected": float(loaded), "actual": float(in_facts + views_only),
         "ok": loaded == in_facts + views_only},
        {"check": "every call in the monthly figures has exactly one national outcome (CBT001 = CBT002 + CBT003 "
                  "+ CBT004 + CBT005)", "expected": float(in_facts), "actual": float(outcomes),
         "ok": in_facts == outcomes},
    ]
    if report.reconciliation:
        frame = pd.DataFrame(report.reconciliation)
        con.register("cl_rec_df", frame)
        con.execute("INSERT INTO reconciliation SELECT $s, \"check\", expected, actual, ok FROM cl_rec_df",
                    {"s": source_id})
        con.unregister("cl_rec_df")
    report.months = [f"{m:%Y-%m}" for (m,) in con.execute("SELECT DISTINCT month FROM cl_good ORDER BY 1").fetchall()]
    stats = con.execute("""SELECT count(DISTINCT g.practice_code), list(DISTINCT u.pcn_code)
                           FROM cl_good g JOIN units u USING (unit_id)""").fetchall()[0]
    report.practices = int(stats[0])
    report.pcns = sum(is_real_pcn(c) for c in stats[1] or [])
    _notes(con, report, pos, profile, empty, in_facts)


def _resolve_units(store, profile: Profile, report: CallLogReport) -> None:
    """`cl_unit_map` (practice_code -> unit_id) for every practice with calls. A practice already
    loaded keeps its unit (so its calls and its published figures are the same practice);
    otherwise its PCN comes from the practice-to-PCN files loaded, or from the mapping."""
    con = store.con
    codes = [r[0] for r in con.execute(
        "SELECT DISTINCT practice_code FROM cl_calls WHERE problem IS NULL ORDER BY 1").fetchall()]
    rows, missing = [], []
    for code in codes:
        known = con.execute(
            r"""SELECT u.practice_code, u.pcn_code, u.sub_icb_code, u.icb_code, u.region_code
                FROM units u LEFT JOIN coverage c USING (unit_id) WHERE u.practice_code = $p
                GROUP BY u.practice_code, u.pcn_code, u.sub_icb_code, u.icb_code, u.region_code
                ORDER BY regexp_full_match(u.pcn_code, 'U\d{5}') DESC, max(c.month) DESC NULLS LAST
                LIMIT 1""", {"p": code}).fetchall()
        if known:
            rows.append(known[0])
            if profile.pcn and profile.pcn != known[0][1] and is_real_pcn(known[0][1]):
                report.notes.append(f"The mapping gives PCN {profile.pcn}, but the files already loaded place this "
                                    f"practice in {known[0][1]}; the loaded files' PCN is used.")
            continue
        member = con.execute(
            """SELECT pcn_code FROM pcn_membership WHERE practice_code = $p
               ORDER BY valid_to IS NULL DESC, valid_to DESC, source_id DESC LIMIT 1""", {"p": code}).fetchall()
        pcn = member[0][0] if member else profile.pcn
        if not pcn:
            missing.append(code)
            continue
        geo = con.execute(
            """SELECT mode(sub_icb_code), mode(icb_code), mode(region_code) FROM units
               WHERE pcn_code = $pcn AND practice_code <> 'Unassigned'""", {"pcn": pcn}).fetchall()[0]
        rows.append((code, pcn, geo[0] or "Unmapped", geo[1] or "Unmapped", geo[2] or "Unmapped"))
    if missing:
        raise FileProblem(
            f"has calls for {', '.join(missing)}, whose PCN is not known: load the practice-to-PCN mapping file "
            "(gp-reg-pat-prac-map) or the practice's published figures first, or give the PCN code in the mapping")
    con.execute("""CREATE OR REPLACE TEMP TABLE cl_new_units (practice_code VARCHAR, pcn_code VARCHAR,
                   sub_icb_code VARCHAR, icb_code VARCHAR, region_code VARCHAR)""")
    con.executemany("INSERT INTO cl_new_units VALUES (?, ?, ?, ?, ?)", rows)
    model.intern_units(con, "SELECT practice_code, pcn_code, sub_icb_code, icb_code, region_code FROM cl_new_units")
    con.execute("""CREATE OR REPLACE TEMP TABLE cl_unit_map AS
                   SELECT n.practice_code, u.unit_id FROM cl_new_units n
                   JOIN units u USING (practice_code, pcn_code, sub_icb_code, icb_code, region_code)""")


def _apply_precedence(store, source_id: int, report: CallLogReport) -> set[dt.date]:
    """Replace earlier call logs' rows for the same practice-days; keep published figures for the
    practice-months they cover (`cl_fact_months`: the practice-months whose calls go into the
    published fact tables). Returns the months whose fact rows changed here."""
    con = store.con
    con.execute("CREATE OR REPLACE TEMP TABLE cl_days AS SELECT DISTINCT unit_id, date, month FROM cl_good")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE cl_replaced AS
           SELECT DISTINCT s.source_id, d.unit_id, d.date, d.month
           FROM call_log_slots s JOIN cl_days d USING (unit_id, date)""")
    replaced = con.execute(
        """SELECT src.file_name, count(*) FROM cl_replaced r JOIN sources src USING (source_id)
           GROUP BY src.file_name ORDER BY 1""").fetchall()
    for file_name, days in replaced:
        report.overlaps.append(f"{days:,} practice-days were already loaded from the call log '{file_name}'; this "
                               "log's calls replace them (the later call log wins)")
    touched = {r[0] for r in con.execute("SELECT DISTINCT month FROM cl_replaced").fetchall()}
    for table in ("call_log_slots", "call_log_waits", "call_log_callers"):
        con.execute(f"DELETE FROM {table} t USING cl_replaced r WHERE t.unit_id = r.unit_id AND t.date = r.date")
    for table in ("calls_by_band", "bucket_counts"):
        con.execute(f"""DELETE FROM {table} t USING cl_replaced r
                        WHERE t.unit_id = r.unit_id AND t.date = r.date AND t.source_id = r.source_id""")
    # A replaced log's practice-months that now hold none of its days leave the coverage table.
    con.execute(
        """DELETE FROM coverage c USING (SELECT DISTINCT source_id, unit_id, month FROM cl_replaced) r
           WHERE c.source_id = r.source_id AND c.unit_id = r.unit_id AND c.month = r.month
             AND NOT EXISTS (SELECT 1 FROM call_log_slots s WHERE s.source_id = r.source_id
                             AND s.unit_id = r.unit_id AND date_trunc('month', s.date) = r.month)""")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE cl_published AS
           SELECT DISTINCT c.month, c.unit_id, c.source_id
           FROM coverage c JOIN sources src USING (source_id)
           JOIN (SELECT DISTINCT unit_id, month FROM cl_days) m USING (unit_id, month)
           WHERE src.kind <> $kind""", {"kind": KIND})
    published = con.execute(
        """SELECT p.month, count(DISTINCT p.unit_id), list(DISTINCT src.file_name ORDER BY src.file_name)
           FROM cl_published p JOIN sources src USING (source_id) GROUP BY p.month ORDER BY 1""").fetchall()
    for month, units, files in published:
        named = ", ".join(f"'{f}'" for f in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        report.overlaps.append(
            f"{pd.Timestamp(month):%B %Y}: {units} practice-month{'s' if units != 1 else ''} already "
            f"{'have' if units != 1 else 'has'} published figures (from {named}), which win on the monthly and "
            "daily pages; this log's calls for them show in the call-level views only")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE cl_fact_months AS
           SELECT DISTINCT unit_id, month FROM cl_days
           EXCEPT SELECT unit_id, month FROM cl_published""")
    return touched


def _notes(con, report: CallLogReport, pos: dict[str, int], profile: Profile, empty: int, in_facts: int) -> None:
    if report.not_inbound:
        words = con.execute("""SELECT raw, count(*) FROM cl_calls WHERE left_out GROUP BY raw
                               ORDER BY count(*) DESC, raw LIMIT 6""").fetchall()
        said = ", ".join(f"'{w}' {n:,}" for w, n in words[:5]) + (", ..." if len(words) > 5 else "")
        report.notes.append(f"{report.not_inbound:,} calls are not inbound (left out): outbound or internal calls "
                            f"({said}). The national figures count external inbound calls only, so they are not "
                            "rejected rows either.")
    for footer in report.footers:
        report.notes.append(f"The line '{footer}' after the last call is a footer, not a call: it was not read "
                            "as one.")
    if empty:
        report.notes.append(f"{empty:,} empty rows were skipped (not calls).")
    if in_facts:
        report.notes.append(f"{in_facts:,} calls are in the monthly and daily figures of every page (practice-months "
                            "with no published file).")
    partial = con.execute(
        """SELECT month, min(date), max(date) FROM cl_good JOIN cl_fact_months USING (unit_id, month)
           GROUP BY month
           HAVING min(date) > month + INTERVAL 2 DAY OR max(date) < month + INTERVAL 1 MONTH - INTERVAL 3 DAY
           ORDER BY month""").fetchall()
    for month, first, last in partial:
        report.notes.append(f"{pd.Timestamp(month):%B %Y}: the log runs from {first:%d %b} to {last:%d %b} only, "
                            "so that month's figures cover part of the month.")
    if "wait" not in pos:
        report.notes.append("No wait column is mapped: answered and missed waits are not known for these calls.")
    elif "talk" not in pos:
        report.notes.append("No talk-time column is mapped: call durations (and, with them, missed calls' waits in "
                            "the monthly figures) are not known for these calls.")
    if "callback_made" not in pos:
        report.notes.append("No callback-made column is mapped: callbacks made (CBT006) count as 0 for these calls, "
                            "so 'callbacks made ÷ requested' is not meaningful for them.")
    if "caller" in pos:
        with_number = _scalar(con, "SELECT count(*) FROM cl_good WHERE caller_key IS NOT NULL")
        report.notes.append(f"Repeat callers were counted from {with_number:,} calls with a caller number. The numbers "
                            "were hashed with this session's random salt while reading and then dropped: no number "
                            "and no hash of one is stored.")
    mapped = {LABELS[f] for f in pos}
    report.notes.append("Columns used: " + ", ".join(sorted(mapped)) + ".")
