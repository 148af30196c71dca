"""What keeps the app quick at scale, checked for behaviour (the timings themselves are measured by
hand in benchmarks/, never asserted here): load progress, the session database on disk, and the
prepared sample reused by a new server process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import (
    ASPLANDS, DAY_TIME_HEADER, KING_ST, csv_bytes, day_time_row, write_csv, write_zip,
)
from telephony.store import Store


def _day_time_zip(path: Path) -> Path:
    first = csv_bytes(DAY_TIME_HEADER, [day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00-09:59", 12)])
    second = csv_bytes(DAY_TIME_HEADER, [day_time_row(KING_ST, "2026-01-05", "CBT001", "08:00 - 09:59", 7)])
    return write_zip(path, {"Y61.csv": first, "Y63.csv": second})


def test_a_load_reports_its_progress_in_order(tmp_path):
    calls: list[tuple[float, str]] = []
    store = Store(temp_dir=tmp_path / "store")
    report = store.load(_day_time_zip(tmp_path / "day_time.zip"), progress=lambda f, t: calls.append((f, t)))
    assert report.status == "loaded", report.message
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] < 1, calls
    texts = " | ".join(t for _, t in calls)
    for step in ("Recognised as", "Expanding 2 CSV file(s)", "Reading and checking every row", "reconciling"):
        assert step in texts, texts
    # A later load without a callback reports to nobody (and does not reuse the old one).
    calls.clear()
    other = write_csv(tmp_path / "other.csv", DAY_TIME_HEADER,
                      [day_time_row(ASPLANDS, "2026-02-02", "CBT001", "08:00-09:59", 3)])
    assert store.load(other).status == "loaded"
    assert calls == []


def _tables(store: Store) -> dict[str, list]:
    """Every base table's rows, in a fixed order."""
    names = [r[0] for r in store.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND database_name = current_database()"
    ).fetchall()]
    return {n: store.con.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall() for n in names}


def test_the_uploads_database_stays_in_memory_until_it_would_pass_the_budget(tmp_path, monkeypatch):
    from telephony import limits
    from ui.session import UPLOADS_DB, SessionData

    session = SessionData(temp_dir=tmp_path)
    seen: list[float] = []
    report = session.add_upload("file-1", "day_time.zip", _day_time_zip(tmp_path / "a.zip").read_bytes(),
                                progress=lambda f, t: seen.append(f))
    assert report.status == "loaded", report.message
    assert seen, "the upload's progress reached the caller"
    db = tmp_path / UPLOADS_DB
    assert session.uploads.path == ":memory:" and not db.exists()
    assert session.uploads.in_memory_bytes() > 0

    # The next file would pass the budget: the store moves to its file first, then loads it there.
    monkeypatch.setattr(limits, "MEMORY_STORE_BYTES", session.uploads.in_memory_bytes())
    later = csv_bytes(DAY_TIME_HEADER, [day_time_row(ASPLANDS, "2026-02-02", "CBT001", "08:00-09:59", 5)])
    report = session.add_upload("file-2", "february.csv", later)
    assert report.status == "loaded", report.message
    assert db.is_file() and session.uploads.path == str(db)
    assert session.uploads.in_memory_bytes() == 0
    assert session.uploads.con.execute("SELECT sum(value) FROM calls_by_band").fetchall()[0][0] == 12 + 7 + 5
    assert session.uploads.query("pcn_directory").shape[0] > 0
    session.clear_uploads()
    assert not list(tmp_path.glob(f"{UPLOADS_DB}*")), list(tmp_path.iterdir())


def test_moving_to_a_file_keeps_every_row_and_the_sandbox(tmp_path, monkeypatch):
    import duckdb

    from telephony import limits

    store = Store(temp_dir=tmp_path / "session", spill_to=tmp_path / "session" / "uploads.duckdb")
    assert store.load(_day_time_zip(tmp_path / "a.zip")).status == "loaded"
    before = _tables(store)
    store._make_room(0)                                   # within the budget: nothing moves
    assert store.path == ":memory:"
    monkeypatch.setattr(limits, "MEMORY_STORE_BYTES", 0)
    store._make_room(1)
    assert store.path == str(tmp_path / "session" / "uploads.duckdb")
    assert _tables(store) == before
    for statement in ("SET enable_external_access = true", "SELECT * FROM read_csv('/etc/passwd')"):
        with pytest.raises(duckdb.Error):
            store.con.execute(statement)
    # A store that started on a file never moves.
    on_file = Store(tmp_path / "cli.duckdb", temp_dir=tmp_path / "cli", spill_to=tmp_path / "cli" / "x.duckdb")
    assert on_file.spill_to is None


@pytest.fixture
def tiny_sample(monkeypatch, tmp_path):
    """The sample reduced to one small file, with its own cache folder."""
    from ui import session

    source = tmp_path / "sample"
    source.mkdir()
    write_csv(source / "day_time.csv", DAY_TIME_HEADER,
              [day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00-09:59", 5)])
    monkeypatch.setattr(session, "SAMPLE_DIR", source)
    monkeypatch.setenv("CBT_CACHE_DIR", str(tmp_path / "cache"))
    session._sample_snapshot.clear()
    yield session, source
    session._sample_snapshot.clear()


def test_the_prepared_sample_is_kept_and_reused_by_a_new_process(tiny_sample, tmp_path):
    session, source = tiny_sample
    path, reports, temp = session._sample_snapshot()
    assert temp is None and Path(path).parent == tmp_path / "cache"
    assert [r.status for r in reports] == ["loaded"]
    built = os.stat(path).st_mtime_ns
    session._sample_snapshot.clear()          # as a new server process would start
    again, reports_again, _ = session._sample_snapshot()
    assert again == path and os.stat(path).st_mtime_ns == built, "reused, not rebuilt"
    assert reports_again == reports

    # Any change to what it was built from makes a new one, and the old one goes.
    write_csv(source / "day_time.csv", DAY_TIME_HEADER,
              [day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00-09:59", 6)])
    session._sample_snapshot.clear()
    changed, _, _ = session._sample_snapshot()
    assert changed != path and not Path(path).exists()
    store = Store(snapshot=changed)
    assert store.con.execute("SELECT sum(value) FROM calls_by_band").fetchall()[0][0] == 6


def test_without_a_writable_cache_the_sample_lives_in_a_temporary_folder(tiny_sample, tmp_path, monkeypatch):
    session, _ = tiny_sample
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("CBT_CACHE_DIR", str(blocker / "cache"))
    path, reports, temp = session._sample_snapshot()
    assert temp is not None and Path(path).is_relative_to(temp) and reports[0].status == "loaded"
    session._sample_snapshot.clear()
    assert not Path(temp).exists(), "released: its temporary folder is removed"


def test_a_sample_with_a_file_that_fails_is_shown_but_never_kept(tiny_sample, tmp_path):
    session, source = tiny_sample
    (source / "broken.csv").write_text("not,a,published,layout\n1,2,3,4\n")
    path, reports, temp = session._sample_snapshot()
    assert sorted(r.status for r in reports) == ["loaded"], "only what loaded is in the database"
    assert temp is not None and Path(path).is_relative_to(temp), "shown from a temporary folder"
    assert not list((tmp_path / "cache").glob("sample-*.duckdb")), "nothing kept in the cache"
