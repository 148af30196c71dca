"""Run a native reader of an untrusted file in a child process with a memory cap.

The workbook reader (calamine, in Rust) aborts the whole process when an allocation fails, and a
crafted file can ask it for hundreds of gigabytes in ways no pre-check can list in full. So on
Linux the read runs in a child process whose address space may grow by at most
`limits.READER_MEMORY_BYTES`: if the file makes it fail, only the child dies, the caller gets a
FileProblem, and every session keeps its data. Elsewhere (no RLIMIT_AS) the read runs in
process, behind the declared-size checks of telephony.readers.xlsx_guard.

Children are not forked from the caller: the app server and the test runner have many threads
(web server, script runs, DuckDB), and a fork of a threaded process can inherit a lock another
thread held, so the child may crash or hang on a perfectly good file. multiprocessing's own fork
server is no help either: each child re-runs the caller's `__main__`, which under Streamlit is
the app script. Instead one small single-threaded reader process (`python -m
telephony.isolate_server`, started on first use with the readers imported) forks a child per
read; requests go to it one at a time.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path

from telephony import limits
from telephony.problems import FileProblem

try:
    import resource
except ImportError:   # Windows
    resource = None

CAN_ISOLATE = sys.platform.startswith("linux") and resource is not None
_ROOT = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct("!Q")


def _memory_problem() -> FileProblem:
    return FileProblem(
        f"needs more than {limits.size_text(limits.READER_MEMORY_BYTES)} of memory to read, far more than a "
        "real workbook (a national Publication Summary needs a few hundred MB). Not read: a file like this is "
        "damaged or made to exhaust memory (see Limits in the README)")


class _Server:
    """The reader process, and a lock so one request at a time uses its pipes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
        return subprocess.Popen([sys.executable, "-m", "telephony.isolate_server"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=str(_ROOT),
                                start_new_session=True)

    def _stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)   # the server and any child reading for it
            except OSError:
                pass
            self.proc.wait()
            self.proc = None

    def call(self, request: bytes, seconds: float) -> tuple[int, bytes] | None:
        """Send one request; (the child's exit status, its answer), or None on time-out."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            try:
                self.proc.stdin.write(_HEADER.pack(len(request)) + request)
                self.proc.stdin.flush()
                answer = _read_frame(self.proc.stdout, seconds)
            except (OSError, EOFError):
                self._stop()
                return (-1, b"")
            if answer is None:
                self._stop()
                return None
            status, data = pickle.loads(answer)
            return status, data


def _read_frame(stream, seconds: float) -> bytes | None:
    fd = stream.fileno()
    ready, _, _ = select.select([fd], [], [], seconds)
    if not ready:
        return None
    size = _HEADER.unpack(_read_exactly(stream, _HEADER.size))[0]
    return _read_exactly(stream, size)


def _read_exactly(stream, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise EOFError
    return data


_SERVER = _Server()


def run_isolated(fn, *args):
    """fn(*args), computed in a child process with a memory cap where the platform allows (`fn`
    a module-level function; its arguments and result picklable). FileProblem raised by fn
    reaches the caller as FileProblem; running out of memory, being killed or taking longer than
    `limits.READER_SECONDS` become a FileProblem saying so."""
    if not CAN_ISOLATE:
        return fn(*args)
    request = pickle.dumps((fn.__module__, fn.__qualname__, args, limits.READER_MEMORY_BYTES),
                           protocol=pickle.HIGHEST_PROTOCOL)
    answer = _SERVER.call(request, limits.READER_SECONDS)
    if answer is None:
        raise FileProblem(f"took longer than {limits.READER_SECONDS} seconds to read and was stopped; "
                          "a real workbook takes a few seconds")
    status, data = answer
    if not data:
        if -status in (signal.SIGABRT, signal.SIGKILL):
            raise _memory_problem()
        if -status == signal.SIGSEGV:
            raise FileProblem("made the workbook reader crash; the file is damaged or crafted")
        raise FileProblem("could not be read: the workbook reader stopped without a result")
    kind, value = pickle.loads(data)
    if kind == "ok":
        return value
    if kind == "problem":
        raise FileProblem(value)
    if kind == "memory":
        raise _memory_problem()
    raise RuntimeError(value)
