"""A file that failed is shown wherever the user is, and a figure that needs another file says which."""

from __future__ import annotations

import pytest

from tests.app_support import sidebar_widget, REAL, start_app, upload, visit

BAD_NAME = "Our practice figures.xlsx"


@pytest.fixture(scope="module")
def failed_upload(tmp_path_factory):
    bad = tmp_path_factory.mktemp("bad") / BAD_NAME
    bad.write_bytes(b"this is not a workbook at all\n")
    return upload(start_app(), [bad])


def _alerts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_a_failed_upload_is_named_in_the_sidebar_while_the_sample_is_shown(failed_upload):
    at = failed_upload
    assert sidebar_widget(at, "radio", "data_source").value == "sample"
    assert "1 of your files could not be loaded" in _alerts(at.sidebar.warning)
    named = [e for e in at.sidebar.expander if BAD_NAME.split(".")[0] in e.label]
    assert named, [e.label for e in at.sidebar.expander]
    reason = " ".join(t.value for t in named[0].text)
    assert BAD_NAME in reason and "Nothing from this file was loaded" in reason


def test_the_data_page_lists_the_failure_while_the_sample_is_shown(failed_upload):
    at = visit(failed_upload, "data")
    assert any("synthetic sample" in w.value for w in at.warning)
    assert "1 of your files could not be loaded" in _alerts(at.error)
    shown = " ".join(t.value for t in at.text)
    assert BAD_NAME in shown and "Nothing from this file was loaded" in shown


def test_a_shared_screen_counts_failures_without_naming_the_file(failed_upload):
    at = failed_upload
    sidebar_widget(at, "toggle", "shared_screen").set_value(True).run()
    try:
        assert "1 of your files could not be loaded" in _alerts(at.sidebar.warning)
        assert not [e for e in at.sidebar.expander if "practice figures" in e.label]
        at = visit(at, "data")
        assert "1 of your files could not be loaded" in _alerts(at.error)
        assert BAD_NAME not in " ".join(t.value for t in at.text)
    finally:
        sidebar_widget(at, "toggle", "shared_screen").set_value(False).run()


@pytest.mark.skipif(not REAL.is_dir(), reason=f"real published files not found at {REAL}")
def test_calls_per_1000_without_list_sizes_says_which_file_to_add():
    at = upload(start_app(), [REAL / "Cloud Based Telephony Publication Summary January 2026.xlsx"])
    assert sidebar_widget(at, "radio", "data_source").value == "uploads"
    tile = next(m for m in at.metric if m.label.startswith("Calls per 1,000"))
    assert tile.value == "needs list sizes"
    captions = " ".join(c.value for c in at.caption)
    assert "Patients Registered at a GP Practice" in captions
