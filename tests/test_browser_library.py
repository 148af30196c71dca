"""In a real browser: the app started with `streamlit run app.py -- --library DIR` opens on the
library, in normal and shared-screen mode (a bookmarked `?mode=shared` shows the real data)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.app_support import sample_library
from tests.test_browser import (ARTIFACTS, ROOT, SERVER_START_TIMEOUT, FIRST_RENDER_TIMEOUT, _free_port,  # noqa: F401
                                _healthy, browser, chromium_path, expect_page, new_page)

AUG_FILES = ["Synthetic practice map.csv", "Synthetic list sizes Aug26.csv", "Synthetic CBT Summary August 2026.xlsx"]

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="module")
def library_url(chromium_path, tmp_path_factory):
    root = sample_library(tmp_path_factory.mktemp("library"), AUG_FILES)
    port = _free_port()
    url = f"http://localhost:{port}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / "streamlit-library-server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false", "--", "--library", str(root)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "TMPDIR": str(tmp_path_factory.mktemp("server-tmp"))})
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _healthy(url):
                assert proc.poll() is None, f"streamlit exited; see {log_path}"
                assert time.monotonic() < deadline, f"streamlit did not answer; see {log_path}"
                time.sleep(0.25)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.parametrize("query, shared", [("", False), ("?mode=shared", True)], ids=["normal", "shared-screen"])
def test_the_app_opens_on_the_library(new_page, library_url, query, shared):
    page = new_page()
    page.goto(f"{library_url}/{query}")
    expect_page(page, "Overview", timeout=FIRST_RENDER_TIMEOUT)
    expect(page.get_by_text("Showing the library: NHS England's published data").first).to_be_visible()
    expect(page.get_by_text("Showing the synthetic sample")).to_have_count(0)
    expect(page.get_by_text("Library (NHS England's published data)").first).to_be_visible()
    expect(page.get_by_text("Shared screen:", exact=False)).to_have_count(1 if shared else 0)
    expect(page.get_by_text("August 2026").first).to_be_visible()
