"""Ends a browser session's data (closes its databases, deletes its folder) when Streamlit drops
the session, rather than whenever Python next collects garbage.

Why this is not simpler: Streamlit 1.67 has no public "session ended" hook.
`st.cache_resource(scope="session", on_release=...)` fires on every disconnect, a network blip
included, while Streamlit keeps the session's state for `server.disconnectedSessionTTL` seconds
so the browser can reconnect to it (uploads must survive that). After that time the session is
simply forgotten: nothing is called, and its state waits for garbage collection.

So a watcher thread asks the runtime every few seconds whether each session is connected, and
ends one that has been disconnected for longer than the TTL: by then Streamlit no longer lets a
browser reconnect to it. Two Streamlit internals are used, both here only:
`get_script_run_ctx().session_id` (which session a script run belongs to) and
`Runtime.is_active_session` (documented there as safe from any thread).
tests/test_session_end.py runs a real server and fails if an upgrade breaks either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger(__name__)


class Watcher:
    """Calls each watched session's `end` once it has been disconnected for `ttl` seconds.
    `is_connected(session_id)` says whether a session is connected now (None: cannot tell)."""

    def __init__(self, is_connected: Callable[[str], bool | None], ttl: float, clock=time.monotonic):
        self.is_connected = is_connected
        self.ttl = ttl
        self.every = max(0.25, min(5.0, ttl / 4))   # a session goes at most this long after its TTL
        self.clock = clock
        self._sessions: dict[str, tuple[Callable[[], None], float | None]] = {}
        self._lock = threading.Lock()

    def watch(self, session_id: str, end: Callable[[], None]) -> None:
        with self._lock:
            self._sessions[session_id] = (end, None)

    def watching(self) -> set[str]:
        with self._lock:
            return set(self._sessions)

    def check(self) -> list[str]:
        """One round: end the sessions disconnected for longer than the TTL; return their ids.
        A session is timed from the first round that found it disconnected, which is never
        before it really disconnected, so it is never ended while Streamlit would still let it
        reconnect; a reconnection starts the wait again."""
        now = self.clock()
        ended = []
        for session_id in self.watching():
            connected = self.is_connected(session_id)
            if connected is None:
                continue
            with self._lock:
                end, away_since = self._sessions[session_id]
                if connected:
                    self._sessions[session_id] = (end, None)
                    continue
                if away_since is None:
                    self._sessions[session_id] = (end, now)
                    continue
                if now - away_since < self.ttl:
                    continue
                del self._sessions[session_id]
            try:
                end()
            except Exception:   # one session's clean-up must not stop the others'
                LOG.exception("ending session %s failed", session_id)
            ended.append(session_id)
        return ended

    def run_forever(self) -> None:
        while True:
            time.sleep(self.every)
            self.check()


_watcher: Watcher | None = None
_start = threading.Lock()


def _is_connected(session_id: str) -> bool | None:
    from streamlit import runtime

    try:
        answer = runtime.get_instance().is_active_session(session_id)
    except Exception:   # the runtime is stopping: the process will exit and clean up then
        return None
    return answer if isinstance(answer, bool) else None


def watch(end: Callable[[], None]) -> bool:
    """Call `end` once the session running this script has been dropped by Streamlit. False
    (nothing watched) outside a real Streamlit server, e.g. under AppTest, which puts a stand-in
    runtime in place while a script runs; there the caller's own fallback applies."""
    global _watcher
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or _is_connected(ctx.session_id) is None:
        return False
    with _start:
        if _watcher is None:
            _watcher = Watcher(_is_connected, ttl=float(st.get_option("server.disconnectedSessionTTL")))
            threading.Thread(target=_watcher.run_forever, name="session-end", daemon=True).start()
    _watcher.watch(ctx.session_id, end)
    return True
