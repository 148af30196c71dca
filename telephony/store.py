"""The DuckDB store: one database per session (or per `--db` file), loaded file by file.

Each file loads inside one transaction: it either lands whole (valid rows loaded, invalid rows
in `rejects`) or, if it cannot be read at all, leaves the database exactly as it was.

Precedence when two files cover the same practice (unit) and month:
  * the same file content twice: the second is a no-op, reported as a duplicate;
  * two files of the same kind (two workbooks, or two By Day and Time CSVs, a reissue say): the
    file loaded later replaces the earlier one's rows for the unit-months both cover;
  * a workbook and CSVs for the same unit-month: monthly outcomes come from the workbook (the
    official summary, reconciled to its own national totals); the CSVs still give the daily and
    time-band detail. See the `unit_month` view in queries/staging.sql.
Every overlap is written into the load report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
import weakref
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd
from zlib_ng import zlib_ng

from telephony import limits, metrics, queries, tempdirs
from telephony.isolate import run_isolated
from telephony.holidays import BANK_HOLIDAYS_ENGLAND
from telephony.formats import SHARED_ACCOUNT, is_real_pcn
from telephony.problems import FileProblem
from telephony.readers import csv_long, reference
from telephony.readers.sniff import CsvShape, Detected, TextCheck, TextFacts, detect
from telephony.readers.workbook import COUNT_FIELDS, read_workbook
from telephony.report import MAX_REJECTS_IN_REPORT, LoadReport

SCHEMA = Path(__file__).with_name("schema.sql")
STAGING = queries.QUERY_DIR / "staging" / "views.sql"

# Size and decompression guards: telephony/limits.py (README, "Limits").
LOG = logging.getLogger(__name__)
# Kinds DuckDB reads straight from the file (so the file must sit inside the store's sandbox).
_READ_BY_DUCKDB = {"by_day_time", "by_durations", "answered_metric", "list_size", "practice_map"}
# What each detected kind is usually called, to note a file whose name says otherwise.
_USUAL_SUFFIXES = {"summary_workbook": (".xlsx",), "epcn": (".xlsx",), "csv_zip": (".zip",)}

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


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _month_label(d: dt.date) -> str:
    return f"{d:%Y-%m}"


class Store:
    def __init__(self, path: str | Path | None = None, temp_dir: str | Path | None = None,
                 snapshot: str | Path | None = None, read_dirs=(), spill_to: str | Path | None = None):
        """Open (or create) a store. `snapshot`: a database file to copy into this one first (the
        copy is independent: nothing written here reaches the snapshot).

        File access is sandboxed once the store is open: the connection can read and write only
        inside `temp_dir` (its own temporary folder; one is made, and removed with the store, if
        none is given) and `read_dirs`. DuckDB refuses anything else (`read_csv('/etc/passwd')`,
        `COPY ... TO`, `ATTACH`, extensions), and the setting cannot be turned back on. Files
        to load from elsewhere are linked or copied into `temp_dir` for the duration of the load.

        `spill_to` (an in-memory store only): a database file inside `temp_dir` that the store moves
        to, before a load, when what it holds in memory plus the new file could pass
        `limits.MEMORY_STORE_BYTES`. Until then everything stays in memory, which loads and
        queries fastest; after, DuckDB keeps the data compressed on disk and pages in what a
        query needs, so many months fit a laptop."""
        self.path = str(path) if path else ":memory:"
        self.spill_to = Path(spill_to).resolve() if spill_to and not path else None
        self._cleanup = None
        if temp_dir is None:
            # Removed by close(), else when the store is collected or the process exits
            # (telephony.tempdirs); a later process sweeps it if this one is killed.
            temp_dir = tempdirs.make("cbt-store-")
            self._cleanup = weakref.finalize(self, tempdirs.remove, temp_dir)
        self.temp_dir = Path(temp_dir).resolve()
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self.read_dirs = [Path(d).resolve() for d in read_dirs]
        self.reports: list[LoadReport] = []
        self._progress = _no_progress
        self._connect(snapshot)

    def _connect(self, snapshot: str | Path | None = None) -> None:
        self.con = duckdb.connect(self.path)
        self.con.execute("SET enable_progress_bar = false")   # it would print over the CLI's output
        # Spills go to the store's own folder (a file database would otherwise use '<db>.tmp').
        self.con.execute("SET temp_directory = $d", {"d": str(self.temp_dir / "db")})
        if snapshot:
            self.con.execute("ATTACH $p AS snapshot (READ_ONLY)", {"p": str(snapshot)})
            self.con.execute("COPY FROM DATABASE snapshot TO memory")
            self.con.execute("DETACH snapshot")
        self.con.execute(SCHEMA.read_text(encoding="utf-8"))
        self.con.execute("DELETE FROM bank_holidays")
        self.con.executemany("INSERT INTO bank_holidays VALUES (?, ?)", list(BANK_HOLIDAYS_ENGLAND.items()))
        # The measures' SQL comes from the registry (telephony/metrics.py), its one definition.
        self.con.execute(metrics.staging_sql(STAGING.read_text(encoding="utf-8")))
        csv_long.install(self.con)
        self._sandbox()

    def _sandbox(self) -> None:
        """Allow file access only inside the store's folders. Once external access is off,
        DuckDB refuses to turn it on again or to change the allowed directories."""
        allowed = [f"{d}{os.sep}" for d in (self.temp_dir, *self.read_dirs)]
        self.con.execute("SET allowed_directories = $dirs", {"dirs": allowed})
        self.con.execute("SET enable_external_access = false")

    def in_memory_bytes(self) -> int:
        """Bytes of table data this store holds in memory (0 once it lives in a file)."""
        if self.path != ":memory:":
            return 0
        return int(self.con.execute(
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'"
        ).fetchall()[0][0])

    def _make_room(self, incoming: int) -> None:
        """Move an in-memory store to its `spill_to` file if `incoming` more bytes could take it
        past `limits.MEMORY_STORE_BYTES`. The copy is DuckDB's own (COPY FROM DATABASE), inside
        the sandbox; the connection is then reopened on the file, sandboxed again."""
        if self.spill_to is None or self.in_memory_bytes() + incoming <= limits.MEMORY_STORE_BYTES:
            return
        self._progress(0.02, "Moving this session's data to a database file (it no longer fits in memory)")
        try:
            self.con.execute("ATTACH $p AS spill", {"p": str(self.spill_to)})
            self.con.execute("COPY FROM DATABASE memory TO spill")
            self.con.execute("DETACH spill")
        except duckdb.Error:
            # Nothing has changed in memory: drop the half-written file and say why the load stopped.
            with contextlib.suppress(duckdb.Error):
                self.con.execute("DETACH DATABASE IF EXISTS spill")
            for part in self.spill_to.parent.glob(f"{self.spill_to.name}*"):
                part.unlink(missing_ok=True)
            raise
        self.con.close()
        self.path, self.spill_to = str(self.spill_to), None
        self._connect()
        LOG.info("store moved to %s", self.path)

    def _readable(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(d) for d in (self.temp_dir, *self.read_dirs))

    # ------------------------------------------------------------------ queries
    def query(self, name: str, **params) -> pd.DataFrame:
        return queries.run(self.con, name, **params)

    def close(self) -> None:
        """Close the database; a temporary folder the store made for itself goes with it."""
        self.con.close()
        if self._cleanup is not None:
            self._cleanup()

    # ------------------------------------------------------------------ loading
    def load_many(self, paths, names=None) -> list[LoadReport]:
        names = names or [None] * len(paths)
        return [self.load(p, n) for p, n in zip(paths, names)]

    def load(self, path: str | Path, name: str | None = None, progress=None) -> LoadReport:
        """Load one file of any supported kind. Never raises for a bad file: the report says
        loaded, failed (nothing from the file kept, the database exactly as it was) or duplicate.
        `progress(fraction, text)`, if given, is called as the load moves through its steps."""
        self._progress = progress or _no_progress
        path = Path(path)
        report = LoadReport(file_name=name or path.name)
        started = time.perf_counter()
        staged_dir: Path | None = None
        try:
            size = path.stat().st_size
            if size > limits.MAX_FILE_BYTES:
                raise FileProblem(
                    f"is {limits.size_text(size)}; files of at most {limits.size_text(limits.MAX_FILE_BYTES)} "
                    "are read (see Limits in the README). A national month's CSVs come as a zip, which is "
                    "much smaller"
                )
            sha = _sha256(path)
            seen = self.con.execute(
                "SELECT file_name FROM sources WHERE sha256 = $sha AND status = 'loaded' LIMIT 1", {"sha": sha}
            ).fetchall()
            if seen:
                report.status = "duplicate"
                report.message = f"the same content was already loaded (as '{seen[0][0]}'); nothing changed"
                return report
            self._make_room(_expanded_size(path))
            detected = detect(path)
            report.kind = detected.kind
            self._progress(0.05, f"Recognised as {report.kind_label}")
            if detected.kind in _READ_BY_DUCKDB and (not self._readable(path) or path.name != _disk_name(report.file_name)):
                # DuckDB reads this one itself: give it a copy inside the sandbox, named as the
                # user named it (reject locations show that name).
                staged_dir = Path(tempfile.mkdtemp(prefix="in-", dir=self.temp_dir))
                path = _link_or_copy(path, staged_dir / _disk_name(report.file_name))
            self.con.execute("BEGIN TRANSACTION")
            try:
                # Not nextval(): a sequence moves on even when the load is rolled back, and a
                # failed file must leave the database exactly as it was.
                source_id = self.con.execute(
                    "SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchall()[0][0]
                report.source_id = source_id
                self._load_detected(path, detected, source_id, report)
                report.status = "loaded"
                report.rows_rejected = self.con.execute(
                    "SELECT count(*) FROM rejects WHERE source_id = $s", {"s": source_id}
                ).fetchall()[0][0]
                report.rejects = (
                    self.con.execute(
                        "SELECT location, row_number, column_name AS column, reason, raw FROM rejects "
                        "WHERE source_id = $s ORDER BY location, row_number LIMIT $n",
                        {"s": source_id, "n": MAX_REJECTS_IN_REPORT},
                    )
                    .df()
                    .to_dict("records")
                )
                note = _name_note(report.file_name, detected.kind)
                if note:
                    report.notes.append(note)
                report.seconds = round(time.perf_counter() - started, 3)
                self.con.execute(
                    "INSERT INTO sources VALUES ($id, $sha, $name, $kind, 'loaded', $msg, now(), $report)",
                    {
                        "id": source_id, "sha": sha, "name": report.file_name, "kind": report.kind,
                        "msg": report.message, "report": json.dumps(report.as_dict(), default=str),
                    },
                )
                self.con.execute("COMMIT")
            except BaseException:
                _rollback(self.con)
                raise
            self._published_wins(report)
        except FileProblem as exc:
            _failed(report, f"'{report.file_name}' {str(exc).rstrip('.')}. Nothing from this file was loaded.")
        except (duckdb.Error, OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            _failed(report, f"'{report.file_name}' could not be loaded: {_first_line(exc)}. "
                            "Nothing from this file was loaded.")
        except Exception as exc:  # a bug, not the file's fault: still no traceback for the user
            LOG.exception("unexpected error loading %r", report.file_name)
            _failed(report, f"'{report.file_name}' could not be loaded because of an unexpected problem in this "
                            f"app ({type(exc).__name__}: {_first_line(exc)}). Nothing from this file was loaded. "
                            "Please report this, with the file if you can share it.")
        finally:
            if staged_dir is not None:
                shutil.rmtree(staged_dir, ignore_errors=True)
            report.seconds = round(time.perf_counter() - started, 3)
            self.reports.append(report)
        return report

    def _published_wins(self, report: LoadReport) -> None:
        """Published figures win over a call log for the practice-months both cover, whichever was
        loaded first (telephony.calllog.load.yield_to_published). Every published load ends here,
        so no caller can forget it."""
        from telephony.calllog.load import yield_to_published   # calllog builds on the store

        self.con.execute("BEGIN TRANSACTION")
        try:
            yield_to_published(self, report)
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            _rollback(self.con)
            LOG.exception("handing call-log months to %r failed", report.file_name)
            report.notes.append(f"Call logs loaded earlier could not be checked against this file ({_first_line(exc)}); "
                                "figures for practices in both may be counted twice. Reload the call logs after it.")

    def _load_detected(self, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
        kind = detected.kind
        if kind == "summary_workbook":
            self._load_workbook(path, source_id, report)
        elif kind in csv_long.FAMILY_COLUMNS:
            self._load_long_csvs([(path.name, path, detected.shape)], source_id, report)
        elif kind == "csv_zip":
            self._load_zip(path, detected, source_id, report)
        elif kind == "list_size":
            reference.load_list_sizes(self.con, path, detected.shape, source_id, report)
            self._note_list_size_matches(report)
        elif kind == "practice_map":
            reference.load_practice_map(self.con, path, detected.shape, source_id, report)
        elif kind == "epcn":
            reference.load_epcn(self.con, path, source_id, report)
        else:  # pragma: no cover - detect() only returns the kinds above
            raise FileProblem(f"is of a kind the store cannot load ({kind})")

    # ------------------------------------------------------------------ units and names
    def _intern_units(self, rows_sql: str) -> None:
        """Add any new units among the rows `rows_sql` selects (columns named as in `units`).
        Units are found by `geo_key`, the hash of the five codes, which CSV staging computes in
        its one scan (telephony.readers.csv_long), so facts join on one integer."""
        self.con.execute(
            f"""
            INSERT INTO units
            -- Ids from the table, not a sequence: a sequence would move on even when the load is rolled back.
            SELECT (SELECT coalesce(max(unit_id), 0) FROM units) + row_number() OVER (),
                   practice_code, pcn_code, sub_icb_code, icb_code, region_code, geo_key
            FROM (SELECT DISTINCT *, {GEO_KEY} AS geo_key FROM ({rows_sql})) n
            WHERE geo_key NOT IN (SELECT geo_key FROM units)
            """
        )

    def _replace_overlaps(self, family: str, new_cov: str, source_id: int, report: LoadReport) -> None:
        """Remove earlier rows of `family` for the unit-months the new file covers, and say so."""
        overlap = self.con.execute(
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
        self.con.register("overlap_df", overlap)
        self.con.execute(_DELETE_OVERLAP[family])
        self.con.execute(
            "DELETE FROM coverage c USING overlap_df o WHERE c.family = $family AND c.month = o.month "
            "AND c.unit_id = o.unit_id",
            {"family": family},
        )
        self.con.unregister("overlap_df")
        for (month, file_name), grp in overlap.groupby(["month", "file_name"]):
            report.overlaps.append(
                f"{pd.Timestamp(month):%B %Y}: {len(grp)} practice-months were already loaded from "
                f"'{file_name}'; this file's figures replace them (the later file wins)"
            )

    # ------------------------------------------------------------------ workbook
    def _load_workbook(self, path: Path, source_id: int, report: LoadReport) -> None:
        self._progress(0.1, "Reading the workbook's tables")
        # In a child process with a memory cap (telephony.isolate); detect() has checked the extent.
        data = run_isolated(read_workbook, path, True)
        self._progress(0.7, "Loading and reconciling with the national totals")
        pm = data.practice_month
        con = self.con
        con.register("wb_df", pm)
        self._intern_units("SELECT practice_code, pcn_code, sub_icb_code, icb_code, region_code FROM wb_df")
        for level in ("practice", "pcn", "sub_icb", "icb", "region"):
            reference.save_names(con, level, pm[pm["practice_code"] != SHARED_ACCOUNT] if level == "practice" else pm,
                                 f"{level}_code", f"{level}_name", source_id)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE wb_units AS
               SELECT w.*, u.unit_id FROM (SELECT *, {GEO_KEY} AS geo_key FROM wb_df) w
               JOIN units u USING (geo_key)"""
        )
        con.unregister("wb_df")
        con.execute("CREATE OR REPLACE TEMP TABLE wb_cov AS SELECT DISTINCT month, unit_id FROM wb_units")
        self._replace_overlaps("workbook", "wb_cov", source_id, report)
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
        self._record_reconciliation(source_id, report)
        report.notes += data.notes
        report.notes.append("Rows with a practice code: " + "; ".join(
            f"{sheet} {read:,} read, {loaded:,} loaded, {rejected:,} rejected"
            for sheet, (read, loaded, rejected) in data.table_rows.items()))
        report.months = [_month_label(data.month)]
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
        self._note_list_size_matches(report, source_id)

    def _record_reconciliation(self, source_id: int, report: LoadReport) -> None:
        if report.reconciliation:
            frame = pd.DataFrame(report.reconciliation)
            self.con.register("rec_df", frame)
            self.con.execute(
                "INSERT INTO reconciliation SELECT $s, \"check\", expected, actual, ok FROM rec_df", {"s": source_id}
            )
            self.con.unregister("rec_df")

    # ------------------------------------------------------------------ CSV families
    def _load_zip(self, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
        with tempfile.TemporaryDirectory(dir=self.temp_dir) as tmp:
            total = 0
            for info in detected.infos:   # guard on the sizes the zip declares, before expanding
                ratio = info.file_size / max(info.compress_size, 1)
                total += info.file_size
                if (info.file_size > limits.MAX_MEMBER_BYTES or total > limits.MAX_ZIP_BYTES
                        or ratio > limits.MAX_RATIO):
                    raise FileProblem(
                        f"holds '{info.filename}', which would expand to {limits.size_text(info.file_size)} "
                        f"({ratio:,.0f} times its compressed size). Not expanded: {limits.zip_limits_text()} "
                        "(see Limits in the README)"
                    )
            names = _member_names(detected.infos)
            for name, info in zip(names, detected.infos):
                if name != info.filename:
                    report.notes.append(
                        f"the zip holds more than one file named '{info.filename}'; each was read (this one is "
                        f"called '{name}' in this report). Rows that repeat an earlier file's are rejected as repeats")
            targets = [Path(tmp) / f"member_{i}.csv" for i in range(len(detected.infos))]
            self._progress(0.1, f"Expanding {len(targets)} CSV file(s) from the zip")
            # Inflating releases the GIL: members expand in parallel, each through its own handle.
            # Each is expanded from its own zip entry, never looked up by name (two may share one).
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                facts = list(pool.map(lambda job: _extract(path, job[0], job[1]), zip(detected.infos, targets)))
            members = [(name, target, shape) for name, (_, shape), target in zip(names, detected.members, targets)]
            kinds = {shape.kind for _, _, shape in members}
            report.kind = kinds.pop() if len(kinds) == 1 else "csv_zip"
            for skipped in detected.skipped:
                report.notes.append(f"zip member {skipped} was not read")
            self._load_long_csvs(members, source_id, report,
                                 facts={str(t): f for t, f in zip(targets, facts)})

    def _load_long_csvs(self, members: list[tuple[str, Path, CsvShape]], source_id: int,
                        report: LoadReport, facts=None) -> None:
        """Load CSVs of the three families (`members`: name to report, path, shape). `facts`: the
        TextFacts of paths already scanned (zip members, as they were expanded)."""
        con = self.con
        months: set[dt.date] = set()
        groups: dict[tuple, list[tuple[str, Path]]] = {}
        shapes: dict[tuple, CsvShape] = {}
        for name, member_path, shape in members:
            if shape.kind not in csv_long.FAMILY_COLUMNS:
                raise FileProblem(f"holds '{name}', a {shape.kind} file; zips should hold practice-level CSVs only")
            group = (shape.kind, tuple(shape.header), shape.delimiter, shape.encoding)
            groups.setdefault(group, []).append((name, member_path))
            shapes[group] = shape
        for i, (group, files) in enumerate(groups.items()):
            shape = shapes[group]
            self._progress(0.2 + 0.65 * i / len(groups), f"Reading and checking every row of {len(files)} CSV file(s)")
            try:
                staged = csv_long.stage(con, {str(p): n for n, p in files}, shape, shape.kind, "stg",
                                        temp_dir=self.temp_dir, facts=facts)
            except FileProblem as exc:
                in_zip = any(n != p.name for n, p in files)
                if not in_zip:
                    raise
                names = ", ".join(f"'{n}'" for n, _ in files)
                verb = "which" if len(files) == 1 else "which together"
                raise FileProblem(f"holds {names}, {verb} {exc}") from exc
            report.rows_read += staged.rows_read
            report.rows_loaded += staged.rows_read - staged.rows_rejected
            months.add(staged.month)
            family = {"by_day_time": "by_day_time"}.get(shape.kind) or csv_long.BUCKET_FAMILY[shape.kind]
            con.execute("CREATE OR REPLACE TEMP TABLE stg_geos AS SELECT DISTINCT geo FROM stg_sums")
            self._intern_units(
                """SELECT c.codes.practice_code AS practice_code, c.codes.pcn_code AS pcn_code,
                          c.codes.sub_icb_code AS sub_icb_code, c.codes.icb_code AS icb_code,
                          c.codes.region_code AS region_code
                   FROM stg_codes c SEMI JOIN stg_geos g USING (geo)"""
            )
            con.execute(
                """CREATE OR REPLACE TEMP TABLE stg_cov AS
                   SELECT $month::DATE AS month, u.unit_id FROM stg_geos g JOIN units u ON u.geo_key = g.geo""",
                {"month": staged.month},
            )
            # Rows of another region's CSV in the same zip are new units, not overlaps.
            self._replace_overlaps(family, "stg_cov", source_id, report)
            if family == "by_day_time":
                con.execute(
                    """INSERT INTO calls_by_band
                       SELECT s.day, u.unit_id, s.ind, s.band, s.value, $s
                       FROM stg s JOIN units u ON u.geo_key = s.geo WHERE s.value IS NOT NULL""",
                    {"s": source_id},
                )
                # The monthly summary of the units this file covers, from the staged sums.
                con.execute(
                    """CREATE OR REPLACE TEMP TABLE band_sums AS
                       SELECT $month::DATE AS month, u.unit_id, s.ind AS indicator, sum(s.value) AS value
                       FROM stg_sums s JOIN units u ON u.geo_key = s.geo GROUP BY ALL""",
                    {"month": staged.month},
                )
                summary = "band_month"
            else:
                con.execute(
                    """CREATE OR REPLACE TEMP TABLE new_buckets AS
                       SELECT $family AS family, bucket, lo, hi, wait_band FROM stg_buckets WHERE problem IS NULL""",
                    {"family": family},
                )
                queries.run_load_step(con, "intern_buckets")
                con.execute(
                    """INSERT INTO bucket_counts
                       WITH ids AS (
                           SELECT b.token, k.bucket_id
                           FROM stg_buckets b JOIN buckets k ON k.family = $family AND k.bucket = b.bucket)
                       SELECT s.day, u.unit_id, i.bucket_id, s.ind, s.core, s.value, $s
                       FROM stg s JOIN units u ON u.geo_key = s.geo JOIN ids i ON i.token = s.token
                       WHERE s.value IS NOT NULL""",
                    {"s": source_id, "family": family},
                )
                con.execute(
                    """CREATE OR REPLACE TEMP TABLE bucket_sums AS
                       SELECT $month::DATE AS month, u.unit_id, $family AS family, s.ind AS indicator, b.wait_band,
                              sum(s.value) AS value
                       FROM stg_sums s JOIN stg_buckets b ON b.token = s.token JOIN units u ON u.geo_key = s.geo
                       GROUP BY ALL""",
                    {"month": staged.month, "family": family},
                )
                con.execute("DROP TABLE new_buckets")
                summary = "bucket_month"
            self._upsert_summary(summary)
            con.execute(
                "INSERT INTO coverage SELECT $family, month, unit_id, $s FROM stg_cov",
                {"family": family, "s": source_id},
            )
            self._account_for_rows(family, staged.month, report)
            con.execute(
                """INSERT INTO rejects SELECT $s, member, row_number, problem_column, problem, raw
                   FROM stg_rejects""",
                {"s": source_id},
            )
            for name in ("stg_cov", "stg_geos", "stg_codes", "stg_problems", "stg_rejects", "stg_buckets",
                         "stg_sums", "stg_files", "stg"):
                con.execute(f"DROP TABLE {name}")
        self._progress(0.9, "Summarising by month and reconciling")
        self._refresh_daily_month(sorted(months), tables=())
        self._reconcile_daily(sorted(months), report)
        self._record_reconciliation(source_id, report)
        report.months = [_month_label(m) for m in sorted(months)]
        stats = con.execute(
            """SELECT count(DISTINCT u.practice_code) FILTER (WHERE u.practice_code <> $shared),
                      count(DISTINCT u.pcn_code) FILTER (WHERE regexp_full_match(u.pcn_code, 'U\\d{5}'))
               FROM coverage c JOIN units u USING (unit_id) WHERE c.source_id = $s""",
            {"s": source_id, "shared": SHARED_ACCOUNT},
        ).fetchall()[0]
        report.practices, report.pcns = int(stats[0]), int(stats[1])
        self._note_list_size_matches(report, source_id)

    def _note_list_size_matches(self, report: LoadReport, source_id: int | None = None) -> None:
        """Note how many practices with call data matched a list size (the list dated the 1st of
        the call month, or the nearest earlier one: see stg_unit_month): those that did not are
        left out of calls per 1,000 patients. For a file of call data (`source_id`), its own
        practices and months, once any list size is loaded; for a list-size file, every month
        of call data loaded."""
        if not self.con.execute("SELECT count(*) FROM list_sizes").fetchall()[0][0]:
            return
        with_data, matched = self.con.execute(
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

    def _account_for_rows(self, family: str, month: dt.date, report: LoadReport) -> None:
        """Say in the report what becomes of loaded rows that no figure shows on its own, from
        the staged file (`stg*` tables): checks where rows restate others (CBT003 beside CBT007,
        an indicator's TOTAL beside its buckets), notes naming rows that are in no figure at all."""
        con = self.con
        label = {"by_day_time": "By Day and Time", "durations": "By Durations",
                 "answered_wait": "Calls Answered Metric"}[family]
        # Each unit's count per indicator, TOTAL rows where it has any, else its buckets (as
        # queries/load/bucket_month_upsert.sql counts them), with both sums kept for the check.
        if family == "by_day_time":
            per_ind = "SELECT geo, ind, sum(value) AS total, NULL::HUGEINT AS buckets FROM stg_sums GROUP BY ALL"
        else:
            per_ind = """SELECT s.geo, s.ind, sum(s.value) FILTER (WHERE b.wait_band IS NULL) AS total,
                              sum(s.value) FILTER (WHERE b.wait_band IS NOT NULL) AS buckets
                       FROM stg_sums s JOIN stg_buckets b USING (token) GROUP BY ALL"""
        con.execute(f"CREATE OR REPLACE TEMP TABLE stg_ind AS SELECT *, coalesce(total, buckets) AS calls FROM ({per_ind})")
        if family != "answered_wait":
            # CBT007 gives answered calls where published (as NHS England's workbook does); CBT003,
            # which should equal it, is then checked against it.
            n, c3, c7 = con.execute(
                """SELECT count(*), sum(a.calls), sum(b.calls) FROM stg_ind a JOIN stg_ind b USING (geo)
                   WHERE a.ind = 3 AND b.ind = 7""").fetchall()[0]
            if n:
                report.reconciliation.append({
                    "check": f"{month:%B %Y}: {label} answered calls, CBT003 equals CBT007 ({n:,} practices and "
                             "shared accounts with both; answered calls are taken from CBT007)",
                    "expected": float(c3), "actual": float(c7), "ok": c3 == c7})
            for ind, n, total, buckets in con.execute(
                    """SELECT ind, count(*), sum(total), sum(buckets) FROM stg_ind
                       WHERE total IS NOT NULL AND buckets IS NOT NULL GROUP BY ind ORDER BY ind""").fetchall():
                report.reconciliation.append({
                    "check": f"{month:%B %Y}: {label} CBT00{ind} TOTAL rows equal the sum of its buckets ({n:,} "
                             "practices and shared accounts with both; counts are taken from TOTAL)",
                    "expected": float(total), "actual": float(buckets), "ok": total == buckets})
        if family == "answered_wait":
            # Calls Answered Metric gives answered waits: CBT003 by bucket. Anything else is in no figure.
            for member, ind, token, n in con.execute(
                    """SELECT f.member, s.ind, s.token, count(*) FROM stg s JOIN stg_files f USING (file)
                       JOIN stg_buckets b USING (token)
                       WHERE s.value IS NOT NULL AND (s.ind <> 3 OR b.wait_band IS NULL)
                       GROUP BY ALL ORDER BY ALL""").fetchall():
                report.notes.append(
                    f"{n:,} rows of '{member}' (CBT00{ind}, Wait_Time '{token}') were loaded but are in "
                    "no figure: a Calls Answered Metric file gives answered calls (CBT003) by wait bucket, and the "
                    "other figures come from By Day and Time and By Durations")
            replaced = con.execute(
                """SELECT count(*), list(DISTINCT s.file_name ORDER BY s.file_name) FROM stg_cov c
                   JOIN bucket_month k USING (month, unit_id)
                   JOIN coverage d ON d.family = 'durations' AND d.month = c.month AND d.unit_id = c.unit_id
                   JOIN sources s ON s.source_id = d.source_id
                   WHERE k.durations_answered_wait_0 IS NOT NULL""").fetchall()[0]
            if replaced[0]:
                report.notes.append(
                    f"{replaced[0]:,} practice-months had answered waits from By Durations' CBT003 wait buckets "
                    f"({', '.join(repr(n) for n in replaced[1])}); this file's answered waits replace them, and those rows "
                    "are now in no figure")
        elif family == "durations":
            unused = con.execute(
                """SELECT f.member, count(*), count(DISTINCT s.geo) FROM stg s JOIN stg_files f USING (file)
                   JOIN stg_buckets b USING (token)
                   JOIN units u ON u.geo_key = s.geo
                   JOIN coverage c ON c.family = 'answered_wait' AND c.month = $m AND c.unit_id = u.unit_id
                   WHERE s.value IS NOT NULL AND s.ind = 3 AND b.wait_band IS NOT NULL
                   GROUP BY ALL ORDER BY ALL""", {"m": month}).fetchall()
            for member, n, units in unused:
                report.notes.append(
                    f"{n:,} rows of '{member}' (CBT003 by wait bucket, {units:,} practices and shared accounts) are in "
                    "no figure: a Calls Answered Metric file loaded for the same months gives their answered waits, "
                    "which are never counted twice")
        con.execute("DROP TABLE stg_ind")

    def _refresh_daily_month(self, months: list[dt.date], tables=("band_month", "bucket_month")) -> None:
        """Rebuild the monthly summaries in `tables` for the months just touched, from their daily
        tables (all units), then `daily_month` from both summaries (small). A CSV load passes no
        tables: it has already updated its own summary for the units it covers (`_upsert_summary`)."""
        if not months:
            return
        params = {"start": min(months), "end": (pd.Timestamp(max(months)) + pd.offsets.MonthBegin(1)).date()}
        for table in tables:
            self.con.execute(f"DELETE FROM {table} WHERE month >= $start AND month < $end", params)
            queries.run_load_step(self.con, f"{table}_sums", **params)
            self._upsert_summary(table)
        self.con.execute("DELETE FROM daily_month WHERE month >= $start AND month < $end", params)
        queries.run_load_step(self.con, "refresh_daily_month", **params)

    def _upsert_summary(self, table: str) -> None:
        """Write `table` (band_month or bucket_month) for the unit-months in its temp sums table
        (band_sums, bucket_sums), replacing what it held for them."""
        sums = table.replace("_month", "_sums")
        queries.run_load_step(self.con, f"{table}_upsert")
        self.con.execute(f"DROP TABLE {sums}")

    def _reconcile_daily(self, months: list[dt.date], report: LoadReport) -> None:
        """By Day and Time and By Durations must sum to the same all-indicator total each month."""
        for month in months:
            row = self.con.execute(
                """
                WITH common AS (
                    SELECT unit_id FROM coverage WHERE month = $m AND family = 'by_day_time'
                    INTERSECT SELECT unit_id FROM coverage WHERE month = $m AND family = 'durations')
                SELECT (SELECT count(*) FROM common),
                       (SELECT sum(value) FROM calls_by_band WHERE date_trunc('month', date) = $m
                        AND unit_id IN (SELECT unit_id FROM common)),
                       -- Each indicator's TOTAL rows where it has any that day, else its buckets
                       -- (CBT003 may come both ways): counted once, as the monthly figures count it.
                       (SELECT sum(calls) FROM (
                            SELECT coalesce(sum(value) FILTER (WHERE bucket = 'TOTAL'), sum(value)) AS calls
                            FROM calls_by_bucket WHERE family = 'durations'
                              AND date_trunc('month', date) = $m AND unit_id IN (SELECT unit_id FROM common)
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


def _no_progress(fraction: float, text: str) -> None:
    pass


def _extract(zip_path: Path, info: zipfile.ZipInfo, target: Path) -> TextFacts:
    """Expand one zip member (its entry `info`) to disk, stopping at its declared size (which was
    checked against the limits) or the per-member limit, whatever the data turns out to hold.
    Returns its TextFacts (UTF-8 or not, lines, quoted line breaks, rows too long), found on the
    way, so the file need not be read again for them.

    Deflated members (every published zip) are inflated with zlib-ng, about 2.5 times faster
    than the standard library's zlib; anything else goes through `zipfile`."""
    name, declared = info.filename, info.file_size
    cap = min(declared, limits.MAX_MEMBER_BYTES)
    check = TextCheck()
    copied = 0

    def write(dst, block: bytes) -> None:
        nonlocal copied
        check.feed(block)
        copied += len(block)
        if copied > cap:
            raise FileProblem(
                f"holds '{name}', which expands past {limits.size_text(cap)}"
                + (" (more than the zip says it holds: the zip is damaged or crafted)"
                   if cap == declared else
                   " (the limit per CSV; see Limits in the README)"))
        dst.write(block)

    try:
        with zipfile.ZipFile(zip_path) as zf, open(target, "wb") as dst:
            if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:   # not encrypted
                _inflate(zip_path, info, lambda block: write(dst, block))
            else:
                with zf.open(info) as src:
                    while block := src.read(1 << 20):
                        write(dst, block)
    except (zipfile.BadZipFile, zlib.error, zlib_ng.error, EOFError, NotImplementedError, RuntimeError,
            struct.error) as exc:
        raise FileProblem(f"holds '{name}', which is damaged or cannot be unpacked ({_first_line(exc)})") from exc
    return check.done()


def _member_names(infos: list[zipfile.ZipInfo]) -> list[str]:
    """Each member's name for reports: its own, or, for the second and later of several
    entries of one name, the name with '(2nd copy)', '(3rd copy)'... after it."""
    seen: dict[str, int] = {}
    names = []
    for info in infos:
        n = seen[info.filename] = seen.get(info.filename, 0) + 1
        ordinal = {2: "2nd", 3: "3rd"}.get(n, f"{n}th")
        names.append(info.filename if n == 1 else f"{info.filename} ({ordinal} copy)")
    return names


def _inflate(zip_path: Path, info: zipfile.ZipInfo, write) -> None:
    """Inflate one deflated member, passing blocks of at most 4 MB to `write` (so a member that
    expands far past what it declares is stopped there, never held whole), and check its CRC-32
    and size as `zipfile` would."""
    with open(zip_path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        inflater = zlib_ng.decompressobj(-15)
        left, crc, size, pending = info.compress_size, 0, 0, b""
        while not inflater.eof:
            if not pending and left > 0:
                pending = fh.read(min(left, 1 << 20))
                if not pending:
                    raise EOFError("the zip ends inside this member")
                left -= len(pending)
            block = inflater.decompress(pending, 1 << 22)
            pending = inflater.unconsumed_tail
            if block:
                crc = zlib_ng.crc32(block, crc)
                size += len(block)
                write(block)
            elif not pending and left <= 0:
                break   # all input read and nothing more comes out (an output cut at 4 MB is asked again)
        if not inflater.eof:
            raise zipfile.BadZipFile("the member's compressed data ends early")
    if crc != info.CRC or size != info.file_size:
        raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.filename!r}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _failed(report: LoadReport, message: str) -> None:
    report.status = "failed"
    report.message = message
    # Nothing from a failed file is in the database, so the report claims nothing either.
    report.source_id = None
    report.rows_read = report.rows_loaded = report.rows_rejected = 0
    report.rejects, report.reconciliation, report.overlaps = [], [], []
    report.months, report.practices, report.pcns = [], 0, 0


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the load's transaction; DuckDB may already have ended it (a failed COMMIT)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


def _name_note(file_name: str, kind: str) -> str | None:
    """A note when a file's extension says something other than what it holds (it is read by
    its content either way)."""
    suffix = Path(file_name).suffix.lower()
    usual = _USUAL_SUFFIXES.get(kind, (".csv", ".txt"))
    if suffix and suffix not in usual:
        from telephony.readers.sniff import KINDS

        return (f"the file is named '{suffix}' but holds a {KINDS.get(kind, kind)}; it was read by its "
                "content, as usual")
    return None


def _disk_name(name: str) -> str:
    """A user's file name as a safe name on disk: no folders, no control characters."""
    safe = "".join("_" if c in "/\\" or ord(c) < 32 else c for c in Path(name).name).strip(". ")
    return safe.encode("utf-8")[:200].decode("utf-8", errors="ignore") or "upload"


def _expanded_size(path: Path) -> int:
    """Roughly what a file could take in the store, for `Store._make_room`: a zip's declared
    uncompressed size (CSV text takes less room once typed and compressed), else the file's size."""
    size = path.stat().st_size
    if zipfile.is_zipfile(path) and path.suffix.lower() != ".xlsx":
        # A damaged zip is the reader's to report (sniff.detect); here it only counts as its size.
        with contextlib.suppress(zipfile.BadZipFile, OSError, NotImplementedError, ValueError, RuntimeError, EOFError):
            with zipfile.ZipFile(path) as zf:
                return sum(i.file_size for i in zf.infolist())
    return size


def _link_or_copy(source: Path, target: Path) -> Path:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    return target


def copy_upload(data: bytes, directory: Path, name: str) -> Path:
    """Write uploaded bytes to a file in the session's own directory (name made safe)."""
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in Path(name).name)[:120] or "upload"
    target = directory / safe
    n = 1
    while target.exists():
        target = directory / f"{n}_{safe}"
        n += 1
    target.write_bytes(data)
    return target
