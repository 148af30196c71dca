"""The Trends page in a real browser on the sample: reached from the nav, its seven XmR charts
drawn, an event added through the form and drawn on the charts, the before/after sentences shown.
A screenshot goes to tests/artifacts/trends-*.png for a human to look at.

Uses the app server, browser and helpers of tests/test_browser.py (same skip rules).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    FIRST_RENDER_TIMEOUT, app_url, browser, chromium_path, expect_page, go_to, new_page, server_tmp, snap,
    wait_settled,
)

pytestmark = pytest.mark.browser


def test_trends_page_with_an_event(new_page, app_url):
    page = new_page()
    page.goto(app_url)
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    go_to(page, "Trends", "Trends")
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(7)
    expect(page.get_by_text("Trial limits: fewer than 12 months").first).to_be_visible()

    # The events panel starts closed (the first screen is for the first chart): open it.
    page.get_by_test_id("stExpander").filter(has_text="Local events").locator("summary").click()
    for part, digits in (("day", "03"), ("month", "06"), ("year", "2026")):   # the date's segments
        segment = page.get_by_role("spinbutton", name=f"{part}, Date")
        segment.click()
        segment.press_sequentially(digits)
    page.get_by_label("What changed").fill("new phone system")
    page.get_by_role("button", name="Add event").click()
    wait_settled(page)
    expect(page.get_by_text("new phone system, 3 June 2026").first).to_be_visible()
    # Drawn on every chart as a labelled line, and compared before and after in seven sentences.
    expect(page.locator("g.annotation-text-g", has_text="new phone system")).to_have_count(7)
    expect(page.get_by_role("heading", name="Before and after")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="new phone system, 3 June 2026")).to_have_count(7)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    snap(page, "trends-sample-with-event.png")
