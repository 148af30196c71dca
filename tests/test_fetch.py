"""telephony.fetch: getting a month's published files into a library, against a local web server.

The server (127.0.0.1, a free port) serves the saved copies of NHS England's real publication
pages at their real paths, with their file links rewritten to point at itself, and the project's
synthetic sample files under the real file names. It records every request, so a test can show
what was (and was not) asked for. No test contacts any other host.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pandas as pd
import pytest

from telephony import fetch
from telephony.fetch import (BrokenDownload, DownloadFailed, Library, LayoutChanged, Link, NotPublished,
                             fetch_month)
from telephony.store import Store
from tests.conftest import REAL_DIR, real_data

PAGES = REAL_DIR / "pages"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
AUG = dt.date(2026, 8, 1)
CBT_AUG_PATH = "/pub/cloud-based-telephony-data-in-general-practice/august-2026"
REG_AUG_PATH = "/pub/patients-registered-at-a-gp-practice/august-2026"

SUMMARY = "Cloud Based Telephony Publication Summary August 2026.xlsx"
DAY_TIME = "Cloud Based Telephony By Day and Time - August 2026.zip"
DURATIONS = "Cloud Based Telephony By Durations - August 2026.zip"
ANSWERED = "Cloud Based Telephony Calls Answered Metric - August 2026.zip"
LIST_SIZES = "gp-reg-pat-prac-all.zip"
MAPPING = "gp-reg-pat-prac-map.zip"
WANTED = {SUMMARY, DAY_TIME, DURATIONS, ANSWERED, LIST_SIZES, MAPPING}


def _zip_of(csv_file: Path, member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_file, member)
    return buffer.getvalue()


def _sample_bytes() -> dict[str, bytes]:
    """The synthetic August 2026 files, under the names NHS England publishes them by."""
    return {
        SUMMARY: (SAMPLE / "Synthetic CBT Summary August 2026.xlsx").read_bytes(),
        DAY_TIME: (SAMPLE / "Synthetic CBT By Day and Time - August 2026.zip").read_bytes(),
        DURATIONS: (SAMPLE / "Synthetic CBT By Durations - August 2026.zip").read_bytes(),
        ANSWERED: (SAMPLE / "Synthetic CBT Calls Answered Metric - August 2026.zip").read_bytes(),
        LIST_SIZES: _zip_of(SAMPLE / "Synthetic list sizes Aug26.csv", "gp-reg-pat-prac-all.csv"),
        MAPPING: _zip_of(SAMPLE / "Synthetic practice map.csv", "gp-reg-pat-prac-map.csv"),
    }


@dataclass
class Cut:
    """A response that promises `declared` bytes and sends only `data`, then closes."""

    data: bytes
    declared: int


@dataclass
class Site:
    """The local stand-in for the publication site. `routes`: decoded path -> bytes, a Cut, or
    ('redirect', url). `log`: (Host header, decoded path) of every request, in order."""

    port: int = 0
    routes: dict = field(default_factory=dict)
    log: list = field(default_factory=list)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base(self) -> str:
        return f"{self.root}/pub"

    def paths(self) -> list[str]:
        return [path for _, path in self.log]

    def file_requests(self) -> list[str]:
        return [unquote(path.rsplit("/", 1)[-1]) for path in self.paths() if path.startswith("/files/")]

    def serve_page(self, path: str, saved: str, extra_links: str = "", drop: tuple[str, ...] = ()) -> dict[str, str]:
        """Serve a saved real page at `path`, its file links pointing here (`drop`: file names
        whose links are removed). Returns {file name: decoded path} for the file links left."""
        html = (PAGES / saved).read_text(encoding="utf-8")
        files = {}
        for href in re.findall(r'href="https://files\.digital\.nhs\.uk/([^"]+)"', html):
            name = unquote(href.rsplit("/", 1)[-1])
            if name in drop:
                html = html.replace(f'href="https://files.digital.nhs.uk/{href}"', 'href="#removed"')
            else:
                files[name] = "/files/" + unquote(href)
        html = html.replace("https://files.digital.nhs.uk/", f"{self.root}/files/")
        html = html.replace('<div id="resources"', extra_links + '<div id="resources"', 1)
        self.routes[path] = html.encode("utf-8")
        return files

    def publish_august(self, files: dict[str, bytes] | None = None, extra_links: str = "",
                       drop: tuple[str, ...] = ()) -> dict[str, str]:
        """Both August 2026 pages, and behind their links the sample files (only those this
        project reads are served: a request for any other would be a 404 in the log)."""
        files = _sample_bytes() if files is None else files
        paths = self.serve_page(CBT_AUG_PATH, "cbt-august-2026.html", extra_links, drop)
        paths |= self.serve_page(REG_AUG_PATH, "registered-patients-august-2026.html")
        for name, path in paths.items():
            if name in files:
                self.routes[path] = files[name]
        return paths


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self):
        path = unquote(urlsplit(self.path).path)
        self.site.log.append((self.headers.get("Host", ""), path))
        body = self.site.routes.get(path)
        if body is None:
            self.send_error(404)
        elif isinstance(body, tuple):
            self.send_response(302)
            self.send_header("Location", body[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif isinstance(body, Cut):
            self.send_response(200)
            self.send_header("Content-Length", str(body.declared))
            self.end_headers()
            self.wfile.write(body.data)
            self.close_connection = True
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):   # the request log is kept in Site.log
        pass


def _needs_real_pages(test):
    """Marks a test `real_data` and skips it, saying why, where the saved pages are absent."""
    for mark in (*real_data, pytest.mark.skipif(not PAGES.is_dir(), reason=f"saved publication pages not found: "
                                                                           f"{PAGES} does not exist")):
        test = mark(test)
    return test


@pytest.fixture
def site():
    if not PAGES.is_dir():
        pytest.skip(f"saved publication pages not found: {PAGES} does not exist")
    state = Site()
    handler = type("Handler", (_Handler,), {"site": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def library(tmp_path) -> Library:
    return Library(tmp_path / "library")


def _manifest(library: Library) -> list[dict]:
    with open(library.root / "manifest.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _run(site: Site, library: Library, month=AUG, **kwargs) -> fetch.MonthResult:
    return fetch_month(month, library, base=site.base, timeout=5, **kwargs)


# --------------------------------------------------------------------------- months and names

@pytest.mark.parametrize("text, expected", [
    ("2026-08", [dt.date(2026, 8, 1)]),
    (" 2026-8 ", [dt.date(2026, 8, 1)]),
    ("2025-11:2026-02", [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]),
    ("2026-03:2026-03", [dt.date(2026, 3, 1)]),
    ("latest", [dt.date(2026, 7, 1)]),
])
def test_months_are_parsed(text, expected):
    assert fetch.parse_months(text, latest=lambda: dt.date(2026, 7, 1)) == expected


@pytest.mark.parametrize("text, says", [
    ("2026-13", "'2026-13' is not a month in the form YYYY-MM"),
    ("26-08", "'26-08' is not a month in the form YYYY-MM"),
    ("August 2026", "'August 2026' is not a month"),
    ("2026-08:2026-02", "runs backwards"),
    ("2026-08:", "'' is not a month"),
])
def test_bad_months_are_named(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        fetch.parse_months(text, latest=lambda: AUG)


def test_page_addresses_follow_the_site():
    assert fetch.page_url(fetch.DEFAULT_FROM, fetch.CBT_SERIES, AUG) == (
        "https://digital.nhs.uk/data-and-information/publications/statistical/"
        "cloud-based-telephony-data-in-general-practice/august-2026")
    assert fetch.page_url("http://x/pub/", fetch.PATIENTS_SERIES, dt.date(2025, 12, 1)) == (
        "http://x/pub/patients-registered-at-a-gp-practice/december-2025")


@pytest.mark.parametrize("name, rank", [
    ("Cloud Based Telephony Publication Summary October 2025.xlsx", 1),
    ("Cloud Based Telephony Publication Summary October 2025_v2.xlsx", 2),
    ("Cloud Based Telephony By Day and Time - March 2026_V3.zip", 3),
    ("Cloud Based Telephony By Day and Time - March 2026_0526.zip", 2),
    ("Cloud Based Telephony By Durations - March 2026_14-05-26_0526.zip", 2),
    ("gp-reg-pat-prac-all.zip", 1),
])
def test_reissue_rank(name, rank):
    assert fetch.reissue_rank(name) == rank


@pytest.mark.parametrize("url, name", [
    ("https://files.digital.nhs.uk/E2/75385C/Cloud%20Based%20Telephony%20Publication%20Summary%20August%202026.xlsx",
     SUMMARY),
    ("https://files.digital.nhs.uk/45/E255E0/gp-reg-pat-prac-all.zip?x=1#top", "gp-reg-pat-prac-all.zip"),
    ("https://files.digital.nhs.uk/45/..%2F..%2F..%2Fetc%2Fpasswd", None),     # would leave its folder
    ("https://files.digital.nhs.uk/45/..", None),
    ("https://files.digital.nhs.uk/45/a%5Cb.zip", None),                       # a backslash
    ("https://files.digital.nhs.uk/45/", None),
])
def test_file_names_from_addresses(url, name):
    assert fetch.file_name(url) == name


def test_only_the_page_host_and_the_file_host_are_used():
    hosts = fetch.allowed_hosts(fetch.DEFAULT_FROM + "/cloud-based-telephony-data-in-general-practice/august-2026")
    assert hosts == {"digital.nhs.uk", "files.digital.nhs.uk"}
    assert fetch.is_allowed("https://files.digital.nhs.uk/E2/x.zip", hosts)
    assert fetch.is_allowed("https://FILES.digital.nhs.uk/E2/x.zip", hosts)
    assert not fetch.is_allowed("https://files.digital.nhs.uk.example.com/x.zip", hosts)
    assert not fetch.is_allowed("https://example.com/files.digital.nhs.uk/x.zip", hosts)
    assert not fetch.is_allowed("ftp://files.digital.nhs.uk/x.zip", hosts)


def test_a_reissue_wins_over_the_earlier_file_wherever_it_sits_on_the_page():
    page = "https://digital.nhs.uk/pub/cbt/march-2026"
    links = [Link(f"https://files.digital.nhs.uk/{i}/{quote(name)}", name, "", fetch.classify(name))
             for i, name in enumerate([
                 "Cloud Based Telephony By Durations - March 2026_14-05-26_0526.zip",
                 "Cloud Based Telephony By Durations - March 2026.zip",
                 "Cloud Based Telephony Publication Summary March 2026.xlsx",
                 "Cloud Based Telephony Publication Summary March 2026_v2.xlsx",
                 "Cloud Based Telephony Publication Summary March 2026_v3.xlsx",
             ])]
    chosen = fetch.choose_links(links, page)
    assert {k: v.name for k, v in chosen.chosen.items()} == {
        "by_durations": "Cloud Based Telephony By Durations - March 2026_14-05-26_0526.zip",
        "summary_workbook": "Cloud Based Telephony Publication Summary March 2026_v3.xlsx",
    }
    assert sorted(link.name for link in chosen.superseded) == [
        "Cloud Based Telephony By Durations - March 2026.zip",
        "Cloud Based Telephony Publication Summary March 2026.xlsx",
        "Cloud Based Telephony Publication Summary March 2026_v2.xlsx",
    ]


# --------------------------------------------------------------------------- the real pages

def _manifest_rows(month_folder: str) -> list[dict]:
    with open(PAGES / "download-manifest-2026-10-02.tsv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if f"/{month_folder}/" in r["path"]]


def _files_we_read(rows: list[dict]) -> dict[str, str]:
    """name -> address of the manifest's files, less the ones this project does not read
    (metadata, participation breakdown, pre-release list)."""
    out = {}
    for row in rows:
        name = row["path"].rsplit("/", 1)[-1]
        if not re.search(r"Metadata|participation|\.pdf$|\.html$", name):
            out[name] = row["source_url"]
    return out


@pytest.mark.parametrize("saved, series, month, manifest_folder, kinds", [
    ("cbt-august-2026.html", fetch.CBT_SERIES, AUG, "telephony/2026-08",
     {"summary_workbook": SUMMARY, "by_day_time": DAY_TIME, "by_durations": DURATIONS, "answered_metric": ANSWERED}),
    ("cbt-october-2025.html", fetch.CBT_SERIES, dt.date(2025, 10, 1), "telephony/2025-10",
     {"summary_workbook": "Cloud Based Telephony Publication Summary October 2025_v2.xlsx",
      "by_day_time": "Cloud Based Telephony By Day and Time - October 2025.zip",
      "by_durations": "Cloud Based Telephony By Durations - October 2025.zip"}),
    ("registered-patients-august-2026.html", fetch.PATIENTS_SERIES, AUG, "registered_patients/2026-08",
     {"list_sizes": LIST_SIZES, "practice_map": MAPPING}),
])
@_needs_real_pages
def test_real_pages_give_the_published_files(saved, series, month, manifest_folder, kinds):
    url = fetch.page_url(fetch.DEFAULT_FROM, series, month)
    found = fetch.choose_links(fetch.extract_links((PAGES / saved).read_text(encoding="utf-8"), url), url)
    assert {kind: link.name for kind, link in found.chosen.items()} == kinds
    # The same files, from the same addresses, as were downloaded by hand on 2 October 2026.
    assert {link.name: link.url for link in found.chosen.values()} == _files_we_read(_manifest_rows(manifest_folder))
    assert found.ignored == [] and found.superseded == []


# --------------------------------------------------------------------------- fetching a month

def test_a_month_is_fetched_into_the_library(site, library):
    site.publish_august()
    served = _sample_bytes()
    seen = []
    result = _run(site, library, progress=lambda done, total, name: seen.append((done, total, name)))

    assert result.problems == [] and result.ok
    folder = library.root / "files" / "2026-08"
    assert sorted(p.name for p in folder.iterdir()) == sorted(WANTED)
    for name, data in served.items():
        assert (folder / name).read_bytes() == data
    rows = _manifest(library)
    assert {r["name"]: (r["month"], int(r["bytes"]), r["sha256"]) for r in rows} == {
        name: ("2026-08", len(data), hashlib.sha256(data).hexdigest()) for name, data in served.items()}
    assert {r["name"]: r["kind"] for r in rows}[DAY_TIME] == "by_day_time"
    assert all(r["source_url"].startswith(site.root + "/files/") for r in rows)
    # Progress ends, for each file, at its full size.
    finals = {name: (done, total) for done, total, name in seen}
    assert finals == {name: (len(data), len(data)) for name, data in served.items()}
    # Only the two pages and the six files were asked for: no metadata, PDF or other file.
    assert sorted(site.file_requests()) == sorted(WANTED)
    assert len(site.log) == 2 + 6


def test_a_second_fetch_downloads_nothing(site, library):
    site.publish_august()
    first = _run(site, library)
    assert len(first.downloaded) == 6
    before = len(site.log)

    second = _run(site, Library(library.root))       # a new run: the manifest read from disk
    assert second.ok and second.downloaded == []
    assert sorted(p.name for p in second.held) == sorted(WANTED)
    assert site.paths()[before:] == [CBT_AUG_PATH, REG_AUG_PATH]


def test_a_file_changed_on_disk_is_fetched_again(site, library):
    site.publish_august()
    _run(site, library)
    damaged = library.root / "files" / "2026-08" / DURATIONS
    damaged.write_bytes(b"not the published file")
    before = len(site.log)

    result = _run(site, Library(library.root))
    assert [p.name for p in result.downloaded] == [DURATIONS]
    assert site.file_requests()[-1] == DURATIONS and len(site.log) == before + 3
    assert damaged.read_bytes() == _sample_bytes()[DURATIONS]


def test_a_link_to_another_host_is_never_followed_and_is_reported(site, library):
    # A later "reissue" of By Day and Time on another host: were hosts not checked, it would win.
    evil = f"http://localhost:{site.port}/files/evil/{quote(DAY_TIME.replace('.zip', '_v3.zip'))}"
    paths = site.publish_august(extra_links=f'<a href="{evil}">By Day and Time (mirror)</a>')
    site.routes[unquote(urlsplit(evil).path)] = _sample_bytes()[DAY_TIME]

    result = _run(site, library)
    assert [r for r in site.log if "evil" in r[1] or r[0].startswith("localhost")] == []
    assert len(result.ignored) == 1
    assert evil in result.ignored[0] and "localhost" in result.ignored[0]
    assert f"127.0.0.1 and {fetch.FILE_HOST}" in result.ignored[0]
    assert site.paths().count(paths[DAY_TIME]) == 1
    assert (library.root / "files" / "2026-08" / DAY_TIME).exists()


def test_a_redirect_to_another_host_is_refused(site, library):
    paths = site.publish_august()
    elsewhere = f"http://localhost:{site.port}/elsewhere/{quote(DURATIONS)}"
    site.routes[paths[DURATIONS]] = ("redirect", elsewhere)
    site.routes["/elsewhere/" + DURATIONS] = _sample_bytes()[DURATIONS]

    result = _run(site, library)
    assert [type(p) for p in result.problems] == [DownloadFailed]
    assert elsewhere in str(result.problems[0]) and "not followed" in str(result.problems[0])
    assert not any(path.startswith("/elsewhere/") for path in site.paths())
    assert not (library.root / "files" / "2026-08" / DURATIONS).exists()


def test_a_month_not_yet_published_says_so(site, library):
    site.publish_august()
    result = _run(site, library, month=dt.date(2026, 9, 1))

    assert [type(p) for p in result.problems] == [NotPublished]
    message = str(result.problems[0])
    assert "Cloud Based Telephony page for September 2026 is not published" in message
    assert f"{site.base}/cloud-based-telephony-data-in-general-practice/september-2026 was not found (404)" in message
    # No calls data, so the month's list sizes are not asked for either; nothing is written.
    assert site.paths() == ["/pub/cloud-based-telephony-data-in-general-practice/september-2026"]
    assert not (library.root / "manifest.tsv").exists()


def test_latest_is_the_newest_published_month(site):
    site.publish_august()
    month = fetch.latest_month(site.base, today=dt.date(2026, 10, 2), timeout=5)
    assert month == AUG
    assert site.paths() == [f"/pub/cloud-based-telephony-data-in-general-practice/{m}-2026"
                            for m in ("october", "september", "august")]


def test_latest_with_no_page_at_all_names_the_address(site):
    with pytest.raises(NotPublished, match=re.escape(f"from October 2025 to October 2026 under {site.base}")):
        fetch.latest_month(site.base, today=dt.date(2026, 10, 2), timeout=5)
    assert len(site.log) == 13


def test_a_page_whose_layout_changed_is_named(site, library):
    site.publish_august()
    site.routes[CBT_AUG_PATH] = b"<html><body><h1>Cloud Based Telephony</h1><p>Coming soon</p></body></html>"

    result = _run(site, library)
    layout = [p for p in result.problems if isinstance(p, LayoutChanged)]
    assert len(layout) == 1 and len(result.problems) == 1
    assert f"{site.root}{CBT_AUG_PATH}" in str(layout[0]) and "layout may have changed" in str(layout[0])
    # The registered-patients page was still read and its files kept.
    assert sorted(p.name for p in result.downloaded) == [LIST_SIZES, MAPPING]


def test_a_page_missing_one_expected_file_names_it(site, library):
    site.publish_august(drop=(DURATIONS,))
    result = _run(site, library)
    assert [type(p) for p in result.problems] == [LayoutChanged]
    assert "has no link to the By Durations zip" in str(result.problems[0])
    assert len(result.downloaded) == 5


def test_a_missing_file_is_named_and_the_others_are_kept(site, library):
    paths = site.publish_august()
    del site.routes[paths[DURATIONS]]

    result = _run(site, library)
    assert [type(p) for p in result.problems] == [DownloadFailed]
    message = str(result.problems[0])
    assert f"'{DURATIONS}' could not be downloaded" in message and "404" in message
    assert f"{site.root}/files/" in message
    folder = library.root / "files" / "2026-08"
    assert sorted(p.name for p in folder.iterdir()) == sorted(WANTED - {DURATIONS})
    assert sorted(r["name"] for r in _manifest(library)) == sorted(WANTED - {DURATIONS})


def test_a_truncated_zip_is_not_kept_and_earlier_files_stay(site, library):
    paths = site.publish_august()
    data = _sample_bytes()[DURATIONS]
    site.routes[paths[DURATIONS]] = data[: len(data) // 2]      # served whole, but only half a zip

    result = _run(site, library)
    assert [type(p) for p in result.problems] == [BrokenDownload]
    message = str(result.problems[0])
    assert f"'{DURATIONS}'" in message and "is broken" in message and "not kept" in message
    folder = library.root / "files" / "2026-08"
    assert sorted(p.name for p in folder.iterdir()) == sorted(WANTED - {DURATIONS})   # no .part left


def test_a_download_cut_short_is_not_kept(site, library):
    paths = site.publish_august()
    data = _sample_bytes()[DAY_TIME]
    site.routes[paths[DAY_TIME]] = Cut(data[:1000], len(data))

    result = _run(site, library)
    assert [type(p) for p in result.problems] == [BrokenDownload]
    assert f"'{DAY_TIME}' arrived incomplete" in str(result.problems[0])
    assert not (library.root / "files" / "2026-08" / DAY_TIME).exists()
    assert len(result.downloaded) == 5


def test_a_broken_reissue_leaves_the_earlier_file_in_place(site, library):
    site.publish_august()
    _run(site, library)
    reissue = DURATIONS.replace(".zip", "_v2.zip")
    link = f'<a href="{site.root}/files/AA/BBBBBB/{quote(reissue)}">By Durations reissued</a>'
    site.publish_august(extra_links=link)
    site.routes[f"/files/AA/BBBBBB/{reissue}"] = b"PK\x03\x04 and then nothing"

    result = _run(site, Library(library.root))
    assert [type(p) for p in result.problems] == [BrokenDownload] and reissue in str(result.problems[0])
    folder = library.root / "files" / "2026-08"
    assert (folder / DURATIONS).read_bytes() == _sample_bytes()[DURATIONS]
    assert DURATIONS in {r["name"] for r in _manifest(library)}


def test_a_v2_reissue_is_fetched_instead_of_the_earlier_file(site, library):
    reissue = DURATIONS.replace(".zip", "_v2.zip")
    link = f'<a href="{site.root}/files/AA/BBBBBB/{quote(reissue)}">By Durations reissued</a>'
    files = _sample_bytes()
    site.publish_august(extra_links=link)
    site.routes[f"/files/AA/BBBBBB/{reissue}"] = files[DAY_TIME]   # any valid zip will do

    result = _run(site, library)
    assert result.ok
    assert DURATIONS not in site.file_requests() and reissue in site.file_requests()
    names = {r["kind"]: r["name"] for r in _manifest(library)}
    assert names["by_durations"] == reissue


def test_a_reissue_replaces_the_file_the_library_held(site, library):
    site.publish_august()
    _run(site, library)
    reissue = DURATIONS.replace(".zip", "_v2.zip")
    link = f'<a href="{site.root}/files/AA/BBBBBB/{quote(reissue)}">By Durations reissued</a>'
    site.publish_august(extra_links=link)
    site.routes[f"/files/AA/BBBBBB/{reissue}"] = _sample_bytes()[DAY_TIME]
    before = len(site.log)

    result = _run(site, Library(library.root))
    assert result.ok and [p.name for p in result.downloaded] == [reissue]
    assert result.replaced == [f"'{DURATIONS}' replaced by '{reissue}', the file the page now links to"]
    assert [path.rsplit("/", 1)[-1] for path in site.paths()[before:]] == ["august-2026", reissue, "august-2026"]
    folder = library.root / "files" / "2026-08"
    assert not (folder / DURATIONS).exists() and (folder / reissue).exists()
    assert [r["name"] for r in _manifest(library) if r["kind"] == "by_durations"] == [reissue]


def test_a_manifest_of_another_shape_is_not_overwritten(tmp_path):
    (tmp_path / "manifest.tsv").write_text("something\telse\n", encoding="utf-8")
    with pytest.raises(fetch.FetchProblem, match="is not a library manifest"):
        Library(tmp_path)
    assert (tmp_path / "manifest.tsv").read_text(encoding="utf-8") == "something\telse\n"


def test_the_library_folder_comes_from_the_environment_or_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("CBT_LIBRARY", str(tmp_path / "lib"))
    assert fetch.default_library() == tmp_path / "lib"
    monkeypatch.delenv("CBT_LIBRARY")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))   # platformdirs' rule on Linux
    assert fetch.default_library() == tmp_path / "data" / "gp-phone-access"


# --------------------------------------------------------------------------- into the store

def test_fetched_files_load_and_give_the_same_figures_as_the_files_themselves(site, library, tmp_path):
    """Fetching August 2026 into a library database gives the figures that loading the synthetic
    August files directly gives: every file arrived, of the right kind, and loaded."""
    site.publish_august()
    library.root.mkdir(parents=True)
    fetched = Store(path=library.root / "library.duckdb")
    try:
        result = _run(site, library, load=fetched.load)
        assert result.ok
        assert [(r.status, r.kind) for r in result.loads] == [
            ("loaded", "practice_map"), ("loaded", "list_size"), ("loaded", "summary_workbook"),
            ("loaded", "by_day_time"), ("loaded", "by_durations"), ("loaded", "answered_metric")]

        direct = Store()
        try:
            for name in ("Synthetic practice map.csv", "Synthetic list sizes Aug26.csv",
                         "Synthetic CBT Summary August 2026.xlsx", "Synthetic CBT By Day and Time - August 2026.zip",
                         "Synthetic CBT By Durations - August 2026.zip",
                         "Synthetic CBT Calls Answered Metric - August 2026.zip"):
                assert direct.load(SAMPLE / name).status == "loaded"
            pcn = next(csv.DictReader(open(SAMPLE / "Synthetic practice map.csv", encoding="utf-8")))["PCN_CODE"]
            for level, code in (("england", "-"), ("pcn", pcn)):
                got = fetched.query("area_month_metrics", level=level, code=code, start=AUG, end=AUG)
                want = direct.query("area_month_metrics", level=level, code=code, start=AUG, end=AUG)
                assert len(got) == 1 and got["inbound"].iloc[0] > 0
                pd.testing.assert_frame_equal(got, want)
        finally:
            direct.close()

        # A second run hands the held files over again; the store already has every one.
        again = _run(site, Library(library.root), load=fetched.load)
        assert again.downloaded == [] and [r.status for r in again.loads] == ["duplicate"] * 6
    finally:
        fetched.close()
