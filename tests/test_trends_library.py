"""The Trends page on a library (`streamlit run app.py -- --library DIR`): the library's database is
read-only to the app, so events recorded there are kept in the library's folder (events.json),
seen by the next session, and a damaged events file is said, never lost. The figures on the
library's trend equal the sample files' own."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from telephony import library, trends
from tests.app_support import SAMPLE, sample_library, table3_rows, visit
from tests.test_app_library import open_app

MONTHS = ("July", "August")
FILES = ["Synthetic practice map.csv", "Synthetic list sizes Jul26.csv", "Synthetic list sizes Aug26.csv",
         *(f"Synthetic CBT Summary {m} 2026.xlsx" for m in MONTHS)]


@pytest.fixture(scope="module")
def two_months(tmp_path_factory):
    return sample_library(tmp_path_factory.mktemp("library"), FILES)


def open_trends(monkeypatch, root) -> AppTest:
    return visit(open_app(monkeypatch, "--library", str(root)), "trends")


def test_trend_on_the_library_equals_the_files(two_months):
    store = library.open_read_only(two_months)
    try:
        frame = trends.area_months(store, "england", "")
    finally:
        store.close()
    chart = trends.trend(frame, "inbound")
    expected = [sum(r["count of inbound calls"] or 0
                    for r in table3_rows(SAMPLE / f"Synthetic CBT Summary {m} 2026.xlsx"))
                for m in MONTHS]
    assert [p.value for p in chart.points] == expected
    assert chart.months == (dt.date(2026, 7, 1), dt.date(2026, 8, 1))


def test_events_on_the_library_are_kept_in_its_folder(monkeypatch, two_months):
    db_before = (two_months / library.DB_NAME).read_bytes()
    at = open_trends(monkeypatch, two_months)
    assert any("Events are kept in the library" in c.value for c in at.caption)
    at.date_input(key="event_date").set_value(dt.date(2026, 8, 3))
    at.text_input(key="event_label").input("callback queue")
    next(b for b in at.button if b.label == "Add event").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = json.loads((two_months / trends.EVENTS_FILE).read_text())
    assert [(e["date"], e["label"]) for e in saved] == [("2026-08-03", "callback queue")]
    assert (two_months / library.DB_NAME).read_bytes() == db_before   # the database is not written

    # A new session (another browser tab, or tomorrow) sees it, and can remove it.
    again = open_trends(monkeypatch, two_months)
    remove = [b for b in again.button if str(b.key).startswith("remove_event_")]
    assert len(remove) == 1
    remove[0].click().run()
    assert not again.exception
    assert json.loads((two_months / trends.EVENTS_FILE).read_text()) == []


def test_a_damaged_events_file_is_said_and_kept(monkeypatch, two_months):
    path = two_months / trends.EVENTS_FILE
    path.write_text("{not json")
    try:
        at = open_trends(monkeypatch, two_months)
        assert any("events file" in w.value and "cannot be read" in w.value for w in at.warning)
        assert path.read_text() == "{not json"
    finally:
        path.unlink()


def test_folder_events_order_ids_and_checks(tmp_path):
    book = trends.FolderEvents(tmp_path)
    assert book.list() == []
    late = book.add(dt.date(2026, 5, 1), "  callback\tqueue\u202e ")
    early = book.add(dt.datetime(2026, 3, 3, 9, 30), "new phone system")
    assert late.label == "callback queue" and early.date == dt.date(2026, 3, 3)
    assert book.list() == [early, late] and early.event_id == late.event_id + 1
    for bad in ("", "x" * (trends.LABEL_MAX + 1)):
        with pytest.raises(ValueError):
            book.add(dt.date(2026, 3, 3), bad)
    book.remove(late.event_id)
    assert book.list() == [early]
    # A hand-edited entry that is not an event is skipped, not fatal.
    rows = json.loads((tmp_path / trends.EVENTS_FILE).read_text())
    (tmp_path / trends.EVENTS_FILE).write_text(json.dumps([*rows, {"id": "x", "date": "soon"}]))
    assert book.list() == [early]
    # The entry whose id is not a number does not stop the next event getting an id of its own.
    added = book.add(dt.date(2026, 6, 1), "callback queue")
    assert book.list() == [early, added] and added.event_id > early.event_id


def test_event_book_follows_the_store(two_months, tmp_path):
    store = library.open_read_only(two_months)
    try:
        assert isinstance(trends.event_book(store), trends.FolderEvents)
    finally:
        store.close()
    from telephony.store import Store
    s = Store(tmp_path / "session.duckdb")
    try:
        assert isinstance(trends.event_book(s), trends.StoreEvents)
    finally:
        s.close()
