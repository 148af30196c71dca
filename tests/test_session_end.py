"""A session's folder and databases go when Streamlit drops the session (its browser has been
away longer than server.disconnectedSessionTTL), not when Python next collects garbage; a
reconnection within that time keeps them. ui/session_end.py relies on two Streamlit internals:
the server tests below fail the day an upgrade breaks them."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ui.session_end import Watcher

PROJECT = Path(__file__).resolve().parents[1]
TTL = 4   # seconds a disconnected session is kept for its browser to come back


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_session_ends_only_after_being_away_for_the_whole_ttl():
    clock, connected, ended = Clock(), {"a": True, "b": True}, []
    watcher = Watcher(connected.get, ttl=10, clock=clock)
    watcher.watch("a", lambda: ended.append("a"))
    watcher.watch("b", lambda: ended.append("b"))
    assert watcher.check() == []
    connected["a"] = connected["b"] = False
    clock.now = 1
    assert watcher.check() == []            # first seen away at 1
    clock.now = 10.9
    assert watcher.check() == []            # 9.9 s away: the browser may still come back
    connected["b"] = True                   # b comes back ...
    clock.now = 11
    assert watcher.check() == ["a"] and ended == ["a"]
    connected["b"] = False                  # ... and leaves again: its wait starts afresh
    clock.now = 12
    assert watcher.check() == []
    clock.now = 21.9
    assert watcher.check() == []
    clock.now = 22
    assert watcher.check() == ["b"] and ended == ["a", "b"]
    assert watcher.watching() == set()
    clock.now = 100
    assert watcher.check() == [] and ended == ["a", "b"]   # each ends once


def test_an_unknown_answer_never_ends_a_session_and_one_failure_does_not_stop_the_rest():
    clock, ended = Clock(), []
    answers = {"unknown": None, "broken": False, "fine": False}
    watcher = Watcher(answers.get, ttl=1, clock=clock)

    def broken():
        raise OSError("disk went away")

    watcher.watch("unknown", lambda: ended.append("unknown"))
    watcher.watch("broken", broken)
    watcher.watch("fine", lambda: ended.append("fine"))
    watcher.check()
    clock.now = 5
    assert sorted(watcher.check()) == ["broken", "fine"]
    assert ended == ["fine"] and watcher.watching() == {"unknown"}


# --------------------------------------------------------------------------- a real server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` with a short disconnectedSessionTTL and a TMPDIR of its own."""
    tmp = tmp_path_factory.mktemp("server-tmp")
    port = _free_port()
    log = open(tmp.parent / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.disconnectedSessionTTL", str(TTL)],
        cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(tmp)})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                assert proc.poll() is None, (tmp.parent / "server.log").read_text(errors="replace")
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.25)
        yield port, tmp
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
    assert not list(tmp.glob("cbt-*")), "the stopped server left folders behind"


async def _open_session(port: int, session_id: str | None = None):
    """Connect as a browser does and run the app once; the socket and the session's id."""
    # The header carries: the protocol, an XSRF token (none here: no auth), the session to resume.
    protocols = ["streamlit", "no-token", session_id] if session_id else ["streamlit"]
    ws = await websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=protocols,
                                  max_size=None)
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    await ws.send(msg.SerializeToString())
    new_id = None
    async with asyncio.timeout(120):
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                new_id = fwd.new_session.initialize.session_id
            elif kind == "script_finished" and new_id:
                return ws, new_id


def _session_folders(tmp: Path) -> set[Path]:
    return set(tmp.glob("cbt-session-*"))


def _wait_until(condition, seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not so within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_dropped_sessions_folder_goes_soon_after_the_ttl_and_a_reconnection_keeps_it(server):
    port, tmp = server

    async def scenario():
        before = _session_folders(tmp)
        ws, session_id = await _open_session(port)
        (folder,) = _session_folders(tmp) - before
        await ws.close()

        # Away for less than the TTL, then back: the same session, its folder kept.
        await asyncio.sleep(TTL / 2)
        assert folder.is_dir(), "the folder went while the browser could still reconnect"
        ws, again = await _open_session(port, session_id)
        assert again == session_id, "Streamlit did not resume the session"
        await asyncio.sleep(TTL)
        assert folder.is_dir(), "the folder of a connected session went"

        await ws.close()
        left = time.monotonic()
        await asyncio.sleep(TTL * 0.75)
        assert folder.is_dir(), "the folder went before the TTL"
        await asyncio.to_thread(_wait_until, lambda: not folder.exists(), TTL + 10)
        return time.monotonic() - left

    gone_after = asyncio.run(scenario())
    # Within the TTL plus one round of the watcher (a quarter of the TTL here), with room for a
    # busy machine; garbage collection would take minutes or never.
    assert gone_after < TTL + 10


def test_a_crashed_servers_folders_are_swept_at_the_next_start_and_a_live_ones_kept(server, tmp_path):
    """The fixture's server is alive and holds folders; a killed process's folder is not."""
    port, tmp = server
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "TMPDIR": str(tmp)}
    make = ("from telephony import tempdirs; print(tempdirs.make('cbt-session-'), flush=True); "
            "import time; time.sleep(600)")
    killed = subprocess.Popen([sys.executable, "-c", make], env=env, stdout=subprocess.PIPE, text=True)
    dead_folder = Path(killed.stdout.readline().strip())
    killed.kill()
    killed.wait()
    assert dead_folder.is_dir()

    def sweep_by_starting_another_server():
        # A server starting imports ui.session, which sweeps.
        return subprocess.run([sys.executable, "-c", "import ui.session"], cwd=PROJECT, env=env,
                              capture_output=True, text=True, timeout=120)

    async def scenario():
        ws, _ = await _open_session(port)   # the live server now holds a session folder
        try:
            live = _session_folders(tmp) - {dead_folder}
            done = await asyncio.to_thread(sweep_by_starting_another_server)
        finally:
            await ws.close()
        return live, done

    live, done = asyncio.run(scenario())
    assert live and done.returncode == 0, done.stderr
    assert not dead_folder.exists()
    assert all(f.is_dir() for f in live), "a live server's session folder was swept"
