"""Tell what a file is from its content, never its name (a file may be called anything)."""

from __future__ import annotations

import codecs
import csv
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from telephony.formats import normalise_header
from telephony.problems import FileProblem

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
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # legacy .xls, or an encrypted .xlsx


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


def _decode(head: bytes) -> tuple[str, str]:
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
    text, encoding = _decode(head)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileProblem("is empty" if not text.strip() else "has an empty first line where the header should be")
    first = lines[0]
    delimiter = max((",", ";", "\t", "|"), key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))
    names = [csv_column_name(h) for h in header]
    for kind, needed in _SIGNATURES:
        if needed <= set(names):
            columns: dict[str, int] = {}
            for i, n in enumerate(names):
                columns.setdefault(n, i)
            return CsvShape(kind, header, columns, delimiter, encoding)
    raise FileProblem(
        "has a header that matches none of the published CSV layouts. Expected, for example, "
        "'Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
        f"Time_Category,Value'; found '{first[:200]}'"
    )


def cp1252_to_utf8(source: Path, target: Path) -> None:
    """Copy a Windows-1252 text file as UTF-8, streaming (files may be hundreds of MB)."""
    decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")
    with open(source, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            dst.write(decoder.decode(block))
        dst.write(decoder.decode(b"", final=True))


def is_utf8(path: Path) -> bool:
    """Whether a whole file is valid UTF-8, streaming; ASCII blocks are checked at C speed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                if block.isascii() and not decoder.getstate()[0]:
                    continue
                decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def with_utf8(run, paths: list[str], encoding: str, temp_dir=None):
    """Return run(paths) for files DuckDB can read as UTF-8. Windows-1252 files, whether the
    sniffer saw it in the first bytes or it appears further down, are read through UTF-8 copies
    in a temporary folder. (DuckDB's latin-1 decoding rejects bytes 0x80-0x9F, which
    Windows-1252 uses for curly quotes, dashes and the euro sign; and a failed read would abort
    the load's transaction, so the check comes first.)"""
    needs_copy = [encoding == "cp1252" or not is_utf8(Path(p)) for p in paths]
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


def detect(path: Path) -> Detected:
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head:
        raise FileProblem("is empty (0 bytes)")
    if head.startswith(OLE_MAGIC):
        raise FileProblem(
            "is a password-protected workbook or an old .xls file; remove the password or save it "
            "as .xlsx and upload it again"
        )
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
                if "xl/workbook.xml" in names:
                    return Detected(_workbook_kind(path))
                return _zip_members(zf)
        except zipfile.BadZipFile as exc:
            raise FileProblem(f"looks like a zip file but is damaged or truncated ({exc})") from exc
    if b"\x00" in head[:4096]:
        raise FileProblem("is not a text file, an Excel workbook or a zip of CSV files")
    shape = csv_shape(head)
    return Detected(shape.kind, shape=shape)


def _workbook_kind(path: Path) -> str:
    try:
        sheets = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception as exc:  # calamine's own error types
        raise FileProblem(f"could not be opened as an Excel workbook ({exc})") from exc
    normalised = {normalise_header(s) for s in sheets}
    if {"table 3", "table 5"} <= normalised:
        return "summary_workbook"
    if "pcn core partner details" in normalised:
        return "epcn"
    raise FileProblem(
        "is an Excel workbook but neither a Cloud Based Telephony Publication Summary (sheets "
        "'Table 1'-'Table 5') nor an ODS ePCN file (sheet 'PCN Core Partner Details'); its sheets: "
        + ", ".join(sheets)
    )


def _zip_members(zf: zipfile.ZipFile) -> Detected:
    members, skipped = [], []
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename
        if not name.lower().endswith((".csv", ".txt")) or "__macosx" in name.lower():
            skipped.append(name)
            continue
        with zf.open(info) as fh:
            head = fh.read(65536)
        try:
            members.append((name, csv_shape(head)))
        except FileProblem as exc:
            skipped.append(f"{name} ({exc})")
    if not members:
        raise FileProblem(
            "is a zip file with no CSV files that can be read"
            + (f" (it holds: {', '.join(skipped[:10])})" if skipped else "")
        )
    return Detected("csv_zip", members=members, skipped=skipped)
