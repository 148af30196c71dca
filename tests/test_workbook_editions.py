"""Workbook editions: the August 2026 edition splits Table 4 into 4a (answered wait) and 4b
(answered duration). The same figures in either layout must load the same."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from tests.conftest import ASPLANDS, FISHERMEAD, SHARED_IN_PCN, WbRow, WorkbookSpec, write_summary_workbook
from telephony.store import Store

ROWS = [
    WbRow(ASPLANDS, 100, 60, 20, 5, 15, 5, (30, 10, 15, 5), (10, 20, 25, 5), (8, 3, 2, 2)),
    WbRow(FISHERMEAD, 50, 30, 10, 0, 10, 0, (20, 5, 5, 0), (5, 10, 10, 5), (6, 2, 1, 1)),
    WbRow(SHARED_IN_PCN, 20, 12, 4, 2, 2, 2, (6, 6, 0, 0), (2, 4, 4, 2), (1, 1, 0, 0)),
]


def _split_table4(source: Path, target: Path) -> None:
    """Copy a workbook cell by cell, writing Table 4 as 4a (columns up to the wait bands) and 4b
    (identity and count columns, then the duration bands), as the August 2026 edition does."""
    book = CalamineWorkbook.from_path(str(source))
    out = xlsxwriter.Workbook(str(target))
    date_format = out.add_format({"num_format": "dd/mm/yyyy"})

    def copy(name: str, rows: list[list], keep=None) -> None:
        ws = out.add_worksheet(name)
        for i, row in enumerate(rows):
            cells = row if keep is None else [row[j] if j < len(row) else "" for j in keep]
            for j, value in enumerate(cells):
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(i, j, dt.datetime.combine(value, dt.time()) if not isinstance(
                        value, dt.datetime) else value, date_format)
                elif value not in ("", None):
                    ws.write(i, j, value)

    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if name != "Table 4":
            copy(name, rows)
            continue
        heading_row = next(i for i, r in enumerate(rows) if any("Duration" in str(c) for c in r))
        duration_start = next(j for j, c in enumerate(rows[heading_row]) if "Duration" in str(c))
        width = max(len(r) for r in rows)
        copy("Table 4a", rows, keep=list(range(duration_start)))
        copy("Table 4b", rows, keep=list(range(13)) + list(range(duration_start, width)))
    out.close()


def _figures(store: Store) -> list[tuple]:
    return store.con.execute(
        """SELECT u.practice_code, w.* EXCLUDE (unit_id, source_id) FROM workbook_month w JOIN units u USING (unit_id)
           ORDER BY ALL"""
    ).fetchall()


def test_table_4_split_into_4a_and_4b_loads_the_same_figures(tmp_path):
    spec = WorkbookSpec(dt.date(2026, 8, 1), ROWS)
    whole = write_summary_workbook(tmp_path / "whole.xlsx", spec)
    split = tmp_path / "split.xlsx"
    _split_table4(whole, split)
    assert {"Table 4a", "Table 4b"} <= set(CalamineWorkbook.from_path(str(split)).sheet_names)

    one, two = Store(), Store()
    r1, r2 = one.load(whole), two.load(split)
    assert r1.status == r2.status == "loaded", (r1.message, r2.message)
    assert r2.rows_rejected == 0 and r2.reconciled, r2.reconciliation
    assert _figures(two) == _figures(one)
    # And the durations really came from 4b, the waits from 4a: Asplands, by hand.
    row = two.con.execute(
        """SELECT answered_wait_0, answered_wait_3, answered_duration_1, answered_duration_3
           FROM workbook_month JOIN units USING (unit_id) WHERE practice_code = 'E81050'"""
    ).fetchall()
    assert row == [(30, 5, 20, 5)]
