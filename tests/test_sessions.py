"""Many users on one server: two sessions uploading different data never see each other's;
uploads go only to the session's own folder and are removed with it; nothing derived from an
upload is cached across sessions. (Two real browsers at once: tests/test_browser.py.)"""

from __future__ import annotations

import ast
import gc
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from telephony import tempdirs
from telephony.store import Store
from tests.app_support import sidebar_widget, shown_text, start_app, visit
from tests.conftest import (
    ASPLANDS, DAY_TIME_HEADER, MAP_HEADER, csv_bytes, day_time_row, map_row,
)

PROJECT = Path(__file__).resolve().parents[1]

ALPHA = replace(ASPLANDS, pcn="U11111", practice="A11111", practice_name="ALPHA SURGERY", pcn_name="ALPHA PCN")
BETA = replace(ASPLANDS, pcn="U22222", practice="B22222", practice_name="BETA SURGERY", pcn_name="BETA PCN")


def files_for(geo, tmp: Path, tag: str) -> list[Path]:
    calls = tmp / f"{tag} calls.csv"
    calls.write_bytes(csv_bytes(DAY_TIME_HEADER, [
        day_time_row(geo, "2026-01-05", "CBT001", "08:00 - 09:59", "40.0"),
        day_time_row(geo, "2026-01-06", "CBT001", "10:00 - 11:59", "20.0")]))
    names = tmp / f"{tag} names.csv"
    names.write_bytes(csv_bytes(MAP_HEADER, [map_row(geo)]))
    return [calls, names]


def upload(at, paths: list[Path]):
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "text/csv") for p in paths])
    at.run()
    at.run()
    assert not at.exception, at.exception
    return at


def everything_shown(at) -> str:
    """What every page shows, the Data page's file list and the PCN picker's options included."""
    text = []
    for page in ("overview", "demand", "data"):
        at = visit(at, page)
        text.append(shown_text(at))
        text += [e.label for e in at.expander]
    return "\n".join(text)


def test_two_sessions_uploading_different_data_never_see_each_other(tmp_path):
    a, b = start_app(), start_app()
    upload(a, files_for(ALPHA, tmp_path, "alpha"))
    upload(b, files_for(BETA, tmp_path, "beta"))
    a.run()   # A again, after B loaded its files

    assert sidebar_widget(a, "selectbox", "pcn").options == ["ALPHA PCN (U11111)"]
    assert sidebar_widget(b, "selectbox", "pcn").options == ["BETA PCN (U22222)"]
    seen_by_a, seen_by_b = everything_shown(a), everything_shown(b)
    assert "alpha calls.csv" in seen_by_a and "beta calls.csv" in seen_by_b
    for word in ("BETA", "U22222", "B22222", "beta calls.csv", "beta names.csv"):
        assert word not in seen_by_a, word
    for word in ("ALPHA", "U11111", "A11111", "alpha calls.csv", "alpha names.csv"):
        assert word not in seen_by_b, word

    da, db = a.session_state["session_data"], b.session_state["session_data"]
    assert da is not db and da.temp_dir != db.temp_dir
    assert da.uploads.con is not db.uploads.con
    # Each database holds only its own session's rows; the shared sample holds neither.
    units = "SELECT DISTINCT practice_code FROM units ORDER BY 1"
    assert da.uploads.con.execute(units).fetchall() == [("A11111",)]
    assert db.uploads.con.execute(units).fetchall() == [("B22222",)]
    for data in (da, db):
        assert data.sample_store().con.execute(
            "SELECT count(*) FROM units WHERE practice_code IN ('A11111', 'B22222')").fetchall() == [(0,)]
    # ... and neither database can reach the other's folder.
    with pytest.raises(duckdb.PermissionException):
        da.uploads.con.execute("SELECT * FROM glob($p)", {"p": str(db.temp_dir / "*")}).fetchall()


def test_uploads_are_written_only_to_the_sessions_folder_and_removed_with_it(tmp_path, monkeypatch):
    written: list[Path] = []
    load = Store.load

    def recording_load(self, path, name=None, **options):
        written.append(Path(path))
        assert Path(path).exists()
        return load(self, path, name, **options)

    monkeypatch.setattr(Store, "load", recording_load)
    at = upload(start_app(), files_for(ALPHA, tmp_path, "alpha"))
    data = at.session_state["session_data"]
    folder = data.temp_dir
    assert folder.name.startswith("cbt-session-") and folder.is_dir()
    uploads = [p for p in written if p.name.endswith(".csv") and "alpha" in p.name]
    assert len(uploads) == 2
    assert all(p.resolve().is_relative_to(folder.resolve()) for p in uploads), uploads
    assert not any(p.exists() for p in uploads), "an upload's bytes stay on disk after loading"
    left = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    assert {p for p in left if not p.startswith("uploads.duckdb") and p != tempdirs.MARKER} == set(), (
        f"files left in the session's folder: {left}")
    spill = data.uploads.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert Path(spill).resolve().is_relative_to(folder.resolve())

    # Without a server (AppTest) no watcher runs: the folder goes when the session's data is
    # collected (with a server it goes when Streamlit drops the session: test_session_end.py).
    del data
    del at
    gc.collect()
    assert not folder.exists()


def test_clearing_uploads_forgets_them_and_keeps_the_session_working(tmp_path):
    at = upload(start_app(), files_for(ALPHA, tmp_path, "alpha"))
    at = visit(at, "data")
    at.button(key="clear_uploads").click()
    at.run()
    assert not at.exception
    data = at.session_state["session_data"]
    assert data.uploads is None and data.upload_reports == []
    assert not (data.temp_dir / "uploads").exists()
    at = upload(at, files_for(BETA, tmp_path, "beta"))
    assert sidebar_widget(at, "selectbox", "pcn").options == ["BETA PCN (U22222)"]


CACHES = ("cache_data", "cache_resource", "cache", "lru_cache")
# Every cached function in the app, reviewed: none can hold anything derived from an upload.
REVIEWED = {
    "ui/session.py:_sample_snapshot": "the synthetic sample only; takes no arguments",
    "telephony/queries.py:names": "the names of the SQL files in queries/",
    "telephony/queries.py:sql": "the text of a SQL file in queries/, by its name",
    "telephony/queries.py:params_of": "the $params of a SQL file in queries/, by its name",
    "telephony/queries.py:load_names": "the names of the SQL files in queries/load/",
    "telephony/queries.py:load_sql": "the text of a SQL file in queries/load/, by its name",
}


def _cached_functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in CACHES:
                    yield node, ast.unparse(deco)


def test_nothing_derived_from_uploads_is_cached_across_sessions():
    """Streamlit's caches (and any module-level cache) are shared by every session. Each cached
    function in the app is listed in REVIEWED with what it holds; a new one fails this test until
    someone has checked it cannot hold a session's data. Streamlit's cached functions take no
    arguments, so nothing of a session's can key or reach them."""
    sources = [PROJECT / "app.py", *sorted((PROJECT / "ui").glob("*.py")), *sorted((PROJECT / "pages").glob("*.py")),
               *sorted((PROJECT / "telephony").rglob("*.py"))]
    found = {}
    for path in sources:
        for node, deco in _cached_functions(path):
            found[f"{path.relative_to(PROJECT).as_posix()}:{node.name}"] = deco
            if "cache_data" in deco or "cache_resource" in deco:
                args = node.args
                assert not (args.args or args.posonlyargs or args.kwonlyargs or args.vararg or args.kwarg), (
                    f"{path.name}:{node.name} is cached across sessions ({deco}) and takes arguments")
    assert set(found) == set(REVIEWED), f"cached functions not reviewed: {set(found) ^ set(REVIEWED)}"


_BUILD = ("import ui.session as s; s.sample_files = lambda: []; "
          "path, reports, temp = s._sample_snapshot(); print(path); print(temp)")


def _build_in_a_process(tmp: Path, cache: str) -> tuple[Path, str]:
    """Prepare the sample (with no sample files, to be quick) in a process of its own, with its
    own TMPDIR and cache folder; return the database path and the temporary folder it named."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "TMPDIR": str(tmp), "CBT_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, "-c", _BUILD], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    path, temp = done.stdout.strip().splitlines()[-2:]
    return Path(path), temp


def test_preparing_the_sample_leaves_one_cached_file_and_no_temporary_folders(tmp_path):
    """Each server process used to leave a cbt-sample-* folder in /tmp. Now the prepared sample
    is one file in the cache folder, reused by the next process, and nothing is left in TMPDIR."""
    scratch, cache = tmp_path / "tmp", tmp_path / "cache"
    scratch.mkdir()
    first, temp = _build_in_a_process(scratch, str(cache))
    assert temp == "None" and first.parent == cache and first.exists()
    again, _ = _build_in_a_process(scratch, str(cache))
    assert again == first
    assert [p.name for p in cache.iterdir()] == [first.name]
    assert not list(scratch.iterdir()), list(scratch.iterdir())


def test_where_the_cache_cannot_be_written_the_temporary_sample_goes_on_release_and_at_exit(tmp_path, monkeypatch):
    from ui import session

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    path, temp = _build_in_a_process(scratch, str(blocked / "cache"))
    assert temp != "None" and path.is_relative_to(scratch)
    assert not path.exists() and not list(scratch.iterdir()), "left behind at exit"

    # In this process: released from Streamlit's cache, its folder goes at once.
    monkeypatch.setattr(session, "sample_files", lambda: [])
    monkeypatch.setenv("CBT_CACHE_DIR", str(blocked / "cache"))
    session._sample_snapshot.clear()
    try:
        path, _, temp = session._sample_snapshot()
        assert temp and Path(path).exists()
        session._sample_snapshot.clear()
        assert not Path(temp).exists()
    finally:
        session._sample_snapshot.clear()   # later tests prepare the real sample again
