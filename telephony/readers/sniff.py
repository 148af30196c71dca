"""Tell what a file is from its content, never its name (a file may be called anything)."""

from __future__ import annotations

import codecs
import contextlib
import csv
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from telephony import limits
from telephony.isolate import run_isolated
from telephony.formats import normalise_header
from telephony.problems import FileProblem
from telephony.readers.xlsx_guard import check_workbook

# Detected kinds, with the words users see for them.
KINDS = {
    "summary_workbook": "Publication Summary workbook",
    "by_day_time": "By Day and Time CSV",
    "by_durations": "By Durations CSV",
    "answered_metric": "Calls Answered Metric CSV",
    "csv_zip": "zip of practice-level CSVs",
    "list_size": "registered patients (list sizes) CSV",
    "practice_map": "practice to PCN mapping file (gp-reg-pat-prac-map)",
    "epcn": "ODS ePCN workbook",
}

# Normalised CSV header names (spaces -> underscores) that identify each CSV family.
_SIGNATURES = (
    ("by_day_time", {"date", "practice_code", "indicator", "time_category", "value"}),
    ("by_durations", {"date", "practice_code", "indicator", "duration", "value"}),
    ("answered_metric", {"date", "practice_code", "indicator", "wait_time", "value"}),
    ("practice_map", {"practice_code", "pcn_code", "pcn_name"}),
    ("list_size", {"code", "number_of_patients"}),
)
_ALIASES = {"sub_icb_code": "sub_icb_location_code", "time_band": "time_category"}

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .xls, or an encrypted .xlsx
# Other things people upload by mistake, named so the message can say what the file is.
_OTHER_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive (.gz); only .zip files are read"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; only .zip files are read"),
    (b"Rar!", "a RAR archive; only .zip files are read"),
    (b"{\\rtf", "a Rich Text document"),
)
_EXPECTED = ("Expected the Publication Summary workbook (.xlsx), a practice-level CSV or a zip of them, "
             "a list-size CSV or the practice-to-PCN mapping CSV")


@dataclass
class CsvShape:
    """How to read a CSV: its header, where each canonical column is, delimiter and encoding."""

    kind: str
    header: list[str]
    columns: dict[str, int] = field(default_factory=dict)   # canonical name -> position
    delimiter: str = ","
    encoding: str = "utf-8"
    skip: int = 1                                             # lines before the first data row


def csv_column_name(text: str) -> str:
    name = normalise_header(text).strip('"').replace(" ", "_")
    return _ALIASES.get(name, name)


def decode_head(head: bytes) -> tuple[str, str]:
    """Text of the first bytes and the DuckDB encoding name to read the whole file with."""
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", errors="replace"), "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem("is encoded as UTF-16; save it as CSV (UTF-8) and upload it again")
    try:
        return head.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:   # a character cut by the sample boundary
            return head[: exc.start].decode("utf-8"), "utf-8"
        # Windows-1252 (Excel's 'CSV' on Windows): read through a UTF-8 copy (see with_utf8).
        return head.decode("cp1252", errors="replace"), "cp1252"


def csv_shape(head: bytes, where: str = "") -> CsvShape:
    """Work out a CSV's family and layout from its first bytes."""
    text, encoding = decode_head(head)
    lines = text.splitlines()
    if not text.strip():
        raise FileProblem(f"holds only blank lines. {_EXPECTED}")
    if not lines[0].strip():
        raise FileProblem("has nothing on line 1: line 1 is empty where the header should be (for example "
                          "'Date,REGION_CODE,ICB_CODE,...'); delete the blank lines above the header")
    first = lines[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration):
        header = first.split(delimiter)
    names = [csv_column_name(h) for h in header]
    for kind, needed in _SIGNATURES:
        if needed <= set(names):
            columns: dict[str, int] = {}
            for i, n in enumerate(names):
                columns.setdefault(n, i)
            return CsvShape(kind, header, columns, delimiter, encoding)
    # Nearly one of the layouts (most of its columns present): name what is missing.
    near = max(_SIGNATURES, key=lambda sig: len(sig[1] & set(names)))
    if len(near[1] & set(names)) >= len(near[1]) - 2 and len(near[1] & set(names)) >= 2:
        missing = sorted(near[1] - set(names), key=lambda n: _PUBLISHED_ORDER.get(n, 99))
        raise FileProblem(
            f"looks like a {KINDS[near[0]]} but its header (line 1) has no "
            + " or ".join(f"'{_published_name(n)}'" for n in missing)
            + f" column. Expected the columns {', '.join(_published_name(n) for n in _layout(near[0]))}; "
            f"found '{first[:200]}'"
        )
    raise FileProblem(
        "has a header that matches none of the published CSV layouts. Expected, for example, "
        "'Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
        f"Time_Category,Value'; found '{first[:200]}'"
    )


# Column names as published (for messages), in the published order.
_PUBLISHED = {
    "date": "Date", "region_code": "REGION_CODE", "icb_code": "ICB_CODE",
    "sub_icb_location_code": "SUB_ICB_LOCATION_CODE", "pcn_code": "PCN_CODE", "practice_code": "PRACTICE_CODE",
    "indicator": "Indicator", "time_category": "Time_Category", "duration": "Duration",
    "wait_time": "Wait_Time", "core_category": "Core_Category", "value": "Value", "pcn_name": "PCN_NAME",
    "code": "CODE", "number_of_patients": "NUMBER_OF_PATIENTS", "extract_date": "EXTRACT_DATE",
}
_PUBLISHED_ORDER = {name: i for i, name in enumerate(_PUBLISHED)}
_LAYOUTS = {
    "by_day_time": ("date", "region_code", "icb_code", "sub_icb_location_code", "pcn_code", "practice_code",
                    "indicator", "time_category", "value"),
    "by_durations": ("date", "region_code", "icb_code", "sub_icb_location_code", "pcn_code", "practice_code",
                     "indicator", "duration", "value"),
    "answered_metric": ("date", "region_code", "icb_code", "sub_icb_location_code", "pcn_code",
                        "practice_code", "indicator", "wait_time", "core_category", "value"),
}


def _published_name(name: str) -> str:
    return _PUBLISHED.get(name, name.upper())


def _layout(kind: str) -> tuple[str, ...]:
    return _LAYOUTS.get(kind) or tuple(sorted(dict(_SIGNATURES)[kind], key=lambda n: _PUBLISHED_ORDER.get(n, 99)))


def cp1252_to_utf8(source: Path, target: Path) -> None:
    """Copy a Windows-1252 text file as UTF-8, streaming (files may be hundreds of MB)."""
    decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")
    with open(source, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            dst.write(decoder.decode(block))
        dst.write(decoder.decode(b"", final=True))


class Utf8Check:
    """Whether a stream of blocks is valid UTF-8, fed block by block; ASCII blocks are checked
    at C speed. Zip members are checked this way as they are expanded, so no file is read twice."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.valid = True

    def feed(self, block: bytes) -> None:
        if not self.valid or (block.isascii() and not self._decoder.getstate()[0]):
            return
        try:
            self._decoder.decode(block)
        except UnicodeDecodeError:
            self.valid = False

    def done(self) -> bool:
        if self.valid:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.valid = False
        return self.valid


@dataclass(frozen=True)
class TextFacts:
    """What one pass over a CSV's bytes found (see TextCheck)."""

    utf8: bool
    lines: int                     # physical lines: newlines, plus a last line without one
    multiline: bool                # a line holds an odd number of '"': a quoted field spans lines
    long_line: int | None = None   # the first line (1-based) longer than limits.MAX_ROW_BYTES
    long_bytes: int = 0            # how long that line is, as far as was read


_KEEP_QUOTES_AND_NEWLINES = bytes(b for b in range(256) if b not in b'"\n')
_CHUNK = 1 << 20   # below MAX_ROW_BYTES, so a line inside one chunk is never too long


class TextCheck:
    """One pass, block by block and at C speed, giving a CSV's TextFacts: whether it is UTF-8,
    how many lines it has, whether a quoted field holds a line break (DuckDB's parallel reader
    cannot read those with null padding on), and the first line too long to read."""

    def __init__(self) -> None:
        self._utf8 = Utf8Check()
        self.lines = 0           # newlines so far
        self._run = 0            # bytes since the last newline
        self._last = b"\n"
        self._odd_tail = False   # quotes since the last newline: odd?
        self.multiline = False
        self.long_line: int | None = None
        self.long_bytes = 0

    def feed(self, block: bytes) -> None:
        if not block:
            return
        self._utf8.feed(block)
        for start in range(0, len(block), _CHUNK):
            self._feed_chunk(block[start:start + _CHUNK])
        self._last = block[-1:]

    def _feed_chunk(self, chunk: bytes) -> None:
        first = chunk.find(b"\n")
        if first < 0:
            self._run += len(chunk)
            self._long(self.lines + 1, self._run)
        else:
            self._long(self.lines + 1, self._run + first)
            self.lines += chunk.count(b"\n")
            self._run = len(chunk) - chunk.rfind(b"\n") - 1
            self._long(self.lines + 1, self._run)
        if not self.multiline and b'"' in chunk:
            # Keep only quotes and newlines, then drop pairs of quotes: a quote is left over only
            # on a line with an odd number of them (a doubled "" escape counts two, as it should).
            marks = chunk.translate(None, _KEEP_QUOTES_AND_NEWLINES)
            if self._odd_tail:
                marks = b'"' + marks
            lines = marks.replace(b'""', b"").split(b"\n")
            self.multiline = any(lines[:-1])
            self._odd_tail = bool(lines[-1])
        elif not self.multiline and b"\n" in chunk and self._odd_tail:
            self.multiline = True

    def _long(self, line: int, size: int) -> None:
        if size > limits.MAX_ROW_BYTES and self.long_line in (None, line):
            self.long_line, self.long_bytes = line, max(self.long_bytes, size)

    def done(self) -> TextFacts:
        return TextFacts(self._utf8.done(), self.lines + (self._last != b"\n"), self.multiline,
                         self.long_line, self.long_bytes)


def scan_text(path: Path) -> TextFacts:
    """TextFacts of a whole file, streaming."""
    check = TextCheck()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            check.feed(block)
    return check.done()


def too_long_problem(facts: TextFacts, member: str | None = None) -> FileProblem:
    """The message for a CSV whose `facts` found a row too long to read (`member` named where
    the file is one of several read together)."""
    where = f"row {facts.long_line:,}" + (f" of '{member}'" if member else "")
    return FileProblem(
        f"has a row too long to read: {where} is {limits.size_text(facts.long_bytes)} long, and at most "
        f"{limits.size_text(limits.MAX_ROW_BYTES)} is read (a published row is under 200 bytes). The file may be "
        "damaged, or a field may open a quote that never closes")


def blank_row_numbers(path: Path, expected_rows: int, multiline: bool) -> list[int]:
    """Numbers (1-based, header = 1) of the blank lines DuckDB skipped, counted as a spreadsheet
    counts rows: by physical line, or, in a file whose quoted fields hold line breaks, by record
    (a blank line inside a quoted field is part of its field, not a blank row)."""
    if not multiline:
        return blank_line_numbers(path, expected_rows)
    blanks = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        with contextlib.suppress(csv.Error):    # a field past csv's size limit: numbers as DuckDB gave them
            for number, record in enumerate(csv.reader(fh), start=1):
                if not record:
                    blanks.append(number)
    return blanks


def is_utf8(path: Path) -> bool:
    """Whether a whole file is valid UTF-8, streaming."""
    check = Utf8Check()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            check.feed(block)
    return check.done()


def scratch_dir(con) -> str | None:
    """Where a reader may write a scratch copy that `con` can then read: the connection's own
    temp_directory when file access is sandboxed (it is always among the allowed directories),
    else None (the system's temporary folder)."""
    external, temp = con.execute(
        "SELECT current_setting('enable_external_access'), current_setting('temp_directory')").fetchall()[0]
    if str(external).lower() in ("true", "1") or not temp or not Path(temp).is_absolute():
        return None
    Path(temp).mkdir(parents=True, exist_ok=True)
    return temp


def with_utf8(run, paths: list[str], encoding: str, temp_dir=None, known_utf8=frozenset()):
    """Return run(paths) for files DuckDB can read as UTF-8. Windows-1252 files, whether the
    sniffer saw it in the first bytes or it appears further down, are read through UTF-8 copies
    in a temporary folder. (DuckDB's latin-1 decoding rejects bytes 0x80-0x9F, which
    Windows-1252 uses for curly quotes, dashes and the euro sign; and a failed read would abort
    the load's transaction, so the check comes first.) `known_utf8`: paths already checked
    (zip members, while they were expanded)."""
    needs_copy = [encoding == "cp1252" or (p not in known_utf8 and not is_utf8(Path(p))) for p in paths]
    if not any(needs_copy):
        return run(paths)
    with tempfile.TemporaryDirectory(dir=temp_dir) as tmp:
        readable = []
        for i, (path, copy) in enumerate(zip(paths, needs_copy)):
            if copy:
                target = Path(tmp) / f"utf8_{i}.csv"
                cp1252_to_utf8(Path(path), target)
                path = str(target)
            readable.append(path)
        return run(readable)


def blank_line_numbers(path: Path, expected_lines: int) -> list[int]:
    """Physical numbers (1-based) of blank lines, which DuckDB skips. Cheap when there are none:
    lines are counted at C speed first, and only a file with more lines than rows is scanned."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    lines += last != b"\n"
    if lines <= expected_lines:
        return []
    blanks = []
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                blanks.append(number)
    return blanks


@dataclass
class Detected:
    kind: str
    shape: CsvShape | None = None             # for single CSVs
    members: list[tuple[str, CsvShape]] = field(default_factory=list)   # for zips of CSVs
    skipped: list[str] = field(default_factory=list)                    # zip members not read
    # The zip entry of each member, in order: a zip can hold two entries of the same name, which
    # a name alone cannot tell apart.
    infos: list[zipfile.ZipInfo] = field(default_factory=list)


def detect(path: Path) -> Detected:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head:
        raise FileProblem(f"is empty (0 bytes). {_EXPECTED}")
    if head.startswith(OLE_MAGIC):
        raise FileProblem(
            "is a password-protected workbook or an old .xls file; remove the password or save it "
            "as .xlsx and upload it again"
        )
    if head.startswith(EMPTY_ZIP_MAGIC):
        raise FileProblem("is an empty zip file (it holds no files)")
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
                if len(infos) > limits.MAX_ZIP_MEMBERS:
                    raise FileProblem(
                        f"is a zip of {len(infos):,} files; at most {limits.MAX_ZIP_MEMBERS:,} are read "
                        "(a published zip holds 8 CSVs)")
                if "xl/workbook.xml" in zf.namelist():
                    _guard_expansion(infos, what="workbook")
                    return Detected(_workbook_kind(path))
                return _zip_members(zf)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:   # NotImplementedError: a zip format version Python cannot read
            what = "an Excel workbook (.xlsx)" if path.suffix.lower() == ".xlsx" else "a zip file"
            raise FileProblem(
                f"looks like {what} but is damaged or truncated (cut short, perhaps by a download that did not "
                f"finish): download it again and upload the new copy. Detail: {_first_line(exc)}") from exc
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise FileProblem(f"is {what}, not a file this app reads. {_EXPECTED}")
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(f"is not a text file, an Excel workbook or a zip of CSV files. {_EXPECTED}")
    if head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise FileProblem("is a web page (HTML), not a data file: the download may have saved the page "
                          f"instead of the file. {_EXPECTED}")
    shape = csv_shape(head)
    return Detected(shape.kind, shape=shape)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _guard_expansion(infos: list[zipfile.ZipInfo], what: str) -> None:
    """Refuse a zip (or .xlsx) whose members would expand past the limits, from the sizes it
    declares, before anything is expanded. (Extraction also stops at the declared size.)"""
    total = 0
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        total += info.file_size
        too_big = info.file_size > (limits.MAX_MEMBER_BYTES if what == "zip" else limits.MAX_WORKBOOK_BYTES)
        cap = limits.MAX_ZIP_BYTES if what == "zip" else limits.MAX_WORKBOOK_BYTES
        if too_big or ratio > limits.MAX_RATIO or total > cap:
            if what == "zip":
                limit = limits.zip_limits_text()
            else:
                limit = (f"a workbook may expand to at most {limits.size_text(limits.MAX_WORKBOOK_BYTES)}, "
                         f"and no part of it to more than {limits.MAX_RATIO} times its compressed size")
            raise FileProblem(
                f"holds '{info.filename}', which would expand to {limits.size_text(info.file_size)} "
                f"({ratio:,.0f} times its compressed size"
                + (f"; {limits.size_text(total)} in all so far" if total > info.file_size else "")
                + f"). Not expanded: {limit} (see Limits in the README)"
            )


def open_workbook(path) -> CalamineWorkbook:
    """Open an .xlsx with calamine; any failure (its own error types, or a Rust panic, which
    Python sees as a BaseException) becomes a FileProblem."""
    try:
        return CalamineWorkbook.from_path(str(path))
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
            raise
        raise FileProblem(f"could not be opened as an Excel workbook ({_first_line(exc)}); it may be "
                          "damaged, truncated or password-protected") from None


def sheet_rows(book: CalamineWorkbook, sheet: str) -> list[list]:
    """All cells of one sheet, as Python values; a sheet calamine cannot read is a FileProblem."""
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)):
            raise
        raise FileProblem(f"sheet '{sheet}' could not be read ({_first_line(exc)}); the workbook may be "
                          "damaged") from None


_SUMMARY_SHEETS = ("table 3", "table 4", "table 5")


def workbook_sheet_names(path) -> list[str]:
    return open_workbook(path).sheet_names


def _workbook_kind(path: Path) -> str:
    # The declared extent is checked before calamine opens the file, and calamine runs in a child
    # process with a memory cap: a crafted workbook cannot abort the server (xlsx_guard, isolate).
    check_workbook(path)
    sheets = run_isolated(workbook_sheet_names, path)
    normalised = {normalise_header(s) for s in sheets}
    if {"table 3", "table 5"} <= normalised:
        return "summary_workbook"
    if "pcn core partner details" in normalised:
        return "epcn"
    present = [n for n in _SUMMARY_SHEETS if n in normalised or any(s.startswith(n) for s in normalised)]
    if present:
        missing = [n.title() for n in _SUMMARY_SHEETS if n not in present]
        raise FileProblem(
            "looks like a Cloud Based Telephony Publication Summary but has no sheet "
            + " or ".join(f"'{m}'" for m in missing)
            + f". Expected sheets 'Table 3', 'Table 4' and 'Table 5'; its sheets: {', '.join(sheets)}"
        )
    raise FileProblem(
        "is an Excel workbook but neither a Cloud Based Telephony Publication Summary (sheets "
        "'Table 1'-'Table 5') nor an ODS ePCN file (sheet 'PCN Core Partner Details'); its sheets: "
        + ", ".join(sheets)
    )


def _zip_members(zf: zipfile.ZipFile) -> Detected:
    members, skipped, candidates, read = [], [], [], []
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename
        lower = name.lower()
        if "__macosx" in lower or lower.rsplit("/", 1)[-1].startswith("._"):
            skipped.append(f"{name} (Mac system file)")
        elif lower.endswith(".zip"):
            skipped.append(f"{name} (a zip inside the zip: unzip it and upload the inner zip)")
        elif not lower.endswith((".csv", ".txt")):
            skipped.append(f"{name} (not a CSV)")
        elif info.flag_bits & 0x1:
            raise FileProblem(f"holds '{name}', which is password-protected; upload the zip without a password")
        else:
            candidates.append(info)
    _guard_expansion(candidates, what="zip")
    for info in candidates:
        name = info.filename
        try:
            with zf.open(info) as fh:
                head = fh.read(65536)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as exc:
            raise FileProblem(f"holds '{name}', which is damaged or cannot be unpacked ({_first_line(exc)})") from exc
        try:
            members.append((name, csv_shape(head)))
            read.append(info)
        except FileProblem as exc:
            skipped.append(f"{name} ({exc})")
    if not members:
        raise FileProblem(
            "is a zip file with no CSV files that can be read"
            + (f" (it holds: {'; '.join(skipped[:10])})" if skipped else " (it holds no files)")
            + ". Expected the practice-level CSVs as NHS England publishes them"
        )
    return Detected("csv_zip", members=members, skipped=skipped, infos=read)
