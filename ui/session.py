"""Per-browser-session data: the library, the sample store, the uploads store and the session's temp folder.

The library (telephony.library) is shared by every session of the server, read only: each
session reads it through a cursor of one process-wide reader. A session's own uploads go into its
own database, which starts as a copy of the library's (so they sit on top of it, for that
session only).

Held in `st.session_state` only (never `st.cache_resource`, never a module global), so one
session's uploads cannot be seen from another. The session's folder and databases go when
Streamlit drops the session (ui.session_end) and its uploads when the user clears them; folders a
crashed server left are swept when the next one starts (telephony.tempdirs).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import shutil
import sys
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import streamlit as st

from telephony import fetch, library, limits, tempdirs
from telephony.gate import Gate, Identifiers, Policy
from telephony.report import LoadReport
from telephony.store import Store, copy_upload
from ui import runs, session_end

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE = "sample"
UPLOADS = "uploads"
LIBRARY = "library"
UPLOADS_DB = "uploads.duckdb"
MAX_UPLOAD_MB = 1024   # the default; the cap in force is server.maxUploadSize (upload_limit_mb)


def upload_limit_mb() -> int:
    """The upload cap Streamlit enforces (server.maxUploadSize in .streamlit/config.toml)."""
    try:
        return int(st.get_option("server.maxUploadSize"))
    except Exception:   # outside a Streamlit runtime
        return MAX_UPLOAD_MB


def limits_text() -> str:
    """Every limit on uploads in one sentence, for the sidebar and the Data page."""
    return (f"Up to {upload_limit_mb():,} MB per file; {limits.zip_limits_text()}.")


def _app_args() -> argparse.Namespace:
    """The app's own arguments: `streamlit run app.py -- --library DIR [--from URL]`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--library", type=Path)
    parser.add_argument("--from", dest="base", default=fetch.DEFAULT_FROM)
    args, _ = parser.parse_known_args(sys.argv[1:])
    return args


def library_root() -> Path:
    """The library folder: --library DIR after `--`, else $CBT_LIBRARY, else the user's data folder."""
    return (_app_args().library or fetch.default_library()).expanduser().resolve()


def fetch_base() -> str:
    """Where the publication pages are (--from URL after `--`; NHS England's site by default)."""
    return _app_args().base


def library_reader() -> tuple[library.Reader | None, str | None]:
    """The server's reader of the library, if there is one; else None and, where a library is
    there but cannot be read, why."""
    try:
        return library.reader(library_root()), None
    except (library.LibraryProblem, OSError) as exc:
        return None, str(exc)


def _remove_sample(value) -> None:
    if value[2]:
        tempdirs.remove(value[2])


def _cache_dir() -> Path:
    """Where the prepared sample is kept between server runs: $CBT_CACHE_DIR, else the user's
    own cache folder. It only ever holds the synthetic sample."""
    if os.environ.get("CBT_CACHE_DIR"):
        return Path(os.environ["CBT_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gp-phone-access"


def _sample_key() -> str:
    """A digest of everything the prepared sample depends on: the sample files, the code and SQL
    that load them, and DuckDB's version. Any change makes a new one."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    code = [*(ROOT / "telephony").rglob("*.py"), *(ROOT / "telephony").rglob("*.sql"),
            *(ROOT / "queries").rglob("*.sql")]
    for label, path in [*((p.name, p) for p in sample_files()),
                        *((str(p.relative_to(ROOT)), p) for p in sorted(code))]:
        digest.update(label.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def _build_sample(target: Path) -> bool:
    """Load the sample into `target` (written whole or not at all); whether every file loaded."""
    folder = tempdirs.make("cbt-sample-")
    try:
        store = Store(folder / "sample.duckdb", temp_dir=folder / "work", read_dirs=[SAMPLE_DIR])
        complete = all(r.status == "loaded" for r in store.load_many(sample_files()))
        store.close()
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        shutil.copyfile(folder / "sample.duckdb", partial)
        os.replace(partial, target)      # whole or not at all, even with two servers starting
    finally:
        tempdirs.remove(folder)
    return complete


@st.cache_resource(show_spinner="Preparing the synthetic sample (once)…", on_release=_remove_sample)
def _sample_snapshot() -> tuple[str, tuple[LoadReport, ...], str | None]:
    """The bundled synthetic sample, loaded into a database file that every session copies:
    (path, load reports, a temporary folder to remove or None).

    The file is prepared once and kept in the user's cache folder (keyed by `_sample_key`), so a
    new server process starts without reading the 31 sample files again; where that folder
    cannot be written, a temporary one is used for this process. Safe to share across sessions:
    it holds only the committed synthetic files, never anything a user uploaded (the function
    takes no arguments, so nothing of a session's can reach it)."""
    temp = None
    try:
        cache = _cache_dir()
        cache.mkdir(parents=True, exist_ok=True)
        target = cache / f"sample-{_sample_key()}.duckdb"
        if not target.exists():
            for old in cache.glob("sample-*.duckdb"):
                old.unlink(missing_ok=True)
            if not _build_sample(target):
                # Never keep a sample with a file missing: this process shows it (the Data page
                # says what failed) from a temporary folder, and the next one tries again.
                target.unlink(missing_ok=True)
                raise OSError("the sample did not load whole")
    except OSError:
        temp = str(tempdirs.make("cbt-sample-"))   # removed at exit (telephony.tempdirs)
        target = Path(temp) / "sample.duckdb"
        _build_sample(target)
    with duckdb.connect(str(target), read_only=True) as con:
        rows = con.execute("SELECT report FROM sources WHERE status = 'loaded' ORDER BY source_id").fetchall()
    reports = tuple(LoadReport(**json.loads(r[0])) for r in rows)
    return str(target), reports, temp


def sample_files() -> list[Path]:
    if not SAMPLE_DIR.is_dir():
        return []
    return sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix.lower() in (".xlsx", ".zip", ".csv"))


@dataclass
class SessionData:
    temp_dir: Path
    sample: Store | None = None
    uploads: Store | None = None
    lib: library.ReadOnlyStore | None = None
    _lib_reader: library.Reader | None = None
    uploads_on_library: bool = False
    upload_ids: set[str] = field(default_factory=set)
    upload_reports: list[LoadReport] = field(default_factory=list)
    # Files loaded that no run has yet shown (the sidebar switches the data shown to them until
    # one does: a click can end the run that switched before it drew the switch).
    unshown_uploads: int = 0
    _identifiers: dict[str, tuple[int, Identifiers]] = field(default_factory=dict)
    # The session's run lock (ui/runs.py): whoever touches the databases outside a run takes it.
    run_lock: threading.RLock = field(default_factory=threading.RLock)

    def sample_store(self) -> Store:
        if self.sample is None:
            path, reports, _ = _sample_snapshot()
            self.sample = Store(snapshot=path, temp_dir=self.temp_dir / "sample")
            self.sample.reports = list(reports)
        return self.sample

    def library_store(self) -> library.ReadOnlyStore | None:
        """This session's cursor on the library, moved to a new database a writer put in place;
        None where there is no library."""
        reader, _ = library_reader()
        if reader is None:
            self.lib, self._lib_reader = None, None
        elif reader is not self._lib_reader:
            self.lib, self._lib_reader = reader.store(), reader
            self._identifiers.pop(LIBRARY, None)
        return self.lib

    def uploads_store(self) -> Store:
        """The session's own database: in memory while it fits (limits.MEMORY_STORE_BYTES), then
        a DuckDB file in the session's folder (compressed on disk, only what a query needs held
        in memory, so a year of national data fits a laptop). Its file access is sandboxed to
        that folder, where uploads are written (telephony.store.Store). Removed with the folder
        when the session ends."""
        if self.uploads is None:
            reader, _ = library_reader()
            if reader is not None and reader.kind == "database":
                # On top of the library: a copy of its database, on disk in the session's folder
                # (a file copy: nothing is read into memory; DuckDB pages in what a query needs).
                shutil.copyfile(reader.root / library.DB_NAME, self.temp_dir / UPLOADS_DB)
                self.uploads = Store(self.temp_dir / UPLOADS_DB, temp_dir=self.temp_dir)
                self.uploads_on_library = True
            else:
                self.uploads = Store(temp_dir=self.temp_dir, spill_to=self.temp_dir / UPLOADS_DB)
                self.uploads_on_library = False
        return self.uploads

    def store(self, source: str) -> Store:
        if source == UPLOADS and self.uploads is not None:
            return self.uploads
        if source in (LIBRARY, UPLOADS):
            found = self.library_store()
            if found is not None:
                return found
        return self.sample_store()

    def loaded_uploads(self) -> list[LoadReport]:
        return [r for r in self.upload_reports if r.status == "loaded"]

    def add_upload(self, file_id: str, name: str, data: bytes, progress=None) -> LoadReport | None:
        """Load one uploaded file once; later reruns (page or PCN changes) never re-read it.
        `progress(fraction, text)` follows the load (telephony.store.Store.load)."""
        if file_id in self.upload_ids:
            return None
        self.upload_ids.add(file_id)
        cap = upload_limit_mb() * limits.MB
        if len(data) > cap:   # Streamlit refuses these first; this is for any other route in
            report = LoadReport(file_name=name, message=(
                f"'{name}' is {limits.size_text(len(data))}; uploads of at most {upload_limit_mb():,} MB are "
                "read (see Limits in the README). Nothing from this file was loaded."))
            self.upload_reports.append(report)
            return report
        folder = self.temp_dir / "uploads"
        folder.mkdir(exist_ok=True)
        try:
            path = copy_upload(data, folder, name)
            try:
                report = self.uploads_store().load(path, name, progress=progress)
            finally:
                path.unlink(missing_ok=True)   # the data now lives in the session's database
        except BaseException:
            # Not loaded and not refused (the run was ended mid-way): forget the file, so the
            # next run loads it rather than treating it as seen.
            self.upload_ids.discard(file_id)
            raise
        self.upload_reports.append(report)
        if report.status == "loaded":
            self.unshown_uploads += 1
        return report

    def clear_uploads(self) -> None:
        if self.uploads is not None:
            self.uploads.close()
        self.uploads = None
        self.upload_reports = []
        self.uploads_on_library = False
        self._identifiers.pop(UPLOADS, None)
        shutil.rmtree(self.temp_dir / "uploads", ignore_errors=True)
        shutil.rmtree(self.temp_dir / "db", ignore_errors=True)
        for path in self.temp_dir.glob(f"{UPLOADS_DB}*"):   # the database and its write-ahead log
            path.unlink(missing_ok=True)

    def gate(self, source: str, policy: Policy) -> Gate:
        store = self.store(source)
        version = (id(store), len(store.reports))
        cached = self._identifiers.get(source)
        if cached is None or cached[0] != version:
            cached = (version, Identifiers.from_store(store.con))
            self._identifiers[source] = cached
        return Gate(cached[1], policy)


def _end(ref: weakref.ref, folder: Path) -> None:
    """The session is over: close its databases, then delete its folder."""
    data = ref()
    if data is not None:
        # A run still under way (it cannot be long: the browser has gone) finishes first.
        held = data.run_lock.acquire(timeout=60)
        try:
            for store in (data.sample, data.uploads, data.lib):
                if store is not None:
                    store.close()
        finally:
            if held:
                data.run_lock.release()
    tempdirs.remove(folder)


def session() -> SessionData:
    """This browser session's data. Its folder and databases go when Streamlit drops the
    session: `server.disconnectedSessionTTL` seconds after its browser disconnected (ui.session_end).
    Where no Streamlit server runs (AppTest), they go when the data is garbage-collected or the
    process exits."""
    if "session_data" not in st.session_state:
        temp_dir = tempdirs.make("cbt-session-")
        data = SessionData(temp_dir=temp_dir, run_lock=runs.session_lock())
        weakref.finalize(data, tempdirs.remove, temp_dir)
        session_end.watch(functools.partial(_end, weakref.ref(data), temp_dir))
        st.session_state["session_data"] = data
    return st.session_state["session_data"]


# Folders whose server was killed or crashed (never those of a server still running).
tempdirs.sweep()
