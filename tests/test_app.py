"""AppTest runs of every page: on the bundled sample, and with real files uploaded through the
file uploader. Expected figures are computed here from the files' own cells, never from the app."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from telephony.text import md
from tests.app_support import (
    sidebar_widget,
    PAGES, REAL, SAMPLE, chart_titles, metric, pcn_sum, practice_identifiers, shown_text, start_app,
    table3_rows, upload, visit,
)

PAGE_TITLES = {"overview": "Overview", "demand": "Demand", "outcomes": "Outcomes", "waits": "Waits",
               "trends": "Trends", "context": "Context", "data": "Data", "about": "About this tool"}
ANALYSIS_PAGES = ["overview", "demand", "outcomes", "waits", "trends", "context"]
real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real published files not found at {REAL} "
                                                     "(they sit beside the project in CI)")


@pytest.fixture(scope="module")
def sample_rows() -> list[dict]:
    rows = []
    for path in sorted(SAMPLE.glob("Synthetic CBT Summary *.xlsx")):
        rows += table3_rows(path)
    return rows


@pytest.fixture(scope="module")
def sample_app():
    return start_app()


def test_opens_on_the_sample_already_showing_a_pcn(sample_app, sample_rows):
    at = sample_app
    assert [t.value for t in at.title] == ["Overview"]
    assert any("Showing the synthetic sample" in w.value for w in at.warning)
    pcn = sidebar_widget(at, "selectbox", "pcn").value
    assert pcn and pcn.startswith("U")
    expected = pcn_sum(sample_rows, pcn, "count of inbound calls")
    assert expected > 0
    assert metric(at, "Inbound calls") == f"{expected:,}"
    answered = pcn_sum(sample_rows, pcn, "answered")
    assert metric(at, "Answered") == f"{answered / expected:.1%}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_sample_without_practice_identifiers(sample_app, page):
    at = visit(sample_app, page)
    assert [t.value for t in at.title] == [PAGE_TITLES[page]]
    assert any("synthetic sample" in w.value for w in at.warning), "the page must say it shows the sample"
    if page in ANALYSIS_PAGES:
        codes, names = practice_identifiers(SAMPLE / "Synthetic practice map.csv")
        text = shown_text(at).upper()
        leaked = [c for c in codes if c.upper() in text] + [n for n in names if n.upper() in text]
        assert not leaked, f"{page} shows practice identifiers: {leaked[:5]}"
        assert all(chart_titles(at)), "every chart has an active title"


def _monday_peak_share(pcn_units: set[tuple], bank_holidays: set[str]) -> float:
    """Monday 08:00-09:59 calls / all calls for the PCN, from the By Day and Time zips."""
    import datetime as dt

    peak = total = 0.0
    for path in sorted(SAMPLE.glob("Synthetic CBT By Day and Time - *.zip")):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                with zf.open(name) as fh:
                    for row in csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8-sig")):
                        if row["Indicator"] != "CBT001" or row["PCN_CODE"] not in pcn_units:
                            continue
                        value = float(row["Value"])
                        total += value
                        day = dt.date.fromisoformat(row["Date"])
                        if (day.weekday() == 0 and row["Date"] not in bank_holidays
                                and row["Time_Category"].replace(" ", "") == "08:00-09:59"):
                            peak += value
    return peak / total


def test_demand_page_states_the_monday_morning_share(sample_app):
    at = visit(sample_app, "overview")
    pcn = sidebar_widget(at, "selectbox", "pcn").value
    at = visit(at, "demand")
    # Bank holidays in the sample's months (March-August 2026), from GOV.UK.
    holidays = {"2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31"}
    share = _monday_peak_share({pcn}, holidays)
    assert f"brings {share:.1%} of the period's calls" in chart_titles(at)[0]
    assert any("Bank holidays" in t for t in chart_titles(at)), "bank holidays are marked"
    assert len(at.dataframe) >= 1, "the heatmap is also given as a table"


def test_context_page_shows_bands_not_ranks(sample_app):
    at = visit(sample_app, "context")
    titles = chart_titles(at)
    assert titles and all("among" in t.lower() for t in titles)
    text = shown_text(at).lower().replace("not ranked", "").replace("nothing is ranked", "")
    found = re.findall(r"\b(rank(?:ed|ing)?|top \d+|bottom \d+|league|best|worst|outlier)\b", text)
    assert not found, found


def test_shared_screen_from_the_address():
    from streamlit.testing.v1 import AppTest

    from tests.app_support import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["mode"] = "shared"
    at.run()
    at.run()
    assert not at.exception
    assert sidebar_widget(at, "toggle", "shared_screen").value is True
    assert any("Shared screen" in c.value for c in at.caption)   # one line under the title


@real
def test_real_workbook_uploaded_and_a_pcn_chosen():
    workbook = REAL / "Cloud Based Telephony Publication Summary January 2026.xlsx"
    lists = REAL / "PracPopJan26.csv"
    at = upload(start_app(), [workbook, lists])
    # File names are shown as text: Markdown-escaped (telephony/text.py).
    assert any("Showing your uploaded files" in s.value and md(workbook.name) in s.value for s in at.success)
    sidebar_widget(at, "selectbox", "pcn").set_value("U49574")
    at.run()
    at = visit(at, "overview")
    rows = table3_rows(workbook)
    inbound = pcn_sum(rows, "U49574", "count of inbound calls")
    answered, missed = pcn_sum(rows, "U49574", "answered"), pcn_sum(rows, "U49574", "missed")
    assert metric(at, "Inbound calls") == f"{inbound:,}"
    assert metric(at, "Answered") == f"{answered / inbound:.1%}"
    assert metric(at, "Missed (includes voicemail)") == f"{missed / inbound:.1%}"
    # Calls per 1,000: the PCN's named practices' calls over their patients on 1 January 2026.
    with open(lists, newline="", encoding="utf-8-sig") as fh:
        patients = {r["CODE"]: int(r["NUMBER_OF_PATIENTS"]) for r in csv.DictReader(fh)
                    if r["SEX"] == "ALL" and r["AGE"] == "ALL"}
    named = [r for r in rows if r["pcn code"] == "U49574" and r["gp practice (ods_code)"] in patients]
    rate = 1000 * sum(r["count of inbound calls"] for r in named) / sum(
        patients[r["gp practice (ods_code)"]] for r in named)
    assert metric(at, "Calls per 1,000 patients a month") == f"{rate:,.0f}"

    session = at.session_state["session_data"]
    loads_before = len(session.uploads.reports)
    for page in PAGES:
        at = visit(at, page)
        assert any("Showing your uploaded files" in s.value for s in at.success), page
    sidebar_widget(at, "selectbox", "pcn").set_value("U09531")
    at.run()
    assert len(session.uploads.reports) == loads_before, "changing page or PCN never re-reads uploads"

    at = visit(at, "data")
    summary = at.dataframe[0].value
    assert list(summary["Status"]) == ["loaded", "loaded"]
    assert list(summary["Rows rejected"]) == [0, 0]
    assert summary.loc[summary["File"] == workbook.name, "Checks"].item() == "all match"


def test_a_bad_upload_gets_a_plain_message_and_no_traceback(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("this,is,not\na,telephony,file\n")
    at = start_app()
    at.file_uploader(key="uploads").set_value([(bad.name, bad.read_bytes(), "text/csv")])
    at.run()
    assert not at.exception
    at = visit(at, "data")
    sidebar_widget(at, "radio", "data_source").set_value("uploads")
    at.run()
    at = visit(at, "data")
    errors = [e.value for e in at.error]
    assert any(md("notes.csv") in e and "matches none of the published CSV layouts" in e for e in errors), errors


def test_a_chosen_period_sticks_and_follows_the_user_across_pages():
    """The Period range slider: a changed period is the one every page then shows (it once
    snapped back to all months, the slider returning one month where it showed two handles)."""
    import datetime as dt

    from tests.app_support import sidebar_widget, start_app, visit

    at = start_app()
    period = sidebar_widget(at, "select_slider", "period")
    months = list(period.options)
    assert len(months) >= 4, months
    period.set_value((dt.date(2026, 4, 1), dt.date(2026, 6, 1))).run()
    for page in ("overview", "waits", "outcomes", "overview"):
        at = visit(at, page)
        assert not at.exception, at.exception
        assert sidebar_widget(at, "select_slider", "period").value == (dt.date(2026, 4, 1), dt.date(2026, 6, 1))
        assert any("Apr 2026 to Jun 2026" in m.value for m in at.markdown), page
