"""The meeting pack as a PowerPoint file (python-pptx).

Charts are native PowerPoint charts made from the same (disclosure-controlled) figures as the
HTML pack, so they can be restyled and their data edited in PowerPoint; the demand heatmap, which
PowerPoint has no chart type for, is a native table with shaded cells. Each finding's speaker
notes carry its measure, caveat and definitions. Slides are 16:9.

Every text is 12 pt or more and has a box of its own: boxes are sized for the lines their text
wraps to (estimated with telephony.charts.text_width), long lists are split across slides, and
tests/test_pack.py checks the geometry of every slide.
"""

from __future__ import annotations

import io
import math

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Emu, Inches, Pt

from telephony import charts
from telephony import text as tx
from telephony.pack.content import STATUS, Pack, Section, Table

WIDE, HIGH = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
TEXT = RGBColor(0x21, 0x2B, 0x32)
GREY = RGBColor(0x42, 0x55, 0x63)
BLUE = RGBColor(0x00, 0x5E, 0xB8)
OUTLINE = RGBColor(0x21, 0x2B, 0x32)
MAX_TABLE_ROWS = 14        # a numbers slide holds this many rows; longer tables stay in the chart's data
MIN_PT = 12                # the smallest text on a slide
BODY_TOP = Inches(1.5)     # where a list slide's text starts, under a two-line title
_TITLE_ONLY = 5            # the default template's "Title Only" layout
_FORMATS = {".0%": "0%", ".1%": "0.0%", ",.0f": "#,##0"}


def _rgb(colour, default: RGBColor = BLUE) -> RGBColor:
    if isinstance(colour, str) and colour.startswith("#") and len(colour) == 7:
        return RGBColor.from_string(colour[1:].upper())
    return default


def _text(slide, text: str, left, top, width, height, size: int, *, colour: RGBColor = TEXT,
          bold: bool = False) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    lines = text if isinstance(text, list) else [text]
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = tx.clean(line)
        para.font.size = Pt(size)
        para.font.bold = bold
        para.font.color.rgb = colour
        para.space_after = Pt(4)


def text_height(lines: list[str], size: float, width) -> float:
    """Estimated height in points of `lines` (paragraphs) at `size` pt wrapped in a text box
    `width` EMU wide (python-pptx's default insets: 0.1 in each side, 0.05 in above and below)."""
    room = Emu(width).pt - 14.4
    total = 7.2
    for line in lines:
        words, rows, row = tx.clean(line).split(" "), 1, ""
        for word in words:
            candidate = f"{row} {word}" if row else word
            if row and charts.text_width(candidate, size) > room:
                rows, row = rows + 1, word
            else:
                row = candidate
        total += rows * size * 1.2 + 4
    return total


def _slide(prs, title: str, size: int = 28):
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), WIDE - 2 * MARGIN, Inches(1.1)
    shape.text = tx.clean(title)
    for para in shape.text_frame.paragraphs:
        para.font.size = Pt(size)
        para.font.bold = True
        para.font.color.rgb = TEXT
    shape.text_frame.word_wrap = True
    return slide


def _notes(slide, lines: list[str]) -> None:
    slide.notes_slide.notes_text_frame.text = "\n".join(tx.clean(line) for line in lines if line)


def _category(value) -> str:
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "strftime"):
        return pd.Timestamp(value).strftime("%a %d %b")
    if type(value).__name__ == "datetime64":
        return pd.Timestamp(value).strftime("%a %d %b")
    return tx.plain(value)


def _number(value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def _chart(slide, fig, title: str, left, top, width, height) -> None:
    """The Plotly figure's traces as a native chart titled `title`: bars as columns (stacked where
    the figure stacks them), lines as lines with markers (centre lines and limits plain, the limits
    dashed); values as drawn (already controlled)."""
    traces = [t for t in fig.data if t.type in ("bar", "scatter")]
    categories = [_category(x) for x in traces[0].x]
    data = CategoryChartData(number_format=_FORMATS.get(fig.layout.yaxis.tickformat, "#,##0"))
    data.categories = categories
    for t in traces:
        by_x = {_category(x): _number(y) for x, y in zip(t.x, t.y)}
        data.add_series(tx.plain(t.name) or "Value", [by_x.get(c) for c in categories])
    bar = traces[0].type == "bar"
    kind = (XL_CHART_TYPE.COLUMN_STACKED if fig.layout.barmode == "stack" else XL_CHART_TYPE.COLUMN_CLUSTERED) \
        if bar else XL_CHART_TYPE.LINE_MARKERS
    chart = slide.shapes.add_chart(kind, left, top, width, height, data).chart
    chart.font.size = Pt(MIN_PT)
    chart.font.color.rgb = TEXT
    chart.has_title = True
    chart.chart_title.text_frame.text = tx.plain(title)
    chart.chart_title.text_frame.paragraphs[0].font.size = Pt(14)
    chart.chart_title.text_frame.paragraphs[0].font.bold = True
    chart.has_legend = len(traces) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    for series, t in zip(chart.plots[0].series, traces):
        if bar:
            colour = t.marker.color if isinstance(t.marker.color, str) else None
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(colour)
            if isinstance(colour, str) and colour.upper() in charts.LOW_CONTRAST:
                # a light fill under 3:1 on white gets a dark edge, as on screen
                series.format.line.color.rgb = OUTLINE
                series.format.line.width = Pt(0.75)
        else:
            series.format.line.color.rgb = _rgb(t.line.color)
            series.format.line.width = Pt(2.25)
            series.smooth = False
            name = tx.plain(t.name).lower()
            if "limit" in name or "centre" in name:   # reference lines: no markers; limits dashed
                series.marker.style = XL_MARKER_STYLE.NONE
                series.format.line.width = Pt(1.5)
                if "limit" in name:
                    series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
    plot = chart.plots[0]
    if bar:
        plot.gap_width = 60
        if fig.layout.barmode == "stack":
            plot.overlap = 100
            if data.number_format.endswith("%"):   # shares of a whole: the axis ends at 100%
                chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = 0.0, 1.0
        if fig.layout.barmode != "stack" and len(categories) <= 12:
            plot.has_data_labels = True
            plot.data_labels.number_format = data.number_format
            plot.data_labels.number_format_is_linked = False
            plot.data_labels.font.size = Pt(MIN_PT)
    for axis, title in ((chart.value_axis, fig.layout.yaxis.title.text),
                        (chart.category_axis, fig.layout.xaxis.title.text)):
        if title:
            axis.has_title = True
            axis.axis_title.text_frame.text = tx.plain(title)
            axis.axis_title.text_frame.paragraphs[0].font.size = Pt(MIN_PT)
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.major_gridlines.format.line.color.rgb = RGBColor(0xE8, 0xED, 0xEE)
    chart.value_axis.tick_labels.number_format = data.number_format
    chart.value_axis.tick_labels.number_format_is_linked = False


def _shade(value: float | None, low: float, high: float) -> tuple[RGBColor, RGBColor]:
    """Fill and text colour for a heatmap cell: white through light blue to dark blue."""
    if value is None or high <= low:
        return RGBColor(0xFF, 0xFF, 0xFF), TEXT
    f = (value - low) / (high - low)
    stops = [(0.0, (0xFF, 0xFF, 0xFF)), (0.5, (0x41, 0xB6, 0xE6)), (1.0, (0x00, 0x30, 0x87))]
    (f0, c0), (f1, c1) = (stops[0], stops[1]) if f <= 0.5 else (stops[1], stops[2])
    k = (f - f0) / (f1 - f0)
    rgb = RGBColor(*(round(a + (b - a) * k) for a, b in zip(c0, c1)))
    return rgb, (RGBColor(0xFF, 0xFF, 0xFF) if f > 0.55 else TEXT)


def _heatmap(slide, fig, left, top, width, height) -> None:
    """A heatmap as a native table: its printed numbers in shaded cells."""
    t = next(t for t in fig.data if t.type == "heatmap")
    xs, ys = [tx.plain(x) for x in t.x], [tx.plain(y) for y in t.y]
    z = [[_number(v) for v in row] for row in t.z]
    texts = [list(row) for row in t.text] if t.text is not None else [[f"{v:,.0f}" if v is not None else ""
                                                                       for v in row] for row in z]
    values = [v for row in z for v in row if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    table = slide.shapes.add_table(len(ys) + 1, len(xs) + 1, left, top, width, height).table
    table.columns[0].width = Inches(1.6)
    for j in range(1, len(xs) + 1):
        table.columns[j].width = Emu(int((width - Inches(1.6)) / len(xs)))
    cells = [("", None)] + [(x, None) for x in xs]
    for j, (label, _) in enumerate(cells):
        table.cell(0, j).text = label
    for i, label in enumerate(ys, 1):
        table.cell(i, 0).text = label
        for j in range(1, len(xs) + 1):
            cell = table.cell(i, j)
            cell.text = tx.plain(texts[i - 1][j - 1])
            fill, ink = _shade(z[i - 1][j - 1], low, high)
            cell.fill.solid()
            cell.fill.fore_color.rgb = fill
            cell.text_frame.paragraphs[0].font.color.rgb = ink
    for row in table.rows:
        for cell in row.cells:
            for para in cell.text_frame.paragraphs:
                para.font.size = Pt(MIN_PT)


def _numbers_table(slide, table: Table, left, top, width) -> None:
    shape = slide.shapes.add_table(len(table.rows) + 1, len(table.columns), left, top, width,
                                   Inches(0.34) * (len(table.rows) + 1))
    grid = shape.table
    for j, label in enumerate(table.columns):
        # a time band ("08:00–09:59") is one word too wide for a grid's column: break it at the dash
        grid.cell(0, j).text = label.replace("–", "–\n")
    for i, row in enumerate(table.rows, 1):
        for j, value in enumerate(row):
            grid.cell(i, j).text = value
    for row in grid.rows:
        for cell in row.cells:
            for para in cell.text_frame.paragraphs:
                para.font.size = Pt(MIN_PT)


def _section(prs, pack: Pack, section: Section) -> None:
    slide = _slide(prs, section.headline, size=26)
    width = WIDE - 2 * MARGIN
    heatmap = any(t.type == "heatmap" for t in section.figure.data)
    # The measure is the chart's own title; a table (the heatmap) has none, so it goes above.
    about = f"{section.measure} · " if heatmap else ""
    subtitle = f"{about}{pack.pcn_label} · {pack.period_label}"
    subtitle_height = Emu(Pt(text_height([subtitle], 14, width)))
    _text(slide, subtitle, MARGIN, Inches(1.4), width, subtitle_height, 14, colour=GREY)
    caveat = [f"Caveat: {c}" for c in section.caveats]
    caveat_height = Emu(Pt(text_height(caveat, 13, width)))
    source_top = HIGH - Inches(0.45)
    caveat_top = source_top - caveat_height
    chart_top = Inches(1.45) + subtitle_height
    box = (MARGIN, chart_top, width, caveat_top - chart_top - Inches(0.05))
    if heatmap:
        _heatmap(slide, section.figure, *box)
    else:
        _chart(slide, section.figure, section.measure, *box)
    _text(slide, caveat, MARGIN, caveat_top, width, caveat_height, 13)
    _text(slide, pack.source_line, MARGIN, source_top, width, Inches(0.35), MIN_PT, colour=GREY)
    numbers = ["The numbers behind the chart (disclosure control applied):",
               " | ".join(section.table.columns), *(" | ".join(r) for r in section.table.rows[:40])]
    if len(section.table.rows) > 40:
        numbers.append(f"... and {len(section.table.rows) - 40} more rows: see the HTML pack or the chart's data.")
    _notes(slide, [section.headline, f"Measure: {section.measure}.",
                   *(f"Caveat: {c}" for c in section.caveats),
                   *(f"{label}: {text}" for label, text in section.definitions), "", *numbers])
    if section.kind == "finding" and len(section.table.rows) <= MAX_TABLE_ROWS:
        table_slide = _slide(prs, f"The numbers: {section.measure}", size=22)
        _numbers_table(table_slide, section.table, MARGIN, Inches(1.5), WIDE - 2 * MARGIN)
        _notes(table_slide, ["Counts of 1-7 are shown as *, other counts rounded to the nearest 5; "
                             "percentages are calculated from the rounded figures."])


def _list_slide(prs, title: str, lines: list[str], notes: list[str] = (), size: int = 16) -> None:
    """One slide of `lines`, or as many as they need (titled "(1 of 2)" ...), never overflowing."""
    lines = [line for line in lines if line]
    width, room = WIDE - 2 * MARGIN, Emu(HIGH - BODY_TOP - Inches(0.4)).pt
    pages, page = [], []
    for line in lines:
        if page and text_height([*page, line], size, width) > room:
            pages.append(page)
            page = []
        page.append(line)
    pages.append(page)
    for n, chunk in enumerate(pages, 1):
        slide = _slide(prs, title + (f" ({n} of {len(pages)})" if len(pages) > 1 else ""))
        _text(slide, chunk, MARGIN, BODY_TOP, width, Emu(Pt(text_height(chunk, size, width))), size)
        _notes(slide, list(notes) or chunk)


def render(pack: Pack) -> bytes:
    """The whole pack as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE, HIGH
    prs.core_properties.title = tx.clean(pack.title)
    prs.core_properties.author = "GP phone access (CBT data) dashboard"

    slide = _slide(prs, f"Phone access: {pack.pcn_label}", size=32)
    lines = [f"Meeting pack, {pack.period_label}", f"ICB: {pack.icb_name or 'not known'}",
             f"{STATUS} (NHS England)", f"Made {pack.made:%d %B %Y}",
             f"Kinds of file used: {'; '.join(pack.file_kinds) or 'none recorded'}",
             f"Practices reporting in the latest month: {pack.practices_reporting}"
             + (f" of {pack.members} members" if pack.members else "")]
    if pack.synthetic:
        lines.insert(1, "Synthetic sample data made up by this tool: not real NHS data.")
    _text(slide, lines, MARGIN, BODY_TOP, WIDE - 2 * MARGIN, Emu(Pt(text_height(lines, 20, WIDE - 2 * MARGIN))), 20)
    _text(slide, pack.source_line, MARGIN, HIGH - Inches(0.45), WIDE - 2 * MARGIN, Inches(0.35), MIN_PT,
          colour=GREY)
    _notes(slide, [*lines, *pack.privacy])

    for section in pack.findings:
        _section(prs, pack, section)
    _list_slide(prs, "Trends (statistical process control)",
                ["Each measure month by month as an XmR chart: the centre line is the mean and the process limits "
                 "show the usual variation. Special cause is a signal worth asking about, not a verdict: there are "
                 "no national targets for these measures.", pack.trend_note,
                 *(s.headline for s in pack.trends)])
    for section in pack.trends:
        _section(prs, pack, section)
    _list_slide(prs, "Definitions", [f"{label}: {text}" for label, text in pack.definitions], size=14)
    _list_slide(prs, "Caveats", pack.caveats, size=16)
    _list_slide(prs, "Privacy", pack.privacy + [f"Left out: {label} ({reason})" for label, reason in pack.withheld],
                size=16)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
