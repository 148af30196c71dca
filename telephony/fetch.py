"""Fetch NHS England's published files for given months into a local library, and keep them.

For each month, two publication pages are read: "Cloud Based Telephony Data in General Practice"
and the same month's "Patients Registered at a GP Practice". The file links this project reads are
picked from them (a reissue such as `_v2` replacing the earlier file), downloaded, checked and kept
under LIBRARY/files/<YYYY-MM>/, recorded in LIBRARY/manifest.tsv and handed to a loader (in the
app, `Store(path=LIBRARY/library.duckdb).load`). A file the library already holds is never
downloaded again.

Only the page's own host and NHS England's file host are ever contacted; a file link to any other
host is ignored and reported. Every problem (a month not yet published, a page whose layout
changed, a missing or broken file) is a `FetchProblem` naming the page or file; a month's other
files are still fetched, and nothing already fetched is lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import http.client
import os
import posixpath
import re
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from telephony import limits
from telephony.store import file_sha256

DEFAULT_FROM = "https://digital.nhs.uk/data-and-information/publications/statistical"
FILE_HOST = "files.digital.nhs.uk"          # where NHS England's publication pages keep their files
CBT_SERIES = "cloud-based-telephony-data-in-general-practice"
PATIENTS_SERIES = "patients-registered-at-a-gp-practice"
LIBRARY_ENV = "CBT_LIBRARY"
APP_DIR_NAME = "gp-phone-access"            # as the sample cache folder (ui.session._cache_dir)
MANIFEST_NAME = "manifest.tsv"
MANIFEST_FIELDS = ("month", "kind", "name", "bytes", "sha256", "source_url", "fetched_utc")
USER_AGENT = "gp-phone-access (CBT dashboard; python -m telephony fetch)"
TIMEOUT_SECONDS = 60
CHUNK_BYTES = 256 * 1024
MAX_PAGE_BYTES = 20 * limits.MB            # a publication page is about 110 KB
LATEST_LOOKBACK_MONTHS = 12                 # the publication appears about seven weeks after its month

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")


@dataclass(frozen=True)
class Kind:
    """A file this project reads: which page lists it, how to recognise its name, and whether a
    month's page must have it (Calls Answered Metric is published from June 2026 only)."""

    label: str
    series: str
    extension: str
    words: str           # in the file name (or the link text), after normalising (see _words)
    required: bool = True


KINDS = {
    "summary_workbook": Kind("Publication Summary workbook", CBT_SERIES, ".xlsx", "publication summary"),
    "by_day_time": Kind("By Day and Time zip", CBT_SERIES, ".zip", "by day and time"),
    "by_durations": Kind("By Durations zip", CBT_SERIES, ".zip", "by durations"),
    "answered_metric": Kind("Calls Answered Metric zip", CBT_SERIES, ".zip", "calls answered metric",
                            required=False),
    "list_sizes": Kind("registered patients (gp-reg-pat-prac-all)", PATIENTS_SERIES, ".zip", "gp reg pat prac all"),
    "practice_map": Kind("practice mapping (gp-reg-pat-prac-map)", PATIENTS_SERIES, ".zip", "gp reg pat prac map"),
}
# The store reads the registered-patient CSVs but not a zip of them: these are handed over unpacked.
UNPACK_FOR_LOADING = {"list_sizes", "practice_map"}
# Reference files first, so practice and PCN names are there when the figures arrive.
LOAD_ORDER = ("practice_map", "list_sizes", "summary_workbook", "by_day_time", "by_durations", "answered_metric")


# --------------------------------------------------------------------------- problems

class FetchProblem(Exception):
    """Something could not be fetched. The message names the page or file and what to do."""

    def __init__(self, message: str, url: str | None = None):
        super().__init__(message)
        self.url = url


class NotPublished(FetchProblem):
    """The month's page does not exist (yet)."""


class LayoutChanged(FetchProblem):
    """The page exists but the links this project expects are not on it."""


class DownloadFailed(FetchProblem):
    """A file could not be downloaded (404, network, refused redirect, too large)."""


class BrokenDownload(FetchProblem):
    """A file arrived but is incomplete or damaged; it was not kept."""


# --------------------------------------------------------------------------- months

def _first_of(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def parse_month(text: str) -> dt.date:
    """'2026-08' -> date(2026, 8, 1). Raises ValueError naming the text and the form expected."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"'{text}' is not a month in the form YYYY-MM (for example 2026-08)")
    return _first_of(int(match.group(1)), int(match.group(2)))


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return _first_of(index // 12, index % 12 + 1)


def parse_months(text: str, latest: Callable[[], dt.date] | None = None) -> list[dt.date]:
    """The months a MONTHS argument names, oldest first: 'YYYY-MM', 'YYYY-MM:YYYY-MM' (both ends
    included) or 'latest' (asks `latest()`, which probes the site)."""
    text = text.strip()
    if text.lower() == "latest":
        if latest is None:
            raise ValueError("'latest' needs the site to be asked which month is newest")
        return [latest()]
    if ":" in text:
        start_text, _, end_text = text.partition(":")
        start, end = parse_month(start_text), parse_month(end_text)
        if start > end:
            raise ValueError(f"'{text}' runs backwards: the first month must not be after the second")
        months = [start]
        while months[-1] < end:
            months.append(add_months(months[-1], 1))
        return months
    return [parse_month(text)]


def month_slug(month: dt.date) -> str:
    """The last part of a publication page's address: 'august-2026'."""
    return f"{MONTHS[month.month - 1]}-{month.year}"


def month_words(month: dt.date) -> str:
    return f"{MONTHS[month.month - 1].capitalize()} {month.year}"


def page_url(base: str, series: str, month: dt.date) -> str:
    return f"{base.rstrip('/')}/{series}/{month_slug(month)}"


# --------------------------------------------------------------------------- links

@dataclass(frozen=True)
class Link:
    url: str
    name: str                # the file name, decoded from the address
    text: str                # the link's visible text
    kind: str | None = None  # a key of KINDS, or None for a file this project does not read


class _Anchors(HTMLParser):
    """Every <a href> on a page, with its visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._close()
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a":
            self._close()

    def _close(self):
        if self._href:
            self.found.append((self._href, " ".join("".join(self._text).split())))
        self._href = None

    def close(self):
        super().close()
        self._close()


def _words(text: str) -> str:
    """Lower case, every run of non-letters/digits one space: 'By%20Day_and-Time' -> 'by day and time'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def file_name(url: str) -> str | None:
    """The file name an address ends in, decoded; None where it is not a plain file name (no
    name, or one that would step outside the folder it is saved in)."""
    name = unquote(posixpath.basename(urlsplit(url).path))
    if (not name or name in (".", "..") or name.startswith(".") or "/" in name or "\\" in name
            or any(ord(c) < 32 or c in '<>:"|?*' for c in name) or len(name) > 200):
        return None
    return name


def classify(name: str, text: str = "") -> str | None:
    """Which of KINDS a file is, from its name, else from its link text; None if neither says."""
    extension = posixpath.splitext(name)[1].lower()
    for words in (_words(posixpath.splitext(name)[0]), _words(text)):
        for key, kind in KINDS.items():
            if extension == kind.extension and kind.words in words:
                return key
    return None


def extract_links(html: str, page: str) -> list[Link]:
    """The links on a page that end in a file name, in page order, as absolute addresses."""
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    links = []
    for href, text in parser.found:
        url = urljoin(page, href.strip())
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        name = file_name(url)
        if name and posixpath.splitext(name)[1]:
            links.append(Link(url, name, text, classify(name, text)))
    return links


def allowed_hosts(page: str) -> frozenset[str]:
    return frozenset({(urlsplit(page).hostname or "").lower(), FILE_HOST})


def is_allowed(url: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and (parts.hostname or "").lower() in hosts


def reissue_rank(name: str) -> int:
    """How late an issue a file name says it is: 1 for the first issue, N for `_vN`, 2 for any
    other reissue suffix (`_0526`, `_14-05-26_0526`)."""
    stem = posixpath.splitext(name)[0]
    version = re.search(r"_v(\d+)$", stem, re.IGNORECASE)
    if version:
        return int(version.group(1))
    return 2 if re.search(r"_\d[\d_-]*$", stem) else 1


@dataclass
class PageLinks:
    """What a page offers: the file chosen for each kind, and what was passed over."""

    page: str
    chosen: dict[str, Link] = field(default_factory=dict)
    superseded: list[Link] = field(default_factory=list)   # earlier issues of a chosen file
    ignored: list[str] = field(default_factory=list)       # links not followed, and why


def choose_links(links: list[Link], page: str) -> PageLinks:
    """For each kind, the latest issue among the links on an allowed host (page order breaks a
    tie: the later link wins). A link of a wanted kind on any other host is ignored and reported."""
    hosts = allowed_hosts(page)
    out = PageLinks(page)
    candidates: dict[str, list[tuple[int, int, Link]]] = {}
    for position, link in enumerate(links):
        if link.kind is None:
            continue
        if not is_allowed(link.url, hosts):
            host = urlsplit(link.url).hostname or "(no host)"
            out.ignored.append(
                f"not followed: {link.url} (on {host}; only {' and '.join(sorted(hosts))} are used)")
            continue
        candidates.setdefault(link.kind, []).append((reissue_rank(link.name), position, link))
    for kind, ranked in candidates.items():
        ranked.sort(key=lambda item: item[:2])
        out.chosen[kind] = ranked[-1][2]
        out.superseded.extend(link for _, _, link in ranked[:-1] if link.name != ranked[-1][2].name)
    return out


# --------------------------------------------------------------------------- the web

class _SameHostsRedirect(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an allowed host: a file link must not lead anywhere else."""

    def __init__(self, hosts: frozenset[str]):
        super().__init__()
        self.hosts = hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_allowed(newurl, self.hosts):
            raise DownloadFailed(
                f"{req.full_url} redirected to {newurl}, on a host this command does not use; not followed",
                req.full_url)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(url: str, hosts: frozenset[str], timeout: float):
    opener = urllib.request.build_opener(_SameHostsRedirect(hosts))
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    return opener.open(request, timeout=timeout)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return " ".join(str(reason).split()) or type(exc).__name__


def get_page(url: str, what: str, hosts: frozenset[str] | None = None,
             timeout: float = TIMEOUT_SECONDS) -> str:
    """A page's HTML. `what` names it in messages ('the Cloud Based Telephony page for August 2026')."""
    try:
        with _open(url, hosts or allowed_hosts(url), timeout) as response:
            raw = response.read(MAX_PAGE_BYTES)
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise NotPublished(f"{what} is not published (yet): {url} was not found ({exc.code}). "
                               "Try again after the publication date, or fetch an earlier month.", url) from None
        raise FetchProblem(f"{what} could not be read: {url} answered {exc.code} {exc.reason}. "
                           "Try again later.", url) from None
    except FetchProblem:
        raise
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise FetchProblem(f"{what} could not be read: {url} did not answer ({_reason(exc)}). "
                           "Check the internet connection and try again.", url) from None
    return raw.decode(charset, errors="replace")


def latest_month(base: str = DEFAULT_FROM, today: dt.date | None = None,
                 lookback: int = LATEST_LOOKBACK_MONTHS, timeout: float = TIMEOUT_SECONDS) -> dt.date:
    """The newest month whose Cloud Based Telephony page exists, probing back from this month."""
    start = (today or dt.date.today()).replace(day=1)
    for back in range(lookback + 1):
        month = add_months(start, -back)
        url = page_url(base, CBT_SERIES, month)
        try:
            get_page(url, f"the Cloud Based Telephony page for {month_words(month)}", timeout=timeout)
        except NotPublished:
            continue
        return month
    raise NotPublished(
        f"no Cloud Based Telephony page was found for any month from {month_words(add_months(start, -lookback))} "
        f"to {month_words(start)} under {base}. Check the address given with --from.", base)


def _zip_problem(path: Path) -> str | None:
    """Why a downloaded zip (or .xlsx, itself a zip) is damaged, or None if every member's CRC holds."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        return f"it is not a complete zip file ({_reason(exc)})"
    return f"'{bad}' inside it is damaged" if bad else None


def download(link: Link, folder: Path, hosts: frozenset[str], progress=None,
             timeout: float = TIMEOUT_SECONDS) -> tuple[Path, int, str]:
    """Download one file into `folder` under its own name: streamed to a `.part` file, its size
    checked against Content-Length, a zip's members checked, then renamed into place (so the
    folder never holds half a file). Returns (path, bytes, sha256)."""
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{link.name}.part"
    target = folder / link.name
    digest = hashlib.sha256()
    done = 0
    try:
        try:
            with _open(link.url, hosts, timeout) as response, open(part, "wb") as out:
                declared = response.headers.get("Content-Length")
                total = int(declared) if declared and declared.isdigit() else None
                if total is not None and total > limits.MAX_FILE_BYTES:
                    raise DownloadFailed(
                        f"'{link.name}' is {limits.size_text(total)}; files of at most "
                        f"{limits.size_text(limits.MAX_FILE_BYTES)} are fetched ({link.url})", link.url)
                if progress:
                    progress(0, total, link.name)
                while block := response.read(CHUNK_BYTES):
                    done += len(block)
                    if done > limits.MAX_FILE_BYTES:
                        raise DownloadFailed(
                            f"'{link.name}' grew past {limits.size_text(limits.MAX_FILE_BYTES)} while "
                            f"downloading; stopped ({link.url})", link.url)
                    out.write(block)
                    digest.update(block)
                    if progress:
                        progress(done, total, link.name)
        except urllib.error.HTTPError as exc:
            raise DownloadFailed(f"'{link.name}' could not be downloaded: {link.url} answered {exc.code} "
                                 f"{exc.reason}. The page links to a file that is not there; try again later.",
                                 link.url) from None
        except http.client.IncompleteRead:
            raise BrokenDownload(f"'{link.name}' arrived incomplete (the connection closed after {done:,} bytes) "
                                 f"from {link.url}; it was not kept. Run the command again to retry.",
                                 link.url) from None
        except FetchProblem:
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise DownloadFailed(f"'{link.name}' could not be downloaded from {link.url} ({_reason(exc)}); "
                                 "it was not kept. Run the command again to retry.", link.url) from None
        if total is not None and done != total:
            raise BrokenDownload(f"'{link.name}' arrived incomplete ({done:,} of {total:,} bytes) from {link.url}; "
                                 "it was not kept. Run the command again to retry.", link.url)
        if link.name.lower().endswith((".zip", ".xlsx")):
            problem = _zip_problem(part)
            if problem:
                raise BrokenDownload(f"'{link.name}' from {link.url} is broken: {problem}. It was not kept; "
                                     "run the command again to retry.", link.url)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target, done, digest.hexdigest()


# --------------------------------------------------------------------------- the library

def default_library() -> Path:
    """$CBT_LIBRARY, else the user's data folder (platformdirs: ~/.local/share/gp-phone-access on
    Linux, %LOCALAPPDATA%\\gp-phone-access on Windows, ~/Library/Application Support/... on a Mac)."""
    if os.environ.get(LIBRARY_ENV):
        return Path(os.environ[LIBRARY_ENV]).expanduser()
    import platformdirs   # only here: the rest of the module (and the app) runs without it

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


class Library:
    """A folder of fetched files: ROOT/files/<YYYY-MM>/<name>, and ROOT/manifest.tsv with one row
    per file held (month, kind, name, bytes, sha256, source_url, fetched_utc)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.manifest_path = self.root / MANIFEST_NAME
        self.rows: list[dict] = self._read()

    def folder(self, month: dt.date) -> Path:
        return self.root / "files" / f"{month:%Y-%m}"

    def _read(self) -> list[dict]:
        if not self.manifest_path.exists():
            return []
        with open(self.manifest_path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            if tuple(reader.fieldnames or ()) != MANIFEST_FIELDS:
                raise FetchProblem(
                    f"{self.manifest_path} is not a library manifest (expected the columns "
                    f"{', '.join(MANIFEST_FIELDS)}). Move it away or choose another folder with --to.")
            return list(reader)

    def save(self) -> None:
        """Write the manifest whole, then rename it into place (never half written)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=self.root)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS, delimiter="\t", lineterminator="\n")
            writer.writeheader()
            writer.writerows(sorted(self.rows, key=lambda r: (r["month"], r["kind"], r["name"])))
        os.replace(tmp, self.manifest_path)

    def current(self, month: dt.date, kind: str) -> dict | None:
        key = f"{month:%Y-%m}"
        return next((r for r in self.rows if r["month"] == key and r["kind"] == kind), None)

    def holds(self, month: dt.date, link: Link) -> Path | None:
        """The file, if the library has this link's file from this address, whole as recorded."""
        row = self.current(month, link.kind)
        if row is None or row["name"] != link.name or row["source_url"] != link.url:
            return None
        path = self.folder(month) / link.name
        try:
            if path.stat().st_size != int(row["bytes"]) or file_sha256(path) != row["sha256"]:
                return None
        except (OSError, ValueError):
            return None
        return path

    def record(self, month: dt.date, link: Link, size: int, sha: str) -> dict | None:
        """Make this the month's file of its kind; returns the row it replaced, if any."""
        old = self.current(month, link.kind)
        if old is not None:
            self.rows.remove(old)
        self.rows.append({
            "month": f"{month:%Y-%m}", "kind": link.kind, "name": link.name, "bytes": str(size),
            "sha256": sha, "source_url": link.url,
            "fetched_utc": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        })
        self.save()
        return old


# --------------------------------------------------------------------------- one month

@dataclass
class MonthResult:
    month: dt.date
    downloaded: list[Path] = field(default_factory=list)
    held: list[Path] = field(default_factory=list)       # already in the library: not downloaded
    replaced: list[str] = field(default_factory=list)    # files replaced by the one the page now links to
    ignored: list[str] = field(default_factory=list)     # links not followed, and why
    problems: list[FetchProblem] = field(default_factory=list)
    loads: list = field(default_factory=list)            # what the loader returned, per file

    @property
    def ok(self) -> bool:
        return not self.problems


def _page_links(month: dt.date, series: str, base: str, timeout: float, result: MonthResult) -> PageLinks | None:
    title = "Cloud Based Telephony" if series == CBT_SERIES else "Patients Registered at a GP Practice"
    what = f"the {title} page for {month_words(month)}"
    url = page_url(base, series, month)
    try:
        html = get_page(url, what, timeout=timeout)
    except FetchProblem as exc:
        result.problems.append(exc)
        return None
    found = choose_links(extract_links(html, url), url)
    result.ignored.extend(found.ignored)
    wanted = {k for k, kind in KINDS.items() if kind.series == series}
    missing = [KINDS[k].label for k in sorted(wanted) if KINDS[k].required and k not in found.chosen]
    if not found.chosen:
        result.problems.append(LayoutChanged(
            f"{what} ({url}) has none of the expected file links "
            f"({', '.join(KINDS[k].label for k in sorted(wanted))}); "
            "the page's layout may have changed. Nothing was fetched from it.", url))
    elif missing:
        result.problems.append(LayoutChanged(
            f"{what} ({url}) has no link to the {' or the '.join(missing)}; the other files were fetched.", url))
    return found


def _unpacked_csv(path: Path, into: Path) -> Path:
    """The one CSV inside a registered-patients zip, written into `into` (the store reads the CSV)."""
    with zipfile.ZipFile(path) as zf:
        members = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")
                   and "__macosx" not in i.filename.lower()]
        if len(members) != 1:
            raise BrokenDownload(f"'{path.name}' holds {len(members)} CSV files; expected exactly one", None)
        info = members[0]
        if info.file_size > limits.MAX_MEMBER_BYTES or info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise BrokenDownload(f"'{path.name}' holds '{info.filename}', which would expand to "
                                 f"{limits.size_text(info.file_size)}; not expanded ({limits.zip_limits_text()})", None)
        target = into / (file_name(info.filename) or posixpath.basename(info.filename) or "member.csv")
        with zf.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, CHUNK_BYTES)
    return target


def fetch_month(month: dt.date, library: Library, base: str = DEFAULT_FROM,
                load: Callable[[Path], object] | None = None,
                progress: Callable[[int, int | None, str], None] | None = None,
                timeout: float = TIMEOUT_SECONDS) -> MonthResult:
    """Fetch one month into the library and hand each of its files to `load` (new ones and ones
    already held, so a library whose database was lost loads again; the store skips content it
    already has). Never raises for a page or file: problems are collected in the result, and a
    month's other files are still fetched."""
    result = MonthResult(month)
    folder = library.folder(month)
    current: dict[str, Path] = {}
    for series in (CBT_SERIES, PATIENTS_SERIES):
        found = _page_links(month, series, base, timeout, result)
        if found is None:
            if series == CBT_SERIES and isinstance(result.problems[-1], NotPublished):
                break   # no calls data for the month: its list sizes alone are not worth fetching
            continue
        hosts = allowed_hosts(found.page)
        for kind in (k for k in LOAD_ORDER if k in found.chosen):
            link = found.chosen[kind]
            held = library.holds(month, link)
            if held is not None:
                result.held.append(held)
                current[kind] = held
                continue
            try:
                path, size, sha = download(link, folder, hosts, progress, timeout)
            except FetchProblem as exc:
                result.problems.append(exc)
                continue
            old = library.record(month, link, size, sha)
            if old is not None and old["name"] != link.name:
                (folder / old["name"]).unlink(missing_ok=True)
                result.replaced.append(f"'{old['name']}' replaced by '{link.name}', the file the page now links to")
            result.downloaded.append(path)
            current[kind] = path
    if load is not None:
        for kind in (k for k in LOAD_ORDER if k in current):
            _load_one(kind, current[kind], load, result)
    return result


def _load_one(kind: str, path: Path, load: Callable[[Path], object], result: MonthResult) -> None:
    if kind not in UNPACK_FOR_LOADING:
        result.loads.append(load(path))
        return
    with tempfile.TemporaryDirectory(prefix="unpacked-", dir=path.parent) as tmp:
        try:
            csv_path = _unpacked_csv(path, Path(tmp))
        except BrokenDownload as exc:
            result.problems.append(exc)
            return
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            result.problems.append(BrokenDownload(f"'{path.name}' could not be unpacked for loading "
                                                  f"({_reason(exc)}); it stays in the library", None))
            return
        result.loads.append(load(csv_path))


def load_held(month: dt.date, library: Library, load: Callable[[Path], object]) -> MonthResult:
    """Hand the files the library holds for a month to `load`, as a fetch would (a rebuild of
    the library's database from its files). Nothing is downloaded."""
    result = MonthResult(month)
    folder = library.folder(month)
    held = {row["kind"]: folder / row["name"] for row in library.rows if row["month"] == f"{month:%Y-%m}"}
    for kind in (k for k in LOAD_ORDER if k in held):
        if held[kind].is_file():
            result.held.append(held[kind])
            _load_one(kind, held[kind], load, result)
        else:
            result.problems.append(FetchProblem(f"'{held[kind].name}' is in the library's manifest but not in "
                                                f"{folder}; fetch {month:%Y-%m} again to get it", None))
    return result
