"""No workbook can take the server down: a few KB of .xlsx that declare a cell at XFD1048576 (or
four billion shared strings) once made calamine ask for hundreds of gigabytes and abort the whole
process. The declared extent is now refused first, and calamine runs in a child process with a
memory cap as a backstop; other data in the store survives either way."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from telephony import isolate, limits
from telephony.store import Store
from tests.conftest import ASPLANDS, WbRow, WorkbookSpec, write_summary_workbook
from tests.corpus import NOTHING_KEPT, db_state

import datetime as dt

PROJECT = Path(__file__).resolve().parents[1]

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
       'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>')
_ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
              'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
              'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_REL = ('<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        '{kind}" Target="{target}"/>')


def sheet_xml(dimension: str, far_cell: str) -> str:
    row = "".join(ch for ch in far_cell if ch.isdigit())
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData><row r="1"><c r="A1"><v>1</v>'
            f'</c></row><row r="{row}"><c r="{far_cell}"><v>1</v></c></row></sheetData></worksheet>')


def bomb_xlsx(path: Path, sheets=("Table 3", "Table 4", "Table 5"), *, dimension="A1:XFD1048576",
              far_cell="XFD1048576", shared_strings: int | None = None) -> Path:
    """A minimal valid .xlsx whose first sheet has a cell at `far_cell` (the others are one cell)."""
    rels = [_REL.format(i=i + 1, kind="worksheet", target=f"worksheets/sheet{i + 1}.xml") for i in range(len(sheets))]
    if shared_strings is not None:
        rels.append(_REL.format(i=99, kind="sharedStrings", target="sharedStrings.xml"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets>'
                   + "".join(f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(sheets))
                   + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships">' + "".join(rels) + "</Relationships>")
        for i in range(len(sheets)):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       sheet_xml(dimension, far_cell) if i == 0 else sheet_xml("A1", "A2"))
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml",
                       '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                       f'spreadsheetml/2006/main" count="{shared_strings}" uniqueCount="{shared_strings}">'
                       "<si><t>a</t></si></sst>")
    return path


@pytest.fixture
def loaded_store(tmp_path):
    """A store already holding a good workbook: it must come through every bomb unchanged."""
    store = Store()
    good = write_summary_workbook(tmp_path / "good.xlsx", WorkbookSpec(
        dt.date(2026, 1, 1), [WbRow(ASPLANDS, 100, 60, 25, 5, 10, 5)]))
    assert store.load(good).status == "loaded"
    yield store
    store.close()


def test_the_bomb_is_a_few_kilobytes(tmp_path):
    assert bomb_xlsx(tmp_path / "bomb.xlsx").stat().st_size < 8 * 1024


@pytest.mark.parametrize("build, says", [
    (dict(), ["A1:XFD1048576", "row 1,048,576"]),                       # the declared dimension
    (dict(dimension="A1"), ["a cell at row 1,048,576"]),                 # only the cell says so
    (dict(dimension="A1", far_cell="XFD1"), ["column XFD (column 16,384)"]),
    (dict(dimension="A1", far_cell="A2", shared_strings=4_000_000_000), ["4,000,000,000 shared strings"]),
], ids=["dimension", "cell", "column", "shared-strings"])
def test_a_workbook_declaring_too_much_is_refused_and_the_store_keeps_its_data(tmp_path, loaded_store, build, says):
    path = bomb_xlsx(tmp_path / "bomb.xlsx", **build)
    before = db_state(loaded_store)
    report = loaded_store.load(path)
    assert report.status == "failed"
    assert report.message.startswith("'bomb.xlsx' declares"), report.message
    for words in says:
        assert words in report.message, report.message
    assert NOTHING_KEPT in report.message
    assert db_state(loaded_store) == before


def test_an_epcn_workbook_gets_the_same_guard(tmp_path, loaded_store):
    path = bomb_xlsx(tmp_path / "epcn.xlsx", sheets=("PCN Core Partner Details",), dimension="A1")
    before = db_state(loaded_store)
    report = loaded_store.load(path)
    assert report.status == "failed"
    assert "a cell at row 1,048,576" in report.message, report.message
    assert db_state(loaded_store) == before


@pytest.mark.skipif(not isolate.CAN_ISOLATE, reason="the child-process backstop needs Linux (fork and RLIMIT_AS)")
def test_past_the_guard_calamine_fails_in_a_child_and_this_process_lives_on(tmp_path, loaded_store, monkeypatch):
    """With the declared-extent limits lifted, calamine really asks for 550 GB: only the child dies."""
    for name in ("MAX_SHEET_ROWS", "MAX_SHEET_COLUMNS", "MAX_SHEET_CELLS"):
        monkeypatch.setattr(limits, name, 10**12)
    before = db_state(loaded_store)
    report = loaded_store.load(bomb_xlsx(tmp_path / "bomb.xlsx"))
    assert report.status == "failed"
    assert "needs more than 4 GB of memory to read" in report.message, report.message
    assert db_state(loaded_store) == before
    # This process, and the store, carry on.
    assert loaded_store.con.execute("SELECT count(*) FROM workbook_month").fetchall() == [(1,)]


def test_isolated_reads_return_results_and_problems(tmp_path):
    from telephony.problems import FileProblem
    from telephony.readers.sniff import workbook_sheet_names

    good = write_summary_workbook(tmp_path / "good.xlsx", WorkbookSpec(
        dt.date(2026, 1, 1), [WbRow(ASPLANDS, 100, 60, 25, 5, 10, 5)]))
    assert "Table 3" in isolate.run_isolated(workbook_sheet_names, good)
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileProblem, match="could not be opened as an Excel workbook"):
        isolate.run_isolated(workbook_sheet_names, tmp_path / "junk.xlsx")


def test_the_command_line_says_so_and_exits_without_a_backtrace(tmp_path):
    bomb = bomb_xlsx(tmp_path / "bomb.xlsx")
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "RUST_BACKTRACE": "1"}
    done = subprocess.run([sys.executable, "-m", "telephony", "load", str(bomb), "--db", str(db)],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "bomb.xlsx: FAILED" in done.stdout, output
    assert "A1:XFD1048576" in done.stdout, output
    for crash in ("Traceback", "stack backtrace", "memory allocation of", "panicked"):
        assert crash not in output, output


@pytest.mark.skipif(not isolate.CAN_ISOLATE, reason="the child-process backstop needs Linux (fork and RLIMIT_AS)")
def test_a_call_log_workbook_bomb_fails_in_a_child_and_this_process_lives_on(tmp_path):
    """A call log's .xlsx has no size check (a year's log has far more rows than a summary
    workbook), so only the child process stands between a crafted one and the server."""
    from telephony.calllog.read import inspect_file
    from telephony.problems import FileProblem

    bomb = bomb_xlsx(tmp_path / "call log.xlsx", sheets=("Calls",))
    with pytest.raises(FileProblem, match="needs more than 4 GB of memory to read"):
        inspect_file(bomb, temp_dir=tmp_path)   # in this process, calamine would abort it
