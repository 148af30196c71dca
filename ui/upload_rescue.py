"""Files the browser sent but never handed to the app.

Streamlit's browser side adds a file in two steps: it sends the bytes to the server (they wait in
the server's upload store, under this session), then, in a rerun, tells the app which files the
uploader holds. Clicking a page link while a file is going up has been seen (headless Chromium,
Streamlit 1.67) to lose the second step: the uploader shows the file, the app never hears of it,
and the user would be left thinking it loaded. The bytes are on the server, so the sidebar loads
them anyway: every file in this session's upload store that no widget holds and the app has not
read.

This needs Streamlit internals, used here only: the script run context (the session's id and its
uploaded-file manager) and the in-memory manager's `file_storage` and `_lock`.
tests/test_upload_rescue.py fails if an upgrade moves them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile

LOG = logging.getLogger(__name__)
_CLAIMED = "uploads_claimed_by_widgets"


@dataclass(frozen=True)
class StrandedFile:
    """An uploaded file no widget holds, shaped like the uploader's own files where the sidebar
    reads them."""
    file_id: str
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def getvalue(self) -> bytes:
        return self.data


def _claimed(values: Iterable[object]) -> set[str]:
    """The ids of the files any widget of this session holds."""
    ids: set[str] = set()
    for value in values:
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, UploadedFile):
                ids.add(item.file_id)
    return ids


def stranded(seen: set[str], state=None) -> list[StrandedFile]:
    """Files in this session's upload store that no widget holds and that are not in `seen`
    (the files the app has read). Empty outside a Streamlit server (AppTest) or where the
    upload store is not the in-memory one. `state`: the session state (st.session_state)."""
    state = st.session_state if state is None else state
    ctx = get_script_run_ctx(suppress_warning=True)
    manager = getattr(ctx, "uploaded_file_mgr", None)
    storage = getattr(manager, "file_storage", None)
    lock = getattr(manager, "_lock", None)
    if ctx is None or storage is None or lock is None:
        return []
    with lock:
        held = list(storage.get(ctx.session_id, {}).values())
    if not held:
        return []
    # Every file a widget has ever held: a call log's file stays its page's, even once the page
    # (and so its widget's state) is gone.
    claimed = state.setdefault(_CLAIMED, set())
    claimed |= _claimed(state[k] for k in list(state.keys()) if k != _CLAIMED)
    found = [StrandedFile(rec.file_id, rec.name, rec.data) for rec in held
             if rec.file_id not in seen and rec.file_id not in claimed]
    for f in found:
        LOG.info("file %r reached the server but not the app's uploader; loading it", f.name)
    return found
