"""The library: NHS England's published files kept on the user's own machine, and one database of them.

A library is a folder (telephony.fetch.default_library: $CBT_LIBRARY, else the user's data folder):

    DIR/files/<YYYY-MM>/...   the files as published (telephony.fetch)
    DIR/files/added/...       files added with `load FILE... --library DIR`
    DIR/manifest.tsv          one row per fetched file (telephony.fetch.Library)
    DIR/library.duckdb        every one of them loaded (telephony.store.Store)

or a folder written by `export` (Parquet partitioned by month, with EXPORT_MARKER), read only.

Readers and writers. DuckDB lets one process write a database file, and none may read it then.
Every reader (the app's sessions, `report`) opens the database READ_ONLY; in the app one
process-wide reader per library is shared, each session taking its own cursor (a connection to
the same database: no copy, almost no memory). A writer (`fetch`, `load --library`, the app's
Get/Remove buttons) takes a lock (one per process, and a file lock across processes); if no
reader has the database open it writes in place, else it writes a copy and renames it over the
database when done. Readers see the new file at their next run (`reader` compares the file's
identity); a reader mid-query keeps the old file, which the system frees when it is closed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from telephony import fetch, limits, model, queries, tempdirs
from telephony.report import LoadReport
from telephony.store import Store

DB_NAME = "library.duckdb"
ADDED = "added"                       # DIR/files/added: files loaded with `load --library`
EXPORT_MARKER = "cbt-library-export.json"
LOCK_NAME = ".writing.lock"
PUBLIC_KINDS = {"summary_workbook", "by_day_time", "by_durations", "answered_metric", "csv_zip",
                "list_size", "practice_map", "epcn"}


class LibraryProblem(Exception):
    """The library cannot be opened or changed; the message says which folder and why."""


def default_root() -> Path:
    return fetch.default_library()


def kind_of(root: str | Path) -> str | None:
    """'database', 'parquet' (an export) or None where the folder holds no library."""
    root = Path(root)
    if (root / EXPORT_MARKER).is_file():
        return "parquet"
    if (root / DB_NAME).is_file():
        return "database"
    return None


def _stamp(root: Path) -> tuple:
    """The identity of the library's current content: a writer's rename gives a new one."""
    path = root / (EXPORT_MARKER if kind_of(root) == "parquet" else DB_NAME)
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --------------------------------------------------------------------------- reading

class ReadOnlyStore:
    """The library as pages and `report` read it: `query`, `con`, `reports`, like a Store; it
    cannot load (a session's own files go into a store of its own, see ui.session)."""

    read_only = True

    def __init__(self, con: duckdb.DuckDBPyConnection, reports: list[LoadReport], root: Path):
        self.con = con
        self.reports = list(reports)
        self.root = root

    def query(self, name: str, **params) -> pd.DataFrame:
        return queries.run(self.con, name, **params)

    def load(self, *args, **kwargs):
        raise LibraryProblem(f"the library at {self.root} is open read-only here; add files with "
                             f"`python -m telephony load FILE... --library {self.root}`")

    def close(self) -> None:
        self.con.close()


def _reports(con: duckdb.DuckDBPyConnection) -> list[LoadReport]:
    rows = con.execute("SELECT report FROM sources WHERE status = 'loaded' AND report IS NOT NULL "
                       "ORDER BY source_id").fetchall()
    return [LoadReport(**json.loads(r[0])) for r in rows]


class Reader:
    """One read-only view of a library, for a whole process; `store()` gives a cursor of it."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        self.kind = kind_of(self.root)
        if self.kind is None:
            raise LibraryProblem(f"{self.root} holds no library (no {DB_NAME} and no {EXPORT_MARKER}); "
                                 "fetch into it first with `python -m telephony fetch MONTHS --to DIR`")
        self.stamp = _stamp(self.root)
        self._store = None          # keeps an export's in-memory store (and its folder) alive
        self.tables: dict[str, str] = {}
        try:
            self.con = self._open_database() if self.kind == "database" else self._open_export()
            self.reports = _reports(self._cursor())
        except duckdb.Error as exc:
            raise LibraryProblem(f"the library database in {self.root} cannot be read: {_first_line(exc)}"
                                 + (" (another program is writing to it; try again when it has finished)"
                                    if "lock" in str(exc).lower() else "")) from None

    def _open_database(self) -> duckdb.DuckDBPyConnection:
        # ATTACH (not duckdb.connect(path)): Python caches one database per path, which would keep
        # serving the old file after a writer renamed a new one over it.
        con = duckdb.connect(":memory:")
        con.execute("ATTACH $p AS library (READ_ONLY)", {"p": str(self.root / DB_NAME)})
        con.execute("SET enable_external_access = false")
        return con

    def _open_export(self) -> duckdb.DuckDBPyConnection:
        """An in-memory store (schema and views) whose tables are replaced by views over the
        export's Parquet files; only the export's folder can be read."""
        layout = json.loads((self.root / EXPORT_MARKER).read_text(encoding="utf-8"))
        self._store = Store(read_dirs=[self.root])
        con = self._store.con
        self.tables = {}
        for table, how in layout["tables"].items():
            if not table.isidentifier():
                raise LibraryProblem(f"{self.root / EXPORT_MARKER} names a table '{table}' that is not a name")
            pattern = "/**/*.parquet" if how != "single" else ".parquet"
            self.tables[table] = str(self.root / table) + pattern
            self._set_variables(con)
            columns = " EXCLUDE (month)" if how == "derived" else ""
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute(f'CREATE VIEW "{table}" AS SELECT *{columns} FROM '
                        f"read_parquet(getvariable('{table}_files'), hive_partitioning = {how != 'single'})")
        model.fill_derived(con)   # an export made before the pages' derived tables existed
        return con

    def _set_variables(self, cursor) -> None:
        for table, files in self.tables.items():
            cursor.execute(f"SET VARIABLE {table}_files = $f", {"f": files})

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = self.con.cursor()
        if self.kind == "database":
            cursor.execute("USE library")
        else:
            self._set_variables(cursor)
        return cursor

    def store(self) -> ReadOnlyStore:
        return ReadOnlyStore(self._cursor(), self.reports, self.root)

    def months(self) -> list[dt.date]:
        frame = queries.run(self._cursor(), "coverage_by_month")
        return [pd.Timestamp(m).date() for m in frame["month"]] if not frame.empty else []


_readers: dict[Path, Reader] = {}
_readers_guard = threading.Lock()


def reader(root: str | Path) -> Reader | None:
    """The process's reader of the library at `root`, opened anew when a writer has replaced the
    database since; None where the folder holds no library. Raises LibraryProblem."""
    root = Path(root).resolve()
    with _readers_guard:
        current = _readers.get(root)
        if kind_of(root) is None:
            _readers.pop(root, None)
            return None
        if current is None or current.stamp != _stamp(root):
            # The old reader is not closed: sessions may be mid-query on it. It goes when the
            # last of their cursors does.
            current = _readers[root] = Reader(root)
        return current


def open_read_only(root: str | Path) -> ReadOnlyStore:
    """A read-only store on the library (a database or an export), for one command."""
    found = Reader(root)
    return found.store()


# --------------------------------------------------------------------------- writing

_write_guard = threading.Lock()


@contextlib.contextmanager
def _file_lock(root: Path) -> Iterator[None]:
    """One writer at a time across processes (where the system offers `flock`)."""
    try:
        import fcntl
    except ImportError:   # pragma: no cover - Windows: one writer per process only
        yield
        return
    with open(root / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise LibraryProblem(f"another program is changing the library in {root}; "
                                 "try again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def writing(root: str | Path, fresh: bool = False) -> Iterator[Store]:
    """A Store on the library's database, for loading. In place where nothing has the database
    open; else on a copy renamed over it at the end (readers move to it at their next run).
    Only if the block ends normally is anything kept. `fresh`: start from an empty database (a
    rebuild). Raises LibraryProblem where the library is an export or another writer is busy."""
    root = Path(root).resolve()
    if kind_of(root) == "parquet":
        raise LibraryProblem(f"{root} is an exported library (Parquet), which is read only; "
                             "change the library it was exported from, and export again")
    root.mkdir(parents=True, exist_ok=True)
    (root / "files").mkdir(exist_ok=True)
    db = root / DB_NAME
    with _write_guard, _file_lock(root):
        work = root / f".{DB_NAME}.{os.getpid()}.writing"
        temp = tempdirs.make("cbt-library-")
        store = None
        try:
            store = _open_in_place(db, temp, root) if not fresh and root not in _readers else None
            if store is None:
                work.unlink(missing_ok=True)
                if db.exists() and not fresh:
                    shutil.copyfile(db, work)
                store = Store(work, temp_dir=temp, read_dirs=[root / "files"])
            store.con.execute("SET memory_limit = $m", {"m": limits.LIBRARY_WRITER_MEMORY})
            yield store
            store.close()
            if Path(store.path) == work:
                os.replace(work, db)
        finally:
            if store is not None:
                with contextlib.suppress(duckdb.Error):
                    store.close()
            work.unlink(missing_ok=True)
            Path(f"{work}.wal").unlink(missing_ok=True)
            tempdirs.remove(temp)


def _open_in_place(db: Path, temp: Path, root: Path) -> Store | None:
    """A Store on the database itself, or None where another process has it open."""
    try:
        return Store(db, temp_dir=temp, read_dirs=[root / "files"])
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return None
        raise


# --------------------------------------------------------------------------- fetching and removing

@dataclass
class FetchRun:
    results: list[fetch.MonthResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def fetch_into(root: str | Path, months: list[dt.date], base: str = fetch.DEFAULT_FROM,
               progress: Callable[[int, int | None, str], None] | None = None,
               month_done: Callable[[fetch.MonthResult], None] | None = None,
               timeout: float = fetch.TIMEOUT_SECONDS) -> FetchRun:
    """Fetch each month into the library at `root` and load its files into the database."""
    root = Path(root).resolve()
    files = fetch.Library(root)
    results = []
    with writing(root) as store:
        for month in months:
            result = fetch.fetch_month(month, files, base=base, load=store.load, progress=progress,
                                       timeout=timeout)
            results.append(result)
            if month_done:
                month_done(result)
    return FetchRun(results)


def add_files(root: str | Path, paths: list[Path], load: Callable[[Store, Path], LoadReport] | None = None
              ) -> list[LoadReport]:
    """Load files into the library (`load --library`). NHS England's files are kept in
    DIR/files/added too, so a rebuild (remove_months) loads them again; `load(store, path)`
    (a call log's loader, only when the user chose it) replaces Store.load."""
    root = Path(root).resolve()
    added = root / "files" / ADDED
    reports = []
    with writing(root) as store:
        for path in paths:
            report = load(store, path) if load else store.load(path)
            reports.append(report)
            if load is None and report.status == "loaded" and report.kind in PUBLIC_KINDS:
                added.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, added / Path(path).name)
    return reports


def held_months(root: str | Path) -> list[dt.date]:
    """The months whose files the library holds (from its manifest), oldest first."""
    return sorted({fetch.parse_month(r["month"]) for r in fetch.Library(root).rows})


def remove_months(root: str | Path, months: list[dt.date],
                  progress: Callable[[float, str], None] | None = None) -> list[str]:
    """Remove the months' files from the library, then rebuild its database from the files it
    keeps (every figure then comes from a file still held). Returns what was removed. A library
    holding call logs is not rebuilt (they cannot be read again without their mapping): that
    is refused with a message."""
    root = Path(root).resolve()
    files = fetch.Library(root)
    keys = {f"{m:%Y-%m}" for m in months}
    if kind_of(root) == "database":
        probe = Reader(root)
        try:
            has_logs = probe._cursor().execute(
                "SELECT count(*) FROM sources WHERE kind = 'call_log' AND status = 'loaded'").fetchone()[0]
        finally:
            probe.con.close()
        if has_logs:
            raise LibraryProblem(f"the library in {root} holds call logs, which a rebuild cannot read again; "
                                 "nothing was removed")
    gone = [r for r in files.rows if r["month"] in keys]
    keep = sorted({fetch.parse_month(r["month"]) for r in files.rows if r["month"] not in keys})
    added = sorted((root / "files" / ADDED).glob("*")) if (root / "files" / ADDED).is_dir() else []
    with writing(root, fresh=True) as store:
        for i, month in enumerate(keep):
            if progress:
                progress(i / max(len(keep), 1), f"Loading {fetch.month_words(month)} again")
            fetch.load_held(month, files, store.load)
        for path in added:
            store.load(path)
        # Only once the new database is whole are the files removed.
        for row in gone:
            files.rows.remove(row)
        files.save()
    for key in keys:
        shutil.rmtree(root / "files" / key, ignore_errors=True)
    return [f"{r['month']}: {r['name']}" for r in gone]


# --------------------------------------------------------------------------- export

def export_parquet(root: str | Path, out: str | Path) -> dict[str, str]:
    """Write every table of the library's database as Parquet under OUT/<table>/, partitioned by
    month where the table has a month (or date) column, with EXPORT_MARKER saying how. Returns
    {table: 'month' | 'derived' | 'single'}."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if kind_of(root) != "database":
        raise LibraryProblem(f"{root} holds no library database ({DB_NAME}) to export")
    if out.exists() and any(out.iterdir()):
        raise LibraryProblem(f"{out} is not empty; export into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH $p AS library (READ_ONLY)", {"p": str(root / DB_NAME)})
        con.execute("USE library")
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = 'library' "
                             "AND schema_name = 'main' AND NOT temporary ORDER BY table_name").fetchall()
        layout = {}
        for (table,) in tables:
            columns = {r[0]: r[1] for r in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'library' "
                "AND table_name = $t", {"t": table}).fetchall()}
            empty = con.execute(f'SELECT count(*) = 0 FROM "{table}"').fetchone()[0]
            if columns.get("month") == "DATE" and not empty:
                layout[table] = "month"
                con.execute(f'COPY "{table}" TO $p (FORMAT parquet, PARTITION_BY (month))',
                            {"p": str(out / table)})
            elif columns.get("date") == "DATE" and not empty:
                layout[table] = "derived"
                con.execute(f'COPY (SELECT *, date_trunc(\'month\', date)::DATE AS month FROM "{table}") '
                            "TO $p (FORMAT parquet, PARTITION_BY (month))", {"p": str(out / table)})
            else:
                layout[table] = "single"
                con.execute(f'COPY "{table}" TO $p (FORMAT parquet)', {"p": str(out / f"{table}.parquet")})
    finally:
        con.close()
    (out / EXPORT_MARKER).write_text(json.dumps({"tables": layout}, indent=1), encoding="utf-8")
    return layout
