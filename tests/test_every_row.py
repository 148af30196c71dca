"""Every practice row of Tables 3-5 is loaded or rejected, never dropped as a footnote: a row whose
Month cell was pasted over (a copyright line, as in published editions) keeps the file's month,
and a mismatch against a file's own Total row is shown where the figures are."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from python_calamine import CalamineWorkbook

from telephony.readers.workbook import read_workbook
from telephony.store import Store
from tests.conftest import (
    ASPLANDS, DEC_WORKBOOK, JAN_WORKBOOK, WALNUT, WbRow, WorkbookSpec, summary_excel_row,
    write_summary_workbook,
)

COPYRIGHT = "Copyright © 2026, NHS England. All rights reserved."
_CODE = re.compile(r"[A-Z]\d{5}|Unassigned")


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str:
    book = zf.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book).group(1)
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def overwrite_month(source: Path, target: Path, sheet: str, row: int, text: str) -> Path:
    """A copy of a workbook with cell A{row} of `sheet` replaced by an inline string, editing the
    sheet's XML inside the zip (every other byte of every other part copied as it was)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        part = _sheet_part(zin, sheet)
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                xml = data.decode("utf-8")
                cell = re.compile(rf'<c r="A{row}"(?:[^>]*?/>|[^>]*>.*?</c>)', re.S)
                assert cell.search(xml), f"no cell A{row} in {sheet}"
                xml = cell.sub(f'<c r="A{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c>', xml, count=1)
                data = xml.encode("utf-8")
            zout.writestr(info, data)
    return target


def practice_rows(path: Path, sheet: str) -> list[tuple[int, str]]:
    """(Excel row number, practice code) of each practice row, read independently: column B holds
    an ODS code or 'Unassigned' (footnotes there are sentences)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return [(i + 1, str(r[1]).strip()) for i, r in enumerate(rows) if len(r) > 1 and _CODE.fullmatch(str(r[1]).strip())]


# --------------------------------------------------------------------------- real workbooks

@pytest.mark.parametrize("workbook", [DEC_WORKBOOK, JAN_WORKBOOK], ids=["december", "january"])
@pytest.mark.parametrize("sheet", ["Table 3", "Table 4", "Table 5"])
def test_a_pasted_over_month_cell_keeps_the_row_and_every_total_still_matches(workbook, sheet, tmp_path):
    if not workbook.exists():
        pytest.skip(f"real published files not found: {workbook.parent} does not exist")
    rows = practice_rows(workbook, sheet)
    row, code = rows[len(rows) // 2]
    copy = overwrite_month(workbook, tmp_path / "pasted over.xlsx", sheet, row, COPYRIGHT)
    assert practice_rows(copy, sheet) == rows           # the edit touched the Month cell only

    store = Store()
    try:
        report = store.load(copy)
        assert report.status == "loaded", report.message
        assert report.reconciliation and all(c["ok"] for c in report.reconciliation), \
            [c for c in report.reconciliation if not c["ok"]]
        month = "December 2025" if workbook == DEC_WORKBOOK else "January 2026"
        note = next((n for n in report.notes if n.startswith(f"{sheet}: 1 row")), None)
        assert note is not None, report.notes
        assert f"row {row} (practice {code})" in note and "Copyright" in note and f"taken as {month}" in note
        assert report.rows_rejected == 0
    finally:
        store.close()

    data = read_workbook(copy)
    for table in ("Table 3", "Table 4", "Table 5"):
        read, loaded, rejected = data.table_rows[table]
        assert read == len(practice_rows(copy, table)) and read == loaded + rejected and rejected == 0


@pytest.mark.parametrize("workbook", [DEC_WORKBOOK, JAN_WORKBOOK], ids=["december", "january"])
def test_every_practice_row_of_the_real_tables_is_read_and_loaded_or_rejected(workbook):
    if not workbook.exists():
        pytest.skip(f"real published files not found: {workbook.parent} does not exist")
    data = read_workbook(workbook)
    for table in ("Table 3", "Table 4", "Table 5"):
        read, loaded, rejected = data.table_rows[table]
        assert read == len(practice_rows(workbook, table)), table
        assert read == loaded + rejected, table


# --------------------------------------------------------------------------- tiny literal workbooks

def _spec(**kw) -> WorkbookSpec:
    return WorkbookSpec(dt.date(2025, 10, 1), [WbRow(ASPLANDS, 100, 60, 25, 5, 10, 5),
                                               WbRow(WALNUT, 40, 20, 10, 2, 8, 2)], **kw)


def test_a_tiny_workbook_with_a_pasted_over_month_keeps_the_row(tmp_path):
    spec = _spec()
    path = write_summary_workbook(tmp_path / "wb.xlsx", spec)
    row = summary_excel_row(spec, "Table 5", WALNUT.practice)
    copy = overwrite_month(path, tmp_path / "pasted.xlsx", "Table 5", row, "Copyright NHS England")
    store = Store()
    try:
        report = store.load(copy)
        assert report.status == "loaded", report.message
        assert any(f"Table 5: 1 row with a practice code and counts but no date in the Month column, taken as "
                   f"October 2025 (the month of every other row): row {row} (practice {WALNUT.practice}): "
                   "Month cell read 'Copyright NHS England'" in n for n in report.notes), report.notes
        missed = store.con.execute(
            "SELECT w.missed, w.month FROM workbook_month w JOIN units u USING (unit_id) WHERE u.practice_code = $p",
            {"p": WALNUT.practice}).fetchall()
        assert missed == [(8, dt.date(2025, 10, 1))]
        assert all(c["ok"] for c in report.reconciliation)
    finally:
        store.close()


def test_a_month_that_cannot_be_told_is_rejected_with_its_row_and_reason(tmp_path):
    spec = _spec()
    path = write_summary_workbook(tmp_path / "wb.xlsx", spec)
    for sheet in ("Table 3", "Table 4", "Table 5"):
        for practice in (ASPLANDS, WALNUT):
            row = summary_excel_row(spec, sheet, practice.practice)
            out = tmp_path / f"{sheet}-{practice.practice}.xlsx"
            path = overwrite_month(path, out, sheet, row, "Copyright NHS England")
    store = Store()
    try:
        report = store.load(path)
        assert report.status == "failed"
        first = summary_excel_row(spec, "Table 3", ASPLANDS.practice)
        assert (f"sheet 'Table 3' row {first}: the Month cell reads 'Copyright NHS England', not a date, and no "
                "other practice row has a date, so the month cannot be told (and 5 more rows like it)") \
            in report.message, report.message
    finally:
        store.close()
    data_rejects = None
    try:
        read_workbook(path)
    except Exception as exc:   # the reader says the same
        data_rejects = str(exc)
    assert data_rejects and f"row {first}" in data_rejects


# --------------------------------------------------------------------------- the mismatch, on screen

def test_a_total_mismatch_is_shown_at_the_top_of_the_data_page_and_on_the_overview(tmp_path):
    from tests.app_support import start_app, upload, visit

    spec = _spec(total_overrides={("Table 3", "inbound"): 140 + 250})
    path = write_summary_workbook(tmp_path / "Summary October 2025.xlsx", spec)
    at = upload(start_app(), [path])

    visit(at, "data")
    warnings = [w.value for w in at.warning]
    mismatch = [w for w in warnings if "do not match the file's own totals" in w]
    assert mismatch, warnings
    assert "October 2025" in mismatch[0] and "inbound: the file says 390, 140 loaded (250 fewer)" in mismatch[0]
    # At the top: before the page's own text about files.
    texts = [v for v in (getattr(e, "value", None) for e in at.main) if isinstance(v, str)]
    assert texts.index(mismatch[0]) < next(i for i, t in enumerate(texts) if "Add files with" in t)

    visit(at, "overview")
    shown = [w.value for w in at.warning if "do not match the file's own totals" in w.value]
    assert shown and "October 2025" in shown[0] and "(250 fewer)" in shown[0], [w.value for w in at.warning]
