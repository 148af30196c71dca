"""One run of a session's script at a time.

Streamlit starts a new run of a session's script as soon as the user clicks, without waiting for
the run in progress to end (`runner.fastReruns`, on by default): the old run is only asked to stop,
and goes on until its next Streamlit call. Two runs of one session can therefore be inside the
session's DuckDB connection at once, which DuckDB refuses ("connection is busy") or which breaks a
load's transaction. Every run holds this session's lock from before it touches the session's data
until it ends, so runs of one session follow each other; other sessions never wait on it.

A load in progress must not be cut short by the stop request either: `shielded` lets a long step
(reading an upload) finish and raises the stop or rerun only after it.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Callable, Iterator

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

_LOCK_KEY = "run_lock"
_CREATE = threading.Lock()   # guards only the creation of each session's lock
# A run waiting this long for the previous one says so on screen.
_QUIET_WAIT_SECONDS = 0.3


def session_lock() -> threading.RLock:
    """This session's run lock, made on first use."""
    with _CREATE:
        lock = st.session_state.get(_LOCK_KEY)
        if lock is None:
            lock = st.session_state[_LOCK_KEY] = threading.RLock()
    return lock


@contextlib.contextmanager
def one_at_a_time() -> Iterator[None]:
    """Hold this session's run lock for the block. A run that has to wait (the previous one is
    still loading a file, say) shows a spinner meanwhile."""
    lock = session_lock()
    held = lock.acquire(timeout=_QUIET_WAIT_SECONDS)
    try:
        if not held:
            # The spinner is a Streamlit call that may itself end this run (another click):
            # the lock is released below whenever it was taken.
            with st.spinner("Finishing what you asked for a moment ago…"):
                held = lock.acquire()
        yield
    finally:
        if held:
            lock.release()


class Shield:
    """Calls to Streamlit made during a long step (a progress bar's updates) that must not stop it.

    When the user clicks during the step, Streamlit asks this run to stop (or rerun) at its next
    Streamlit call. Inside the shield that request is held back: the step finishes and later
    updates are skipped; `release()` then raises it, so the run still ends as Streamlit asked."""

    def __init__(self) -> None:
        self.pending: ScriptControlException | None = None

    def call(self, fn: Callable[..., object], *args, **kwargs) -> None:
        if self.pending is not None:
            return
        try:
            fn(*args, **kwargs)
        except ScriptControlException as exc:
            self.pending = exc

    def release(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            raise pending
