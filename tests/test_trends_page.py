"""AppTest runs of the Trends page on the bundled sample (March-August 2026): charts with trial
limits and the June 2026 wait break, events added and removed, rebasing, direction, reference
lines, before/after sentences, and no practice identity anywhere on it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.app_support import SAMPLE, as_shown, practice_identifiers, shown_text, start_app, visit


@pytest.fixture(scope="module")
def app():
    return visit(start_app(), "trends")


def charts_json(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_of(at, title_start: str) -> dict:
    found = [c for c in charts_json(at) if c["layout"]["title"]["text"].startswith(title_start)]
    assert len(found) == 1, [c["layout"]["title"]["text"] for c in charts_json(at)]
    return found[0]


def trace_names(chart: dict) -> list[str]:
    return [t.get("name") for t in chart["data"]]


def markdown(at) -> str:
    return "\n".join(as_shown(m.value) for m in at.markdown)


def test_one_chart_per_measure_with_trial_limits_and_the_wait_break(app):
    at = app
    assert [t.value for t in at.title] == ["Trends"]
    titles = [c["layout"]["title"]["text"] for c in charts_json(at)]
    assert [t.split(":")[0] for t in titles] == [
        "Calls per 1,000 patients per working day", "Inbound calls", "Answered", "Missed (includes voicemail)",
        "Ended in the menu (IVR)", "Callback requested", "Answered within 2 minutes"]
    # Six months: trial limits, said in the subtitle.
    answered = chart_of(at, "Answered:")
    assert "Trial limits: fewer than 12 months" in answered["layout"]["title"]["subtitle"]["text"]
    assert "Process limits" in trace_names(answered)
    # The wait measure starts again at June 2026: 3 + 3 months, a run chart with no limits.
    waits = chart_of(at, "Answered within 2 minutes")
    assert "Run chart" in waits["layout"]["title"]["subtitle"]["text"]
    assert "Process limits" not in trace_names(waits)
    assert trace_names(waits).count("Centre line (mean)") == 2
    assert any("Calls Answered Metric" in a["text"] for a in waits["layout"]["annotations"])
    assert any("Limits start again at June 2026" in c.value for c in at.caption)
    # Neutral by default: special cause is high or low, never improvement or concern.
    names = [n for c in charts_json(at) for n in trace_names(c) if n]
    assert not any("improvement" in n or "concern" in n for n in names)


def test_no_practice_identity_on_the_page(app):
    codes, names = practice_identifiers(SAMPLE / "Synthetic practice map.csv")
    text = shown_text(app).upper()
    leaked = [c for c in codes if c.upper() in text] + [n for n in names if n.upper() in text]
    assert not leaked, leaked[:5]


def test_direction_turns_high_and_low_into_improvement_or_concern(app):
    at = app
    marked = [n for n in trace_names(chart_of(at, "Callback requested")) if n and ": special cause" in n]
    assert marked, "the sample's callback share has a special-cause month"
    at.selectbox(key="better_callback_share").set_value("low").run()
    names = [n for n in trace_names(chart_of(at, "Callback requested")) if n and ":" in n]
    judged = {n.split(": ")[1] for n in names if n.split(": ")[0] in {"Outside limits", "Trend", "Shift",
                                                                      "2 of 3 near limit"}}
    expected = {"improvement" if "low" in n else "concern" for n in marked}
    assert judged == expected
    at.selectbox(key="better_callback_share").set_value("none").run()


def test_reference_lines_on_request(app):
    at = app
    assert "England (all loaded)" not in trace_names(chart_of(at, "Answered:"))
    at.toggle(key="trend_references").set_value(True).run()
    assert not at.exception
    assert "England (all loaded)" in trace_names(chart_of(at, "Answered:"))
    at.toggle(key="trend_references").set_value(False).run()


def test_events_rebase_and_before_after(app):
    at = app
    assert any("Record a local event" in i.value for i in at.info)
    # A practice named in an event is refused.
    codes, names = practice_identifiers(SAMPLE / "Synthetic practice map.csv")
    at.text_input(key="event_label").input(f"rota at {sorted(names)[0]}")
    next(b for b in at.button if b.label == "Add event").click().run()
    assert any("must not name a practice" in e.value for e in at.error)
    assert not [b for b in at.button if str(b.key).startswith("remove_event_")]

    at.date_input(key="event_date").set_value(dt.date(2026, 6, 3))
    at.text_input(key="event_label").input("new phone system")
    next(b for b in at.button if b.label == "Add event").click().run()
    assert not at.exception
    assert "new phone system, 3 June 2026" in markdown(at)
    inbound = chart_of(at, "Inbound calls")
    assert any(a["text"] == "new phone system" for a in inbound["layout"]["annotations"])
    # Before and after: one sentence per measure, counts per working day.
    text = markdown(at)
    assert "Inbound calls per working day" in text and "after new phone system, 3 June 2026" in text
    sentences = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(sentences) == 7 and all("new phone system, 3 June 2026" in line for line in sentences)
    assert "with only 3 months before, there are no limits" in sentences[2]   # Answered: March-May before
    # The wait measure's months before June 2026 were measured differently: none are left before.
    assert sentences[6].startswith("- Answered within 2 minutes: no months loaded before new phone system")

    # Rebased at the event: two periods of 3 months, each its own centre line.
    remove = [b for b in at.button if str(b.key).startswith("remove_event_")]
    assert len(remove) == 1
    event_id = int(str(remove[0].key).removeprefix("remove_event_"))
    assert at.multiselect(key="trend_rebase").options == ["new phone system, 3 June 2026"]
    at.multiselect(key="trend_rebase").select(event_id).run()
    inbound = chart_of(at, "Inbound calls")
    assert trace_names(inbound).count("Centre line (mean)") == 2
    assert any(a["text"] == "new phone system (limits start again)" for a in inbound["layout"]["annotations"])
    assert "Run chart" in inbound["layout"]["title"]["subtitle"]["text"]

    remove = [b for b in at.button if str(b.key).startswith("remove_event_")]
    assert len(remove) == 1
    remove[0].click().run()
    assert not at.exception
    assert "new phone system, 3 June 2026" not in markdown(at)
    assert any("Record a local event" in i.value for i in at.info)
