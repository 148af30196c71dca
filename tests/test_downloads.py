"""Every download of every page, in both modes: what a person opening the CSV gets.

In shared-screen mode every count in every download is controlled (NHS Digital method: '*' for
1-7, else a multiple of 5), every share is recomputed from the controlled counts beside it, title
lines carry no exact count the table hides, and the disclosure statement is there exactly when
control was applied. In both modes: no Plotly markup, no internal keys as titles, human column
names, file names that say what they hold. Downloads are caught where every page makes them
(ui.render.csv_bytes), so a page that adds one is checked without changing this file.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from telephony import columns
from telephony.gate import DISCLOSURE_NOTE, SUPPRESSED
from tests.app_support import PAGES, sidebar_widget, start_app, visit
from ui import render

BY_LABEL = {c.label: c for c in columns.COLUMNS.values()}
ANALYSIS = ["overview", "demand", "outcomes", "waits", "context", "call_logs"]
INTERNAL_KEY = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def _downloads(shared: bool) -> dict[str, list[tuple[str, bytes]]]:
    """page -> [(file name, bytes)] for every download each page offers, sample plus the synthetic
    call logs."""
    made: list[tuple[str, bytes]] = []
    original_button = render.st.download_button

    def button(label, data, file_name=None, **kwargs):
        made.append((file_name, data))
        return original_button(label, data, file_name=file_name, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render.st, "download_button", button)
        at = visit(start_app(), "call_logs")
        at.button(key="calllog_examples").click()
        at.run()
        at.run()
        if shared:
            sidebar_widget(at, "toggle", "shared_screen").set_value(True)
            at.run()
            at.run()
        assert not at.exception, at.exception
        out = {}
        for page in [*PAGES, "call_logs"]:
            made.clear()
            visit(at, page)
            out[page] = [(name, data) for name, data in made if name and name.endswith(".csv")]
    return out


@pytest.fixture(scope="module")
def shared():
    return _downloads(shared=True)


@pytest.fixture(scope="module")
def normal():
    return _downloads(shared=False)


def parse(data: bytes) -> tuple[list[str], list[str], list[list[str]]]:
    """(comment lines without '# ', header, rows) of one download."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    comments = [r[0][2:] for r in rows if r and r[0].startswith("# ")]
    table = [r for r in rows if r and not r[0].startswith("# ")]
    return comments, table[0], table[1:]


def number(cell: str) -> float | None:
    return None if cell in ("", SUPPRESSED) else float(cell)


def test_every_analysis_page_offers_downloads(shared, normal):
    for page in ANALYSIS:
        assert shared[page], f"{page}: no download in shared-screen mode"
        assert normal[page], f"{page}: no download"


def test_every_count_in_every_shared_screen_download_is_controlled(shared):
    checked = 0
    for page, files in shared.items():
        for name, data in files:
            comments, header, rows = parse(data)
            kinds = {col: BY_LABEL.get(col) for col in header}
            controlled = [c for c in header if kinds[c] and kinds[c].kind in columns.CONTROLLED]
            assert (DISCLOSURE_NOTE in comments) == bool(controlled), \
                f"{name}: the disclosure statement must be there exactly when control was applied"
            for row in rows:
                cells = dict(zip(header, row))
                for col, spec in kinds.items():
                    if spec is None:
                        continue
                    value = cells[col]
                    if spec.kind == "count" and value not in ("", SUPPRESSED):
                        assert re.fullmatch(r"-?\d+", value), f"{name} {col}: {value!r} is not an integer"
                        assert int(value) % 5 == 0, f"{name} {col}: {value} is not controlled"
                        checked += 1
                    if spec.kind in ("share", "ratio", "rate"):
                        part = cells.get(columns.label(spec.numerator))
                        whole = cells.get(columns.label(spec.denominator))
                        if SUPPRESSED in (part, whole):
                            assert value == SUPPRESSED, f"{name} {col}: from a suppressed count, so '*'"
                        elif number(part or "") is not None and number(whole or ""):
                            per = number(cells.get(columns.label(spec.per)) or "") if spec.per else 1
                            expected = spec.scale * number(part) / number(whole) / per
                            expected = 100 * expected if spec.fmt == "pct" else expected
                            assert abs(float(value) - round(expected, 1)) < 0.051, \
                                f"{name} {col}: {value} is not {part} / {whole} of the controlled figures"
    assert checked > 100, "too few counts seen for this to mean anything"


def test_shared_screen_title_lines_carry_no_exact_count_the_table_hides(shared, normal):
    """A count written in a title line must be one the controlled table could show: never an
    exact count (not a multiple of 5) that the same download's uncontrolled version holds."""
    exact_files = {name: data for files in normal.values() for name, data in files}
    for files in shared.values():
        for name, data in files:
            if name not in exact_files:
                continue
            comments, header, _ = parse(data)
            _, exact_header, exact_rows = parse(exact_files[name])
            counts = [i for i, col in enumerate(exact_header)
                      if BY_LABEL.get(col) and BY_LABEL[col].kind == "count"]
            hidden = {int(r[i]) for r in exact_rows for i in counts if re.fullmatch(r"-?\d+", r[i])
                      and int(r[i]) % 5}
            for line in comments[:2]:
                line = re.sub(r"\b[A-Z][a-z]{2,8} 20\d\d\b|\(U\d{5}\)", "", line)   # months, PCN codes
                for figure in re.findall(r"(?<![\d:.])\d{1,3}(?:,\d{3})+|\b\d+\b(?![%:])", line):
                    value = int(figure.replace(",", ""))
                    assert value < 8 or value not in hidden, f"{name}: title line {line!r} shows exact count {figure}"


@pytest.mark.parametrize("mode", ["normal", "shared"])
def test_downloads_a_person_can_use(mode, shared, normal):
    downloads = {"normal": normal, "shared": shared}[mode]
    for page, files in downloads.items():
        for name, data in files:
            text = data.decode("utf-8")
            assert "<br" not in text.lower() and "<b>" not in text.lower(), f"{name}: Plotly markup"
            comments, header, rows = parse(data)
            title = comments[0]
            assert not INTERNAL_KEY.match(title) and title.strip(), f"{name}: title {title!r} is not a finding"
            assert any("Source:" in c or "source" in c.lower() for c in comments), f"{name}: no source line"
            for col in header:
                assert not INTERNAL_KEY.match(col), f"{name}: column {col!r} is an internal name"
            untyped = name.endswith("files loaded.csv")   # a load report: file names and row counts
            for row in [] if untyped else rows:
                for col, value in zip(header, row):
                    spec = BY_LABEL.get(col)
                    if spec and spec.fmt == "int" and value not in ("", SUPPRESSED):
                        assert re.fullmatch(r"-?\d+", value), f"{name} {col}: {value!r} is not an integer"
                    if spec and spec.fmt == "pct" and value not in ("", SUPPRESSED):
                        assert re.fullmatch(r"-?\d+(\.\d)?", value), f"{name} {col}: {value!r} is not a % to 1 dp"
            if page in ANALYSIS:
                assert " - " in name and name.count(" - ") >= 2, f"{name}: the file name says too little"
                assert re.search(r"\(U\d{5}\)", name) and re.search(r"\b20\d\d\b", name), name
    if mode == "normal":
        notes = [n for files in downloads.values() for n, d in files if DISCLOSURE_NOTE in d.decode("utf-8")]
        assert not notes, f"disclosure control is claimed where it was not applied: {notes}"
        exact = [int(v) for files in downloads.values() for _, d in files
                 for v in re.findall(r",(\d{3,})\n", d.decode())]
        assert any(v % 5 for v in exact), "outside shared-screen mode counts are exact"
