"""A shared screen names no file: a call log's or a workbook's file name can name a practice (a
practice manager saves "Riverside Surgery calls.xlsx"). With files uploaded under such names, one
loaded and one that fails, no page in shared-screen mode shows any part of a name, in its text,
tables, charts, widget labels or expander labels; what is loaded is told by kind and month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.app_support import PAGES, as_shown, sidebar_widget, shown_text, start_app, upload, visit
from tests.conftest import MAP_HEADER, Geo, WbRow, WorkbookSpec, map_row, write_csv, write_summary_workbook
from telephony.report import LoadReport, what_is_loaded

NAME = "RIVERSIDEVALE"   # in every uploaded file's name, and nowhere in the files themselves


def _files(folder: Path) -> list[Path]:
    geos = [Geo("Y61", "QHG", "M1J4Y", "U11111", code, f"TEST PRACTICE {i}", "NORTH TEST PCN")
            for i, code in enumerate(("A11111", "A22222", "A33333"))]
    rows = [WbRow(g, 1000, 600, 200, 50, 150, 50, answered_wait=(300, 300, 0, 0), answered_duration=(600, 0, 0, 0),
                  missed_wait=(150, 0, 0, 0)) for g in geos]
    workbook = write_summary_workbook(folder / f"{NAME.title()} Surgery calls.xlsx",
                                      WorkbookSpec(dt.date(2026, 1, 1), rows))
    mapping = write_csv(folder / f"{NAME.title()} map.csv", MAP_HEADER, [map_row(g) for g in geos])
    broken = folder / f"{NAME.title()} Surgery call log.xlsx"
    broken.write_bytes(b"not a workbook at all")
    return [workbook, mapping, broken]


def _every_label(at) -> str:
    labels = [str(e.label) for e in at.get("expander")]
    labels += [str(w.label) for w in (*at.button, *at.toggle, *at.checkbox)]
    return "\n".join(labels)


def test_shared_screen_shows_no_file_name_anywhere(tmp_path):
    at = upload(start_app(), _files(tmp_path))
    at = visit(at, "data")
    assert NAME in shown_text(at).upper() + _every_label(at).upper(), "normal mode names the files (the search works)"
    sidebar_widget(at, "toggle", "shared_screen").set_value(True)
    at.run()
    for page in [*PAGES, "call_logs"]:
        at = visit(at, page)
        seen = (shown_text(at) + "\n" + _every_label(at)).upper()
        assert NAME not in seen, f"{page} on a shared screen shows a file name"
    at = visit(at, "overview")
    told = " ".join(as_shown(c.value) for c in at.caption)
    assert "Publication Summary workbook: Jan 2026" in told, told


def test_what_is_loaded_says_kinds_and_months():
    reports = [LoadReport("a.xlsx", "loaded", "summary_workbook", months=["2026-01"]),
               LoadReport("b.zip", "loaded", "by_day_time", months=["2026-01", "2026-02", "2026-03", "2026-04"]),
               LoadReport("c.zip", "loaded", "by_day_time", months=["2025-12"]),
               LoadReport("d.xlsx", "failed")]
    assert what_is_loaded(reports) == ("Publication Summary workbook: Jan 2026; "
                                       "By Day and Time CSV: Dec 2025 to Apr 2026 (5 months)")
    assert what_is_loaded([]) == "nothing"
