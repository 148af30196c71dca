"""The app opened on a library (`streamlit run app.py -- --library DIR`), in normal and shared-screen
mode; the Data page's "Get NHS England's data" against the local stand-in for NHS England's site;
uploads on top of the library. Expected figures come from the workbook's own cells."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from streamlit.testing.v1 import AppTest

from telephony import library
from tests.app_support import (
    APP, as_shown, SAMPLE, metric, pcn_sum, sample_library, shown_text, sidebar_widget, table3_rows, upload,
    visit,
)
from tests.test_fetch import site  # noqa: F401  (the fixture)

AUG_FILES = ["Synthetic practice map.csv", "Synthetic list sizes Aug26.csv", "Synthetic CBT Summary August 2026.xlsx",
             "Synthetic CBT By Day and Time - August 2026.zip", "Synthetic CBT By Durations - August 2026.zip"]


@pytest.fixture(scope="module")
def august_library(tmp_path_factory):
    return sample_library(tmp_path_factory.mktemp("library"), AUG_FILES)


@pytest.fixture(scope="module")
def aug_rows():
    return table3_rows(SAMPLE / "Synthetic CBT Summary August 2026.xlsx")


def open_app(monkeypatch, *args: str, shared: bool = False) -> AppTest:
    monkeypatch.setattr(sys, "argv", [APP, *args])
    at = AppTest.from_file(APP, default_timeout=180)
    if shared:
        at.query_params["mode"] = "shared"
    at.run()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("shared", [False, True], ids=["normal", "shared-screen"])
def test_the_app_opens_on_the_library(monkeypatch, august_library, aug_rows, shared):
    at = open_app(monkeypatch, "--library", str(august_library), shared=shared)
    source = sidebar_widget(at, "radio", "data_source")
    assert source.value == "library"
    assert source.options == ["Library (NHS England's published data)", "Sample (synthetic)", "Your files"]
    if shared:   # a shared screen says it in one line under the title
        assert any("Showing **the library:** NHS England" in c.value for c in at.caption), [c.value for c in at.caption]
    else:
        assert any("Showing the library" in i.value for i in at.info)
    assert not any("synthetic sample" in w.value for w in at.warning)
    assert sidebar_widget(at, "toggle", "shared_screen").value is shared
    pcn = sidebar_widget(at, "selectbox", "pcn").value
    expected = pcn_sum(aug_rows, pcn, "count of inbound calls")
    assert expected > 0 and metric(at, "Inbound calls") == f"{expected:,}"
    # Only August is in the library: the sample's other months are not.
    assert "Aug 2026" in shown_text(at) or "August 2026" in shown_text(at)
    assert "Mar 2026" not in shown_text(at)

    # The sample is one click away, and back.
    source.set_value("sample").run()
    if shared:
        assert any("**synthetic sample** data" in c.value for c in at.caption)
    else:
        assert any("Showing the synthetic sample" in w.value for w in at.warning)


def test_without_a_library_the_app_opens_on_the_sample(monkeypatch, tmp_path):
    at = open_app(monkeypatch, "--library", str(tmp_path / "none"))
    source = sidebar_widget(at, "radio", "data_source")
    assert source.value == "sample" and source.options == ["Sample (synthetic)", "Your files"]


def test_uploads_sit_on_top_of_the_library_for_that_session_only(monkeypatch, august_library):
    at = open_app(monkeypatch, "--library", str(august_library))
    upload(at, [SAMPLE / "Synthetic CBT Summary July 2026.xlsx"])
    assert sidebar_widget(at, "radio", "data_source").value == "uploads"
    assert any("on top of the library" in s.value for s in at.success)
    period = sidebar_widget(at, "select_slider", "period")
    assert [o for o in period.options] == ["Jul 2026", "Aug 2026"]       # July uploaded, August from the library

    other = open_app(monkeypatch, "--library", str(august_library))     # another session: the library alone
    other_period = [w for w in other.select_slider if str(w.key).startswith("period")]
    assert other_period == []
    assert "Jul 2026" not in shown_text(other)


def test_get_nhs_englands_data_from_the_data_page(monkeypatch, site, tmp_path):
    site.publish_august()
    root = tmp_path / "new-library"
    at = open_app(monkeypatch, "--library", str(root), "--from", site.base)
    visit(at, "data")
    text = shown_text(at)
    assert "the only time the app contacts the internet" in text and str(root) in text
    at.multiselect(key="fetch_months").set_value([dt.date(2026, 8, 1)]).run()
    at.button(key="fetch_go").click().run()
    assert not at.exception, at.exception
    assert at.success and "Added to the library: August 2026." in as_shown(at.success[0].value)
    assert "August 2026: 6 file(s) downloaded, 0 already in the library" in as_shown(at.success[0].value)
    assert sidebar_widget(at, "radio", "data_source").value == "library"
    assert library.kind_of(root) == "database"
    assert len(site.file_requests()) == 6

    # Remove it again: the library is rebuilt without it.
    at.multiselect(key="remove_months").set_value([dt.date(2026, 8, 1)]).run()
    at.button(key="remove_go").click().run()
    assert not at.exception, at.exception
    assert at.success and "Removed 6 file(s): August 2026." in as_shown(at.success[0].value)
    assert library.held_months(root) == []


def test_the_switch_to_new_uploads_is_made_until_a_run_shows_them(monkeypatch, august_library):
    """A click can end the run that loaded a file, or the run that switched to it; the session
    switches on every run until one has drawn the user's files. Once seen, the user's own choice
    stands, and the sample or the library never passes for their files."""
    at = open_app(monkeypatch, "--library", str(august_library))
    at.file_uploader(key="uploads").set_value(
        [(n, (SAMPLE / n).read_bytes(), "application/octet-stream") for n in ["Synthetic CBT Summary July 2026.xlsx"]])
    at.run()
    assert sidebar_widget(at, "radio", "data_source").value == "uploads"
    # As if the runs that switched had been ended before drawing it (a click each time): the file
    # is still unshown, and a click chose the library under the radio's current key.
    at.session_state["session_data"].unshown_uploads = 1
    sidebar_widget(at, "radio", "data_source").set_value("library").run()
    assert sidebar_widget(at, "radio", "data_source").value == "uploads"
    assert not at.exception

    # Seen: the user's own choice of the library now stands, with a note that their file is loaded.
    sidebar_widget(at, "radio", "data_source").set_value("library").run()
    at.run()
    assert sidebar_widget(at, "radio", "data_source").value == "library"
    assert any("Your 1 uploaded file is loaded" in c.value for c in at.sidebar.caption), \
        [c.value for c in at.sidebar.caption]


def test_a_page_missing_files_says_where_to_get_them_for_the_data_shown(monkeypatch, tmp_path):
    # A library of the workbook alone has no By Day and Time: its Demand page points to the Data
    # page's fetch; a session of uploads alone (no library) points to the sidebar's uploads.
    root = sample_library(tmp_path / "library", ["Synthetic CBT Summary August 2026.xlsx"])
    on_library = visit(open_app(monkeypatch, "--library", str(root)), "demand")
    info = " ".join(i.value for i in on_library.info)
    assert "needs the practice-level **By Day and Time** data" in info and "on the **Data** page" in info, info
    on_data = " ".join(i.value for i in visit(on_library, "data").info)   # there, the fetch is below
    assert "More months: *Get NHS England's data* below" in on_data and "Data page gets" not in on_data, on_data

    uploads = open_app(monkeypatch, "--library", str(tmp_path / "none"))
    upload(uploads, [SAMPLE / "Synthetic CBT Summary August 2026.xlsx"])
    assert sidebar_widget(uploads, "radio", "data_source").value == "uploads"
    info = " ".join(i.value for i in visit(uploads, "demand").info)
    assert "with **Add your files** in the sidebar" in info and "Data** page" not in info, info
