"""The Present view (pages/present.py, ui/present.py, telephony/slides.py) in AppTest runs on the
synthetic sample: six months, March to August 2026, with By Day and Time and wait data."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from telephony import slides
from tests.app_support import sidebar_widget, APP, visit

COUNTER = re.compile(r"Slide (\d+) of (\d+)")


@pytest.fixture(scope="module")
def shared_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["mode"] = "shared"
    at.run()
    at.run()
    assert not at.exception, at.exception
    return visit(at, "present")


def counter(at: AppTest) -> tuple[int, int]:
    found = [COUNTER.search(m.value) for m in at.markdown if COUNTER.search(m.value)]
    assert len(found) == 1, [m.value for m in at.markdown]
    return int(found[0][1]), int(found[0][2])


def slide(at: AppTest) -> dict:
    """What the slide on screen shows: headline (h1), chart specs, caveat, the PCN-and-period line."""
    text = [m.value for m in at.markdown]
    return {
        "headline": [t[2:] for t in text if t.startswith("# ")],
        "charts": [json.loads(c.proto.spec) for c in at.get("plotly_chart")],
        "caveat": [t for t in text if "**Caveat:**" in t],
        "where": [t for t in text if re.search(r"\(U\d{5}\)\*\* · \w{3} \d{4} to \w{3} \d{4}", t)],
    }


def test_default_deck_on_six_months_has_five_slides_each_complete(shared_app):
    at = shared_app
    assert counter(at) == (1, 5)   # headline, demand, outcomes, waits, trend (6 months allow SPC)
    seen = []
    for n in range(1, 6):
        shown = slide(at)
        assert counter(at) == (n, 5)
        assert len(shown["headline"]) == 1 and shown["headline"][0], shown
        assert len(shown["charts"]) == 1 and shown["charts"][0]["data"], n
        assert len(shown["caveat"]) == 1, shown["caveat"]
        assert len(shown["where"]) == 1, [m.value for m in at.markdown]
        assert not at.get("download_button"), "a slide carries no download button"
        seen.append((shown["headline"][0], shown["caveat"][0]))
        if n < 5:
            at.button(key="present_next").click().run()
            assert not at.exception, at.exception
    headlines = [h for h, _ in seen]
    assert len(set(headlines)) == 5, headlines
    assert re.fullmatch(r"\d+% of calls were answered and \d+% were missed", headlines[0])
    assert headlines[1].startswith("The busiest time is ")
    assert "Voicemail counts as missed" in seen[0][1]
    assert "break in series in June 2026" in seen[3][1]   # March-August spans the break
    assert "Coverage grew" in seen[4][1]
    # Next is disabled on the last slide; previous goes back.
    assert at.button(key="present_next").disabled
    at.button(key="present_prev").click().run()
    assert counter(at) == (4, 5) and slide(at)["headline"] == [headlines[3]]


def test_page_keys_move_too_and_stop_at_the_ends(shared_app):
    at = shared_app
    for _ in range(7):
        at.button(key="present_page_up").click().run()
    assert counter(at) == (1, 5)
    assert at.button(key="present_prev").disabled
    at.button(key="present_page_down").click().run()
    assert counter(at) == (2, 5)
    assert at.button(key="present_next").proto.shortcut and at.button(key="present_page_down").proto.shortcut


def test_the_chair_chooses_slides_and_their_order(shared_app):
    at = shared_app
    at.multiselect(key="present_choice").set_value(["waits", "weekdays"]).run()
    assert not at.exception, at.exception
    assert counter(at) == (1, 2)
    assert slide(at)["headline"][0].endswith("of missed callers hung up within a minute")
    at.button(key="present_next").click().run()
    assert re.fullmatch(r"\w+days bring the most calls: [\d,]+ a day on average", slide(at)["headline"][0])
    at.multiselect(key="present_choice").set_value(list(slides.DEFAULT)).run()
    assert counter(at) == (1, 5)


def _months(inbound: list[int]):
    """A context whose store answers area_month_metrics with the given monthly inbound calls."""
    import pandas as pd

    class Store:
        def query(self, name, **params):
            assert name == "area_month_metrics"
            return pd.DataFrame({"month": pd.date_range("2026-01-01", periods=len(inbound), freq="MS"),
                                 "inbound": inbound})

    class Ctx:
        store, large, source_line = Store(), True, "Source: test"

        def area(self, level="pcn"):
            return {}

    return Ctx()


def test_the_trend_slide_needs_six_months_and_names_special_cause():
    assert slides.trend(_months([100, 110, 105, 98, 102])) is None
    steady = slides.trend(_months([100, 110, 105, 98, 102, 101]))
    assert steady.headline == "Inbound calls varied only within their usual range over 6 months"
    assert "trial process limits" in steady.measure
    # Centre 826 / 8 = 103.25; moving ranges six 2s and a 20, which screening drops (>= 3.267 x 32/7),
    # so amr = 2 and the upper limit is 103.25 + 2.66 x 2 = 108.57: 120 is outside.
    jump = slides.trend(_months([100, 102, 100, 102, 100, 102, 100, 120]))
    assert jump.headline == "Inbound calls in August 2026 show special cause: outside the limits", jump.headline
    names = [t.name for t in jump.figure.data]
    assert names == ["Inbound calls", "Centre (mean)", "Upper process limit", "Lower process limit"]


def test_outside_shared_screen_the_page_explains_and_offers_to_switch():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.run()
    at = visit(at, "present")
    assert not at.get("plotly_chart")
    assert any("shared-screen mode" in i.value for i in at.info)
    at.button(key="present_start").click().run()
    assert not at.exception, at.exception
    assert sidebar_widget(at, "toggle", "shared_screen").value is True
    assert counter(at) == (1, 5)


def test_a_slide_the_data_cannot_support_is_left_out():
    """No By Day and Time rows: the demand slides build nothing rather than an empty chart."""
    class Empty:
        def query(self, name, **params):
            import pandas as pd
            return pd.DataFrame({"weekday": [], "band": [], "calls": [], "days": [], "calls_per_day": []})

    class Ctx:
        store = Empty()

        def area(self, level="pcn"):
            return {}

    assert slides.demand(Ctx()) is None and slides.weekdays(Ctx()) is None
