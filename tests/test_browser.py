"""End-to-end check in a real browser: start the app with `streamlit run`, drive headless Chromium
through every page on the synthetic sample, upload a real published workbook and list-size file,
pick a PCN and check a headline figure against the workbook, and open the shared-screen mode.

Screenshots of every page go to tests/artifacts/ (gitignored) for a human to look at.

Needs Debian's Chromium at /usr/bin/chromium (no `playwright install`). Without it the tests skip,
except in CI (CI set), where a missing browser is a failure. The upload test needs the real files
in ../shared/data/real, with the same rule.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:
    if IN_CI:
        raise
    pytest.skip("the Python package playwright is not installed", allow_module_level=True)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-gpu"]
REAL_DIR = ROOT.parent / "shared" / "data" / "real"
JAN_WORKBOOK = REAL_DIR / "Cloud Based Telephony Publication Summary January 2026.xlsx"
JAN_LIST_SIZES = REAL_DIR / "PracPopJan26.csv"

# A laptop screen as found in most practices; the shared screen as a meeting-room projector.
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1280, "height": 720}

# (link text in the sidebar nav, url path, the page's h1, file-name slug)
PAGES = [
    ("Overview", "overview", "Overview", "overview"),
    ("Demand", "demand", "Demand", "demand"),
    ("Outcomes", "outcomes", "Outcomes", "outcomes"),
    ("Waits", "waits", "Waits", "waits"),
    ("Context", "context", "Context", "context"),
    ("Data", "data", "Data", "data"),
    ("About", "about", "About this tool", "about"),
]
PCN_CODE, PCN_NAME = "U49574", "ASCENT PCN"
PCN_PICKER = "PCN (type to search by name or code)"

SERVER_START_TIMEOUT = 60      # seconds until /_stcore/health says ok
FIRST_RENDER_TIMEOUT = 60_000  # ms: the first session also builds the sample database
PAGE_TIMEOUT = 30_000          # ms: one page's rerun
UPLOAD_TIMEOUT = 65            # seconds in all for the upload to show
UPLOAD_RETRY_AFTER = 15        # seconds without effect before the files are set again
UPLOAD_RETRIES = 3
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'


def _missing(reason: str) -> None:
    """Skip on a developer's machine, fail in CI: CI must never pass by skipping."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


# --------------------------------------------------------------------------- fixtures

def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200 and r.read().decode().strip() == "ok"
    except OSError:
        return False


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _missing(f"Chromium not found at {CHROMIUM} "
                 "(install it with `apt-get install -y chromium`)")
    return CHROMIUM


@pytest.fixture(scope="module")
def server_tmp(tmp_path_factory) -> Path:
    """The server's own temporary folder (its TMPDIR), where sessions keep their files."""
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="module")
def app_url(chromium_path, server_tmp):
    """The app, started with `streamlit run` on a free port; stopped whatever happens. Once it
    has stopped, nothing of any session (or of the sample) may be left in its temporary folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    url = f"http://localhost:{port}"
    log_path = ARTIFACTS / "streamlit-server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": str(server_tmp)},
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode} before answering; "
                            f"see {log_path}:\n{log_path.read_text(errors='replace')[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer {url}/_stcore/health within "
                            f"{SERVER_START_TIMEOUT} s; see {log_path}")
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
    left = sorted(p.name for p in server_tmp.glob("cbt-*"))
    assert not left, f"the stopped server left session or sample folders behind: {left}"


@pytest.fixture(scope="module")
def browser(chromium_path):
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser):
    """Pages in fresh browser contexts: each context is a new Streamlit session."""
    contexts = []

    def make(viewport=LAPTOP) -> Page:
        ctx = browser.new_context(viewport=viewport, device_scale_factor=1)
        ctx.set_default_timeout(PAGE_TIMEOUT)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


# --------------------------------------------------------------------------- helpers

def wait_settled(page: Page, timeout: int = PAGE_TIMEOUT) -> None:
    """Wait until the script run has finished, nothing stale is left on screen and every chart
    and table has drawn."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_function(
        """() => {
            if (document.querySelector('[data-stale="true"]')) return false;
            // Only what is on show: a table in a closed expander never draws.
            const shown = sel => [...document.querySelectorAll(sel)]
                .filter(e => e.checkVisibility());
            const charts = shown('[data-testid="stPlotlyChart"]');
            if (!charts.every(c => c.querySelector('svg.main-svg'))) return false;
            return shown('[data-testid="stDataFrame"]').every(t => t.querySelector('canvas'));
        }""",
        timeout=timeout,
    )


def expect_page(page: Page, h1: str, timeout: int = PAGE_TIMEOUT) -> None:
    expect(page.locator("h1").filter(has_text=h1).first).to_be_visible(timeout=timeout)
    wait_settled(page, timeout)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def snap(page: Page, name: str) -> Path:
    """A screenshot of the whole page. Streamlit scrolls its main area inside the viewport, so
    the viewport is made as tall as the content for the shot, then put back."""
    page.wait_for_timeout(500)
    size = page.viewport_size
    height = page.evaluate(
        """() => {
            const parts = ['stMain', 'stMainBlockContainer', 'stSidebarContent',
                           'stAppViewContainer'].map(id => `[data-testid="${id}"]`);
            let h = document.documentElement.scrollHeight;
            for (const sel of parts) {
                const el = document.querySelector(sel);
                if (el) h = Math.max(h, el.scrollHeight);
            }
            return h;
        }"""
    )
    path = ARTIFACTS / name
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 8000)})
        page.wait_for_timeout(800)   # charts redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    if height > size["height"]:
        page.set_viewport_size(size)
    return path


def go_to(page: Page, link: str, h1: str) -> None:
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link").filter(has_text=re.compile(rf"{re.escape(link)}\s*$")).click()
    expect_page(page, h1)


def expected_inbound(workbook: Path, pcn_code: str) -> int:
    """Inbound calls for one PCN, read straight from Table 3 of the published workbook."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("Table 3").to_python()
    header_at = next(i for i, r in enumerate(rows) if str(r[0]).strip().startswith("Month"))
    header = [re.sub(r"\s+", " ", str(c)).strip() for c in rows[header_at]]
    pcn_col = header.index("PCN Code")
    inbound_col = next(i for i, h in enumerate(header) if h.startswith("Count of Inbound calls"))
    total = 0
    found = 0
    for r in rows[header_at + 1:]:
        if len(r) > inbound_col and str(r[pcn_col]).strip() == pcn_code:
            total += int(r[inbound_col])
            found += 1
    assert found, f"no row with PCN code {pcn_code} in Table 3 of {workbook.name}"
    return total


def upload(page: Page, files: list[Path], shows: str) -> None:
    """Give the files to the sidebar uploader and wait until the page says they are shown.

    In headless Chromium against a freshly started server the first upload has been seen to be
    lost (the files are sent but no rerun follows), so the files are set again, up to
    UPLOAD_RETRIES times, when nothing has happened for UPLOAD_RETRY_AFTER seconds. A retry is
    never made while the app is still running (reading a large workbook takes a while)."""
    uploader = page.get_by_test_id("stFileUploader").locator("input[type=file]")
    banner = page.get_by_test_id("stAlert").filter(has_text="Showing your uploaded files")
    started = time.monotonic()
    deadline = started + UPLOAD_TIMEOUT
    attempts = 1 + UPLOAD_RETRIES
    names = [f.name for f in files]
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            uploader.set_input_files([])   # the browser only sends files unlike the last set
        uploader.set_input_files([str(f) for f in files])
        retry_at = time.monotonic() + UPLOAD_RETRY_AFTER
        while True:
            if banner.filter(has_text=shows).count() and page.locator(IDLE).count():
                took = time.monotonic() - started
                print(f"upload took effect on attempt {attempt} after {took:.1f} s")
                return
            now = time.monotonic()
            if now > deadline:
                page.screenshot(path=str(ARTIFACTS / "upload-failed.png"), full_page=True)
                pytest.fail(f"the upload of {names} did not take effect within "
                            f"{UPLOAD_TIMEOUT} s ({attempt} attempt(s)); "
                            "see tests/artifacts/upload-failed.png")
            running = page.locator(RUNNING).count()
            if now > retry_at and not running and attempt < attempts:
                print(f"upload attempt {attempt} had no effect after {UPLOAD_RETRY_AFTER} s; "
                      "retrying")
                break
            page.wait_for_timeout(250)


def choose_pcn(page: Page, code: str, name: str) -> None:
    """Pick a PCN the way a user would: click the picker, type the code, press Enter."""
    picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name=PCN_PICKER)
    picker.click()
    page.keyboard.press("ControlOrMeta+a")   # whatever the box shows is replaced by the typing
    page.keyboard.type(code)
    expect(page.get_by_role("option").filter(has_text=code).first).to_be_visible()
    page.keyboard.press("Enter")
    expect(picker).to_have_value(re.compile(re.escape(f"{name} ({code})")))


# --------------------------------------------------------------------------- tests

def test_every_page_renders_on_the_sample(new_page, app_url):
    page = new_page()
    page.goto(app_url)
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    expect(page.get_by_text("Showing the synthetic sample")).to_be_visible()
    snap(page, "01-overview-sample.png")

    for n, (link, _, h1, slug) in enumerate(PAGES[1:], start=2):
        go_to(page, link, h1)
        expect(page.get_by_text("Showing the synthetic sample")).to_be_visible()
        snap(page, f"{n:02d}-{slug}-sample.png")

    go_to(page, "Overview", "Overview")   # and back through the nav as well

    # Deep links work too.
    for _, path, h1, _ in PAGES:
        page.goto(f"{app_url}/{path}")
        expect_page(page, h1)


def test_a_new_session_fetches_plotly_before_the_page_is_drawn(new_page, app_url):
    """app.py draws a blank chart (ui/warmup.py) before anything else, so the browser starts
    fetching Plotly's renderer (its largest script) while the server is still working, before the
    Overview's title is drawn, not after the page's last element. Once the page is drawn, the only
    chart left is the real one, with its data."""
    page = new_page()
    page.add_init_script("""performance.setResourceTimingBufferSize(5000);   // Streamlit loads 250+ scripts
    new MutationObserver(() => {
        if (window.__h1 === undefined && document.querySelector('h1')) window.__h1 = performance.now();
    }).observe(document, {subtree: true, childList: true});""")
    page.goto(app_url)
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts.locator("svg.main-svg .gtitle")).to_contain_text("Inbound calls ranged from")
    expect(charts.locator("svg.main-svg g.trace")).not_to_have_count(0)
    expect(charts).to_have_count(1)
    h1_at = page.evaluate("() => window.__h1")
    plotly_fetched_at = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(e => /plotly/i.test(e.name)).map(e => e.startTime)""")
    assert plotly_fetched_at, "the browser never fetched Plotly's script"
    assert min(plotly_fetched_at) < h1_at, (
        f"Plotly's script was first requested {min(plotly_fetched_at):.0f} ms after the page opened, "
        f"the title was drawn at {h1_at:.0f} ms")


def test_the_server_asks_no_web_service_for_its_address(app_url):
    """A headless Streamlit looks up the machine's public address (checkip.amazonaws.com) and
    prints it as 'External URL' unless browser.serverAddress is set; ours prints only localhost."""
    log = (ARTIFACTS / "streamlit-server.log").read_text(errors="replace")
    assert "localhost" in log, log
    assert "External URL" not in log and "Network URL" not in log, log


def test_the_browser_asks_no_host_but_the_app_on_any_page(new_page, app_url):
    """Every request the browser makes, on every page, normal and shared screen, goes to the app
    itself: no font server for an icon, no outside image or script. The tab's icon too."""
    from urllib.parse import urlparse

    own = urlparse(app_url).netloc
    for query in ("", "?mode=shared"):
        page = new_page()
        requested: list[str] = []
        page.context.on("request", lambda r, requested=requested: requested.append(r.url))
        for _, path, h1, _ in PAGES:
            page.goto(f"{app_url}/{path}{query}")
            expect_page(page, h1, timeout=FIRST_RENDER_TIMEOUT)
            icons = page.evaluate("() => [...document.querySelectorAll('link[rel*=icon]')].map(l => l.href)")
            assert icons and all(urlparse(i).netloc == own for i in icons), (path, query, icons)
        page.wait_for_timeout(1000)
        away = [u for u in requested if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != own]
        assert requested and not away, (query, away)


def test_only_this_machine_can_connect(app_url):
    """server.address = "localhost": the app does not answer on the machine's other addresses."""
    port = int(app_url.rsplit(":", 1)[1])
    try:   # the address this machine would send from (a UDP "connect" sends nothing)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_DGRAM)) as s:
            s.connect(("192.0.2.1", 9))
            address = s.getsockname()[0]
    except OSError:
        address = "127.0.0.1"
    if address.startswith("127."):
        pytest.skip("this machine has no network address besides the loopback one")
    with pytest.raises(OSError):
        socket.create_connection((address, port), timeout=2).close()


def test_upload_real_workbook_and_pick_a_pcn(new_page, app_url):
    if not REAL_DIR.is_dir():
        _missing(f"real published files not found: {REAL_DIR} does not exist")
    for f in (JAN_WORKBOOK, JAN_LIST_SIZES):
        if not f.is_file():
            _missing(f"real published file not found: {f}")
    inbound = f"{expected_inbound(JAN_WORKBOOK, PCN_CODE):,}"

    page = new_page()
    page.goto(app_url)
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    upload(page, [JAN_WORKBOOK, JAN_LIST_SIZES], shows=JAN_WORKBOOK.name)
    expect(page.get_by_text("Showing the synthetic sample")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    choose_pcn(page, PCN_CODE, PCN_NAME)
    expect_page(page, "Overview")
    metric = page.get_by_test_id("stMetric").filter(has_text="Inbound calls")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(inbound)
    expect(page.get_by_role("heading", name=f"{PCN_NAME} ({PCN_CODE})")).to_be_visible()
    snap(page, "11-overview-upload.png")

    uploaded = page.get_by_test_id("stAlert").filter(has_text="Showing your uploaded files")
    picker = page.get_by_role("combobox", name=PCN_PICKER)
    with_upload = [p for p in PAGES if p[0] in ("Outcomes", "Waits", "Context", "Data")]
    for n, (link, _, h1, slug) in enumerate(with_upload, start=12):
        go_to(page, link, h1)
        expect(uploaded).to_contain_text(JAN_WORKBOOK.name)
        expect(picker).to_have_value(re.compile(re.escape(f"{PCN_NAME} ({PCN_CODE})")))
        snap(page, f"{n}-{slug}-upload.png")


def test_shared_screen_mode_from_the_address(new_page, app_url):
    page = new_page(PROJECTOR)
    page.goto(f"{app_url}/?mode=shared")
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    expect(page.get_by_test_id("stMain").get_by_text("Shared screen:")).to_be_visible()   # one line under the title
    toggle = page.get_by_test_id("stSidebar").get_by_role("switch",
                                                          name="Shared screen (for meetings)")
    expect(toggle).to_be_checked()
    snap(page, "20-overview-shared.png")


def _session_files(tmp: Path, code: str, practice: str, name: str, tag: str) -> list[Path]:
    """A day of calls for one practice in one PCN, and the mapping file naming that PCN."""
    geo = ["Y61", "QHG", "M1J4Y", code, practice]
    calls = tmp / f"{tag} calls.csv"
    calls.write_text("Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
                     "Time_Category,Value\n"
                     + "".join(f"2026-01-0{d},{','.join(geo)},CBT001,08:00 - 09:59,{10 * d}.0\n" for d in (5, 6)))
    names = tmp / f"{tag} names.csv"
    names.write_text("PRACTICE_CODE,PRACTICE_NAME,PCN_CODE,PCN_NAME\n"
                     f"{practice},{tag.upper()} SURGERY,{code},{name}\n")
    return [calls, names]


def _picker_options(page: Page) -> list[str]:
    """Every PCN the picker offers (typing 'U', which every PCN code starts with, lists them all)."""
    picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name=PCN_PICKER)
    picker.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("U")
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    texts = [t.strip() for t in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def test_two_sessions_at_once_never_see_each_others_uploads(new_page, app_url, server_tmp, tmp_path):
    """Two browsers (two contexts: separate cookies, separate Streamlit sessions) upload
    different files at the same time; each sees only its own, on every screen it visits."""
    sessions = {
        "alpha": (new_page(), _session_files(tmp_path, "U11111", "A11111", "ALPHA PCN", "alpha")),
        "beta": (new_page(), _session_files(tmp_path, "U22222", "B22222", "BETA PCN", "beta")),
    }
    for page, _ in sessions.values():
        page.goto(app_url)
    for page, _ in sessions.values():
        expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    # Both uploads start before either is waited for.
    for page, files in sessions.values():
        page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files([str(f) for f in files])
    for page, files in sessions.values():
        upload(page, files, shows=files[0].name)   # waits (and sets the files again if one was lost)
    assert len(list(server_tmp.glob("cbt-session-*"))) >= 2

    own = {"alpha": ("ALPHA PCN (U11111)", "alpha calls.csv", "alpha names.csv"),
           "beta": ("BETA PCN (U22222)", "beta calls.csv", "beta names.csv")}
    for tag, (page, _) in sessions.items():
        other = own["beta" if tag == "alpha" else "alpha"]
        expect_page(page, "Overview")
        for link, h1 in (("Data", "Data"), ("Overview", "Overview")):
            go_to(page, link, h1)
            text = page.locator("body").inner_text()
            assert all(word in text for word in own[tag][1:]) if link == "Data" else own[tag][0] in text
            leaked = [word for word in (*other, other[0].split(" (")[1][:-1]) if word in text]
            assert not leaked, f"{tag} sees the other session's {leaked} on {link}"
        snap(page, f"30-two-sessions-{tag}.png")
        assert _picker_options(page) == [own[tag][0]]
