"""Helpers for AppTest runs: start the app, upload files, collect everything a page shows, and an
independent reader of workbook cells (so expected figures never come from the app's own code)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from python_calamine import CalamineWorkbook
from streamlit.testing.v1 import AppTest

from telephony import library

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
REAL = ROOT.parent / "shared" / "data" / "real"
SAMPLE = ROOT / "data" / "sample"
PAGES = ["overview", "demand", "outcomes", "waits", "trends", "context", "data", "about"]


def start_app() -> AppTest:
    """A fresh session on the sample. Run twice: AppTest runs app.py first, then (because of the
    pages/ folder: ui/legacy_pages.py) the page script on its own; widget ids settle from the
    second run."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.run()
    assert not at.exception, at.exception
    return at


def sample_library(root: Path, names: list[str]) -> Path:
    """A library at `root` of the sample files `names` (data/sample), every one of them loaded."""
    reports = library.add_files(root, [SAMPLE / name for name in names])
    assert [r.status for r in reports] == ["loaded"] * len(names), [r.message for r in reports]
    return root


def upload(at: AppTest, paths: list[Path]) -> AppTest:
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "application/octet-stream") for p in paths])
    at.run()
    at.run()  # the rerun that switches the data source to the uploads
    assert not at.exception, at.exception
    return at


def sidebar_widget(at: AppTest, kind: str, name: str):
    """A sidebar choice's widget (`kind`: radio, selectbox, toggle...). Its key is `name`, or
    `name@N` once code has changed the choice while it was on screen (ui.sidebar.choose)."""
    found = [w for w in getattr(at, kind) if w.key == name or str(w.key).startswith(f"{name}@")]
    assert len(found) == 1, f"{len(found)} {kind} widgets keyed {name!r}"
    return found[0]


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, f"{page}: {at.exception}"
    return at


def shown_text(at: AppTest) -> str:
    """Every piece of text the page renders: markdown, titles, captions, alerts, metrics, widget
    labels and options, dataframe cells and column names, and each Plotly chart's JSON (titles,
    axes, legends, hover text, data)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [as_shown(str(e.value)) for e in at.get(kind)]   # as the browser shows it
    for m in at.metric:
        parts += [str(m.label), str(m.value)]
    for frame in at.dataframe:
        df = frame.value
        parts += [str(c) for c in df.columns]
        parts += [str(v) for v in df.astype(str).to_numpy().ravel()]
    for chart in at.get("plotly_chart"):
        parts.append(html.unescape(chart.proto.spec))   # file text in charts is HTML-escaped
    for widget in (*at.selectbox, *at.radio):
        parts.append(str(widget.label))
        parts += [str(o) for o in widget.options]
    return "\n".join(parts)


def chart_titles(at: AppTest) -> list[str]:
    import json

    # Read as a sentence: the line breaks the layout made to fit the chart's width are spaces.
    return [json.loads(c.proto.spec)["layout"]["title"]["text"].replace("<br data-wrap>", " ")
            for c in at.get("plotly_chart")]


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; metrics: {[m.label for m in at.metric]}")


def _norm(text) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\[[^\]]*\]", "", str(text))).strip().lower()


def table3_rows(path: Path) -> list[dict]:
    """Table 3 practice rows as dicts keyed by normalised header, read straight from the cells."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Table 3").to_python()
    h = next(i for i, r in enumerate(rows) if _norm(r[0]) == "month")
    header = [_norm(c) for c in rows[h]]
    out = []
    for r in rows[h + 1:]:
        if hasattr(r[0], "year"):
            out.append({header[j]: r[j] for j in range(len(header)) if header[j]})
    return out


def pcn_sum(rows: list[dict], pcn: str, column: str) -> int:
    return int(sum(r[column] or 0 for r in rows if r["pcn code"] == pcn and r[column] != ""))


def practice_identifiers(mapping_csv: Path) -> tuple[set[str], set[str]]:
    """Practice codes and names from a gp-reg-pat-prac-map file."""
    import csv

    with open(mapping_csv, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return {r["PRACTICE_CODE"] for r in rows}, {r["PRACTICE_NAME"] for r in rows}


def as_shown(markdown: str) -> str:
    """The text Streamlit's Markdown shows for file text escaped by telephony/text.py: backslash
    escapes and word joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")
