"""Refuse an .xlsx that declares more than a real workbook could need, before calamine reads it.

calamine (the Rust workbook reader) lays a sheet out as a full grid from its first to its last
cell, and sizes some tables from counts the file declares. A 7 KB file with one cell at
XFD1048576, or a shared-string table claiming four billion entries, makes it ask for hundreds of
gigabytes; Rust aborts the whole process when that fails, taking every session with it. So the
extent a workbook declares is read here first, from its XML, streaming and with a bounded
buffer: the `<dimension ref>`, every cell's and row's position (as calamine works it out, with
or without `r="..."`), and the shared-string counts. Limits: telephony/limits.py.

This guard gives a clear message for the known ways; `telephony.isolate` is the backstop for
any other (calamine runs in a child process with a memory cap).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from pathlib import Path

from telephony import limits
from telephony.problems import FileProblem

_BLOCK = 1 << 20
_SMALL_PART = 16 * limits.MB     # workbook.xml and its rels: a few KB in a real file
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c, as some writers emit)
# A row or cell start tag (not <col>, <cols>, <rowBreaks>: the name must end there).
_TAG = re.compile(rb"<" + _NS + rb"(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']\s*\$?([A-Za-z]*)\$?(\d*)\s*["']""")
_DIMENSION = re.compile(rb"<" + _NS + rb"""dimension\s[^>]*?ref\s*=\s*["']([^"']*)["']""")
_SST = re.compile(rb"<" + _NS + rb"sst\b([^>]*)>")
_COUNT_ATTR = re.compile(rb"""\b(count|uniqueCount)\s*=\s*["'](\d+)["']""")
_REL = re.compile(rb"<" + _NS + rb"Relationship\b([^>]*)>")
_ATTR = re.compile(rb"""\b(Type|Target)\s*=\s*["']([^"']*)["']""")


def column_number(letters: bytes | str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    n = 0
    for ch in (letters.decode() if isinstance(letters, bytes) else letters).upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out or "A"


def check_workbook(path: str | Path) -> None:
    """Raise FileProblem if any sheet of the .xlsx at `path` spans more rows, columns or cells
    than the limits allow, or its shared-string table declares more entries than allowed."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for part in _sheet_parts(zf, names):
                _check_sheet(zf, part)
            for part in _shared_string_parts(zf, names):
                _check_shared_strings(zf, part)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise FileProblem(f"looks like an Excel workbook (.xlsx) but is damaged ({exc})") from None


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    if zf.getinfo(name).file_size > _SMALL_PART:
        raise FileProblem(f"holds '{name}', which is {limits.size_text(zf.getinfo(name).file_size)}; "
                          f"a workbook's list of parts takes a few KB")
    return zf.read(name)


def _resolve(target: str) -> str:
    """A relationship target from xl/_rels/workbook.xml.rels as a zip member name (calamine's rule:
    an absolute target from the package root, a relative one from xl/)."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join("xl", target))


def _related(zf: zipfile.ZipFile, names: set[str], kind: str) -> set[str]:
    rels = "xl/_rels/workbook.xml.rels"
    found = set()
    if rels in names:
        for match in _REL.finditer(_read_small(zf, rels)):
            attrs = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(match.group(1))}
            if attrs.get("Type", "").endswith("/" + kind) and attrs.get("Target"):
                target = _resolve(attrs["Target"])
                # Either spelling of the target, in case a reader resolves it the other way.
                found |= {n for n in (target, attrs["Target"].lstrip("/")) if n in names}
    return found


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    usual = {n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")}
    return sorted(usual | _related(zf, names, "worksheet"))


def _shared_string_parts(zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    return sorted(({"xl/sharedStrings.xml"} & names) | _related(zf, names, "sharedStrings"))


def _blocks(zf: zipfile.ZipFile, name: str):
    """The member's text in blocks that never split a tag: each block ends before the last '<'
    (which is carried into the next). Memory stays bounded: a tag longer than a block is an error."""
    carry = b""
    with zf.open(name) as fh:
        while True:
            data = fh.read(_BLOCK)
            if not data:
                break
            data = carry + data
            cut = data.rfind(b"<")
            if cut <= 0:
                if len(data) > 4 * _BLOCK:
                    raise FileProblem(f"holds '{name}', whose XML has a tag longer than {limits.size_text(4 * _BLOCK)}")
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]
    if carry:
        yield carry


def _refuse(name: str, what: str) -> None:
    raise FileProblem(
        f"declares {what} in '{name}', more than a Publication Summary could need (at most "
        f"{limits.MAX_SHEET_ROWS:,} rows, {limits.MAX_SHEET_COLUMNS:,} columns and "
        f"{limits.MAX_SHEET_CELLS:,} cells a sheet; a national one has about 5,000 rows and 60 columns). "
        "Not read: a file like this is damaged or made to exhaust memory (see Limits in the README)"
    )


def _check_extent(name: str, rows: int, cols: int, where: str) -> None:
    if rows > limits.MAX_SHEET_ROWS:
        _refuse(name, f"{where} at row {rows:,}")
    if cols > limits.MAX_SHEET_COLUMNS:
        _refuse(name, f"{where} in column {column_letters(cols)} (column {cols:,})")
    if rows * cols > limits.MAX_SHEET_CELLS:
        _refuse(name, f"{where} spanning {rows:,} rows by {cols:,} columns ({rows * cols:,} cells)")


# Digits as '0', capitals as 'A', small letters as 'a': a cell tag `<c r="AB12"` reads `<a a="AA00"`,
# so the size of every reference in a block can be told with bytes.count, at C speed (a regular
# expression over every cell of a real workbook takes about a second).
_SHAPE = bytes.maketrans(b"0123456789" + bytes(range(65, 91)) + bytes(range(97, 123)),
                         b"0" * 10 + b"A" * 26 + b"a" * 26)


# A row or cell tag not written as Excel writes it: with a namespace prefix (x:c), without a
# reference, or with one that does not start as a reference does (capital letters, then digits).
_UNUSUAL = re.compile(rb"""<(?:[\w.-]+:(?:c|row)(?=[\s/>])|c(?=[\s/>])(?! r="[A-Z])|row(?=[\s/>])(?! r="\d))""")


def _quick_bounds(block: bytes) -> tuple[int, int] | None:
    """Upper bounds on the rows and columns a block's cells reach, from counts alone, when every
    row and cell tag is written as Excel writes it (`<row r="12"`, `<c r="B12"`) and no reference
    has more than two letters or four digits; None otherwise (the sheet is then walked tag by
    tag). Another tag of the same shape only makes a bound larger or sends the sheet the slow way."""
    if _UNUSUAL.search(block):
        return None
    shape = block.translate(_SHAPE)
    if (shape.count(b'<a a="AAA') or shape.count(b'<a a="A00000') or shape.count(b'<a a="AA00000')
            or shape.count(b'<aaa a="00000')):
        return None
    return 9_999, (702 if shape.count(b'<a a="AA') else 26)   # at most four digits; two letters, or one


def _check_sheet(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a sheet whose cells reach past the limits. A quick pass bounds the extent from
    counts; only if that bound passes a limit (or the XML is written unusually) is the sheet
    walked tag by tag, finding each row's and cell's position as calamine does."""
    max_rows = max_cols = 0
    for i, block in enumerate(_blocks(zf, name)):
        if i == 0:
            _check_dimension(name, block)
        bounds = _quick_bounds(block)
        if bounds is None:
            break
        max_rows, max_cols = max(max_rows, bounds[0]), max(max_cols, bounds[1])
    else:
        if (max_rows <= limits.MAX_SHEET_ROWS and max_cols <= limits.MAX_SHEET_COLUMNS
                and max_rows * max_cols <= limits.MAX_SHEET_CELLS):
            return
    _walk_sheet(zf, name)


def _check_dimension(name: str, block: bytes) -> None:
    dim = _DIMENSION.search(block)
    if not dim:
        return
    text = dim.group(1).decode("ascii", "replace")
    for ref in dim.group(1).split(b":"):
        m = re.fullmatch(rb"\$?([A-Za-z]{1,7})\$?(\d{1,12})", ref.strip())
        if m:
            _check_extent(name, int(m.group(2)), column_number(m.group(1)), f"a sheet extent (dimension {text})")


def _walk_sheet(zf: zipfile.ZipFile, name: str) -> None:
    max_row = max_col = 0
    row = 0          # the current row (1-based), for cells without a reference
    col = 0          # the last column used in the current row
    for block in _blocks(zf, name):
        for tag in _TAG.finditer(block):
            r_attr = _R_ATTR.search(tag.group(2))
            if tag.group(1) == b"row":
                row = int(r_attr.group(2)) if r_attr and r_attr.group(2) else row + 1
                col = 0
            else:
                if r_attr and r_attr.group(1) and r_attr.group(2):
                    row, col = int(r_attr.group(2)), column_number(r_attr.group(1))
                else:
                    col += 1
                max_col = max(max_col, col)
            max_row = max(max_row, row)
            if max_row > limits.MAX_SHEET_ROWS or max_col > limits.MAX_SHEET_COLUMNS:
                _check_extent(name, max_row, max_col, "a cell")
    _check_extent(name, max_row, max_col, "cells")


def _check_shared_strings(zf: zipfile.ZipFile, name: str) -> None:
    """calamine sets aside room for as many strings as the table says it holds."""
    for block in _blocks(zf, name):
        sst = _SST.search(block)
        if sst:
            for attr, value in _COUNT_ATTR.findall(sst.group(1)):
                if int(value) > limits.MAX_SHARED_STRINGS:
                    raise FileProblem(
                        f"declares {int(value):,} shared strings ({attr.decode()} in '{name}'); at most "
                        f"{limits.MAX_SHARED_STRINGS:,} are read (a national Publication Summary has about "
                        "12,000). Not read: a file like this is damaged or made to exhaust memory "
                        "(see Limits in the README)")
        return   # the counts sit on the first tag
