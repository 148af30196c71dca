"""The reader process behind telephony.isolate: single-threaded, so forking it is safe.

It reads requests (a function's module and name, its arguments, a memory cap) from standard
input one at a time, forks a child for each, which caps its address space, runs the function and
writes back its outcome, and answers on standard output with the child's exit status and
outcome. Only telephony.isolate talks to it; a request is never read from anywhere else.
"""

from __future__ import annotations

import faulthandler
import importlib
import os
import pickle
import resource
import struct
import sys

# Imported once, here, so no child pays for them.
import telephony.calllog.read  # noqa: F401
import telephony.readers.reference  # noqa: F401
import telephony.readers.workbook  # noqa: F401
from telephony.problems import FileProblem

HEADER = struct.Struct("!Q")


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _function(module: str, name: str):
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


def _child(fn, args, memory: int, fd: int) -> None:
    try:
        faulthandler.disable()   # a crash is reported by exit status, not a dump
        cap = _address_space() + memory
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
        except Exception as exc:  # noqa: BLE001 - reported to the caller, which raises it
            outcome = ("error", f"{type(exc).__name__}: {exc}")
        with os.fdopen(fd, "wb") as out:
            out.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        os._exit(0)


def _read(stream, size: int) -> bytes | None:
    data = stream.read(size)
    return data if data is not None and len(data) == size else None


def main() -> None:
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while (head := _read(requests, HEADER.size)) is not None:
        request = _read(requests, HEADER.unpack(head)[0])
        if request is None:
            return
        module, name, args, memory = pickle.loads(request)
        fn = _function(module, name)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(fn, args, memory, write_fd)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as result:
            data = result.read()
        _, status = os.waitpid(pid, 0)
        frame = pickle.dumps((os.waitstatus_to_exitcode(status), data), protocol=pickle.HIGHEST_PROTOCOL)
        answers.write(HEADER.pack(len(frame)) + frame)
        answers.flush()


if __name__ == "__main__":
    main()
