"""In a real browser: files whose names, PCN names and headers are Markdown images, HTML images,
LaTeX and Streamlit directives pointing at a listener on this machine. After uploading them and
visiting every page (normal and shared screen, the PCN picker open), the listener has received
no request, and the browser asked no host but the app's own. Same needs as tests/test_browser.py
(Debian's Chromium), whose fixtures and helpers it uses.
"""

from __future__ import annotations

import http.server
import threading
from urllib.parse import urlparse

import pytest

from tests import hostile
from tests.test_browser import (  # noqa: F401  (fixtures, used by name)
    PCN_PICKER, app_url, browser, chromium_path, expect, expect_page, go_to, new_page, server_tmp, upload,
)

pytestmark = pytest.mark.browser

PAGES = [("Overview", "Overview"), ("Demand", "Demand"), ("Outcomes", "Outcomes"), ("Waits", "Waits"),
         ("Call logs", "Call logs"), ("Context", "Context"), ("Data", "Data"), ("About", "About this tool")]


@pytest.fixture
def listener():
    """A web server on 127.0.0.1 that records every request it receives."""
    got: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):   # noqa: N802 (http.server's name)
            got.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", got
    finally:
        server.shutdown()
        server.server_close()


def test_hostile_names_make_the_browser_fetch_nothing(new_page, app_url, listener, tmp_path):
    host, got = listener
    files = hostile.files(tmp_path / "files", host)
    page = new_page()
    requested: list[str] = []
    page.context.on("request", lambda r: requested.append(r.url))
    page.goto(app_url)
    expect_page(page, "Overview", timeout=60_000)
    upload(page, files, shows="**f** :blue[f]")
    # The name is on screen as written (bold markers and all), not as formatting.
    expect(page.get_by_role("heading", level=4).filter(has_text="**bold** :red[red] $x^2$ <img")).to_be_visible()
    for shared in (False, True):
        if shared:
            page.get_by_test_id("stSidebar").get_by_text("Shared screen (for meetings)").click()
            expect_page(page, PAGES[-1][1])
        for link, h1 in PAGES:
            go_to(page, link, h1)
            for expander in page.get_by_test_id("stExpander").all():
                expander.locator("summary").click()   # labels are Markdown too; open every one
        picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name=PCN_PICKER)
        picker.click()                                 # the options, drawn only when open
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type("U11111")
        expect(page.get_by_role("option").filter(has_text="**bold**").first).to_be_visible()
        page.keyboard.press("Escape")
    page.wait_for_timeout(2000)   # anything an image or font would fetch has been asked for
    assert got == [], f"the browser fetched {got} from the listener"
    own = urlparse(app_url).netloc
    away = [u for u in requested if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != own]
    assert away == [], away
