"""Property: whatever practices a dataset holds, no analysis page ever shows a practice's code or
name, in normal or shared-screen mode; on a shared screen not even the Data page does.

Random practice codes and names (hypothesis) are written into a Publication Summary workbook and
a mapping file, uploaded through the file uploader, and every page is rendered with AppTest; all
rendered text, dataframes and chart JSON are searched for every code and name.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app_support import sidebar_widget, shown_text, start_app, upload, visit
from tests.conftest import MAP_HEADER, Geo, WbRow, WorkbookSpec, map_row, write_csv, write_summary_workbook

ANALYSIS_PAGES = ["overview", "demand", "outcomes", "waits", "context"]

# ODS-like codes; 'U' is left out because U + five digits is a PCN code, which pages do show.
codes = st.from_regex(r"[A-TV-Z][0-9]{5}", fullmatch=True)
words = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=6, max_size=10)
names = st.builds(lambda a, b, suffix: f"{a} {b} {suffix}", words, words,
                  st.sampled_from(["SURGERY", "MEDICAL CENTRE", "HEALTH CENTRE", "PRACTICE"]))


@st.composite
def practices(draw):
    n = draw(st.integers(min_value=2, max_value=5))
    found_codes = draw(st.lists(codes, min_size=n, max_size=n, unique=True))
    found_names = draw(st.lists(names, min_size=n, max_size=n, unique=True))
    calls = draw(st.lists(st.integers(min_value=1, max_value=5000), min_size=n, max_size=n))
    return list(zip(found_codes, found_names, calls))


def _row(geo: Geo, inbound: int) -> WbRow:
    answered, ivr, callback = inbound * 6 // 10, inbound * 2 // 10, inbound // 20
    missed = inbound - answered - ivr - callback
    return WbRow(geo, inbound, answered, ivr, callback, missed, callback,
                 answered_wait=(answered - answered // 2, answered // 2, 0, 0),
                 answered_duration=(answered, 0, 0, 0), missed_wait=(missed, 0, 0, 0))


def _files(folder: Path, found: list[tuple[str, str, int]]) -> list[Path]:
    """All practices but the last in one PCN; the last alone in another (a single-practice PCN)."""
    geos = []
    for i, (code, name, _) in enumerate(found):
        pcn, pcn_name = ("U11111", "NORTH TEST PCN") if i < len(found) - 1 else ("U22222", "SOUTH TEST PCN")
        geos.append(Geo("Y61", "QHG", "M1J4Y", pcn, code, name, pcn_name))
    shared = Geo("Y61", "QHG", "M1J4Y", "U11111", "Unassigned", "Unmapped", "NORTH TEST PCN")
    rows = [_row(g, calls) for g, (_, _, calls) in zip(geos, found)] + [_row(shared, 100)]
    # The workbook is named after a practice, as a practice manager's own download might be.
    workbook = write_summary_workbook(folder / f"{found[0][1].title()} calls.xlsx",
                                      WorkbookSpec(dt.date(2026, 1, 1), rows))
    mapping = write_csv(folder / "map.csv", MAP_HEADER, [map_row(g) for g in geos])
    return [workbook, mapping]


def _leaks(text: str, found: list[tuple[str, str, int]]) -> list[str]:
    upper = text.upper()
    return [c for c, _, _ in found if c in upper] + [n for _, n, _ in found if n in upper]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(found=practices())
def test_no_page_shows_a_practice_code_or_name(found):
    with tempfile.TemporaryDirectory() as tmp:
        at = upload(start_app(), _files(Path(tmp), found))
    for pcn in ("U11111", "U22222"):
        sidebar_widget(at, "selectbox", "pcn").set_value(pcn)
        at.run()
        for shared_screen in (False, True):
            sidebar_widget(at, "toggle", "shared_screen").set_value(shared_screen)
            at.run()
            for page in ANALYSIS_PAGES:
                at = visit(at, page)
                assert (any("uploaded files" in s.value for s in at.success)     # normal; shared:
                        or any("your files" in c.value for c in at.caption)), "the uploads are shown"
                leaked = _leaks(shown_text(at), found)
                assert not leaked, f"{page} ({'shared' if shared_screen else 'normal'}) shows {leaked}"
            if pcn == "U22222":
                texts = [w.value for w in at.warning]
                assert any("single reporting practice" in t for t in texts), "a one-practice PCN says so"
    at = visit(at, "data")
    assert not _leaks(shown_text(at), found), "a shared screen shows no practice identifiers at all"


def test_the_search_can_find_a_leak():
    """The property above must be able to fail: a leak in the rendered text is found."""
    found = [("A12345", "QWERTY ASDFGH SURGERY", 10)]
    assert _leaks("… calls at Qwerty Asdfgh Surgery …", found) == ["QWERTY ASDFGH SURGERY"]
    assert _leaks("practice A12345", found) == ["A12345"]
    assert _leaks("NORTH TEST PCN", found) == []
