"""Projector layout in a real browser: at 1280x720 and 1024x768, in normal and shared-screen mode,
every chart's texts (title, subtitle, legend, axis titles, tick labels, annotations, source line)
lie inside the chart and do not overlap (nor the numbers printed on the marks); every chart fits the
screen below the app's header bar, so a meeting can see it whole; chart and table text is at least
14 px; each analysis page has a headline figure or chart title on its first screen. Trends and
every slide of the Present view are measured too. Measured in the page; screenshots
of each first screen go to tests/artifacts/layout-*.png for a human to look at.

Uses the app server, browser and helpers of tests/test_browser.py (same skip rules).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS, FIRST_RENDER_TIMEOUT, app_url, browser, chromium_path, expect_page, new_page, server_tmp,
    wait_settled,
)

pytestmark = pytest.mark.browser

SIZES = {"1280x720": {"width": 1280, "height": 720}, "1024x768": {"width": 1024, "height": 768}}
# (url path, the page's h1): the analysis pages, on the sample
# (The Overview is the default page: its address is the app's own; /overview is "not found".)
PAGES = [("", "Overview"), ("demand", "Demand"), ("outcomes", "Outcomes"), ("waits", "Waits"),
         ("call-logs", "Call logs"), ("context", "Context"), ("trends", "Trends"), ("present", "Present")]
SLIDES = 5   # the Present view's default deck on the sample
MIN_FONT = 14
# The sample session has no call logs loaded until someone asks for the synthetic examples: the
# page's first screen must then offer them (normal mode) or say there are none (shared screen).
NO_LOGS = {"normal": "Load the synthetic example call logs", "shared": "No call logs are loaded in the data shown"}
TOLERANCE = 1   # px: boxes that touch are not overlapping

# Every text of every chart on show, with its box, font size, kind and (for tick labels) angle;
# every data grid's font (the grid draws on a canvas, so its CSS variables are what can be read);
# and what of the page's headline content lies wholly inside the first screen.
MEASURE = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const shown = e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
    return s.display !== 'none' && s.visibility !== 'hidden' && parseFloat(s.opacity || '1') > 0 && r.width > 0; };
  const kinds = [['title', '.gtitle'], ['subtitle', '.gtitle-subtitle'], ['annotation', '.annotation-text'],
    ['legend', '.legendtext'], ['xtick', '.xtick text'], ['ytick', '.ytick text'], ['xtitle', '.g-xtitle text'],
    ['ytitle', '.g-ytitle text'], ['cbtitle', '.cbtitle text'], ['cbtick', '.cbaxis text'],
    ['mark', '.textpoint text'], ['mark', 'text.textpoint']];
  const charts = [];
  for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!c.checkVisibility()) continue;
    const svg = c.querySelector('svg.main-svg');
    const parts = [];
    for (const [kind, sel] of kinds) for (const t of c.querySelectorAll(sel)) {
      if (!shown(t) || !t.textContent.trim()) continue;
      const m = /rotate\\((-?[\\d.]+)/.exec(t.getAttribute('transform') || '');
      parts.push({kind, text: t.textContent, box: box(t), angle: m ? parseFloat(m[1]) : 0,
                  font: parseFloat(getComputedStyle(t).fontSize)});
    }
    const fonts = [...c.querySelectorAll('svg text, svg tspan')].filter(t => t.textContent.trim() && shown(t))
      .map(t => ({text: t.textContent, font: parseFloat(getComputedStyle(t).fontSize)}));
    charts.push({box: box(svg), title: (c.querySelector('.gtitle') || {}).textContent || '', parts, fonts});
  }
  const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(e => e.checkVisibility())
    .map(t => { const el = t.querySelector('[style*="--gdg-base-font-style"]') || t; const s = getComputedStyle(el);
      return [s.getPropertyValue('--gdg-base-font-style'), s.getPropertyValue('--gdg-header-font-style')]; });
  const inFirst = e => {
    const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight;
  };
  const first = [...document.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stPlotlyChart"] .gtitle')]
    .filter(inFirst).map(e => e.textContent);
  // The header bar stays on top of the page as it scrolls: a chart must fit the room under it.
  const header = document.querySelector('[data-testid="stHeader"]');
  const covered = header && header.checkVisibility() ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
  return {charts, grids, first, room: innerHeight - covered};
}"""


def overlaps(a: dict, b: dict, tol: float = TOLERANCE) -> bool:
    return (a["x"] + tol < b["x"] + b["w"] and b["x"] + tol < a["x"] + a["w"]
            and a["y"] + tol < b["y"] + b["h"] and b["y"] + tol < a["y"] + a["h"])


def inside(part: dict, chart: dict, tol: float = TOLERANCE) -> bool:
    return (part["x"] >= chart["x"] - tol and part["y"] >= chart["y"] - tol
            and part["x"] + part["w"] <= chart["x"] + chart["w"] + tol
            and part["y"] + part["h"] <= chart["y"] + chart["h"] + tol)


def tick_clashes(ticks: list[dict]) -> list[str]:
    """Adjacent tick labels of one axis that run together. Level labels: their boxes overlap.
    Angled labels: their boxes always overlap (a box holds the whole slanted line), so the
    distance between neighbours' anchors across the slant must hold a line of text."""
    import math

    found = []
    for axis in ("xtick", "ytick"):
        labels = sorted((t for t in ticks if t["kind"] == axis), key=lambda t: (t["box"]["x"], t["box"]["y"]))
        for a, b in zip(labels, labels[1:]):
            if a["angle"] == 0 and b["angle"] == 0:
                clash = overlaps(a["box"], b["box"])
            else:   # anchored at the label's end, the top right of its box for a negative angle
                gap = (b["box"]["x"] + b["box"]["w"]) - (a["box"]["x"] + a["box"]["w"])
                clash = abs(gap * math.sin(math.radians(a["angle"]))) < a["font"] * 0.9
            if clash:
                found.append(f"{axis} '{a['text']}' and '{b['text']}' run together")
    return found


def chart_problems(chart: dict, room: float | None = None) -> list[str]:
    """Every way one measured chart fails the layout rules, as sentences. `room`: the height of
    screen a chart can be seen whole in (the viewport less the header bar)."""
    name = chart["title"][:60] or "untitled chart"
    problems = [f"{name}: {p['kind']} '{p['text'][:40]}' sticks out of the chart ({p['box']} vs {chart['box']})"
                for p in chart["parts"] if not inside(p["box"], chart["box"])]
    if room is not None and chart["box"]["h"] > room + TOLERANCE:
        problems.append(f"{name}: the chart is {chart['box']['h']:.0f} px tall, taller than the "
                        f"{room:.0f} px of screen it can be seen in")
    parts = chart["parts"]
    for i, a in enumerate(parts):
        for b in parts[i + 1:]:
            same_axis = a["kind"] == b["kind"] and a["kind"] in {"xtick", "ytick", "cbtick"}
            same_legend = a["kind"] == b["kind"] == "legend"
            if not (same_axis or same_legend) and overlaps(a["box"], b["box"]):
                problems.append(f"{name}: {a['kind']} '{a['text'][:30]}' overlaps {b['kind']} '{b['text'][:30]}'")
            elif same_legend and overlaps(a["box"], b["box"]):
                problems.append(f"{name}: legend items '{a['text'][:30]}' and '{b['text'][:30]}' overlap")
    problems += [f"{name}: {p}" for p in tick_clashes(parts)]
    small = sorted({(f["font"], f["text"][:30]) for f in chart["fonts"] if f["font"] < MIN_FONT})
    problems += [f"{name}: text '{t}' is {size} px, under {MIN_FONT} px" for size, t in small[:5]]
    return problems


def on_first_screen(page, text: str) -> bool:
    box = page.get_by_text(text).first.bounding_box()
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def grid_px(style: str) -> float:
    """'400 14px' (a data grid's font shorthand) -> 14.0."""
    return float(style.strip().split()[-1].removesuffix("px"))


def test_the_checks_can_fail():
    """The rules above must catch what a meeting sees: a title cut at the edge, a legend on a
    subtitle, level labels running together, angled labels too close, small text."""
    def part(kind, text, x, y, w, h, angle=0, font=14):
        return {"kind": kind, "text": text, "box": {"x": x, "y": y, "w": w, "h": h}, "angle": angle, "font": font}

    chart = {"title": "T", "box": {"x": 0, "y": 0, "w": 600, "h": 400}, "fonts": [{"text": "tiny", "font": 11}],
             "parts": [
                 part("title", "…and 12% mi", 10, 5, 640, 24, font=20),
                 part("subtitle", "Share", 10, 40, 300, 20, font=16),
                 part("legend", "Answered", 100, 50, 80, 18),
                 part("xtick", "Monday", 100, 380, 60, 16),
                 part("xtick", "Tuesday", 150, 380, 60, 16),
                 part("ytick", "a", 5, 100, 60, 60, angle=-45, font=18),
                 part("ytick", "b", 15, 100, 60, 60, angle=-45, font=18),
             ]}
    found = "\n".join(chart_problems(chart, room=360))
    for expected in ("title '…and 12% mi' sticks out", "subtitle 'Share' overlaps legend 'Answered'",
                     "xtick 'Monday' and 'Tuesday' run together", "ytick 'a' and 'b' run together",
                     "text 'tiny' is 11 px", "the chart is 400 px tall, taller than the 360 px"):
        assert expected in found, found
    spaced = dict(chart, fonts=[], parts=[dict(p, box=dict(p["box"], x=p["box"]["x"] + 40 * i))
                                          for i, p in enumerate(chart["parts"][3:5])])
    assert chart_problems(spaced, room=400) == []
    marks = [{"kind": "mark", "text": t, "box": {"x": 100 + i * 20, "y": 200, "w": 40, "h": 18}, "angle": 0, "font": 14}
             for i, t in enumerate(("7%", "median 9%"))]
    assert "mark '7%' overlaps mark 'median 9%'" in "\n".join(chart_problems(dict(spaced, parts=marks)))
    assert grid_px("400 18.375px") == 18.375


@pytest.fixture(scope="module")
def warm(app_url, browser):
    """The app's own address first: a deep link as a new server's first request runs the page
    without app.py (Streamlit's legacy pages mode), which is not the layout people see."""
    ctx = browser.new_context(viewport=SIZES["1280x720"])
    page = ctx.new_page()
    page.goto(app_url)
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    ctx.close()
    return app_url


def measure(page, name: str, mode: str, headline_expected: bool = True) -> list[str]:
    """The layout problems of the page on screen, as sentences; screenshots of it and of each
    chart (scrolled into view: Plotly draws them all, but a human looks at them one by one)."""
    page.wait_for_timeout(600)   # Plotly's second layout pass (automargins) settles
    page.screenshot(path=str(ARTIFACTS / f"layout-{name}.png"))
    found = page.evaluate(MEASURE)
    problems = []
    if headline_expected and not found["first"]:
        problems.append(f"{name}: no headline figure or chart title wholly on the first screen")
    for chart in found["charts"]:
        problems += [f"{name}: {p}" for p in chart_problems(chart, found["room"])]
    for base, header in found["grids"]:
        if min(grid_px(base), grid_px(header)) < MIN_FONT:
            problems.append(f"{name}: a table's text is {base} / {header}, under {MIN_FONT} px")
    for i, chart in enumerate(page.get_by_test_id("stPlotlyChart").all()):
        if chart.is_visible():
            chart.screenshot(path=str(ARTIFACTS / f"layout-{name}-chart{i + 1}.png"))
    return problems


@pytest.mark.parametrize("mode", ["normal", "shared"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_chart_fits_and_the_first_screen_has_a_headline(new_page, warm, size, mode):
    page = new_page(SIZES[size])
    problems = []
    for path, h1 in PAGES:
        page.goto(f"{warm}/{path}" + ("?mode=shared" if mode == "shared" else ""))
        name = f"{path or 'overview'}-{size}-{mode}"
        if path == "present" and mode == "shared":   # one slide at a time, each measured
            for n in range(1, SLIDES + 1):
                if n > 1:
                    page.keyboard.press("ArrowRight")
                expect(page.get_by_text(f"Slide {n} of {SLIDES}", exact=True)).to_be_visible(
                    timeout=FIRST_RENDER_TIMEOUT)
                wait_settled(page)
                problems += measure(page, f"{name}-slide{n}", mode)
            continue
        expect_page(page, h1, timeout=FIRST_RENDER_TIMEOUT)
        # Present outside shared-screen mode offers to switch: no figure is expected there. The
        # sample session has no call logs: the Call logs page's first screen says so instead.
        headline = path != "present" and not (path == "call-logs" and on_first_screen(page, NO_LOGS[mode]))
        problems += measure(page, name, mode, headline_expected=headline)
    assert not problems, f"{size} {mode}: {len(problems)} layout problem(s):\n  " + "\n  ".join(problems)
