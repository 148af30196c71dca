"""Meeting packs (telephony/pack, ui/pack_button.py, `python -m telephony pack`) on the synthetic
sample (six months, March to August 2026) and on tiny literal frames for disclosure control."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import shutil

import pandas as pd
import pytest
from pptx import Presentation

from telephony import cli, slides
from telephony import pack as packs
from telephony.pack import content, html, pptx
from telephony.store import Store
from tests.app_support import SAMPLE

SAMPLE_FILES = sorted(p for p in SAMPLE.iterdir() if p.suffix in (".xlsx", ".zip", ".csv"))
COUNT_CELL = re.compile(r"^(\*|0|[\d,]*[05])$")   # what a controlled count may look like


def nhs_round(v: int):
    """NHS Digital's rule, written out here independently of telephony.gate."""
    if v == 0:
        return 0
    if v <= 7:
        return "*"
    return 5 * int(math.floor(v / 5 + 0.5))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("pack") / "sample.duckdb"
    store = Store(path)
    for f in SAMPLE_FILES:
        assert store.load(f).status == "loaded", f
    store.close()
    return path


@pytest.fixture(scope="module")
def built(sample_db):
    """(store, pack, html text, pptx Presentation) for the sample's first PCN with 3+ practices."""
    store = Store(sample_db)
    directory = store.query("pcn_directory")
    pcn = directory[directory["practices_reporting"] >= 3]["pcn_code"].iloc[0]
    made = packs.build(store, pcn, today=dt.date(2026, 9, 30))
    page = html.render(made)
    deck = Presentation(io.BytesIO(pptx.render(made)))
    yield store, made, page, deck
    store.close()


def deck_text(deck) -> str:
    parts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for row in shape.table.rows for c in row.cells]
            if shape.has_chart:
                chart = shape.chart
                parts += [str(c) for c in chart.plots[0].categories] + [s.name for s in chart.plots[0].series]
        parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def body_text(page: str) -> str:
    """The HTML without Plotly's own library (whose code is not the pack's content)."""
    return re.sub(r'<script type="text/javascript">.*?</script>', "", page, count=1, flags=re.S)


# --------------------------------------------------------------------------- disclosure control

class FakeStore:
    con = None

    def __init__(self, frame):
        self.frame = frame

    def query(self, name, **params):
        return self.frame.copy()


def test_controlled_store_rounds_daily_counts_and_leaves_out_1_to_7():
    frame = pd.DataFrame({"date": pd.date_range("2026-03-02", periods=6), "weekday": [1, 2, 3, 4, 5, 6],
                          "calls": [0, 1, 7, 8, 1232, 1233], "bank_holiday": [None] * 6})
    out = content.ControlledStore(content.CachedStore(FakeStore(frame))).query("demand_by_date")
    assert out["calls"].tolist()[:1] == [0.0]
    assert math.isnan(out["calls"][1]) and math.isnan(out["calls"][2])
    assert out["calls"].tolist()[3:] == [10.0, 1230.0, 1235.0]


def test_controlled_demand_averages_come_from_rounded_calls():
    frame = pd.DataFrame({"weekday": [1, 1], "band": [2, 3], "calls": [98, 3], "days": [4, 4],
                          "calls_per_day": [24.5, 0.75], "share_of_period": [98 / 101, 3 / 101]})
    out = content.ControlledStore(content.CachedStore(FakeStore(frame))).query("demand_by_weekday_band")
    assert out["calls_per_day"][0] == 100 / 4
    assert math.isnan(out["calls_per_day"][1])
    assert out["share_of_period"][0] == 100 / 100   # the total (101) rounds to 100 on its own


def test_controlled_store_refuses_a_query_it_has_no_rule_for():
    with pytest.raises(KeyError, match="no disclosure rule"):
        content.ControlledStore(content.CachedStore(FakeStore(pd.DataFrame()))).query("outcomes_by_band")


def test_controlled_monthly_metrics_are_rounded_and_shares_recomputed(built):
    store, made, _, _ = built
    params = dict(level="pcn", code=made.pcn, start=made.start, end=made.end)
    raw = store.query("area_month_metrics", **params)
    ctl = content.ControlledStore(content.CachedStore(store)).query("area_month_metrics", **params)
    assert list(ctl.columns) == list(raw.columns)
    for r, c in zip(raw.itertuples(), ctl.itertuples()):
        assert c.inbound == nhs_round(int(r.inbound)) and c.missed == nhs_round(int(r.missed))
        assert c.answered_share == pytest.approx(nhs_round(int(r.answered)) / nhs_round(int(r.inbound)))
        assert c.practices_reporting == r.practices_reporting   # not a count of calls


# --------------------------------------------------------------------------- content

def test_pack_holds_the_present_views_findings_trends_and_statements(built):
    store, made, _, _ = built
    assert [s.id for s in made.findings] == list(slides.DEFAULT)
    assert made.findings[0].headline == slides.headline(made_context(made, store)).headline
    assert 1 <= len(made.trends) <= 6 and all(s.kind == "trend" for s in made.trends)
    assert "trial limits" in made.trend_note   # six months
    assert made.synthetic and made.file_kinds and not made.withheld
    assert any("Disclosure control applied" in p for p in made.privacy)


def made_context(made, store):
    return content.Context(content.ControlledStore(content.CachedStore(store)), made.pcn, None, made.start,
                           made.end, made.source_line)


def test_headline_numbers_are_controlled_as_downloads_are(built):
    store, made, page, _ = built
    pcn = store.query("area_period_metrics", pcn=made.pcn, icb="", start=made.start, end=made.end)
    raw = pcn[pcn["level"] == "pcn"].iloc[0]
    table = made.findings[0].table
    inbound = nhs_round(int(raw["inbound"]))
    answered = nhs_round(int(raw["answered"]))
    assert table.rows[0][:3] == ["Answered", f"{answered:,}", f"{inbound:,}"]
    assert table.rows[0][3] == f"{answered / inbound:.1%}"
    assert f"{int(raw['inbound']):,}" not in body_text(page) or int(raw["inbound"]) % 5 == 0


def test_every_count_cell_in_every_table_is_controlled(built):
    _, made, _, _ = built
    count_labels = {"Calls", "Inbound calls", "Answered", "Ended in the menu (IVR)", "Callback requested",
                    "Missed (includes voicemail)", "Answered calls", "Missed calls"}
    checked = 0
    for section in made.findings:
        for j, label in enumerate(section.table.columns):
            if label in count_labels or label.startswith("Calls, "):   # the demand grid: "Calls, 08:00-09:59"
                for row in section.table.rows:
                    assert COUNT_CELL.match(row[j]), (section.id, label, row[j])
                    checked += 1
    assert checked > 50


def test_chart_figures_carry_only_controlled_counts(built):
    _, made, _, _ = built
    outcomes = next(s for s in made.findings if s.id == "outcomes").figure
    for trace in outcomes.data:
        assert all(v % 5 == 0 for v in trace.customdata), trace.name
    trend = next(s for s in made.findings if s.id == "trend").figure
    assert all(v % 5 == 0 for v in trend.data[0].y)


# --------------------------------------------------------------------------- HTML

def test_html_is_self_contained_with_plotly_once_and_every_chart(built):
    _, made, page, _ = built
    assert page.count("Plotly.newPlot(el") == 1
    from plotly.offline import get_plotlyjs

    library = get_plotlyjs()
    assert page.count(library[:200]) == 1 and page.count(library[-200:]) == 1   # embedded whole, once
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page
    body = body_text(page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body, flags=re.I)
    assert "@import" not in body and "url(" not in body
    charts = re.findall(r'<div class="chart" id="(chart-\d+)"', body)
    assert len(charts) == len(made.findings) + len(made.trends)
    for chart_id in charts:
        data = re.search(rf'<script type="application/json" id="{chart_id}-data">(.*?)</script>', body, re.S)
        assert json.loads(data[1])["data"], chart_id
    for text in ("Official statistics in development", made.pcn, "Definitions", "Privacy", "Caveats",
                 "Trends", "<dt>Made</dt><dd>30 September 2026</dd>"):
        assert text in body, text


def test_no_practice_identity_or_file_name_in_either_file(built):
    store, made, page, deck = built
    codes = {r[0] for r in
             store.con.execute("SELECT practice_code FROM units WHERE practice_code <> 'Unassigned'").fetchall()}
    names = {r[0] for r in store.con.execute("SELECT name FROM org_names WHERE level = 'practice'").fetchall()}
    files = {r[0] for r in store.con.execute("SELECT file_name FROM sources").fetchall()}
    assert codes and names and files
    for text in (body_text(page), deck_text(deck)):
        upper = text.upper()
        assert not [c for c in codes if c.upper() in upper]
        assert not [n for n in names if n.upper() in upper]
        assert not [f for f in files if f.upper() in upper]
        assert "SYNTHETIC CBT" not in upper


def test_names_from_files_are_escaped_in_html():
    made = content.Pack(pcn="U00001", pcn_name="<script>alert(1)</script> & Co", icb_name="ICB <b>",
                        start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 1), made=dt.date(2026, 2, 1), file_kinds=[],
                        synthetic=False, practices_reporting=3, members=None, findings=[], trends=[], trend_note="",
                        definitions=[], caveats=[], privacy=[])
    page = body_text(html.render(made))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert made.file_stem == "Meeting pack - -script-alert(1)--script- & Co (U00001) - January 2026"


# --------------------------------------------------------------------------- PowerPoint

def test_pptx_has_native_charts_with_the_packs_figures_and_notes(built):
    _, made, _, deck = built
    charts = [(slide, shape.chart) for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    heatmaps = [s for s in made.findings + made.trends if any(t.type == "heatmap" for t in s.figure.data)]
    assert len(charts) == len(made.findings) + len(made.trends) - len(heatmaps)
    assert not [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13], "no pictures"
    # The headline chart's data are the shares of its (controlled) numbers table.
    head = next(chart for slide, chart in charts if slide.shapes.title.text == made.findings[0].headline)
    values = list(head.plots[0].series[0].values)
    shares = [float(r[3].rstrip("%")) / 100 for r in made.findings[0].table.rows]
    assert values == pytest.approx(shares, abs=0.0005)
    assert list(head.plots[0].categories) == [r[0] for r in made.findings[0].table.rows]
    # The outcomes chart is stacked columns, one series per outcome, one category per month.
    outcomes = next(chart for slide, chart in charts if slide.shapes.title.text.startswith("In August 2026"))
    assert len(outcomes.plots[0].series) == 4 and len(list(outcomes.plots[0].categories)) == 6
    text = deck_text(deck)
    assert "Official statistics in development" in text and made.pcn in text
    notes = [s.notes_slide.notes_text_frame.text for s in deck.slides]
    assert sum("CBT001" in n for n in notes) >= len(made.findings)
    assert any("Counts of 1-7 are shown as *" in n for n in notes)


def test_pptx_trend_chart_data_are_controlled_counts(built):
    _, made, _, deck = built
    trend = next(s for s in made.findings if s.id == "trend")
    chart = next(shape.chart for slide in deck.slides for shape in slide.shapes
                 if shape.has_chart and slide.shapes.title.text == trend.headline)
    inbound = list(chart.plots[0].series[0].values)
    assert len(inbound) == 6 and all(v % 5 == 0 for v in inbound)


# --------------------------------------------------------------------------- command line

def test_cli_writes_both_files_named_for_the_pcn_and_period(sample_db, tmp_path, capsys):
    library = tmp_path / "library"
    library.mkdir()
    shutil.copy(sample_db, library / "library.duckdb")
    store = Store(library / "library.duckdb")
    row = store.query("pcn_directory").iloc[0]
    store.close()
    rc = cli.main(["pack", "--library", str(library), "--pcn", row["pcn_code"], "--from", "2026-04",
                   "--to", "2026-06", "--pages", "headline", "waits", "--out", str(tmp_path / "out")])
    assert rc == 0, capsys.readouterr().err
    stem = f"Meeting pack - {row['pcn_name']} ({row['pcn_code']}) - Apr 2026 to Jun 2026"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{stem}.html", f"{stem}.pptx"]
    assert capsys.readouterr().out.splitlines()[0].endswith(f"{stem}.html")
    deck = Presentation(str(tmp_path / "out" / f"{stem}.pptx"))
    assert sum(shape.has_chart for slide in deck.slides for shape in slide.shapes) == 2   # 3 months: no trends


def test_cli_says_plainly_what_is_wrong(sample_db, tmp_path, capsys):
    sample_db = shutil.copy(sample_db, tmp_path / "copy.duckdb")   # the module's store holds the original
    assert cli.main(["pack", "--db", str(tmp_path / "none.duckdb"), "--pcn", "U00001", "--out", str(tmp_path)]) == 2
    assert "no database at" in capsys.readouterr().err
    assert cli.main(["pack", "--db", str(sample_db), "--pcn", "U00001", "--out", str(tmp_path)]) == 1
    assert "no figures for PCN U00001" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        cli.main(["pack", "--db", str(sample_db), "--pcn", "U00001", "--from", "2026-13", "--out", "x"])
    assert stopped.value.code == 2 and "'2026-13' is not a month" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.html"))


# --------------------------------------------------------------------------- the app

def test_overview_offers_the_pack_built_only_on_click(monkeypatch):
    from streamlit.runtime.media_file_manager import MediaFileManager

    from tests.app_support import start_app

    made = {}
    original = MediaFileManager.add_deferred

    def capture(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", capture)
    calls = []
    monkeypatch.setattr(packs, "build", lambda *a, **k: calls.append(1) or content.build(*a, **k))
    at = start_app()
    buttons = {b.key: b for b in at.download_button}
    assert {"pack_html", "pack_pptx"} <= set(buttons)
    assert buttons["pack_html"].proto.deferred_file_id and not calls, "nothing is built before a click"
    names = sorted(n for n in made if n and n.startswith("Meeting pack - "))
    assert len(names) == 2 and names[0].endswith(".html") and names[1].endswith(".pptx")
    assert re.fullmatch(r"Meeting pack - .+ \(U\d{5}\) - Mar 2026 to Aug 2026\.html", names[0])
    page = made[names[0]]().decode("utf-8")
    assert "Official statistics in development" in page and page.count("Plotly.newPlot(el") == 1
    deck = Presentation(io.BytesIO(made[names[1]]()))
    assert any(shape.has_chart for slide in deck.slides for shape in slide.shapes)
    assert len(calls) == 1, "both buttons share one built pack"


# --------------------------------------------------------------------------- slide geometry
# Checked with python-pptx, as PowerPoint would lay the slides out: text wrapped to its box with
# the default insets (0.1 in each side, 0.05 in above and below) and 1.2 lines per point size.
# Widths come from telephony.charts.text_width (Arial's character classes, erring wide).

def _wrapped_lines(text: str, size: float, room_pt: float) -> int:
    from telephony.charts import text_width

    rows, row = 1, ""
    for word in text.split(" "):
        candidate = f"{row} {word}" if row else word
        if row and text_width(candidate, size) > room_pt:
            rows, row = rows + 1, word
        else:
            row = candidate
    return rows


def _para_size(para, default=None) -> float | None:
    sizes = [r.font.size for r in para.runs if r.font.size] or ([para.font.size] if para.font.size else [])
    return max(sizes).pt if sizes else default


def _frame_height(frame, width_pt: float) -> tuple[float, list[float]]:
    """(points the frame's text needs, the font sizes found: None where a paragraph has none set)."""
    need, sizes = 7.2, []
    for para in frame.paragraphs:
        size = _para_size(para)
        sizes.append(size)
        if para.text.strip():
            need += _wrapped_lines(para.text, size or 18, width_pt - 14.4) * (size or 18) * 1.2 + 4
    return need, sizes


def slide_problems(deck) -> list[str]:
    """Every way a deck's slides break the layout rules, as sentences: a shape outside the slide,
    text under 12 pt, text that needs more room than its box, boxes that overlap (a table as tall
    as its rows grow to), a table cell's word wider than its column, a chart without a title."""
    from pptx.util import Emu

    W, H = Emu(deck.slide_width).pt, Emu(deck.slide_height).pt
    problems = []
    for n, slide in enumerate(deck.slides, 1):
        boxes = []
        for shape in slide.shapes:
            name = f"slide {n}, {shape.name}"
            x, y, w, h = (Emu(v).pt for v in (shape.left, shape.top, shape.width, shape.height))
            if shape.has_text_frame:
                need, sizes = _frame_height(shape.text_frame, w)
                if any(s is not None and s < 12 for s in sizes) or (shape.text_frame.text.strip() and None in sizes):
                    problems.append(f"{name}: text under 12 pt (or of no set size): {sizes}")
                if need > h + 2:
                    problems.append(f"{name}: its text needs {need:.0f} pt, its box is {h:.0f} pt "
                                    f"('{shape.text_frame.text[:40]}')")
                h = max(h, need)
            if shape.has_table:
                grown = 0.0
                for row in shape.table.rows:
                    tallest = Emu(row.height).pt
                    for col, cell in zip(shape.table.columns, row.cells):
                        room = Emu(col.width).pt
                        need, sizes = _frame_height(cell.text_frame, room)
                        if any(s is None or s < 12 for s in sizes if cell.text.strip()):
                            problems.append(f"{name}: a cell's text under 12 pt: '{cell.text[:30]}'")
                        size = max((s for s in sizes if s), default=12)
                        from telephony.charts import text_width
                        wide = [word for word in cell.text.split() if text_width(word, size) > room - 14.4]
                        if wide:
                            problems.append(f"{name}: '{wide[0]}' is wider than its column")
                        tallest = max(tallest, need)
                    grown += tallest
                h = max(h, grown)
            if shape.has_chart:
                chart = shape.chart
                if not (chart.has_title and chart.chart_title.text_frame.text.strip()):
                    problems.append(f"{name}: a chart without a title")
                if chart.font.size is None or chart.font.size.pt < 12:
                    problems.append(f"{name}: chart text under 12 pt")
            if x < -1 or y < -1 or x + w > W + 1 or y + h > H + 1:
                problems.append(f"{name}: outside the slide ({x:.0f}, {y:.0f}, {w:.0f} x {h:.0f} in {W:.0f} x {H:.0f})")
            boxes.append((name, x, y, w, h))
        for i, (a, ax, ay, aw, ah) in enumerate(boxes):
            for b, bx, by, bw, bh in boxes[i + 1:]:
                if ax + 1 < bx + bw and bx + 1 < ax + aw and ay + 1 < by + bh and by + 1 < ay + ah:
                    problems.append(f"{a} overlaps {b}")
    return problems


def test_slide_checks_can_fail():
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches, Pt

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    small = slide.shapes.add_textbox(Inches(0.5), Inches(0.5), Inches(4), Inches(0.4))
    small.text_frame.text = "Ten point text"
    small.text_frame.paragraphs[0].font.size = Pt(10)
    long = slide.shapes.add_textbox(Inches(0.5), Inches(2), Inches(3), Inches(0.4))
    long.text_frame.word_wrap = True
    long.text_frame.text = "A subtitle long enough to wrap onto a second line in a box one line high"
    long.text_frame.paragraphs[0].font.size = Pt(14)
    data = CategoryChartData()
    data.categories = ["a", "b"]
    data.add_series("s", [1, 2])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(2.5), Inches(11),
                                   Inches(6), data).chart
    chart.font.size = Pt(12)
    found = "\n".join(slide_problems(deck))
    for expected in ("text under 12 pt", "its text needs", "overlaps", "a chart without a title", "outside the slide"):
        assert expected in found, found


def test_every_slide_fits_with_readable_text_and_titled_charts(built):
    _, _, _, deck = built
    problems = slide_problems(deck)
    assert not problems, "\n".join(problems)


def test_a_long_weekday_by_band_table_becomes_a_grid():
    table = content.Table(["Weekday", "Time of call", "Calls", "Days", "Average calls a day"],
                          [["Monday", "08:00-09:59", "630", "23", "27.4"], ["Monday", "10:00-11:59", "*", "23", "*"],
                           ["Tuesday", "08:00-09:59", "435", "24", "18.1"]] * 11, [False, False, True, True, True])
    grid = content._compact(table)
    assert grid.columns == ["Weekday", "Days", "Calls, 08:00-09:59", "Calls, 10:00-11:59"]
    assert grid.rows == [["Monday", "23", "630", "*"], ["Tuesday", "24", "435", ""]]
    assert grid.numeric == [False, True, True, True]
    short = content.Table(table.columns, table.rows[:3], table.numeric)
    assert content._compact(short) is short
