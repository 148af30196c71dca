"""Supplier call logs (issue 5): header suggestions, the outcome mapping, profiles, conversion and
reconciliation, precedence with published files, caller-number privacy, the example logs, the
CLI and an AppTest run through upload, mapping and the page.

Expected values are worked out by hand from the literal rows written here, or counted straight
from the files with Python's csv module; never read back from the code under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest
import xlsxwriter

from telephony.calllog import Profile, ProfileError, inspect_file, load_call_log
from telephony.calllog.fields import suggest_columns, suggest_date_order
from telephony.calllog.load import yield_to_published
from telephony.calllog.outcomes import LABEL, suggest_outcome, suggest_supplier
from telephony.calllog.profile import example_logs
from samplegen.call_logs import write_example_logs
from telephony.calllog.suggest import suggest_profile, suggest_sites
from telephony.cli import main
from telephony.text import md
from samplegen.published import write_sample
from telephony.store import Store
from tests.app_support import as_shown, chart_titles, metric, practice_identifiers, shown_text, start_app, visit
from tests.conftest import DAY_TIME_HEADER, NORTH, RecordingConnection, day_time_row, rows, write_csv

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "sample" / "call_logs"
XON_LOG = EXAMPLES / "Synthetic X-on call log - August 2026.csv"
GENERIC_LOG = EXAMPLES / "Synthetic generic call log - August 2026.xlsx"


# --------------------------------------------------------------------------- header suggestions

@pytest.mark.parametrize("headers,samples,expected", [
    pytest.param(  # X-on Surgery Connect style: date and time apart, mm:ss and hh:mm:ss
        ["Date", "Time", "Caller ID", "Dialled Number", "Queue", "Status", "Queue Time", "Talk Time",
         "Callback Completed", "Call ID"],
        {"Date": ["03/08/2026"], "Time": ["08:01:22"], "Caller ID": ["07700900123"],
         "Dialled Number": ["01632 960999"], "Queue": ["Reception"], "Status": ["Answered", "Abandoned"],
         "Queue Time": ["01:23"], "Talk Time": ["00:02:10"], "Callback Completed": ["Yes", "No"],
         "Call ID": ["XON-1", "XON-2"]},
        {"date": "Date", "time": "Time", "caller": "Caller ID", "outcome": "Status", "wait": "Queue Time",
         "talk": "Talk Time", "callback_made": "Callback Completed", "call_id": "Call ID"}, id="xon"),
    pytest.param(  # generic, several sites, seconds with units in the header
        ["Call Start", "Site", "Direction", "Caller Number", "Result", "Wait (s)", "Talk (s)", "Callback Requested",
         "Callback Made"],
        {"Call Start": ["2026-08-03 08:01:22"], "Site": ["Main"], "Direction": ["Inbound", "Outbound"],
         "Caller Number": ["+44 7700 900123"], "Result": ["ANSWERED"], "Wait (s)": ["35"], "Talk (s)": ["120"],
         "Callback Requested": ["Y", "N"], "Callback Made": ["Y"]},
        {"start": "Call Start", "site": "Site", "direction": "Direction", "caller": "Caller Number",
         "outcome": "Result", "wait": "Wait (s)", "talk": "Talk (s)", "callback_requested": "Callback Requested",
         "callback_made": "Callback Made"}, id="generic"),
    pytest.param(  # call-centre wording, footnote markers, odd case and spacing
        ["Start Date/Time [1]", "Practice ODS Code", "CALL OUTCOME", "Time in Queue (secs)",
         "Conversation Duration (hh:mm:ss)", "CLI"],
        {"Start Date/Time [1]": ["03/08/2026 08:01"], "Practice ODS Code": ["E81050"],
         "CALL OUTCOME": ["Handled", "Lost"], "Time in Queue (secs)": ["12"],
         "Conversation Duration (hh:mm:ss)": ["0:03:10"], "CLI": ["01632960001"]},
        {"start": "Start Date/Time [1]", "site": "Practice ODS Code", "outcome": "CALL OUTCOME",
         "wait": "Time in Queue (secs)", "talk": "Conversation Duration (hh:mm:ss)", "caller": "CLI"},
        id="call-centre"),
    pytest.param(  # telephony-platform (CDR) wording
        ["Timestamp", "Disposition", "Hold Time", "Billsec", "From", "UniqueID"],
        {"Timestamp": ["2026-08-03T08:01:22Z"], "Disposition": ["ANSWERED", "NO ANSWER"], "Hold Time": ["4"],
         "Billsec": ["96"], "From": ["07700900001"], "UniqueID": ["1754208082.1", "1754208082.2"]},
        {"start": "Timestamp", "outcome": "Disposition", "wait": "Hold Time", "talk": "Billsec", "caller": "From",
         "call_id": "UniqueID"}, id="cdr"),
    pytest.param(  # a 'Date' column holding date and time is the call start; 'Duration' is talk
        ["Date", "Location", "End Reason", "Ring Time", "Duration", "Virtual Queue"],
        {"Date": ["03/08/2026 08:01:22"], "Location": ["Branch"], "End Reason": ["Answered"],
         "Ring Time": ["00:00:12"], "Duration": ["00:04:00"], "Virtual Queue": ["No", "Yes"]},
        {"start": "Date", "site": "Location", "outcome": "End Reason", "wait": "Ring Time", "talk": "Duration",
         "callback_requested": "Virtual Queue"}, id="date-holds-time"),
])
def test_header_suggestions_on_real_world_looking_headers(headers, samples, expected):
    got = {field: s.header for field, s in suggest_columns(headers, samples).items()}
    assert got == expected


def test_header_suggestions_use_the_values_not_only_the_names():
    # 'Queue' holding queue names is not a wait; 'Duration' holding words is not a talk time;
    # 'Start Time' holding only times is the time, beside a 'Date' column.
    headers = ["Date", "Start Time", "Queue", "Duration", "Status"]
    samples = {"Date": ["03/08/2026"], "Start Time": ["08:01"], "Queue": ["Reception", "Results"],
               "Duration": ["short", "long"], "Status": ["Answered"]}
    got = {field: s.header for field, s in suggest_columns(headers, samples).items()}
    assert got == {"date": "Date", "time": "Start Time", "outcome": "Status"}


def test_nothing_recognisable_suggests_nothing_and_a_lone_date_is_not_enough():
    assert suggest_columns(["Foo", "Bar"], {"Foo": ["1"], "Bar": ["x"]}) == {}
    got = suggest_columns(["Date", "Status"], {"Date": ["03/08/2026"], "Status": ["Answered"]})
    assert set(got) == {"outcome"}, "a date without a time cannot give the time band"


@pytest.mark.parametrize("values,expected", [
    (["03/08/2026", "13/08/2026"], "dmy"), (["08/03/2026", "08/13/2026"], "mdy"),
    (["03/08/2026"], "dmy"), (["2026-08-03 08:00"], "dmy"), ([], "dmy")])
def test_date_order(values, expected):
    assert suggest_date_order(values) == expected


def test_supplier_from_title_lines_and_headers():
    assert suggest_supplier(["Surgery Connect - Call Log Export", "Date"]) == "xon"
    assert suggest_supplier(["X-On report"]) == "xon"
    assert suggest_supplier(["Call Start", "Result"]) == "generic"


# --------------------------------------------------------------------------- the outcome mapping

@pytest.mark.parametrize("word,supplier,expected", [
    # expected
    ("Answered", "generic", "answered"), ("Missed", "xon", "missed"), ("Voicemail", "xon", "missed"),
    ("Abandoned", "xon", "ivr"), ("Abandoned", "generic", "missed"), ("Callback", "generic", "callback_requested"),
    ("Self-service", "generic", "ivr"), ("Signposted", "xon", "ivr"), ("Outbound", "generic", "not_inbound"),
    ("NO ANSWER", "generic", "missed"),
    # edge: form, partial words, supplier-specific words inside longer phrases
    ("  ANSWERED ", "generic", "answered"), ("Voice-mail", "generic", "missed"), ("Not answered", "xon", "missed"),
    ("Unanswered", "generic", "missed"), ("Left a voicemail message", "generic", "missed"),
    ("IVR - appointment checked", "generic", "ivr"), ("Abandoned in queue", "xon", "missed"),
    ("Call back requested", "xon", "callback_requested"), ("Abandon", "xon", "ivr"),
    # erroneous: empty or unknown words are never guessed
    ("", "generic", None), ("Transferred", "generic", None), ("12345", "xon", None), ("Lost", "generic", "missed"),
])
def test_outcome_suggestions(word, supplier, expected):
    outcome, why = suggest_outcome(word, supplier)
    assert outcome == expected
    assert why, "every suggestion says why"


def test_outcome_labels_cover_the_national_outcomes_and_voicemail_is_missed():
    assert set(LABEL) == {"answered", "ivr", "missed", "callback_requested", "not_inbound"}
    assert "voicemail" in LABEL["missed"].lower()
    assert "CBT002" in LABEL["ivr"] and "CBT004" in LABEL["missed"] and "CBT005" in LABEL["callback_requested"]


# --------------------------------------------------------------------------- profiles

def _profile(**changes) -> Profile:
    base = dict(columns={"call_id": "Call ID", "start": "Start", "site": "Practice", "direction": "Direction",
                         "outcome": "Result", "wait": "Queue Time", "talk": "Talk Time", "caller": "Caller"},
                outcomes={"Answered": "answered", "Abandoned": "missed", "IVR": "ivr", "Callback": "callback_requested",
                          "Voicemail": "missed"},
                sites={"Main": "A81001"}, pcn="U12345", supplier="generic", name="tiny")
    base.update(changes)
    return Profile(**base)


def test_profile_round_trip_and_form_tolerance():
    profile = _profile(practice=None)
    again = Profile.from_json(profile.to_json())
    assert again == profile
    data = json.loads(profile.to_json())
    data["sites"] = {"Main": " a81001 "}
    data["pcn"] = "u12345"
    tolerant = Profile.from_dict(data)
    assert tolerant.sites == {"Main": "A81001"} and tolerant.pcn == "U12345"


@pytest.mark.parametrize("change,message", [
    ({"outcomes": {"Answered": "lost"}}, "'lost', which is not one of"),
    ({"outcomes": {"Missed": "missed", "missed ": "ivr"}}, "the same word"),
    ({"columns": {"start": "Start"}}, "needs the column that says how each call ended"),
    ({"columns": {"outcome": "Result", "date": "Date"}}, "needs a column for the call start"),
    ({"columns": {"outcome": "Result", "start": "Start", "wait": "Start"}}, "to both"),
    ({"columns": {"outcome": "Result", "start": "Start", "queue": "Q"}}, "unknown field 'queue'"),
    ({"practice": "81050"}, "not an ODS practice code"),
    ({"sites": {"Main": "Main surgery"}}, "not an ODS practice code"),
    ({"pcn": "Ascent"}, "not a PCN code"),
    ({"supplier": "acme"}, "not one of"),
])
def test_profile_errors_say_what_is_wrong(change, message):
    with pytest.raises(ProfileError, match=re.escape(message)):
        _profile(**change).validate()


@pytest.mark.parametrize("text,message", [
    ("{not json", "is not valid JSON"),
    ('{"format": "something else"}', "is not a call-log mapping profile"),
    ('{"format": "cbt-call-log-profile", "version": 9}', "newer version"),
    ('{"format": "cbt-call-log-profile", "version": 1, "colums": {}}', "unknown setting 'colums'"),
    ('{"format": "cbt-call-log-profile", "version": 1, "columns": {"outcome": 3}}',
     "\"columns\" maps 'outcome' to a number; it must be text"),
])
def test_profile_files_that_are_not_profiles(text, message):
    with pytest.raises(ProfileError, match=re.escape(message)):
        Profile.from_json(text, "'x.json'")


# --------------------------------------------------------------------------- conversion and reconciliation

TINY = (
    "Call log export,,,,,,,\n"
    ",,,,,,,\n"
    "Call ID,Start,Practice,Direction,Result,Queue Time,Talk Time,Caller\n"      # line 3
    "1,03/08/2026 08:05:10,Main,Inbound,Answered,45,120,07700 900001\n"           # 4 answered
    "2,03/08/2026 08:40:00,Main,Inbound,Abandoned,70,0,07700 900001\n"            # 5 missed (generic words)
    "3,03/08/2026 12:00:00,Main,Inbound,IVR,,,+44 7700 900002\n"                  # 6 ivr
    "4,03/08/2026 18:10:00,Main,Inbound,Callback,30,0,\n"                          # 7 callback requested
    "5,03/08/2026 09:00:00,Main,Outbound,Answered,0,60,07700 900003\n"            # 8 not inbound: left out
    "6,32/08/2026 09:00:00,Main,Inbound,Answered,5,60,\n"                          # 9 bad start
    "7,04/08/2026 10:00:00,Main,Inbound,Transferred,5,60,\n"                       # 10 unmapped word
    "8,04/08/2026 10:30:00,Main,Inbound,Answered,abc,60,\n"                        # 11 bad wait
    "\n"                                                                            # 12 blank line
    "9,04/08/2026 10:45:00,Branch,Inbound,Answered,400,30,\n"                      # 13 unmapped site
    "1,03/08/2026 08:05:10,Main,Inbound,Answered,45,120,07700 900001\n"           # 14 same call ID as row 4
    "10,04/08/2026 23:59:00,Main,Inbound,Voicemail,301,0,0044 7700 900002\n"      # 15 missed, 18:30-23:59
    ",,,,,,,\n"                                                                     # 16 empty: not a call
)


@pytest.fixture
def tiny_log(tmp_path) -> Path:
    path = tmp_path / "tiny log.csv"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_every_call_read_is_loaded_or_rejected_with_its_row_and_reason(store, tiny_log):
    report = load_call_log(store, tiny_log, _profile())
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.not_inbound) == (11, 5, 5, 1)
    assert report.rows_read == report.rows_loaded + report.rows_rejected + report.not_inbound
    assert all(c["ok"] for c in report.reconciliation), report.reconciliation
    got = rows(store, "SELECT row_number, column_name, reason FROM rejects WHERE source_id = $s ORDER BY row_number",
               s=report.source_id)
    assert [(r, c) for r, c, _ in got] == [(9, "Start"), (10, "Result"), (11, "Queue Time"),
                                           (13, "Practice"), (14, "Call ID")], "the outbound call is not rejected"
    reasons = [r for _, _, r in got]
    assert "'32/08/2026 09:00:00' is not a date and time" in reasons[0]
    assert "'Transferred' is not mapped to a national outcome" in reasons[1]
    assert "'abc' is not a number of seconds" in reasons[2]
    assert "site 'Branch' is not mapped to a practice code" in reasons[3]
    assert reasons[4] == "repeats row 4 (same call ID)"
    assert any("1 empty rows were skipped" in n for n in report.notes)
    assert "calls read 11; loaded 5; rejected 5; not inbound (left out) 1" in "\n".join(report.lines())


def test_calls_in_national_terms_by_day_band_and_bucket(store, tiny_log):
    load_call_log(store, tiny_log, _profile())
    band = rows(store, "SELECT date::VARCHAR, band, indicator, value FROM calls_by_band ORDER BY ALL")
    assert band == [
        ("2026-08-03", 2, 1, 2), ("2026-08-03", 2, 3, 1), ("2026-08-03", 2, 4, 1), ("2026-08-03", 2, 7, 1),
        ("2026-08-03", 4, 1, 1), ("2026-08-03", 4, 2, 1),
        ("2026-08-03", 7, 1, 1), ("2026-08-03", 7, 5, 1),
        ("2026-08-04", 8, 1, 1), ("2026-08-04", 8, 4, 1),
    ]
    buckets = rows(store, """SELECT date::VARCHAR, family, indicator, bucket, wait_band, coalesce(core, ''), value
                             FROM calls_by_bucket ORDER BY ALL""")
    assert buckets == [
        ("2026-08-03", "answered_wait", 3, "1_60", 0, "Core_8_10", 1),
        ("2026-08-03", "durations", 1, "TOTAL", None, "", 4),
        ("2026-08-03", "durations", 2, "TOTAL", None, "", 1),
        ("2026-08-03", "durations", 3, "TOTAL", None, "", 1),
        ("2026-08-03", "durations", 4, "61_120", 1, "", 1),
        ("2026-08-03", "durations", 5, "TOTAL", None, "", 1),
        ("2026-08-03", "durations", 7, "61_120", 1, "", 1),
        ("2026-08-04", "durations", 1, "TOTAL", None, "", 1),
        ("2026-08-04", "durations", 4, "301_600", 3, "", 1),
    ]
    month = rows(store, """SELECT inbound, answered, ivr, callback_requested, callback_made, missed,
                                  answered_wait_0, answered_duration_1, missed_wait_1, missed_wait_3
                           FROM unit_month JOIN units USING (unit_id) WHERE practice_code = 'A81001'""")
    assert month == [(5, 1, 1, 1, 0, 2, 1, 1, 1, 1)]
    slots = rows(store, "SELECT date::VARCHAR, slot, outcome, calls FROM call_log_slots ORDER BY ALL")
    assert slots == [("2026-08-03", 16, 3, 1), ("2026-08-03", 17, 4, 1), ("2026-08-03", 24, 2, 1),
                     ("2026-08-03", 36, 5, 1), ("2026-08-04", 47, 4, 1)]
    waits = rows(store, "SELECT date::VARCHAR, outcome, wait_lo, wait_hi, calls FROM call_log_waits ORDER BY ALL")
    assert waits == [("2026-08-03", 3, 31, 45, 1), ("2026-08-03", 4, 61, 90, 1), ("2026-08-04", 4, 301, 330, 1)]
    # Same number twice on the 3rd (formatting differs on the 4th: +44 / 0044 are the same caller).
    callers = rows(store, """SELECT date::VARCHAR, calls_with_number, callers, repeat_callers, repeat_calls
                             FROM call_log_callers ORDER BY ALL""")
    assert callers == [("2026-08-03", 3, 2, 1, 2), ("2026-08-04", 1, 1, 0, 0)]


def test_xlsx_log_with_date_cells_and_a_title_row(store, tmp_path):
    path = tmp_path / "log.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Export")
    when = wb.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    ws.write(0, 0, "Calls for August")
    ws.write_row(2, 0, ["Start", "Result", "Wait", "Talk"])
    ws.write_datetime(3, 0, dt.datetime(2026, 8, 3, 8, 5), when)
    ws.write_row(3, 1, ["Answered", 61, 301])
    ws.write_datetime(4, 0, dt.datetime(2026, 8, 3, 9, 5), when)
    ws.write_row(4, 1, ["Missed", 5, 0])
    ws.write_row(5, 0, ["not a date", "Answered", 1, 1])
    wb.close()
    profile = Profile(columns={"start": "Start", "outcome": "Result", "wait": "Wait", "talk": "Talk"},
                      outcomes={"Answered": "answered", "Missed": "missed"}, practice="A81001", pcn="U12345")
    report = load_call_log(store, path, profile)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (3, 2, 1)
    assert rows(store, "SELECT location, row_number, column_name FROM rejects") == [
        ("log.xlsx, sheet 'Export'", 6, "Start")]
    assert rows(store, "SELECT answered_wait_1, answered_duration_3, missed_wait_0 FROM daily_month") == [(1, 1, 1)]


def test_a_mapping_that_loads_nothing_is_a_plain_failure(store, tiny_log):
    before = rows(store, "SELECT count(*) FROM units")
    report = load_call_log(store, tiny_log, _profile(outcomes={"Handled": "answered"}))
    assert report.status == "failed"
    assert "has no call that can be loaded with this mapping" in report.message
    assert rows(store, "SELECT count(*) FROM units") == before
    report = load_call_log(store, tiny_log, _profile(pcn=None))
    assert report.status == "failed" and "A81001, whose PCN is not known" in report.message
    report = load_call_log(store, tiny_log,
                           _profile(columns={"start": "Begin", "outcome": "Result", "site": "Practice"}))
    assert report.status == "failed" and "has no column 'Begin'" in report.message


def test_changing_the_outcome_table_changes_the_figures(tmp_path, tiny_log):
    def month(outcomes):
        s = Store()
        load_call_log(s, tiny_log, _profile(outcomes=outcomes))
        return rows(s, "SELECT ivr, missed, answered FROM daily_month")[0]

    words = {"Answered": "answered", "Abandoned": "missed", "IVR": "ivr", "Callback": "callback_requested",
             "Voicemail": "missed"}
    assert month(words) == (1, 2, 1)
    assert month(words | {"Abandoned": "ivr"}) == (2, 1, 1), "X-on's meaning of 'abandoned'"


# --------------------------------------------------------------------------- precedence

def _published(tmp_path, value: int = 10) -> Path:
    body = [day_time_row(NORTH, "2026-08-03", ind, "08:00 - 09:59", v)
            for ind, v in (("CBT001", value), ("CBT003", value - 2), ("CBT004", 2), ("CBT007", value - 2))]
    return write_csv(tmp_path / "Cloud Based Telephony By Day and Time - August 2026.csv", DAY_TIME_HEADER, body)


def test_published_figures_already_loaded_win_and_the_log_feeds_the_call_level_views(store, tmp_path, tiny_log):
    assert store.load(_published(tmp_path)).status == "loaded"
    before = rows(store, "SELECT * FROM daily_month ORDER BY ALL")
    report = load_call_log(store, tiny_log, _profile())
    assert report.status == "loaded"
    assert any("already has published figures" in o and "By Day and Time" in o for o in report.overlaps)
    assert rows(store, "SELECT count(*) FROM calls_by_band WHERE source_id = $s", s=report.source_id) == [(0,)]
    assert rows(store, "SELECT * FROM daily_month ORDER BY ALL") == before
    assert rows(store, "SELECT sum(calls) FROM call_log_slots") == [(5,)]
    assert all(c["ok"] for c in report.reconciliation)


def test_a_published_file_loaded_later_replaces_the_log_in_the_monthly_figures(store, tmp_path, tiny_log):
    """The practice is first seen in the log, so its unit's sub-ICB, ICB and region are not known;
    the published file's unit differs. Published figures must still win, not add up."""
    log = load_call_log(store, tiny_log, _profile())
    assert rows(store, "SELECT inbound FROM daily_month") == [(5,)]
    pcn_month = ("SELECT sum(inbound) FROM area_metrics(DATE '2026-08-01', DATE '2026-08-01', true) "
                 "WHERE area_code = 'U12345'")
    assert rows(store, pcn_month) == [(5,)]
    published = store.load(_published(tmp_path, value=10))   # the store hands the months over itself
    assert published.status == "loaded"
    assert any("the call log 'tiny log.csv'" in o for o in published.overlaps), published.overlaps
    assert rows(store, "SELECT count(*) FROM calls_by_band WHERE source_id = $s", s=log.source_id) == [(0,)]
    assert rows(store, pcn_month) == [(10,)]
    assert rows(store, "SELECT inbound, answered, missed FROM daily_month") == [(10, 8, 2)]
    assert rows(store, "SELECT sum(calls) FROM call_log_slots") == [(5,)], "call-level views keep the log"
    assert yield_to_published(store) == 0


def test_a_published_file_for_a_practice_already_known_replaces_the_log_by_itself(store, tmp_path, tiny_log):
    july = [day_time_row(NORTH, "2026-07-01", "CBT001", "08:00 - 09:59", 3)]
    assert store.load(write_csv(tmp_path / "july.csv", DAY_TIME_HEADER, july)).status == "loaded"
    log = load_call_log(store, tiny_log, _profile())      # August: reuses the practice's published unit
    assert rows(store, "SELECT count(DISTINCT unit_id) FROM units") == [(1,)]
    published = store.load(_published(tmp_path, value=10))
    assert any("tiny log.csv" in o for o in published.overlaps), "the store's own later-file-wins rule"
    assert rows(store, "SELECT count(*) FROM calls_by_band WHERE source_id = $s", s=log.source_id) == [(0,)]
    assert rows(store, "SELECT inbound FROM daily_month WHERE month = '2026-08-01'") == [(10,)]


def test_a_later_log_replaces_an_earlier_one_for_the_same_practice_days(store, tmp_path, tiny_log):
    first = load_call_log(store, tiny_log, _profile())
    later = tmp_path / "later.csv"
    later.write_text("Call ID,Start,Practice,Direction,Result,Queue Time,Talk Time,Caller\n"
                     "20,04/08/2026 11:00:00,Main,Inbound,Answered,10,10,\n"
                     "21,04/08/2026 11:30:00,Main,Inbound,Answered,10,10,\n", encoding="utf-8")
    second = load_call_log(store, later, _profile())
    assert second.status == "loaded"
    assert any("1 practice-days were already loaded from the call log 'tiny log.csv'" in o for o in second.overlaps)
    # The 3rd keeps the first log's 4 calls; the 4th now has the later log's 2 (not 1 + 2).
    assert rows(store, "SELECT date::VARCHAR, sum(calls) FROM call_log_slots GROUP BY ALL ORDER BY 1") == [
        ("2026-08-03", 4), ("2026-08-04", 2)]
    assert rows(store, "SELECT inbound, answered FROM daily_month") == [(6, 3)]
    assert rows(store, "SELECT count(*) FROM calls_by_band WHERE source_id = $s AND date = '2026-08-04'",
                s=first.source_id) == [(0,)]


def test_the_same_log_and_mapping_twice_is_a_duplicate(store, tiny_log):
    assert load_call_log(store, tiny_log, _profile()).status == "loaded"
    again = load_call_log(store, tiny_log, _profile(name="renamed"))
    assert again.status == "duplicate"
    assert rows(store, "SELECT sum(calls) FROM call_log_slots") == [(5,)]


# --------------------------------------------------------------------------- caller numbers

def _all_text(store: Store) -> str:
    """Every value of every table, permanent or temporary, as text."""
    out = []
    for schema, name in store.con.execute(
            "SELECT database_name, table_name FROM duckdb_tables()").fetchall():
        out += [repr(r) for r in store.con.execute(f'SELECT * FROM "{schema}".main."{name}"').fetchall()]
    return "\n".join(out)


def test_no_caller_number_and_no_hash_of_one_reaches_the_database(tmp_path):
    salt = b"0123456789abcdef"
    with open(XON_LOG, newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    header = lines.index(next(line for line in lines if line.startswith("Date,")))
    calls = list(csv.DictReader(lines[header:]))
    numbers = {c["Caller ID"] for c in calls if c["Caller ID"] and c["Caller ID"][0].isdigit()}
    assert len(numbers) > 100
    hashes = {hashlib.sha256((salt.hex() + n).encode()).hexdigest() for n in numbers}
    store = Store(tmp_path / "check.duckdb")
    report = load_call_log(store, XON_LOG, Profile.from_json(
        (EXAMPLES / "Synthetic X-on call log - August 2026 profile.json").read_text()), salt=salt)
    assert report.status == "loaded"
    assert rows(store, "SELECT sum(calls_with_number) FROM call_log_callers")[0][0] == len(
        [c for c in calls if (c["Caller ID"] or "")[:1].isdigit()]), "the numbers were used"
    assert rows(store, "SELECT count(*) FROM duckdb_tables() WHERE temporary") == [(0,)], "staging is dropped"
    text = _all_text(store)
    store.close()
    leaked = [n for n in numbers if n in text or n[1:] in text] + [h for h in hashes if h in text]
    assert not leaked, leaked[:3]
    raw = (tmp_path / "check.duckdb").read_bytes()
    assert not [n for n in list(numbers)[:200] if n.encode() in raw]


# --------------------------------------------------------------------------- the example logs

def test_bundled_example_logs_are_exactly_what_the_generator_writes(tmp_path):
    """data/sample/call_logs is written by `python -m telephony sample --out data/sample --call-logs`
    (seed 0, scale pcn); regenerate it whenever samplegen/call_logs.py changes."""
    written = write_example_logs(tmp_path, seed=0, scale="pcn")
    fresh = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in written}
    bundled = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in EXAMPLES.iterdir()}
    assert fresh == bundled
    assert all(name.startswith("Synthetic") for name in fresh if name != "README.txt")
    assert [(log.name, prof.name) for log, prof in example_logs(EXAMPLES)] == [
        ("Synthetic X-on call log - August 2026.csv", "Synthetic X-on call log - August 2026 profile.json"),
        ("Synthetic generic call log - August 2026.xlsx", "Synthetic generic call log - August 2026 profile.json")]


def test_example_logs_use_different_layouts_and_vocabularies():
    xon = inspect_file(XON_LOG)
    generic = inspect_file(GENERIC_LOG)
    assert xon.layout.kind == "csv" and generic.layout.kind == "xlsx"
    assert set(xon.values["Status"]) >= {"Answered", "Missed", "Abandoned", "Voicemail"}
    assert set(generic.values["Result"]) >= {"ANSWERED", "Abandoned", "Self-service"}
    # The suggestion reads X-on's title line and maps 'Abandoned' as X-on means it.
    assert suggest_profile(xon, XON_LOG.name).profile.outcomes["Abandoned"] == "ivr"
    assert suggest_profile(generic, GENERIC_LOG.name).profile.outcomes["Abandoned"] == "missed"
    # Caller numbers are never kept by the inspection.
    assert xon.samples["Caller ID"] == ["(hidden: phone numbers)"] and "Caller ID" not in xon.values
    assert "Caller Number" in generic.phone_like and "Caller Number" not in generic.values


def test_suggested_mapping_of_the_examples_matches_their_profiles_but_for_whose_calls():
    for log, prof in example_logs(EXAMPLES):
        saved = Profile.from_json(prof.read_text())
        insp = inspect_file(log)
        suggested = suggest_profile(insp, log.name).profile
        assert suggested.columns == saved.columns, log.name
        words = [w for w in insp.values[saved.columns["outcome"]] if w]
        in_profile = [w for w in words if w in saved.outcomes]
        assert len(in_profile) >= 4
        assert {w: suggested.outcomes[w] for w in in_profile} == {w: saved.outcomes[w] for w in in_profile}


def test_site_suggestions():
    known = {"A81001": "THE DENSHAM SURGERY", "E81050": "ASPLANDS MEDICAL CENTRE"}
    got = suggest_sites(["E81050", "Densham Surgery reception", "A81001 main", "Site B"], known)
    assert {k: v[0] for k, v in got.items()} == {"E81050": "E81050", "Densham Surgery reception": None,
                                                  "A81001 main": "A81001", "Site B": None}
    assert suggest_sites(["The Densham Surgery"], known)["The Densham Surgery"][0] == "A81001"


def test_example_logs_give_back_the_published_figures_of_their_practices(tmp_path):
    """The example logs are drawn from the same calls as the synthetic published files: mapped to
    the national definitions they must reproduce them cell for cell (day x band x indicator, and
    every wait and duration bucket)."""
    write_sample(tmp_path, seed=0, scale="pcn", months=1, last_month="2026-08")
    published = Store()
    for zipped in sorted(tmp_path.glob("*.zip")):
        assert published.load(zipped).status == "loaded"
    logs = Store()
    for log, prof in example_logs(EXAMPLES):
        assert load_call_log(logs, log, Profile.from_json(prof.read_text())).status == "loaded"
    codes = [r[0] for r in rows(logs, "SELECT DISTINCT practice_code FROM units")]
    assert len(codes) == 4
    band = """SELECT u.practice_code, b.date, b.band, b.indicator, sum(b.value) FROM calls_by_band b
              JOIN units u USING (unit_id) WHERE u.practice_code IN (SELECT unnest($codes)) GROUP BY ALL ORDER BY ALL"""
    assert rows(logs, band, codes=codes) == rows(published, band, codes=codes)
    bucket = """SELECT u.practice_code, b.date, b.family, b.indicator, b.bucket, b.core, sum(b.value)
                FROM calls_by_bucket b JOIN units u USING (unit_id)
                WHERE u.practice_code IN (SELECT unnest($codes)) GROUP BY ALL ORDER BY ALL"""
    assert rows(logs, bucket, codes=codes) == rows(published, bucket, codes=codes)


# --------------------------------------------------------------------------- command line

def test_cli_loads_a_call_log_with_a_profile(tmp_path, capsys):
    profile = EXAMPLES / "Synthetic X-on call log - August 2026 profile.json"
    code = main(["load", str(XON_LOG), "--mapping", str(profile), "--db", str(tmp_path / "calls.duckdb")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "calls read 2,357; loaded 2,357; rejected 0; not inbound (left out) 0" in out
    assert "'Total calls: 2357' is not a date" not in out and "The line 'Total calls: 2357'" in out
    store = Store(tmp_path / "calls.duckdb")
    assert rows(store, "SELECT sum(calls) FROM call_log_slots") == [(2357,)]
    store.close()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "cbt-call-log-profile", "version": 1, "columns": {"start": "x"}}')
    assert main(["load", str(XON_LOG), "--mapping", str(bad), "--db", str(tmp_path / "x.duckdb")]) == 2
    assert "needs the column that says how each call ended" in capsys.readouterr().err


# --------------------------------------------------------------------------- the page (AppTest)

def _xon_counts() -> dict[str, int]:
    with open(XON_LOG, newline="", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    header = lines.index(next(line for line in lines if line.startswith("Date,")))
    out: dict[str, int] = {}
    for row in csv.DictReader(lines[header:]):
        if row["Time"]:
            out[row["Status"]] = out.get(row["Status"], 0) + 1
    return out


def test_upload_map_adjust_and_see_the_page():
    at = visit(start_app(), "call_logs")
    at.file_uploader(key="calllog_file").set_value((XON_LOG.name, XON_LOG.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    columns = at.data_editor(key="calllog_columns").value
    chosen = dict(zip(columns["Field"], columns["Column in your file"]))
    assert chosen["Call date"] == "Date" and chosen["How the call ended (outcome, status or result)"] == "Status"
    outcomes = at.data_editor(key="calllog_outcomes").value
    suggested = dict(zip(outcomes["Word in your log"], outcomes["National outcome"]))
    assert suggested["Abandoned"] == LABEL["ivr"], "X-on's words, read from the file's title line"
    # The user decides X-on's 'abandoned' calls count as missed here, and says whose calls they are.
    row = list(outcomes["Word in your log"]).index("Abandoned")
    at.session_state["calllog_outcomes"] = {"edited_rows": {row: {"National outcome": LABEL["missed"]}},
                                            "added_rows": [], "deleted_rows": []}
    at.text_input(key="calllog_practice").set_value("A81001")
    at.text_input(key="calllog_pcn").set_value("U12345")
    at.run()
    assert not at.error, [e.value for e in at.error]
    at.button(key="calllog_load").click()
    at.run()
    at.run()
    assert not at.exception, at.exception
    counts = _xon_counts()
    loaded = sum(counts.values())
    assert any(f"Calls read {loaded:,} = loaded {loaded:,} + rejected 0 + not inbound (left out) 0" in s.value
               for s in at.success)
    store = at.session_state["session_data"].uploads
    assert rows(store, "SELECT answered, ivr, missed FROM daily_month") == [
        (counts["Answered"], 0, counts["Missed"] + counts["Voicemail"] + counts["Abandoned"])]
    titles = chart_titles(at)
    assert len(titles) == 3 and titles[0].startswith("The busiest hour is")
    assert any("single practice" in w.value for w in at.warning)
    text = shown_text(at)
    numbers = re.findall(r"\b0\d{10}\b", XON_LOG.read_text())
    assert numbers and not [n for n in set(numbers) if n in text], "no caller number on screen"
    assert "A81001" not in text, "the views never name the practice"
    # The log's calls are in the national model: every page works on them.
    for page in ("overview", "demand", "outcomes", "waits"):
        at = visit(at, page)
        assert any("Showing your uploaded files" in s.value and md(XON_LOG.name) in s.value for s in at.success), page
    at = visit(at, "overview")
    assert metric(at, "Inbound calls") == f"{loaded:,}"
    assert metric(at, "Answered") == f"{counts['Answered'] / loaded:.1%}"


def test_synthetic_examples_on_the_page():
    at = visit(start_app(), "call_logs")
    assert any("No call logs are loaded" in i.value for i in at.info)
    at.button(key="calllog_examples").click()
    at.run()
    at.run()
    assert not at.exception, at.exception
    assert any("synthetic sample" in w.value for w in at.warning)
    assert any("Call-level views from the synthetic example call logs" in m.value for m in at.markdown)
    titles = chart_titles(at)
    assert len(titles) == 3 and all(titles)
    # Demand by half hour as well.
    at.radio(key="calllog_step").set_value("Half hour")
    at.run()
    assert chart_titles(at)[0].startswith("The busiest half hour is")
    codes, names = practice_identifiers(ROOT / "data" / "sample" / "Synthetic practice map.csv")
    text = shown_text(at).upper()
    assert not [c for c in codes if c in text] + [n for n in names if n.upper() in text]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "synthetic example call logs" in json.dumps(spec["layout"]["annotations"])
    at = visit(at, "data")
    summary = at.dataframe[0].value.set_index("File")
    for log, _ in example_logs(EXAMPLES):
        assert summary.loc[log.name, "Status"] == "loaded" and summary.loc[log.name, "Checks"] == "all match"


# --------------------------------------------------------------------------- hostile text

def test_text_from_the_log_and_the_profile_reaches_sql_only_as_data(store, tmp_path):
    header, word, site = 'y"); DROP TABLE org_names; --', "x'); DROP TABLE units; --", "s'); DROP TABLE sources; --"
    name = "f'); DROP TABLE rejects; --.csv"
    path = tmp_path / "log.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Start", header, "Site"])
        out.writerow(["03/08/2026 08:05", word, site])
        out.writerow(["03/08/2026 08:06", "Lost'); DROP TABLE coverage; --", site])
    profile = Profile(columns={"start": "Start", "outcome": header, "site": "Site"}, outcomes={word: "answered"},
                      sites={site: "A81001"}, pcn="U12345", name="p'); DROP TABLE call_log_slots; --")
    recorder = RecordingConnection(store.con)
    store.con = recorder
    report = load_call_log(store, path, profile, name=name)
    store.con = recorder._con
    assert report.status == "loaded", report.message
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    statements = "\n".join(recorder.sql)
    for hostile in (header, word, site, name, profile.name, "Lost'); DROP TABLE coverage; --"):
        assert hostile not in statements and hostile.split("; ")[1] not in statements, hostile
    assert rows(store, "SELECT column_name, raw FROM rejects") == [(header, "Lost'); DROP TABLE coverage; --")]
    assert rows(store, "SELECT file_name FROM sources") == [(name,)]


# --------------------------------------------------------------------------- every row accounted for (issue 14)

DIRECTIONS = (
    "Start,Direction,Result,Wait\n"                       # line 1
    "03/08/2026 08:05,Inbound,Answered,10\n"               # 2 loaded
    "03/08/2026 08:06,Outbound,Answered,0\n"               # 3 left out
    "03/08/2026 08:07,Internal,Answered,0\n"               # 4 left out
    "not a date,Outbound,Answered,0\n"                     # 5 left out: outbound, whatever else is wrong
    "03/08/2026 08:09,Inbound,Test call,0\n"               # 6 left out: the word is mapped 'not inbound'
    "03/08/2026 08:10,Inbound,Transferred,0\n"             # 7 rejected: unmapped word
    "03/08/2026 08:11,,Answered,0\n"                       # 8 rejected: no direction
    "03/08/2026 08:12,Inbound,Missed,40\n"                 # 9 loaded
)


def test_outbound_and_internal_calls_are_left_out_not_rejected(store, tmp_path):
    path = tmp_path / "directions.csv"
    path.write_text(DIRECTIONS, encoding="utf-8")
    profile = Profile(columns={"start": "Start", "direction": "Direction", "outcome": "Result", "wait": "Wait"},
                      outcomes={"Answered": "answered", "Missed": "missed", "Test call": "not_inbound"},
                      practice="A81001", pcn="U12345")
    report = load_call_log(store, path, profile)
    assert report.status == "loaded", report.message
    assert (report.rows_read, report.rows_loaded, report.rows_rejected, report.not_inbound) == (8, 2, 2, 4)
    assert rows(store, "SELECT row_number, column_name FROM rejects ORDER BY 1") == [(7, "Result"), (8, "Direction")]
    check = next(c for c in report.reconciliation if c["check"].startswith("calls read = calls loaded"))
    assert check["check"] == "calls read = calls loaded + calls rejected + calls not inbound (left out)"
    assert (check["expected"], check["actual"], check["ok"]) == (8, 8, True)
    assert "calls read 8; loaded 2; rejected 2; not inbound (left out) 2" not in "\n".join(report.lines())
    assert "calls read 8; loaded 2; rejected 2; not inbound (left out) 4" in "\n".join(report.lines())
    assert report.counts == "Calls read 8 = loaded 2 + rejected 2 + not inbound (left out) 4."
    note = next(n for n in report.notes if "not inbound (left out)" in n)
    assert note.startswith("4 calls are not inbound") and "'Outbound' 2" in note and "'Internal' 1" in note
    assert rows(store, "SELECT sum(calls) FROM call_log_slots") == [(2,)]


FOOTED = (
    "Date,Time,Status,Queue Time\n"
    "03/08/2026,08:05:00,Answered,00:10\n"
    "03/08/2026,08:06:00,Missed,00:40\n"
    "Total,,,\n"                                        # 4: a total line among calls is not a footer
    "04/08/2026,09:00:00,Answered,00:05\n"
    "\n"
    "Total calls: {total}\n"                           # footers after the last call
    "Report generated on 05/08/2026 07:00,,,\n"
)


@pytest.mark.parametrize("total,ok", [(4, True), (3, False)])
def test_a_footer_after_the_last_call_is_not_a_call(store, tmp_path, total, ok):
    path = tmp_path / "footed.csv"
    path.write_text(FOOTED.format(total=total), encoding="utf-8")
    insp = inspect_file(path)
    assert insp.rows == 4
    assert f"Total calls: {total}" not in insp.values["Date"] and "Total" in insp.values["Date"]
    profile = Profile(columns={"date": "Date", "time": "Time", "outcome": "Status", "wait": "Queue Time"},
                      outcomes={"Answered": "answered", "Missed": "missed"}, practice="A81001", pcn="U12345")
    report = load_call_log(store, path, profile)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 3, 1)
    assert rows(store, "SELECT row_number, raw FROM rejects") == [(4, "Total")]
    assert report.footers == [f"Total calls: {total}", "Report generated on 05/08/2026 07:00"]
    stated = next(c for c in report.reconciliation if "footer" in c["check"])
    assert (stated["expected"], stated["actual"], stated["ok"]) == (total, 4, ok)
    assert report.reconciled is ok


def test_the_example_footer_is_recognised_and_its_total_checked(store):
    report = load_call_log(store, XON_LOG, Profile.from_json(
        (EXAMPLES / "Synthetic X-on call log - August 2026 profile.json").read_text()))
    calls = sum(_xon_counts().values())
    assert (report.rows_read, report.rows_rejected, report.not_inbound) == (calls, 0, 0)
    assert report.footers == [f"Total calls: {calls}"]
    assert report.reconciled


# --------------------------------------------------------------------------- malformed profiles (issue 15)

def _wrap(body: str) -> str:
    return '{"format": "cbt-call-log-profile", "version": 1, ' + body + "}"


MALFORMED = [
    pytest.param('{"format": "cbt-call-log-profile", "version": 1, "columns": ' + '{"a": ' * 50_000 + "1"
                 + "}" * 50_001, "nested too deeply", id="deep-objects"),
    pytest.param("[" * 100_000 + "]" * 100_000, "nested too deeply", id="deep-lists"),
    pytest.param('{"format": "cbt-call-log-profile", "version": ' + "7" * 5000 + "}", "number too long to read",
                 id="5000-digit-number"),
    pytest.param(_wrap('"columns": {"start": "Start", "outcome": "Res\\ud800ult"}'),
                 '"columns" holds text that is not valid Unicode', id="lone-surrogate"),
    pytest.param(_wrap('"\\udfff": 1'), "a setting's name holds text that is not valid Unicode",
                 id="lone-surrogate-key"),
    pytest.param('{"format": "cbt-call-log-profile", "version": true}', 'no valid "version" (expected the number 1; '
                 "found true)", id="true-as-version"),
    pytest.param('{"format": "cbt-call-log-profile", "version": "1"}', "found text", id="version-as-text"),
    pytest.param(_wrap('"columns": ["Start", "Result"]'), '"columns" must be an object of text to text (found a list)',
                 id="columns-list"),
    pytest.param(_wrap('"sites": {"Main": 81001}'), "\"sites\" maps 'Main' to a number", id="site-number"),
    pytest.param(_wrap('"outcomes": {"Answered": {"x": 1}}'), "\"outcomes\" maps 'Answered' to an object",
                 id="outcome-object"),
    pytest.param(_wrap('"name": ["x"]'), '"name" must be text (found a list)', id="name-list"),
    pytest.param('"just text"', "it holds text, not an object of settings", id="not-an-object"),
    pytest.param(_wrap('"sites": {"Main": "A81001", "MAIN": "A81002"}, "columns": {"start": "S", "outcome": "R"}'),
                 "(the same site once case and punctuation are ignored) to different practices", id="site-clash"),
]


@pytest.mark.parametrize("text,message", MALFORMED)
def test_malformed_profiles_get_a_message_naming_the_problem(text, message):
    with pytest.raises(ProfileError, match=re.escape(message)):
        Profile.from_json(text, "'p.json'")
    with pytest.raises(ProfileError, match=re.escape(message)):
        Profile.from_json(text.encode("utf-8", "surrogatepass"), "'p.json'")


@pytest.mark.parametrize("text,message", MALFORMED)
def test_malformed_profiles_on_the_command_line(tmp_path, text, message):
    import subprocess
    import sys

    profile = tmp_path / "p.json"
    profile.write_bytes(text.encode("utf-8", "surrogatepass"))
    log = tmp_path / "log.csv"
    log.write_text("Start,Result\n03/08/2026 08:05,Answered\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "telephony", "load", str(log), "--mapping", str(profile),
                           "--db", str(tmp_path / "x.duckdb")], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and str(profile) in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_malformed_profiles_in_the_app():
    at = visit(start_app(), "call_logs")
    at.file_uploader(key="calllog_file").set_value((XON_LOG.name, XON_LOG.read_bytes(), "text/csv"))
    at.run()
    for case in MALFORMED:
        text, message = case.values
        at.file_uploader(key="calllog_profile_file").set_value(
            (f"{case.id}.json", text.encode("utf-8", "surrogatepass"), "application/json"))
        at.run()
        assert not at.exception, (case.id, at.exception)
        assert any(message in as_shown(e.value) and f"'{case.id}.json'" in as_shown(e.value) for e in at.error), case.id


def test_a_profile_with_100000_sites_and_outcomes_loads_and_is_right(store, tmp_path):
    n = 100_000
    data = {"format": "cbt-call-log-profile", "version": 1,
            "columns": {"start": "Start", "site": "Site", "outcome": "Result"},
            "outcomes": {f"word {i}": ("answered", "missed", "ivr")[i % 3] for i in range(n)},
            "sites": {f"site {i}": f"A{i:05d}" for i in range(n)}, "pcn": "U12345"}
    profile = Profile.from_json(json.dumps(data), "'big.json'")
    assert len(profile.sites) == len(profile.outcomes) == n
    log = tmp_path / "log.csv"
    log.write_text("Start,Site,Result\n"
                   "03/08/2026 08:05,site 99999,word 99999\n"     # A99999, answered (99999 % 3 == 0)
                   "03/08/2026 08:06,SITE 7,Word-7\n"             # A00007, missed (same words once normalised)
                   "03/08/2026 08:07,site 100000,word 2\n",       # no such site: rejected
                   encoding="utf-8")
    report = load_call_log(store, log, profile)
    assert report.status == "loaded", report.message
    assert (report.rows_loaded, report.rows_rejected) == (2, 1)
    assert rows(store, """SELECT u.practice_code, b.indicator FROM calls_by_band b JOIN units u USING (unit_id)
                          WHERE b.indicator IN (2, 3, 4, 5) ORDER BY 1""") == [("A00007", 4), ("A99999", 3)]


# --------------------------------------------------------------------------- the mapping step (AppTest)

def _with_log(name: str = XON_LOG.name):
    at = visit(start_app(), "call_logs")
    at.file_uploader(key="calllog_file").set_value((name, XON_LOG.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_saved_profile_fills_every_field_it_holds():
    at = _with_log()
    for key, typed in (("calllog_practice", "B12345"), ("calllog_pcn", "U99999"), ("calllog_profile_name", "mine")):
        at.text_input(key=key).set_value(typed)
    at.run()
    saved = json.loads((EXAMPLES / "Synthetic X-on call log - August 2026 profile.json").read_text())
    saved |= {"practice": "A81001", "pcn": "U12345", "name": "Our X-on export", "supplier": "generic",
              "date_order": "mdy"}
    at.file_uploader(key="calllog_profile_file").set_value(
        ("ours.json", json.dumps(saved).encode(), "application/json"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    for key, expected in (("calllog_practice", "A81001"), ("calllog_pcn", "U12345"),
                          ("calllog_profile_name", "Our X-on export")):
        box = at.text_input(key=key)
        # set_value: the browser, which still shows what was typed, is told to show the profile's value.
        assert (box.value, box.proto.value, box.proto.set_value) == (expected, expected, True), key
    assert at.selectbox(key="calllog_supplier").value == "generic"
    assert at.radio(key="calllog_date_order").value == "mdy"
    assert not at.button(key="calllog_load").disabled


def test_the_practice_and_its_pcn_are_prefilled_from_the_file_or_the_data_loaded():
    # The file name gives a practice of the synthetic sample, and the sample gives its PCN.
    at = _with_log("X80010 call log August 2026.csv")
    assert at.text_input(key="calllog_practice").value == "X80010"
    assert at.text_input(key="calllog_pcn").value == "U78482"
    assert not at.button(key="calllog_load").disabled
    # Typed by hand: the PCN follows the practice until the user types a PCN of their own.
    at = _with_log()
    assert at.text_input(key="calllog_practice").value == "" and at.text_input(key="calllog_pcn").value == ""
    at.text_input(key="calllog_practice").set_value("X80010")
    at.run()
    assert at.text_input(key="calllog_pcn").value == "U78482"
    assert any("place this practice in PCN U78482" in c.value for c in at.caption)
    at.text_input(key="calllog_pcn").set_value("U11111")
    at.text_input(key="calllog_practice").set_value("X80011")
    at.run()
    assert at.text_input(key="calllog_pcn").value == "U11111", "a PCN the user typed is never replaced"


def test_the_load_button_says_what_is_missing_until_it_is_set():
    def reason(at) -> str:
        return " ".join(as_shown(c.value) for c in at.caption if "is not available yet" in c.value)

    at = _with_log()
    button = at.button(key="calllog_load")
    assert button.disabled and "the practice's ODS code is needed" in reason(at)
    assert "the practice's ODS code is needed" in button.proto.help
    at.text_input(key="calllog_practice").set_value("A8100")
    at.run()
    assert at.button(key="calllog_load").disabled and "not an ODS practice code" in reason(at)
    at.text_input(key="calllog_practice").set_value("A81001")     # not in any file loaded, nor the sample
    at.run()
    assert at.button(key="calllog_load").disabled
    assert "the PCN code is needed: no file loaded places A81001 in a PCN" in reason(at)
    at.text_input(key="calllog_pcn").set_value("U12345")
    at.run()
    assert not at.button(key="calllog_load").disabled and not reason(at)
    # Taking away the outcome column blocks it again, saying why.
    columns = at.data_editor(key="calllog_columns").value
    row = list(columns["Column in your file"]).index("Status")
    at.session_state["calllog_columns"] = {"edited_rows": {row: {"Column in your file": ""}}, "added_rows": [],
                                           "deleted_rows": []}
    at.run()
    assert at.button(key="calllog_load").disabled and "how each call ended" in reason(at)


def test_the_mapping_tables_show_labels_and_reasons_in_full():
    at = _with_log()
    for key, text_columns in (("calllog_columns", ("Field", "Why suggested")),
                              ("calllog_outcomes", ("National outcome", "Why"))):
        proto = at.data_editor(key=key).proto
        assert proto.row_height > 64, "Streamlit wraps text only in rows taller than 4rem"
        config = json.loads(proto.columns)
        for column in text_columns:
            assert config[column]["width"] in ("medium", "large"), (key, column)
    labels = json.loads(at.data_editor(key="calllog_outcomes").proto.columns)["National outcome"]
    assert labels["width"] == "large", "the longest outcome label needs the large width"
