"""The meeting pack's HTML in headless Chromium: it opens with no request leaving the file, draws
every chart, and prints to A4 PDF with no chart or table cut across two pages (pypdf reads the pages).
The printed pages are saved to tests/artifacts/ for a human to look at."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from telephony import pack as packs
from telephony.store import Store
from tests.app_support import SAMPLE
from tests.test_browser import ARTIFACTS, browser, chromium_path  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    store = Store()
    try:
        for f in sorted(p for p in SAMPLE.iterdir() if p.suffix in (".xlsx", ".zip", ".csv")):
            store.load(f)
        directory = store.query("pcn_directory")
        pcn = directory[directory["practices_reporting"] >= 3]["pcn_code"].iloc[0]
        made = packs.build(store, pcn, today=dt.date(2026, 9, 30))
        html_path, _ = packs.write(made, tmp_path_factory.mktemp("pack"))
    finally:
        store.close()
    return made, html_path


def test_pack_opens_offline_draws_every_chart_and_prints_to_a4(browser, written):
    made, html_path = written
    ctx = browser.new_context(viewport={"width": 1000, "height": 800})
    requests, problems = [], []
    page = ctx.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(html_path.as_uri())
        charts = len(made.findings) + len(made.trends)
        page.wait_for_function(f"document.querySelectorAll('.chart .main-svg').length >= {charts}", timeout=30_000)
        drawn = page.evaluate("document.querySelectorAll('.chart').length")
        with_svg = page.evaluate("Array.from(document.querySelectorAll('.chart')).filter("
                                 "c => c._fullData && c._fullData.length && c.querySelector('svg.main-svg')).length")
        assert drawn == charts and with_svg == charts, (drawn, with_svg)
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        ctx.close()
    assert requests == [html_path.as_uri()], requests   # only the file itself: nothing left it
    assert not problems, problems
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "meeting-pack.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    # NFKC: the PDF's text has ligatures ("ﬃ") where the page had letters
    pages = [unicodedata.normalize("NFKC", p.extract_text() or "") for p in reader.pages]
    # A title page, a page or more per finding, trends, definitions, caveats, privacy.
    assert 1 + len(made.findings) + 4 <= len(pages) <= 40, len(pages)
    assert all(abs(float(p.mediabox.width) - 595.3) < 2 and abs(float(p.mediabox.height) - 841.9) < 2
               for p in reader.pages), "A4"
    assert "Official statistics in development" in pages[0] and made.pcn in pages[0]
    # No chart cut across pages: on every page, as many chart subtitles (top of a chart: PCN and
    # period) as chart source lines (its bottom), and every chart's pair somewhere.
    source = made.source_line.split(",")[0]
    top = f"{made.pcn_label} · {made.period_label}"
    for i, text in enumerate(pages):
        flat = re.sub(r"\s+", " ", text)
        assert flat.count(top) == flat.count(source), (i, flat.count(top), flat.count(source))
    flat_all = [re.sub(r"\s+", " ", t) for t in pages]
    charts = len(made.findings) + len(made.trends)
    assert sum(t.count(source) for t in flat_all) == sum(t.count(top) for t in flat_all) == charts
    # No table cut across pages, nor parted from its chart: every row of a section's numbers is
    # on the page where the section's headline is.
    for section in made.findings + made.trends:
        head = re.sub(r"\s+", " ", section.headline)[:50]
        on = [i for i, t in enumerate(flat_all) if head in t]
        assert on, f"the headline '{head}' is on no page"
        for row in section.table.rows:
            assert " ".join(row) in flat_all[on[-1]], (
                f"'{section.label}': the row '{' '.join(row)}' is not on page {on[-1] + 1} with its headline")


def test_the_page_check_finds_a_table_cut_across_pages():
    """The check above, on two pages' text: a table whose last rows went over to the next page."""
    pages = ["Busiest time Monday Weekday Calls Monday 630 Tuesday 435", "Weekday Calls Bank holidays 50"]
    rows = [["Monday", "630"], ["Tuesday", "435"], ["Bank holidays", "50"]]
    on = [i for i, t in enumerate(pages) if "Busiest time" in t]
    assert [" ".join(r) in pages[on[-1]] for r in rows] == [True, True, False]
