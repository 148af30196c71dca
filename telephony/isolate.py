"""Run a native reader of an untrusted file in a child process with a memory cap.

The workbook reader (calamine, in Rust) aborts the whole process when an allocation fails, and a
crafted file can ask it for hundreds of gigabytes in ways no pre-check can list in full. So on
Linux the read runs in a forked child whose address space may grow by at most
`limits.READER_MEMORY_BYTES`: if the file makes it fail, only the child dies, the caller gets a
FileProblem, and every session keeps its data. Elsewhere (no fork or no RLIMIT_AS) the read
runs in process, behind the declared-size checks of telephony.readers.xlsx_guard.

The child is forked, not spawned: it starts at once with everything already imported (and any
limits a test lowered), and only computes and exits (os._exit: no atexit handlers, no shared
connection touched).
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import select
import signal
import sys
import time

from telephony import limits
from telephony.problems import FileProblem

try:
    import resource
except ImportError:   # Windows
    resource = None

CAN_ISOLATE = sys.platform.startswith("linux") and hasattr(os, "fork") and resource is not None


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(fn, args, write_fd: int) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)   # a Rust abort prints its backtrace to stderr: not for the user's terminal
        faulthandler.disable()   # nor Python's crash dump (pytest turns it on, on its own copy of stderr)
        cap = _address_space() + limits.READER_MEMORY_BYTES
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        try:
            outcome = ("ok", fn(*args))
        except FileProblem as exc:
            outcome = ("problem", str(exc))
        except MemoryError:
            outcome = ("memory", "")
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
    finally:
        os._exit(0)


def _memory_problem() -> FileProblem:
    return FileProblem(
        f"needs more than {limits.size_text(limits.READER_MEMORY_BYTES)} of memory to read, far more than a "
        "real workbook (a national Publication Summary needs a few hundred MB). Not read: a file like this is "
        "damaged or made to exhaust memory (see Limits in the README)")


def run_isolated(fn, *args):
    """fn(*args), computed in a child process with a memory cap where the platform allows.
    FileProblem raised by fn reaches the caller as FileProblem; running out of memory, being
    killed or taking longer than `limits.READER_SECONDS` become a FileProblem saying so."""
    if not CAN_ISOLATE:
        return fn(*args)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:   # pragma: no cover - the child reports through the pipe
        os.close(read_fd)
        _child(fn, args, write_fd)
    os.close(write_fd)
    chunks, deadline, timed_out = [], time.monotonic() + limits.READER_SECONDS, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
            if ready:
                block = os.read(read_fd, 1 << 20)
                if not block:
                    break
                chunks.append(block)
    finally:
        os.close(read_fd)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise FileProblem(f"took longer than {limits.READER_SECONDS} seconds to read and was stopped; "
                          "a real workbook takes a few seconds")
    if not chunks:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV):
            raise _memory_problem() if os.WTERMSIG(status) != signal.SIGSEGV else FileProblem(
                "made the workbook reader crash; the file is damaged or crafted")
        raise FileProblem("could not be read: the workbook reader stopped without a result")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return value
    if kind == "problem":
        raise FileProblem(value)
    if kind == "memory":
        raise _memory_problem()
    raise RuntimeError(value)
