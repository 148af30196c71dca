"""The Present view in a real browser at projector sizes (1280x720, 1024x768), driven by keys alone: arrow
keys and Page Up/Down move between slides; every slide fits the screen with its headline, chart,
caveat, PCN and period. Screenshots go to tests/artifacts/present-*.png for a human to look at.

Uses the app server, browser and helpers of tests/test_browser.py (same skip rules).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS, FIRST_RENDER_TIMEOUT, PROJECTOR, app_url, browser, chromium_path, new_page, server_tmp,
    wait_settled,
)

pytestmark = pytest.mark.browser


def counter(page) -> str:
    return page.get_by_text(re.compile(r"^Slide \d+ of \d+$")).inner_text()


def press_and_wait(page, key: str, expected: str) -> None:
    page.keyboard.press(key)
    expect(page.get_by_text(expected, exact=True)).to_be_visible()
    wait_settled(page)


SIZES = {"1280x720": PROJECTOR, "1024x768": {"width": 1024, "height": 768}}


def check_slide(page, n: int) -> str:
    """The slide on screen is whole and inside the viewport; returns its headline."""
    height = page.viewport_size["height"]
    headline = page.locator("h1").first
    expect(headline).to_be_visible()
    chart = page.get_by_test_id("stPlotlyChart")
    expect(chart).to_have_count(1)
    expect(page.get_by_text("Caveat:")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\(U\d{5}\) · \w{3} \d{4} to \w{3} \d{4}"))).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    for part in (headline, chart, page.get_by_text("Caveat:"),
                 page.get_by_role("button", name=re.compile("^(Next|Previous)"))):
        box = part.first.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height + 1, (
            f"slide {n}: {part} is outside the {height} px screen: {box}")
    page.screenshot(path=str(ARTIFACTS / f"present-{n}-{page.viewport_size['width']}.png"))
    return headline.inner_text()


@pytest.mark.parametrize("size", list(SIZES))
def test_present_by_keys_alone(new_page, app_url, size):
    page = new_page(SIZES[size])
    page.goto(f"{app_url}/present?mode=shared")
    expect(page.get_by_text("Slide 1 of 5", exact=True)).to_be_visible(timeout=FIRST_RENDER_TIMEOUT)
    wait_settled(page)
    headlines = [check_slide(page, 1)]
    for n, key in zip(range(2, 6), ["ArrowRight", "PageDown", "ArrowRight", "PageDown"]):
        press_and_wait(page, key, f"Slide {n} of 5")
        headlines.append(check_slide(page, n))
    assert len(set(headlines)) == 5, headlines
    press_and_wait(page, "ArrowRight", "Slide 5 of 5")   # the last slide stays
    press_and_wait(page, "ArrowLeft", "Slide 4 of 5")
    press_and_wait(page, "PageUp", "Slide 3 of 5")
    assert page.locator("h1").first.inner_text() == headlines[2]
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_present_outside_shared_screen_explains(new_page, app_url):
    page = new_page(PROJECTOR)
    page.goto(f"{app_url}/present")
    expect(page.get_by_role("button", name="Switch to shared screen and present")).to_be_visible(
        timeout=FIRST_RENDER_TIMEOUT)
    page.screenshot(path=str(ARTIFACTS / "present-0-normal.png"))
    page.get_by_role("button", name="Switch to shared screen and present").click()
    expect(page.get_by_text("Slide 1 of 5", exact=True)).to_be_visible()
