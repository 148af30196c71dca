"""The DuckDB store: one database per session (or per `--db` file), loaded file by file.

This module holds the connection and what surrounds every load: the sandbox (file access only
inside the store's folders), the move to a database file when memory runs short (spill), the
check for content already loaded, the size guard, and the transaction. Each file loads inside
one transaction: it either lands whole (valid rows loaded, invalid rows in `rejects`) or, if it
cannot be read at all, leaves the database exactly as it was. What a file holds is written by
the loader for its kind (telephony/loaders/); the steps they share, units, precedence, monthly
summaries and reconciliation, are in telephony/model.py. `query` runs read queries only
(telephony/queries.py).

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
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import weakref
import zipfile
from pathlib import Path

import duckdb
import pandas as pd

from telephony import limits, loaders, metrics, model, queries, tempdirs
from telephony.holidays import BANK_HOLIDAYS_ENGLAND
from telephony.problems import FileProblem, first_line
from telephony.readers import csv_long
from telephony.readers.sniff import detect
from telephony.report import MAX_REJECTS_IN_REPORT, LoadReport

SCHEMA = Path(__file__).with_name("schema.sql")
STAGING = queries.QUERY_DIR / "staging" / "views.sql"

# Size and decompression guards: telephony/limits.py (README, "Limits").
LOG = logging.getLogger(__name__)
# Kinds DuckDB reads straight from the file (so the file must sit inside the store's sandbox).
_READ_BY_DUCKDB = {"by_day_time", "by_durations", "answered_metric", "list_size", "practice_map"}
# What each detected kind is usually called, to note a file whose name says otherwise.
_USUAL_SUFFIXES = {"summary_workbook": (".xlsx",), "epcn": (".xlsx",), "csv_zip": (".zip",)}



def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, read in 1 MB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
        model.fill_derived(self.con)
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
            sha = file_sha256(path)
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
            if detected.kind in _READ_BY_DUCKDB and (
                    not self._readable(path) or path.name != _disk_name(report.file_name)):
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
                loaders.load(loaders.LoadContext(self.con, self.temp_dir, self._progress),
                             path, detected, source_id, report)
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
                model.refresh_areas(self.con, model.changed_since(self.con, source_id, report.months))
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
            _failed(report, f"'{report.file_name}' could not be loaded: {first_line(exc)}. "
                            "Nothing from this file was loaded.")
        except Exception as exc:  # a bug, not the file's fault: still no traceback for the user
            LOG.exception("unexpected error loading %r", report.file_name)
            _failed(report, f"'{report.file_name}' could not be loaded because of an unexpected problem in this "
                            f"app ({type(exc).__name__}: {first_line(exc)}). Nothing from this file was loaded. "
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
            if yield_to_published(self, report):
                model.refresh_areas(self.con)
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            _rollback(self.con)
            LOG.exception("handing call-log months to %r failed", report.file_name)
            report.notes.append(f"Call logs loaded earlier could not be checked against this file ({first_line(exc)}); "
                                "figures for practices in both may be counted twice. Reload the call logs after it.")


def _no_progress(fraction: float, text: str) -> None:
    pass


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
