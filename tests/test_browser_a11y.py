"""Accessibility in a real browser: axe-core (bundled in axe-playwright-python, nothing fetched at
run time) on every page, in normal and shared-screen mode, against WCAG 2.2 A and AA. A serious
or critical violation fails the test and is listed with the elements it was found on.

Uses the app server, browser and helpers of tests/test_browser.py (same skip rules: no Chromium
skips here, fails in CI).
"""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    FIRST_RENDER_TIMEOUT, IN_CI, LAPTOP, PROJECTOR, app_url, browser, chromium_path, expect_page, new_page,
    server_tmp,
)

try:
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    if IN_CI:
        raise
    pytest.skip("the Python package axe-playwright-python is not installed", allow_module_level=True)

pytestmark = pytest.mark.browser

# (url path, the page's h1)
PAGES = [("overview", "Overview"), ("demand", "Demand"), ("outcomes", "Outcomes"), ("waits", "Waits"),
         ("call-logs", "Call logs"), ("context", "Context"), ("data", "Data"), ("about", "About this tool"),
         ("present", "")]
# What WCAG 2.2 AA asks of a page, as axe tags its rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}


def blocking_violations(results: dict) -> list[str]:
    """One line per serious or critical violation: rule, impact, help, and the first elements."""
    lines = []
    for v in results["violations"]:
        if v.get("impact") not in BLOCKING:
            continue
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:4]]
        detail = v["nodes"][0].get("failureSummary", "").replace("\n", " ") if v["nodes"] else ""
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']}\n"
                     f"      on {targets}\n      {detail[:300]}")
    return lines


def test_the_check_reports_serious_and_critical_only():
    """The filter above must be able to fail: a serious violation is listed, a moderate one not."""
    node = {"target": ["#x"], "failureSummary": "Fix this"}
    results = {"violations": [
        {"id": "color-contrast", "impact": "serious", "help": "Contrast", "nodes": [node]},
        {"id": "region", "impact": "moderate", "help": "Landmarks", "nodes": [node]},
    ]}
    lines = blocking_violations(results)
    assert len(lines) == 1 and lines[0].startswith("color-contrast (serious, 1 element(s))")


@pytest.mark.parametrize("mode", ["normal", "shared"])
@pytest.mark.parametrize("path,h1", PAGES, ids=[p for p, _ in PAGES])
def test_no_serious_or_critical_axe_violation(new_page, app_url, path, h1, mode):
    page = new_page(PROJECTOR if mode == "shared" else LAPTOP)
    page.goto(f"{app_url}/{path}" + ("?mode=shared" if mode == "shared" else ""))
    if h1:
        expect_page(page, h1, timeout=FIRST_RENDER_TIMEOUT)
    else:   # the Present page's h1 is the slide's headline (shared) or its own title (normal)
        expect_page(page, "", timeout=FIRST_RENDER_TIMEOUT)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}).response
    found = blocking_violations(results)
    assert not found, f"{path} ({mode}): {len(found)} serious or critical axe violation(s):\n  " + "\n  ".join(found)
