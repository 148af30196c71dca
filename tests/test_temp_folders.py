"""Temporary folders never outlive their process: the CLI removes its store's folder (where zip
members are expanded) however it ends, SIGTERM included; what a SIGKILLed run left is swept by the
next run; a folder whose process is still alive is never swept (telephony/tempdirs.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from telephony import tempdirs
from telephony.cli import main
from telephony.store import Store
from tests.conftest import ASPLANDS, DAY_TIME_HEADER, day_time_row, write_csv

PROJECT = Path(__file__).resolve().parents[1]
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and SIGKILL are POSIX")


def _in_another_process(tmp: Path, code: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "TMPDIR": str(tmp)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _held_elsewhere(tmp: Path) -> tuple[subprocess.Popen, Path]:
    """A process that makes a marked folder in `tmp` and keeps running; the folder."""
    proc = _in_another_process(tmp, "from telephony import tempdirs; import time; "
                                    "print(tempdirs.make('cbt-store-'), flush=True); time.sleep(600)")
    return proc, Path(proc.stdout.readline().strip())


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)


# --------------------------------------------------------------------------- telephony.tempdirs

@pytest.fixture
def scratch(tmp_path, monkeypatch) -> Path:
    """The system's temporary folder, for this process, is a folder of the test's own."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_folder_is_marked_held_and_removed(scratch):
    folder = tempdirs.make("cbt-session-")
    assert folder.parent == scratch and folder.name.startswith("cbt-session-")
    assert [p.name for p in folder.iterdir()] == [tempdirs.MARKER]
    assert (folder / tempdirs.MARKER).read_text() == f"{os.getpid()}\n"
    assert folder in tempdirs.held()
    tempdirs.remove(folder)
    assert not folder.exists() and folder not in tempdirs.held()
    tempdirs.remove(folder)   # twice is harmless


def test_a_folder_must_be_named_for_the_sweep_to_find_it(scratch):
    with pytest.raises(ValueError, match="cbt-"):
        tempdirs.make("session-")


@posix_only
def test_sweep_removes_only_folders_whose_process_has_gone(scratch):
    ours = tempdirs.make("cbt-session-")
    alive, alive_folder = _held_elsewhere(scratch)
    killed, killed_folder = _held_elsewhere(scratch)
    unmarked = scratch / "cbt-store-unmarked"
    unmarked.mkdir()
    other = scratch / "not-ours"
    other.mkdir()
    (other / tempdirs.MARKER).write_text("1\n")   # a marker, but not in a folder of ours
    try:
        killed.kill()
        killed.wait()
        assert killed_folder.is_dir()
        assert tempdirs.sweep() == [killed_folder]
        assert not killed_folder.exists()
        for kept in (ours, alive_folder, unmarked, other):
            assert kept.is_dir(), kept
        assert tempdirs.sweep() == []
    finally:
        tempdirs.remove(ours)
        _stop(alive)
        _stop(killed)


@posix_only
def test_sweep_leaves_a_link_alone(scratch, tmp_path_factory):
    target = tmp_path_factory.mktemp("elsewhere")
    (target / tempdirs.MARKER).write_text("")
    (target / "keep.txt").write_text("not a temporary folder")
    (scratch / "cbt-link").symlink_to(target, target_is_directory=True)
    assert tempdirs.sweep() == []
    assert (target / "keep.txt").exists()


def test_a_store_removes_the_folder_it_made_when_closed(scratch):
    store = Store()
    folder = store.temp_dir
    assert folder.parent == Path(scratch).resolve() and folder.name.startswith("cbt-store-")
    store.close()
    assert not folder.exists()


def test_a_store_keeps_a_folder_it_was_given(tmp_path):
    given = tmp_path / "session"
    store = Store(temp_dir=given)
    store.close()
    assert given.is_dir()


def test_every_folder_still_held_goes_at_exit(tmp_path):
    proc = _in_another_process(tmp_path, "from telephony import tempdirs; from telephony.store import Store; "
                                         "s = Store(); print(tempdirs.make('cbt-x-'), s.temp_dir)")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(out.split()) == 2 and not list(tmp_path.iterdir()), list(tmp_path.iterdir())


# --------------------------------------------------------------------------- the CLI

def _small_file(tmp: Path) -> Path:
    return write_csv(tmp / "calls.csv", DAY_TIME_HEADER, [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "40.0")])


def test_the_cli_removes_its_folder_when_it_finishes(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "TMPDIR": str(scratch)}
    done = subprocess.run([sys.executable, "-m", "telephony", "load", str(_small_file(tmp_path)),
                           "--db", str(tmp_path / "x.duckdb")], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "loaded" in done.stdout
    assert not list(scratch.iterdir()), list(scratch.iterdir())


def test_the_cli_removes_its_folder_when_the_load_raises(scratch, tmp_path, monkeypatch):
    made = []

    def failing_load(self, path, name=None, **options):
        made.append(self.temp_dir)
        assert self.temp_dir.is_dir()
        raise RuntimeError("a bug in a reader")

    monkeypatch.setattr(Store, "load", failing_load)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["load", str(_small_file(tmp_path)), "--db", str(tmp_path / "x.duckdb")])
    assert made and not made[0].exists()
    assert not list(scratch.glob("cbt-*"))


_writers: list[int] = []   # FIFO ends held open while a CLI waits on them


@pytest.fixture(autouse=True)
def _close_writers():
    yield
    while _writers:
        os.close(_writers.pop())


def _blocked_cli(tmp: Path, name: str) -> tuple[subprocess.Popen, Path]:
    """`python -m telephony load` reading a FIFO nobody writes to, so it waits inside the load
    with its store's folder made; the process and that folder."""
    fifo = tmp / f"{name}.csv"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "TMPDIR": str(tmp)}
    before = set(tmp.glob("cbt-store-*"))
    proc = subprocess.Popen([sys.executable, "-m", "telephony", "load", str(fifo),
                             "--db", str(tmp / f"{name}.duckdb")], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (made := set(tmp.glob("cbt-store-*")) - before):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the CLI made no folder within 60 s"
        time.sleep(0.05)
    (folder,) = made
    # Opening the FIFO's other end returns once the CLI has opened it to read: from then on the
    # CLI is inside the load, waiting for bytes that never come (the end is kept open).
    writer = []
    opener = threading.Thread(target=lambda: writer.append(os.open(fifo, os.O_WRONLY)), daemon=True)
    opener.start()
    opener.join(60)
    assert writer and proc.poll() is None, "the CLI never started reading the file"
    _writers.extend(writer)
    return proc, folder


@posix_only
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_the_cli_removes_its_folder_when_stopped(tmp_path, sig):
    proc, folder = _blocked_cli(tmp_path, "stopped")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    assert not folder.exists()


@posix_only
def test_a_later_cli_run_sweeps_what_a_killed_one_left_and_never_a_running_ones(tmp_path):
    running, running_folder = _blocked_cli(tmp_path, "running")
    killed, killed_folder = _blocked_cli(tmp_path, "killed")
    try:
        killed.kill()
        killed.communicate(timeout=60)
        assert killed_folder.is_dir(), "SIGKILL leaves the folder (nothing can run)"
        env = {**os.environ, "PYTHONPATH": str(PROJECT), "TMPDIR": str(tmp_path)}
        later = subprocess.run([sys.executable, "-m", "telephony", "report", "--pcn", "U49574",
                                "--db", str(tmp_path / "none.duckdb")],
                               cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
        assert later.returncode == 2, later.stderr
        assert not killed_folder.exists(), "the later run did not sweep the killed run's folder"
        assert running_folder.is_dir() and running.poll() is None, "a running CLI's folder was swept"
    finally:
        running.send_signal(signal.SIGTERM)
        running.communicate(timeout=60)
        _stop(killed)
    assert not running_folder.exists()
