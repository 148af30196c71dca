"""Text from files is text, and downloads are safe to open in a spreadsheet (telephony/text.py,
ui/render.py). Unit cases on literal strings, then the app on files with hostile names."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from telephony import charts
from telephony import text as tx
from telephony.gate import Identifiers
from tests import hostile

# --------------------------------------------------------------------------- clean, shorten


@pytest.mark.parametrize("raw, expected", [
    ("ASCENT PCN", "ASCENT PCN"),
    ("\u202eNCP TNECSA\u202c", "NCP TNECSA"),                       # right-to-left override
    ("a\u2066b\u2067c\u2068d\u2069e", "abcde"),                      # isolates
    ("a\u202ab\u202bc\u202cd\u202de", "abcde"),                      # embeddings
    ("left\u200emark\u200fright\u061c", "leftmarkright"),            # directional marks
    ("tab\there\nnew\r\nline", "tab here new line"),
    ("bell\x07 and null\x00", "bell and null"),
    ("  spaced   out  ", "spaced out"),
    (None, ""),
    (12345, "12345"),
])
def test_clean_removes_bidi_and_control_characters(raw, expected):
    assert tx.clean(raw) == expected


def test_shorten_keeps_short_names_and_cuts_long_ones_with_an_ellipsis():
    assert tx.shorten("ASCENT PCN", 10) == "ASCENT PCN"
    assert tx.shorten("ASCENT PCN", 9) == "ASCENT P…"
    assert tx.shorten("ASCENT PCN", 8) == "ASCENT…"       # the cut space is not kept
    assert tx.shorten("x" * 200, 80) == "x" * 79 + "…"
    assert len(tx.shorten(hostile.LONG_NAME)) == tx.LONG


# --------------------------------------------------------------------------- Markdown


@pytest.mark.parametrize("raw, escaped", [
    ("![x](http://h/x.png)", "\\!\\[x\\]\\(h\u2060ttp\\://h/x\\.png\\)"),
    ("**bold**", "\\*\\*bold\\*\\*"),
    ("_it_", "\\_it\\_"),
    (":red[x]", "\\:red\\[x\\]"),
    (":material/call:", "\\:material/call\\:"),
    (":smile:", "\\:smile\\:"),
    ("$x^2$", "\\$x\\^2\\$"),
    ("<img src=x>", "\\<img src\\=x\\>"),
    ("&copy;", "\\&copy;"),
    ("# head", "\\# head"),
    ("1. one", "1\\. one"),
    ("- item", "\\- item"),
    ("`code`", "\\`code\\`"),
    ("~~gone~~", "\\~\\~gone\\~\\~"),
    ("a | b", "a \\| b"),
    ("back\\slash", "back\\\\slash"),
    ("www.example.com", "www\u2060\\.example\\.com"),
    ("name@example.com", "name@\u2060example\\.com"),
    ("ST MARY'S, \"THE\" / 7 ; ?", "ST MARY'S, \\\"THE\\\" / 7 ; ?"),
])
def test_md_escapes_every_construct(raw, escaped):
    assert tx.md(raw) == escaped


def test_md_text_reads_back_as_written():
    from tests.app_support import as_shown

    name = hostile.pcn_name("127.0.0.1:9")
    assert as_shown(tx.md(name)) == tx.clean(name)


# --------------------------------------------------------------------------- Plotly


def test_plotly_escapes_tags_entities_and_latex():
    assert (tx.plotly("<a href='http://h'>x</a> & <b>b</b>")
            == "&lt;a href='http://h'&gt;x&lt;/a&gt; &amp; &lt;b&gt;b&lt;/b&gt;")
    assert tx.plotly("$x^2$") == "&#36;x^2&#36;"
    assert tx.plotly("\u202eA\u202c") == "A"


def test_plain_turns_plotly_text_into_one_line_without_markup():
    assert tx.plain("Share of calls<br>ASCENT PCN &amp; CO · Jan 2026") == "Share of calls · ASCENT PCN & CO · Jan 2026"
    assert tx.plain("<b>62%</b> &lt;img&gt;") == "62% <img>"


def test_decile_strip_shows_the_pcn_name_as_text_and_keeps_it_out_of_the_hover_template():
    rows = pd.DataFrame({"metric": ["answered_share"], "pcns": [10], **{f"p{q}": [q / 100] for q in
                                                                       (10, 20, 30, 40, 50, 60, 70, 80, 90)},
                         "pcn_value": [0.5]})
    name = "<img src=http://h/x.png> %{x} $y$ (U11111)"
    fig = charts.decile_strip(rows, {"answered_share": "Answered"}, "t", "s", "src", pcn_label=name)
    trace = [t for t in fig.data if t.name and "U11111" in t.name][0]
    assert trace.name == "&lt;img src=http://h/x.png&gt; %{x} &#36;y&#36; (U11111)"
    assert trace.hovertemplate == "%{fullData.name}: %{x:.1%}<extra></extra>"
    assert "<img" not in fig.to_json()


def test_the_gate_still_finds_a_practice_name_once_it_is_escaped():
    ids = Identifiers(["A11111"], ["SMITH & JONES (MEDICAL) PRACTICE"])
    name = "SMITH & JONES (MEDICAL) PRACTICE"
    assert ids.find(tx.md(name)) is not None
    assert ids.find(tx.plotly(name)) is not None
    fig = go.Figure()
    fig.update_layout(title=tx.plotly(name))
    assert ids.find(fig.to_json()) is not None


# --------------------------------------------------------------------------- downloads


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://h\",\"x\")", "'=HYPERLINK(\"http://h\",\"x\")"),
    ("+44 1234", "'+44 1234"),
    ("-cmd", "'-cmd"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcell", "'\tcell"),
    ("\rcell", "'\rcell"),
    ("-5", "-5"),
    ("-0.3", "-0.3"),
    ("+7", "+7"),
    ("-1e5", "-1e5"),
    ("-inf", "'-inf"),
    ("ASCENT PCN", "ASCENT PCN"),
    ("a=b", "a=b"),
    ("", ""),
    (-5, -5),
    (None, None),
])
def test_csv_cell_neutralises_formulas_and_leaves_numbers(value, expected):
    assert tx.csv_cell(value) == expected


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_a_download_holds_no_formula_and_no_markup():
    from ui.render import csv_bytes

    frame = pd.DataFrame({"=name": ["=1+1", "@x", "ok", "-2"], "calls": [-5, 3, 0, 1], "share": [-0.25, 0.5, 1.0, 0.0]})
    rows = _read(csv_bytes(frame, ["Title, with =comma", "Share<br>=PCN &amp; CO · Jan 2026"]))
    assert rows[0] == ["# Title, with =comma"]             # one cell, starting with '#'
    assert rows[1] == ["# Share · =PCN & CO · Jan 2026"]   # no <br>, no entities
    assert rows[2] == ["'=name", "calls", "share"]
    assert rows[3:] == [["'=1+1", "-5", "-0.25"], ["'@x", "3", "0.5"], ["ok", "0", "1.0"], ["-2", "1", "0.0"]]
    assert b"<br>" not in csv_bytes(frame, ["a<br>b"])


def test_every_download_goes_through_the_one_safe_writer():
    """No page or UI module writes CSV itself: to_csv appears only in telephony/text.py's caller,
    ui/render.csv_bytes."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    writers = [str(p.relative_to(root)) for p in [*root.glob("ui/*.py"), *root.glob("pages/*.py")]
               if ".to_csv(" in p.read_text(encoding="utf-8")]
    assert writers == ["ui/render.py"], writers
    source = (root / "ui" / "render.py").read_text(encoding="utf-8")
    assert source.count(".to_csv(") == 1 and "tx.csv_frame(frame).to_csv(" in source


# --------------------------------------------------------------------------- the app


HOST = "127.0.0.1:9"    # nothing listens there; AppTest has no browser, so only the text is checked


def _markdown_shown(at) -> list[str]:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "success", "error"):
        parts += [str(e.value) for e in at.get(kind)]
    parts += [str(e.label) for e in at.expander]
    parts += [str(e.label) for e in at.button]
    return parts


def test_hostile_names_are_shown_as_text_on_every_page(tmp_path, monkeypatch):
    from tests.app_support import PAGES, as_shown, sidebar_widget, start_app, upload, visit
    from tests.test_bad_files import _recording_downloads, downloaded

    kept = _recording_downloads(monkeypatch)
    paths = hostile.files(tmp_path, HOST)
    at = upload(start_app(), paths)
    name = hostile.pcn_name(HOST)
    assert sidebar_widget(at, "selectbox", "pcn").value == "U11111"
    seen_name = seen_file = False
    for page in PAGES:
        at = visit(at, page)
        shown = _markdown_shown(at)
        for part in shown:
            for raw in hostile.RAW:     # only escaped: each preceded by a backslash
                assert not re.search(r"(?<!\\)" + re.escape(raw), part), (page, raw, part)
        seen_name |= any(tx.md(tx.shorten(name + " (U11111)")) in part for part in shown)
        seen_file |= any(tx.md(paths[0].name) in part for part in shown)
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            for raw in ("<img", "$x^2$"):      # Plotly reads tags and $...$ (not Markdown)
                assert raw not in chart.proto.spec, (page, raw)
            title = spec["layout"]["title"]
            assert RLO not in json.dumps(title)
        if page == "context":
            titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
            # Long: shortened (charts do not wrap); escaped for Plotly.
            # A title wrapped to fit the chart has <br data-wrap> where it had a space.
            titles = [t.replace("<br data-wrap>", " ") for t in titles]
            assert titles and all(tx.plotly(tx.shorten(name)) in t for t in titles), titles
            legend = {t.get("name") for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]}
            assert tx.plotly(tx.shorten(name + " (U11111)")) in legend, legend
            # The text as the browser shows it is the name as written.
            assert tx.shorten(name)[:-1] in html.unescape(titles[0])
    assert seen_name, "the PCN's name is shown (escaped) on the pages with a PCN"
    assert seen_file, "the file's name is shown (escaped)"
    # The bad file's message quotes its hostile header, as text.
    at = visit(at, "data")
    errors = [e.value for e in at.error]
    assert any(tx.md("![h](http://" + HOST + "/h.png)") in e for e in errors), errors
    assert any(as_shown(tx.md(paths[1].name)) in as_shown(e) for e in errors), errors
    # Downloads: comment lines plain, no markup.
    at = visit(at, "overview")
    button = at.download_button(key="download_overview_reference")
    data = downloaded(kept, button).decode("utf-8")
    assert "<br>" not in data and "&lt;" not in data


def test_a_long_pcn_name_is_shortened_with_the_full_name_on_hover(tmp_path):
    from tests.app_support import sidebar_widget, start_app, upload, visit

    at = upload(start_app(), hostile.files(tmp_path, HOST))
    sidebar_widget(at, "selectbox", "pcn").set_value("U22222")
    at.run()
    at = visit(at, "overview")
    heading = [m for m in at.markdown if m.value.startswith("#### ")][0]
    short = tx.shorten(hostile.LONG_NAME + " (U22222)")
    assert short.endswith("…") and len(short) == tx.LONG
    assert heading.value.startswith(f"#### {tx.md(short)} · ")
    assert heading.proto.help == tx.md(hostile.LONG_NAME + " (U22222)")


RLO = hostile.RLO
