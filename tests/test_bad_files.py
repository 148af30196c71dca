"""The bad-file corpus (tests/corpus.py) through the store, the command line and the Data page.

For every case: the status; a message naming the file and saying what is wrong and what was
expected; rejected rows with their row, column and reason; valid rows (of the file, and of the
files loaded before it) still loaded; and for a failed file, the database exactly as it was
(every table, temporary ones included, every view and sequence). No traceback anywhere.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from telephony import limits
from telephony.cli import main
from telephony.store import Store
from tests.conftest import DAY_TIME_HEADER, NORTH, csv_bytes, day_time_row, write_csv
from tests.corpus import CASES, NOTHING_KEPT, apply_limits, batch, db_state

PROJECT = Path(__file__).resolve().parents[1]
LONG_CSV_KINDS = {"by_day_time", "by_durations", "answered_metric", "csv_zip", "practice_map"}


@pytest.fixture
def corpus_limits(monkeypatch):
    apply_limits(monkeypatch)


def baseline(store: Store, folder: Path) -> None:
    """A good file of another month and practice, loaded first: it must survive every case."""
    path = write_csv(folder / "baseline_december.csv", DAY_TIME_HEADER, [
        day_time_row(NORTH, "2025-12-01", "CBT001", "08:00 - 09:59", "7.0"),
        day_time_row(NORTH, "2025-12-02", "CBT001", "10:00 - 11:59", "9.0")])
    assert store.load(path).status == "loaded"


def baseline_rows(store: Store) -> list[tuple]:
    return sorted(store.con.execute(
        """SELECT b.date::VARCHAR, u.practice_code, b.value FROM calls_by_band b JOIN units u USING (unit_id)
           WHERE b.date < DATE '2026-01-01'""").fetchall())


def message_text(report) -> str:
    return "\n".join([report.message, *report.notes, *report.overlaps])


def assert_rejects(case, report) -> None:
    got = {(r["location"], r["row_number"], r["column"]): r["reason"] for r in report.rejects}
    assert set(got) == {(loc, row, col) for loc, row, col, _ in case.rejects}, got
    for loc, row, col, words in case.rejects:
        assert words in got[(loc, row, col)], (words, got[(loc, row, col)])


# --------------------------------------------------------------------------- the store

@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_through_the_store(case, tmp_path, corpus_limits):
    store = Store()
    try:
        baseline(store, tmp_path)
        paths = case.write(tmp_path / "files")
        for earlier in paths[:-1]:
            assert store.load(earlier).status == "loaded"
        before = db_state(store) if case.status != "loaded" else None   # (saves time; compared only then)
        report = store.load(paths[-1])

        assert report.status == case.status, report.message
        text = message_text(report)
        for words in case.says:
            assert words in text, f"{words!r} not in {text!r}"
        assert "unexpected problem" not in text and "Traceback" not in text
        if case.status == "failed":
            assert report.message.startswith(f"'{case.name}' "), report.message
            assert NOTHING_KEPT in report.message
            assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.rejects) == (0, 0, 0, [])
        if case.status in ("failed", "duplicate"):
            assert db_state(store) == before, "the database changed"
        if case.status == "loaded":
            if case.rows is not None:
                assert (report.rows_read, report.rows_loaded, report.rows_rejected) == case.rows
            if report.kind in LONG_CSV_KINDS:
                assert report.rows_read == report.rows_loaded + report.rows_rejected
            assert_rejects(case, report)
            # every reject is in the database too, whence the Data page's download comes
            assert store.con.execute("SELECT count(*) FROM rejects WHERE source_id = $s",
                                     {"s": report.source_id}).fetchall()[0][0] == report.rows_rejected
            if case.check:
                case.check(store)
        assert baseline_rows(store) == [("2025-12-01", "A81001", 7), ("2025-12-02", "A81001", 9)]
        if case.status == "failed":   # the store is still usable afterwards
            later = write_csv(tmp_path / "later.csv", DAY_TIME_HEADER, [
                day_time_row(NORTH, "2025-12-03", "CBT001", "08:00 - 09:59", "1.0")])
            assert store.load(later).status == "loaded"
    finally:
        store.close()


def test_a_zip_failing_after_its_first_csv_leaves_the_database_as_it_was(tmp_path):
    """Found by the fuzzer: the first CSV of a zip is staged and its units added before a later
    CSV of the zip fails. Everything is rolled back, id counters included (unit ids used to come
    from a sequence, which a rollback does not move back)."""
    from tests.conftest import DURATIONS_HEADER, durations_row
    from tests.corpus import dt_good, zip_bytes

    path = tmp_path / "half_good.zip"
    path.write_bytes(zip_bytes({
        "cbt_Y61.csv": csv_bytes(DAY_TIME_HEADER, dt_good(5)),
        "durations_Y61.csv": csv_bytes(DURATIONS_HEADER, [
            durations_row(NORTH, "2026-01-05", "CBT007", "1_60", "x")])}))
    store = Store()
    try:
        baseline(store, tmp_path)
        before = db_state(store)
        report = store.load(path)
        assert report.status == "failed", report.message
        assert "'durations_Y61.csv'" in report.message
        assert db_state(store) == before
        # the next new unit gets the next id, as if the failed zip had never been offered
        later = write_csv(tmp_path / "later.csv", DAY_TIME_HEADER, dt_good(9))
        assert store.load(later).status == "loaded"
        assert store.con.execute("SELECT max(unit_id) FROM units").fetchall() == [(2,)]
    finally:
        store.close()


def test_a_zip_member_path_never_escapes_the_temporary_folder(tmp_path):
    from tests.corpus import BY_ID

    case = BY_ID["zip-path-traversal"]
    outside = Path("/tmp/cbt_evil_Y61.csv")
    outside.unlink(missing_ok=True)
    store = Store(temp_dir=tmp_path / "store")
    try:
        [path] = case.write(tmp_path / "files")
        assert store.load(path).status == "loaded"
    finally:
        store.close()
    assert not outside.exists()
    assert not list(tmp_path.rglob("cbt_evil_Y61.csv"))


def test_limits_are_read_when_checked_so_tests_can_lower_them(tmp_path, monkeypatch):
    """The corpus depends on this: a limit lowered in telephony.limits takes effect at once."""
    path = write_csv(tmp_path / "small.csv", DAY_TIME_HEADER, [
        day_time_row(NORTH, "2025-12-01", "CBT001", "08:00 - 09:59", "7.0")])
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", path.stat().st_size - 1)
    store = Store()
    report = store.load(path)
    store.close()
    assert report.status == "failed"
    assert f"files of at most {path.stat().st_size - 1} bytes are read" in report.message


# --------------------------------------------------------------------------- the command line

def _cli_blocks(output: str) -> dict[str, str]:
    """The CLI's load report split per file (a block starts with 'name: STATUS')."""
    blocks: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        if not line.startswith("  "):
            current = line[: line.index(": ")] if ": " in line else line
            blocks[current] = line
        elif current is not None:
            blocks[current] += "\n" + line
    return blocks


def _assert_cli_output(output: str, cases) -> None:
    blocks = _cli_blocks(output)
    for case in cases:
        block = blocks.get(case.name)
        assert block is not None, f"no report for {case.name}"
        assert block.startswith(f"{case.name}: {case.status.upper()}"), block
        flat = " ".join(line.strip() for line in block.splitlines())
        for words in case.says:
            assert " ".join(words.split()) in flat, f"{words!r} not in the CLI's report: {block}"
        for loc, row, col, words in case.rejects:
            assert f"rejected {loc} row {row}, column {col}:" in block, block


def test_corpus_cases_needing_lower_limits_through_the_cli(tmp_path, capsys, corpus_limits):
    """The cases a subprocess cannot have (the limits lowered), through the same `main`."""
    cases = [c for c in CASES if c.needs_limits]
    files = batch(tmp_path / "files", cases)
    code = main(["load", *[str(p) for _, p in files], "--db", str(tmp_path / "corpus.duckdb")])
    out, err = capsys.readouterr()
    assert code == 1, "a failed file makes the exit code non-zero"
    assert "Traceback" not in out + err and "unexpected problem" not in out
    _assert_cli_output(out, cases)


def test_corpus_through_python_m_telephony(tmp_path):
    """The real command, in its own process, with the published limits (cases that need them
    lowered are left out): exit code 1, every file reported, no traceback, good files kept."""
    cases = [c for c in CASES if not c.needs_limits]
    files = batch(tmp_path / "files", cases)
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run([sys.executable, "-m", "telephony", "load", *[str(p) for _, p in files], "--db", str(db)],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    _assert_cli_output(done.stdout, cases)
    store = Store(db)
    try:
        kept = store.con.execute("SELECT count(*) FROM sources WHERE status = 'loaded'").fetchall()[0][0]
    finally:
        store.close()
    loaded_cases = sum(c.status == "loaded" for c in cases)
    before_files = sum(1 for case, _ in files if case is None)
    assert kept == loaded_cases + before_files


# --------------------------------------------------------------------------- the Data page

def _recording_downloads(monkeypatch) -> list:
    """AppTest keeps each run's download files in a MemoryMediaFileStorage it then drops; keep
    them, so a test can read what a download button would give."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    kept = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            kept.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    return kept


def downloaded(kept: list, button) -> bytes:
    name = button.proto.url.rsplit("/", 1)[-1]
    for storage in reversed(kept):
        try:
            return storage.get_file(name).content
        except Exception:
            continue
    raise AssertionError(f"no download file {name}")


def test_corpus_through_the_data_page(tmp_path, monkeypatch):
    from tests.app_support import as_shown, start_app, visit

    kept = _recording_downloads(monkeypatch)
    files = batch(tmp_path / "files")
    at = start_app()
    # Lowered only now: the bundled sample (prepared on first use, and cached) must be read
    # with the real limits.
    apply_limits(monkeypatch)
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "application/octet-stream") for _, p in files])
    at.run()
    at.run()
    assert not at.exception, at.exception
    at = visit(at, "data")
    assert not at.exception, at.exception

    reports = at.session_state["session_data"].upload_reports
    assert [r.file_name for r in reports] == [p.name for _, p in files]
    # As shown on screen: file text is Markdown-escaped (telephony/text.py), so read it back.
    labels = [as_shown(e.label) for e in at.expander]
    errors = [as_shown(e.value) for e in at.error]
    icons = {"loaded": ":material/check_circle:", "duplicate": ":material/content_copy:",
             "failed": ":material/error:"}
    index = {r.file_name: i for i, r in enumerate(reports)}
    for case, _ in files:
        if case is None:
            continue
        i = index[case.name]
        assert reports[i].status == case.status, reports[i].message
        assert any(e.icon == icons[case.status] and as_shown(e.label).startswith(f"{case.name}: {case.status}")
                   for e in at.expander), (case.name, labels)
        if case.status == "failed":
            shown = [e for e in errors if e.startswith(f"'{case.name}' ")]
            assert shown, f"no error shown for {case.name}"
            for words in case.says:
                assert words in shown[0], (words, shown[0])
        if case.rejects:
            expected = {(loc, row, col) for loc, row, col, _ in case.rejects}
            shown = [{(r.location, r.row_number, r.column_name) for r in d.value.itertuples()}
                     for d in at.dataframe if list(d.value.columns)[:3] == ["location", "row_number", "column_name"]]
            assert expected in shown, (case.name, shown)
            button = at.download_button(key=f"download_rejects_{i}")
            assert button.label == "Download all rejected rows (CSV)"
            rows = list(csv.DictReader(io.StringIO(downloaded(kept, button).decode("utf-8"))))
            assert {(r["location"], int(r["row_number"]), r["column_name"]) for r in rows} == expected
            for loc, row, col, words in case.rejects:
                assert any(words in r["reason"] for r in rows if int(r["row_number"]) == row), (case.name, rows)


def test_limits_are_stated_in_the_ui_and_readme():
    from tests.app_support import start_app, visit
    from ui.session import limits_text

    import tomllib

    config = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    cap = config["server"]["maxUploadSize"]
    at = start_app()
    stated = limits_text()
    assert f"Up to {cap:,} MB per file" in stated
    for words in ("8 GB in all", "2 GB per CSV", f"{limits.MAX_RATIO} times its compressed size"):
        assert words in stated
    assert stated in [c.value for c in at.sidebar.caption], "the limits are stated under the uploader"
    at = visit(at, "data")
    assert any(stated in m.value for m in at.markdown)
    readme = (PROJECT / "README.md").read_text()
    section = readme[readme.index("## Limits"):]
    section = section[: section.index("\n## ", 5)]
    for words in (f"{cap:,} MB", "server.maxUploadSize", "8 GB", "2 GB", f"{limits.MAX_RATIO} times",
                  f"{limits.MAX_ZIP_MEMBERS:,}", "decompression"):
        assert words in section, words


def _patch_central_and_local(data: bytes, name: str, *, size: int | None = None, crc: int | None = None) -> bytes:
    """Rewrite what a zip says about one member (uncompressed size and/or CRC-32), in both its
    local header and the central directory, as a damaged or crafted zip would."""
    out, encoded = bytearray(data), name.encode()
    for signature, name_at, crc_at, size_at in ((b"PK\x03\x04", 30, 14, 22), (b"PK\x01\x02", 46, 16, 24)):
        at = out.find(signature)
        while out[at + name_at: at + name_at + len(encoded)] != encoded:
            at = out.find(signature, at + 4)
        if crc is not None:
            out[at + crc_at: at + crc_at + 4] = crc.to_bytes(4, "little")
        if size is not None:
            out[at + size_at: at + size_at + 4] = size.to_bytes(4, "little")
    return bytes(out)


def _member_zip(tmp_path, **patch) -> tuple[Path, bytes]:
    from tests.corpus import zip_bytes

    # About 120 KB: more than the 64 KB the format sniffer reads, so only the expansion sees the end.
    member = csv_bytes(DAY_TIME_HEADER, [
        day_time_row(NORTH, f"2025-12-{day:02d}", f"CBT00{indicator}", band, "1.0")
        for day in range(1, 32) for indicator in range(1, 8)
        for band in ("00:00 - 05:59", "06:00 - 07:59", "08:00 - 09:59", "10:00 - 11:59", "12:00 - 13:59",
                     "14:00 - 15:59", "16:00 - 17:59", "18:00 - 18:29", "18:30 - 23:59")])
    path = tmp_path / "cbt.zip"
    path.write_bytes(_patch_central_and_local(zip_bytes({"cbt_Y61.csv": member}), "cbt_Y61.csv", **patch))
    return path, member


@pytest.mark.parametrize("patch, expected", [
    ({"size": 80_000}, "expands past"),                # says 80,000 bytes, holds about 120,000
    ({"crc": 0x12345678}, "damaged or cannot be unpacked"),
])
def test_a_zip_member_that_is_not_what_the_zip_says_fails_and_changes_nothing(tmp_path, patch, expected):
    path, _ = _member_zip(tmp_path, **patch)
    store = Store()
    try:
        before = db_state(store)
        report = store.load(path)
        assert report.status == "failed"
        assert "'cbt_Y61.csv'" in report.message and expected in report.message, report.message
        assert db_state(store) == before
    finally:
        store.close()


def test_a_zip_cut_off_inside_its_member_fails_clearly(tmp_path):
    """The central directory is intact (so the zip opens) but the member's data stops short."""
    path, member = _member_zip(tmp_path)
    data = path.read_bytes()
    central = data.find(b"PK\x01\x02")
    # Zero the second half of the compressed data, keeping every header where it was.
    start = 30 + len("cbt_Y61.csv")
    damaged = data[:start + (central - start) // 2] + bytes(central - start - (central - start) // 2) + data[central:]
    path.write_bytes(damaged)
    report = Store().load(path)
    assert report.status == "failed"
    assert "'cbt_Y61.csv'" in report.message and "damaged" in report.message, report.message


def test_zip_members_expand_byte_for_byte_as_zipfile_expands_them(tmp_path):
    """The fast inflater gives exactly the bytes the standard library gives, for a member larger
    than one read block, and says whether it is UTF-8."""
    import random
    import zipfile as zf_module

    from telephony.loaders.long_csv import _extract
    from tests.corpus import zip_bytes

    rng = random.Random(3)
    text = "".join(rng.choice("abcdefghij,0123456789\né") for _ in range(3_000_000)).encode("utf-8")
    # Very compressible and exactly three output blocks (4 MB each) long: one read of input gives
    # more than a block, and the last block ends exactly at the member's end.
    repeated = (b"2026-08-01,Y56,QZS,47Z,U58878,T80047,CBT001,TOTAL,21.0\n" * 230_000)[:3 << 22]
    path = tmp_path / "big.zip"
    path.write_bytes(zip_bytes({"big.csv": text, "repeated.csv": repeated,
                                "latin.csv": "caf\u00e9".encode("cp1252")}))
    with zf_module.ZipFile(path) as zf:
        for name, data in (("big.csv", text), ("repeated.csv", repeated)):
            assert _extract(path, zf.getinfo(name), tmp_path / "out").utf8 is True
            assert (tmp_path / "out").read_bytes() == zf.read(name) == data
        assert _extract(path, zf.getinfo("latin.csv"), tmp_path / "latin.out").utf8 is False
        assert (tmp_path / "latin.out").read_bytes() == zf.read("latin.csv")
