"""Files the browser sent to the server but never handed to the app's uploader are loaded anyway
(ui/upload_rescue.py). These tests pin the Streamlit internals it reads, so an upgrade that moves
them fails here rather than silently losing uploads again; tests/test_browser_fast_clicks.py shows
the loss in a real browser."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec
from streamlit.proto.Common_pb2 import FileURLs

from ui import upload_rescue


def test_the_streamlit_internals_it_reads_are_there():
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    assert isinstance(manager.file_storage, dict)
    assert hasattr(manager, "_lock") and hasattr(manager._lock, "acquire")
    fields = ScriptRunContext.__dataclass_fields__
    assert "session_id" in fields and "uploaded_file_mgr" in fields


@pytest.fixture
def server(monkeypatch):
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    ctx = SimpleNamespace(session_id="session-a", uploaded_file_mgr=manager)
    monkeypatch.setattr(upload_rescue, "get_script_run_ctx", lambda suppress_warning=True: ctx)
    return manager


def _add(manager, session, file_id, name):
    rec = UploadedFileRec(file_id=file_id, name=name, type="text/csv", data=f"{name} bytes".encode())
    manager.add_file(session, rec)
    return rec


def test_a_file_no_widget_holds_is_found_once_and_others_are_left_alone(server):
    held = _add(server, "session-a", "f1", "held.csv")
    stranded = _add(server, "session-a", "f2", "stranded.xlsx")
    _add(server, "session-a", "f3", "read already.csv")
    _add(server, "session-b", "f4", "another session's.csv")
    state = {"uploads": [UploadedFile(held, FileURLs())]}

    found = upload_rescue.stranded({"f3"}, state)
    assert [(f.file_id, f.name, f.getvalue(), f.size) for f in found] == [
        ("f2", "stranded.xlsx", stranded.data, len(stranded.data))]


def test_a_file_a_widget_once_held_is_never_taken_for_a_stranded_one(server):
    log = _add(server, "session-a", "c1", "call log.csv")
    state = {"calllog_file": UploadedFile(log, FileURLs())}
    assert upload_rescue.stranded(set(), state) == []
    del state["calllog_file"]    # its page is gone, and the widget's state with it
    assert upload_rescue.stranded(set(), state) == []


def test_nothing_outside_a_server(monkeypatch):
    monkeypatch.setattr(upload_rescue, "get_script_run_ctx", lambda suppress_warning=True: None)
    assert upload_rescue.stranded(set(), {}) == []
