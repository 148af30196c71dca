"""What a meeting pack says: the PCN's findings (the Present view's slides), trends with SPC,
definitions, caveats and the privacy statement, as plain data for the HTML and PowerPoint writers.

Disclosure control is always on in a pack. Two copies of each finding are built from the same
slide builder (telephony/slides.py):
  * the chart and the headline from a `ControlledStore`, whose query results carry rounded counts
    (1-7 left out, others to the nearest 5) and shares recomputed from them, so no figure in a
    chart, its hover text or a sentence is an unrounded count;
  * the numbers table from the ordinary store, released through the gate with `for_export=True`,
    exactly as a page's download is (counts of 1-7 as `*`, shares from rounded figures); figures
    derived from counts that the gate does not round (SPC centre and limits) come from the
    controlled copy.
Every text, table and figure passes the gate; a finding the gate refuses is left out and named
in the pack with the reason. No file name is read: the title page lists the kinds of file used.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from telephony import caveats, charts, columns, formatting, metrics, slides
from telephony import text as tx
from telephony.gate import DISCLOSURE_NOTE, SUPPRESSED, Gate, Identifiers, Policy, Refused, round_count
from telephony.readers.sniff import KINDS
from telephony.store import Store

PACK_POLICY = Policy(shared_screen=True, disclosure_control=True)
PRINT_WIDTH = 680            # px: the printable width of A4 portrait with 14 mm margins, at 96 px/inch
STATUS = "Official statistics in development"

# Call counts in area_metrics' output (telephony/metrics.py COUNTS_COLUMNS) that disclosure
# control rounds. Months, practices, list sizes (patients) and practice-month tallies are not
# counts of calls.
_NOT_CALLS = frozenset({"level", "area_code", "month", "months", "practices_reporting", "patients",
                        "units_unbalanced", "units_without_callbacks"})
CALL_COUNTS = tuple(sorted(metrics.COUNTS_COLUMNS - _NOT_CALLS))
_DERIVED = tuple(m.id for m in metrics.MEASURES if m.sql())

# Which registry measures each finding rests on: their definitions go in its speaker notes.
FINDING_MEASURES = {
    "headline": ("inbound", "answered_share", "ivr_share", "callback_requested_share", "missed_share"),
    "demand": ("inbound",),
    "weekdays": ("inbound",),
    "outcomes": ("inbound", "answered_share", "ivr_share", "callback_requested_share", "missed_share"),
    "waits": ("answered_within_2min_share", "answered_wait_0_share", "missed_wait_0_share"),
    "trend": ("inbound",),
    "daily": ("inbound",),
}
# Measures given a trend chart (SPC) when enough months are loaded, in this order.
TREND_MEASURES = ("inbound", "answered_share", "ivr_share", "callback_requested_share", "missed_share",
                  "answered_within_2min_share", "calls_per_1000")
DEFINITION_MEASURES = ("inbound", "answered_share", "ivr_share", "callback_requested_share", "missed_share",
                       "callback_made_ratio", "answered_within_2min_share", "shared_account_share",
                       "calls_per_1000", "balance_gap_share")
GLOSSARY = (
    ("PCN", "Primary Care Network: a group of GP practices working together; figures here are for its "
            "practices as a whole."),
    ("ICB", "Integrated Care Board: the NHS body that plans services for an area."),
    ("IVR", "Interactive voice response: the automated menu a caller hears before queueing."),
    ("CBT001-CBT007", "NHS England's seven Cloud Based Telephony indicators. Each counts calls, never people."),
    ("Shared-account calls", "Calls to a phone account shared by up to 10 practices: they cannot be split between "
                             "practices and count in a PCN only where published with its PCN code."),
    ("SPC (XmR chart)", "Statistical process control: the centre line is the mean; the process limits (mean ± "
                        "2.66 × the mean moving range) show the usual month-to-month variation. A point outside "
                        "them, or a run of 7 on one side or in one direction, is 'special cause' worth asking "
                        "about; it is not in itself good or bad. With 6-11 months the limits are trial limits."),
)
PRIVACY = (
    "This pack shows aggregated figures for the PCN's practices as a whole. No practice is named, ranked or "
    "singled out, and no figure is given for a single practice.",
    DISCLOSURE_NOTE + " Charts and sentences are drawn from the rounded figures too.",
    "Shared-account calls are counted in the PCN only where NHS England published them with its PCN code.",
    "The pack was made on this computer from files loaded into this tool; nothing was sent anywhere. It names "
    "the kinds of file used, never the files themselves.",
)


# --------------------------------------------------------------------------- controlled figures

def _rounded(value) -> float:
    """A count as disclosure control leaves it, as a number for a chart: suppressed is NaN."""
    out = round_count(value)
    return math.nan if out is None or out == SUPPRESSED else float(out)


class CachedStore:
    """A store that runs each (query, params) once: several findings read the same monthly
    figures, and both builds of a finding (raw and controlled) read the same rows."""

    def __init__(self, store: Store):
        self.store = store
        self.con = store.con
        self._seen: dict[tuple, pd.DataFrame] = {}

    def query(self, name: str, **params) -> pd.DataFrame:
        key = (name, *sorted(params.items()))
        if key not in self._seen:
            self._seen[key] = self._fetch(name, params)
        return self._seen[key].copy()

    def _fetch(self, name: str, params: dict) -> pd.DataFrame:
        return self.store.query(name, **params)


class ControlledStore(CachedStore):
    """A store whose query results hold disclosure-controlled figures (see the module docstring).
    Only the queries the findings use are known: a new one must say how its figures are rounded."""

    def _fetch(self, name: str, params: dict) -> pd.DataFrame:
        return self._controlled(name, self.store.query(name, **params))

    def _controlled(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        if name in ("area_month_metrics", "area_period_metrics"):
            return self._metrics(frame)
        if name == "demand_by_weekday_band":
            total = _rounded(frame["calls"].sum()) if not frame.empty else math.nan
            out = frame.assign(calls=[_rounded(v) for v in frame["calls"]])
            out["calls_per_day"] = out["calls"] / out["days"]
            out["share_of_period"] = out["calls"] / total if total else math.nan
            return out
        if name == "demand_by_date":
            return frame.assign(calls=[_rounded(v) for v in frame["calls"]])
        raise KeyError(f"the meeting pack has no disclosure rule for the query {name!r}")

    def _metrics(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Counts rounded, then every registry measure recomputed from them by the registry's own
        SQL (metrics.select_sql: identifiers from the registry only, no value in the text)."""
        if frame.empty:
            return frame
        counts = frame.drop(columns=[c for c in (*_DERIVED, "area_name") if c in frame.columns])
        for col in CALL_COUNTS:
            counts[col] = [_rounded(v) for v in frame[col]]
        cur = self.con.cursor()   # a connection of its own: the frame registered here is seen nowhere else
        try:
            cur.register("pack_counts", counts)
            out = cur.execute(f"SELECT *, {metrics.select_sql()} FROM pack_counts").df()
        finally:
            cur.close()
        out["area_name"] = frame["area_name"].values
        for col in out.columns:
            if col not in ("level", "area_code", "month", "area_name"):
                out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        return out[list(frame.columns)]


# --------------------------------------------------------------------------- the pack as data

@dataclass
class Context:
    """What a slide builder needs (telephony.slides.Context), without Streamlit."""
    store: object
    pcn: str
    icb: str | None
    start: dt.date
    end: dt.date
    source_line: str
    large: bool = False

    def area(self, level: str = "pcn") -> dict:
        code = {"pcn": self.pcn, "icb": self.icb, "england": "E92000001"}[level]
        return {"level": level, "code": code, "start": self.start, "end": self.end}


@dataclass
class Table:
    """The numbers behind a chart, as shown: column labels and formatted cells."""
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]


@dataclass
class Section:
    id: str
    label: str
    headline: str
    measure: str
    figure: go.Figure
    table: Table
    caveats: list[str]
    definitions: list[tuple[str, str]]
    kind: str = "finding"            # finding | trend


@dataclass
class Pack:
    pcn: str
    pcn_name: str
    icb_name: str
    start: dt.date
    end: dt.date
    made: dt.date
    file_kinds: list[str]
    synthetic: bool
    practices_reporting: int
    members: int | None
    findings: list[Section]
    trends: list[Section]
    trend_note: str
    definitions: list[tuple[str, str]]
    caveats: list[str]
    privacy: list[str]
    withheld: list[tuple[str, str]] = field(default_factory=list)
    source_line: str = charts.SOURCE

    @property
    def pcn_label(self) -> str:
        return tx.clean(f"{self.pcn_name} ({self.pcn})")

    @property
    def period_label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%B %Y}"
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    @property
    def title(self) -> str:
        return f"Meeting pack - {self.pcn_label} - {self.period_label}"

    @property
    def file_stem(self) -> str:
        return file_stem(self.pcn_label, self.period_label)


def file_stem(pcn_label: str, period_label: str) -> str:
    """The pack's file name without extension, safe on Windows, macOS and Linux:
    'Meeting pack - ASCENT PCN (U49574) - Jan 2026 to Jun 2026'."""
    name = "".join("-" if ch in '<>:"/\\|?*' else ch for ch in tx.clean(f"Meeting pack - {pcn_label} - {period_label}"))
    return tx.shorten(name, 150).rstrip(". ")


class PackError(Exception):
    """A pack cannot be made (unknown PCN, a period with no data); the message says why."""


def table_of(released: pd.DataFrame) -> Table:
    """A released frame as display cells, written as the app's tables and downloads write it
    (telephony/formatting.py): human column names, counts as whole numbers, shares as
    percentages, suppressed cells as '*'."""
    shown = formatting.formatted(released, display=True)
    rows = [[str(v) for v in row] for row in shown.itertuples(index=False)]
    return Table(list(shown.columns), rows, [formatting.is_numeric(c) for c in released.columns])


LONG_TABLE = 30             # rows: a longer table does not fit one printed page beside its chart


def grid_of(table: Table, rows: str, across: str, values: str, keep: tuple[str, ...] = ()) -> Table:
    """A long table (one row per weekday and time band) as a compact grid: one row per `rows`
    value, one column per `across` value holding `values`, with the `keep` columns (the same on
    each of a row's cells) after the first. Cells as formatted; a missing pair is blank."""
    at = {c: i for i, c in enumerate(table.columns)}
    order_rows = list(dict.fromkeys(r[at[rows]] for r in table.rows))
    order_across = list(dict.fromkeys(r[at[across]] for r in table.rows))
    cells = {(r[at[rows]], r[at[across]]): r[at[values]] for r in table.rows}
    kept = {r[at[rows]]: [r[at[k]] for k in keep] for r in table.rows}
    columns = [rows, *keep, *(f"{values}, {a}" for a in order_across)]
    body = [[name, *kept[name], *(cells.get((name, a), "") for a in order_across)] for name in order_rows]
    numeric = [False, *(table.numeric[at[k]] for k in keep), *[table.numeric[at[values]]] * len(order_across)]
    return Table(columns, body, numeric)


def _compact(table: Table) -> Table:
    """A demand table (weekday x time band) too long for a printed page as a weekday grid of calls."""
    wanted = ("Weekday", "Time of call", "Calls", "Days")
    if len(table.rows) <= LONG_TABLE or not all(c in table.columns for c in wanted):
        return table
    return grid_of(table, "Weekday", "Time of call", "Calls", keep=("Days",))


def _definitions(ids) -> list[tuple[str, str]]:
    out = []
    for measure_id in ids:
        m = metrics.by_id(measure_id)
        out.append((m.label, f"{m.help} {m.definition}"))
    return out


def _wrap(title: str, size: float) -> str:
    """A chart title wrapped again for PRINT_WIDTH (Plotly does not wrap; the figure was laid out
    for the screen, its own line breaks marked charts.WRAP)."""
    return charts.wrap(title.replace(charts.WRAP, " "), size, PRINT_WIDTH - 20, bold=True)


def _for_print(fig: go.Figure, subtitle: str, height: int | None = None) -> go.Figure:
    """The figure at A4's printable width, its title wrapped to fit, its subtitle naming the area
    and period."""
    title = fig.layout.title.text or ""
    size = fig.layout.title.font.size or 20
    wrapped = _wrap(title, size)
    more = (wrapped.count("<br") - title.count("<br")) * size * 1.3   # lines gained (or lost) by wrapping again
    top = fig.layout.margin.t + more
    fig.update_layout(title_pad_t=int((fig.layout.title.pad.t or 0) + more))
    # Room for the y-axis tick labels (at a fixed width they would otherwise be cut at the left);
    # the title placed against the page, not the plot, so a wider left margin cannot push it off.
    fig.update_layout(width=PRINT_WIDTH, title_text=wrapped, title_subtitle_text=subtitle, margin_t=int(top),
                      margin_l=max(fig.layout.margin.l or 0, 60), title_xref="container", title_x=0.01,
                      **({"height": height} if height else {}))
    fig.update_yaxes(automargin=True)
    _wrap_categories(fig)
    return fig


def _wrap_categories(fig: go.Figure, width: int = 14) -> None:
    """Long category labels (outcome names) on two or three lines instead of slanted across the
    source line: at print width they do not fit side by side."""
    if fig.layout.xaxis.type != "category" or not fig.data or fig.data[0].type != "bar":
        return
    labels = list(dict.fromkeys(str(x) for t in fig.data for x in (t.x if t.x is not None else ())))
    if not labels or max(len(label) for label in labels) <= width:
        return
    def wrap(label: str) -> str:
        lines, line = [], ""
        for word in label.split():
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        return "<br>".join([*lines, line])
    fig.update_xaxes(tickmode="array", tickvals=labels, ticktext=[wrap(label) for label in labels], tickangle=0)


def _finding(definition: slides.SlideDef, raw_ctx: Context, ctl_ctx: Context, gate: Gate,
             subtitle: str) -> Section | None:
    controlled = definition.build(ctl_ctx)
    raw = definition.build(raw_ctx) if controlled is not None else None
    if controlled is None or raw is None:
        return None
    where = f"the pack's finding '{definition.label}'"
    released = gate.table(raw.data, grain=raw.grain, key=raw.row_key, where=where, controlled=True)
    # Summaries over many figures that the gate does not round (statistics such as SPC limits):
    # from the controlled build, matched on the row key, so none is worked from exact counts.
    derived = [c for c in released.columns if (spec := columns.get(c)) is not None and spec.kind == "statistic"]
    if derived and raw.row_key:
        by_key = controlled.data.set_index(raw.row_key)
        index = pd.MultiIndex.from_frame(released[raw.row_key]) if len(raw.row_key) > 1 \
            else pd.Index(released[raw.row_key[0]])
        for col in derived:
            released[col] = by_key[col].reindex(index).values
    fig = _for_print(controlled.figure, subtitle)
    gate.figure(fig, where=where)
    for text in (controlled.headline, controlled.measure, controlled.caveat):
        gate.check_text(text, where)
    return Section(definition.id, definition.label, controlled.headline, controlled.measure, fig,
                   _compact(table_of(released)), [controlled.caveat],
                   _definitions(FINDING_MEASURES.get(definition.id, ())))


def _trend(measure_id: str, monthly: pd.DataFrame, ctx: Context, gate: Gate, subtitle: str) -> Section | None:
    """One measure month by month as an XmR chart, from the controlled monthly figures."""
    from telephony import spc

    m = metrics.by_id(measure_id)
    series = monthly[["month", m.id]].dropna()
    if len(series) < slides.SPC_MIN_MONTHS or len(series) != len(monthly):
        return None   # too few months, or a gap (SPC needs consecutive months)
    share = m.kind in ("share", "ratio")
    points = spc.xmr(series[m.id].astype("float64"))
    shown = spc.display_limits(points, floor=0.0, ceiling=1.0 if share else None)
    frame = pd.DataFrame({"month": series["month"].values, "value": series[m.id].values,
                          "centre": [p.mean for p in shown], "lower": [p.lower for p in shown],
                          "upper": [p.upper for p in shown]})
    trial = points[-1].limits_kind == "trial"
    label = m.label
    special = [(mo, p) for mo, p in zip(frame["month"], points) if p.special_cause]
    if special:
        month, point = special[-1]
        headline = f"{label}: {pd.Timestamp(month):%B %Y} shows special cause ({point.describe()})"
    else:
        headline = f"{label}: common cause only, every month within its usual range over {len(frame)} months"
    fmt = ".0%" if share else ",.0f"
    measure = f"{m.label} per month, with the centre line and {'trial ' if trial else ''}process limits"
    fig = charts.lines_by_month(frame, {"value": label, "centre": "Centre (mean)", "upper": "Upper process limit",
                                        "lower": "Lower process limit"},
                                measure, "", ctx.source_line, y_title=m.short_label, y_format=fmt)
    for name, colour in (("Centre (mean)", "#4C6272"), ("Upper process limit", "#425563"),
                         ("Lower process limit", "#425563")):
        fig.update_traces(line_color=colour, line_width=2, marker_size=5, marker_color=colour,
                          selector=dict(name=name))
    fig.update_yaxes(rangemode="normal")   # SPC reads variation: an axis from 0 would flatten it
    fig = _for_print(fig, subtitle, height=400)
    where = f"the pack's trend of {m.label}"
    gate.figure(fig, where=where)
    gate.check_text(headline, where)
    data = frame.assign(month=pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")).rename(
        columns=dict(zip(("value", "centre", "lower", "upper"), (m.id, *columns.spc_limits(m.kind)))))
    # The figures are the controlled monthly ones already; released without a second rounding.
    table = table_of(gate.table(data, grain="area-month", key=["month"], where=where))
    return Section(f"trend-{m.id}", f"Trend: {m.label}", headline, measure, fig, table,
                   [caveats.COVERAGE if m.kind == "count" else caveats.IN_DEVELOPMENT], _definitions((m.id,)),
                   kind="trend")


def _file_kinds(store: Store) -> tuple[list[str], bool]:
    """The kinds of file loaded (never their names), and whether every file is the synthetic
    sample (its files' names all start with 'Synthetic', samplegen/published.py)."""
    rows = store.con.execute(
        "SELECT kind, bool_and(starts_with(file_name, 'Synthetic')) FROM sources WHERE status = 'loaded' "
        "GROUP BY kind").fetchall()
    kinds = [KINDS.get(kind, "other file") for kind, _ in rows if kind]
    return sorted(set(kinds)), bool(rows) and all(synthetic for _, synthetic in rows)


def _months(text_or_date) -> dt.date | None:
    if text_or_date is None:
        return None
    return pd.Timestamp(text_or_date).date().replace(day=1)


def build(store: Store, pcn: str, start: dt.date | None = None, end: dt.date | None = None, *,
          findings: list[str] | None = None, identifiers: Identifiers | None = None,
          synthetic: bool | None = None, today: dt.date | None = None) -> Pack:
    """The pack for `pcn` over [start, end] (first days of months; default: every month loaded for
    it). `findings`: slide ids (telephony.slides), default the Present view's default deck.
    Raises PackError for an unknown PCN or an empty period, Refused if the title itself would not
    pass the gate."""
    directory = store.query("pcn_directory")
    row = directory[directory["pcn_code"] == pcn]
    if row.empty:
        raise PackError(f"no figures for PCN {pcn} are loaded"
                        + (f"; PCNs loaded: {', '.join(directory['pcn_code'].head(8))}"
                           + (" …" if len(directory) > 8 else "") if not directory.empty else ""))
    row = row.iloc[0]
    first, last = _months(row["first_month"]), _months(row["last_month"])
    start, end = _months(start) or first, _months(end) or last
    if start > end:
        raise PackError(f"the period starts ({start:%Y-%m}) after it ends ({end:%Y-%m})")
    if end < first or start > last:
        raise PackError(f"PCN {pcn} has figures from {first:%Y-%m} to {last:%Y-%m} only, "
                        f"none in {start:%Y-%m} to {end:%Y-%m}")
    start, end = max(start, first), min(end, last)
    unknown = [f for f in findings or [] if f not in slides.BY_ID]
    if unknown:
        raise PackError(f"unknown finding(s) {', '.join(unknown)}; choose from {', '.join(slides.BY_ID)}")

    gate = Gate(identifiers or Identifiers.from_store(store.con), PACK_POLICY)
    kinds, all_synthetic = _file_kinds(store)
    synthetic = all_synthetic if synthetic is None else synthetic
    source = charts.SAMPLE_SOURCE if synthetic else charts.SOURCE
    icb = str(row["icb_code"]) if pd.notna(row["icb_code"]) else None
    cached = CachedStore(store)
    raw_ctx = Context(cached, pcn, icb, start, end, source)
    ctl_ctx = Context(ControlledStore(cached), pcn, icb, start, end, source)
    pack = Pack(
        pcn=pcn, pcn_name=tx.clean(row["pcn_name"]), icb_name=tx.clean(row["icb_name"]) if icb else "",
        start=start, end=end, made=today or dt.date.today(), file_kinds=kinds, synthetic=synthetic,
        practices_reporting=int(row["practices_reporting"]),
        members=int(row["members"]) if pd.notna(row["members"]) else None,
        findings=[], trends=[], trend_note="", definitions=[*_definitions(DEFINITION_MEASURES), *GLOSSARY],
        caveats=caveats.caveats_for(store), privacy=list(PRIVACY), source_line=source,
    )
    gate.check_text(" ".join([pack.title, pack.icb_name, *pack.caveats]), "the pack's title page")
    subtitle = f"{tx.plotly(tx.shorten(pack.pcn_label))} · {pack.period_label}"

    chosen = list(findings) if findings is not None else list(slides.DEFAULT)
    for slide_id in chosen:
        definition = slides.BY_ID[slide_id]
        try:
            section = _finding(definition, raw_ctx, ctl_ctx, gate, subtitle)
        except Refused as exc:
            pack.withheld.append((definition.label, str(exc)))
            continue
        if section is not None:
            pack.findings.append(section)

    monthly = ctl_ctx.store.query("area_month_metrics", **ctl_ctx.area("pcn"))
    if len(monthly) < slides.SPC_MIN_MONTHS:
        pack.trend_note = (f"Trends need at least {slides.SPC_MIN_MONTHS} months of figures; this period has "
                           f"{len(monthly)}.")
    else:
        for measure_id in TREND_MEASURES:
            if measure_id == "inbound" and "trend" in chosen:
                continue   # the findings already show it
            try:
                section = _trend(measure_id, monthly, ctl_ctx, gate, subtitle)
            except Refused as exc:
                pack.withheld.append((f"Trend: {metrics.by_id(measure_id).label}", str(exc)))
                continue
            if section is not None:
                pack.trends.append(section)
        if len(monthly) < 12:
            pack.trend_note = (f"With {len(monthly)} months the process limits are trial limits: read them "
                               "with care until 12 months are loaded.")
    if pack.practices_reporting == 1:
        pack.privacy.insert(0, "Only one practice reported calls in the latest month, so the latest figures are "
                               "that practice's figures. Share this pack with that in mind.")
    return pack
