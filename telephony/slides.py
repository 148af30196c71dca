"""Slides for the Present view: one finding each, defined as data.

A `SlideDef` names a slide and says how to build it from the chosen PCN and period; building
returns a `Slide` (headline, chart, the numbers behind it (columns named as telephony/columns.py
declares them, so the gate knows their kinds), the caveat that applies) or None where the loaded
data cannot support it (no By Day and Time data, too few months), so a deck never shows an
empty slide. A new slide (e.g. from a future Trends page) is one builder and one line in SLIDES.

The context `ctx` is the sidebar's Selection (ui/selection.py), used only through the attributes
listed in `Context`, so this module needs no Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable, Protocol

import pandas as pd
import plotly.graph_objects as go

from telephony import caveats, charts, spc
from telephony.formats import WAIT_BANDS
from telephony.store import Store

SPC_MIN_MONTHS = spc.TRIAL_LIMITS_FROM   # fewer months give no limits: no trends slide


class Context(Protocol):
    store: Store
    pcn: str | None
    icb: str | None
    start: dt.date | None
    end: dt.date | None
    large: bool

    @property
    def source_line(self) -> str: ...

    def area(self, level: str = "pcn") -> dict: ...


@dataclass
class Slide:
    """What one slide shows. `measure` titles the chart (the headline is shown above it)."""

    headline: str
    measure: str
    figure: go.Figure
    data: pd.DataFrame
    grain: str
    row_key: list[str]
    caveat: str


@dataclass(frozen=True)
class SlideDef:
    id: str
    label: str                       # as offered to the chair
    build: Callable[[Context], Slide | None]
    default: bool = True             # in the sequence unless the chair changes it


def _pct(v, digits: int = 0) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.{digits}%}"


def _monthly(ctx: Context) -> pd.DataFrame:
    return ctx.store.query("area_month_metrics", **ctx.area("pcn"))


def headline(ctx: Context) -> Slide | None:
    """The Overview's headline: answered and missed shares, with all four outcomes as bars."""
    areas = ctx.store.query("area_period_metrics", pcn=ctx.pcn, icb=ctx.icb or "", start=ctx.start, end=ctx.end)
    pcn = areas[areas["level"] == "pcn"]
    if pcn.empty or not pcn.iloc[0]["inbound"]:
        return None
    row = pcn.iloc[0]
    labels = [label for _, label, _ in charts.OUTCOMES]
    calls = [row[col] for col, _, _ in charts.OUTCOMES]
    shares = [c / row["inbound"] for c in calls]
    measure = "Share of inbound calls (CBT001) by outcome over the period"
    fig = charts.bars(labels, shares, measure, "", ctx.source_line, y_title="Share of inbound calls",
                      x_title="Outcome", text=[_pct(s) for s in shares], large=ctx.large, y_format=".0%",
                      hover="%{x}: %{y:.1%}")
    data = pd.DataFrame({"outcome": labels, "calls": calls, "inbound": row["inbound"], "share_of_inbound": shares})
    return Slide(f"{_pct(row['answered_share'])} of calls were answered and {_pct(row['missed_share'])} were missed",
                 measure, fig, data, "area-period", ["outcome"], caveats.VOICEMAIL)


def demand(ctx: Context) -> Slide | None:
    """Demand by weekday and time band (the Demand page's heatmap, average calls per day)."""
    cells = ctx.store.query("demand_by_weekday_band", **ctx.area("pcn"))
    if cells.empty:
        return None
    grid = cells.pivot(index="weekday", columns="band", values="calls_per_day").reindex(
        columns=range(len(charts.BAND_SHORT)))
    grid.index = [charts.WEEKDAY_LABELS[d - 1] for d in grid.index]
    grid.columns = list(charts.BAND_SHORT)
    busiest = cells.loc[cells[cells["weekday"] <= 7]["calls_per_day"].idxmax()]
    day, band = charts.WEEKDAY_LABELS[int(busiest["weekday"]) - 1], charts.BAND_LABELS[int(busiest["band"])]
    measure = "Average inbound calls per day (CBT001) by weekday and time band"
    fig = charts.demand_heatmap(grid, measure, "", ctx.source_line, large=ctx.large)
    data = cells.assign(weekday=[charts.WEEKDAY_LABELS[d - 1] for d in cells["weekday"]],
                        time_band=[charts.BAND_LABELS[b] for b in cells["band"]])[
        ["weekday", "time_band", "calls", "days", "calls_per_day"]]
    return Slide(f"The busiest time is {day} {band}: {busiest['calls_per_day']:,.0f} calls a day on average",
                 measure, fig, data, "area-band", ["weekday", "time_band"], caveats.CLOSURES)


def weekdays(ctx: Context) -> Slide | None:
    """Average calls per day by weekday."""
    cells = ctx.store.query("demand_by_weekday_band", **ctx.area("pcn"))
    if cells.empty:
        return None
    days = cells.groupby("weekday", as_index=False).agg(calls=("calls", "sum"), days=("days", "first"))
    days["calls_per_day"] = days["calls"] / days["days"]
    days["weekday"] = [charts.WEEKDAY_LABELS[d - 1] for d in days["weekday"]]
    busiest = days.loc[days["calls_per_day"].idxmax()]
    measure = "Average inbound calls per day, by weekday (bank holidays separate)"
    fig = charts.bars(list(days["weekday"]), list(days["calls_per_day"]), measure, "", ctx.source_line,
                      y_title="Calls per day", x_title="Weekday", text=[f"{v:,.0f}" for v in days["calls_per_day"]],
                      large=ctx.large, hover="%{x}: %{y:,.0f} calls a day")
    return Slide(f"{busiest['weekday']}s bring the most calls: {busiest['calls_per_day']:,.0f} a day on average",
                 measure, fig, days, "area-band", ["weekday"], caveats.CALLS_NOT_PEOPLE)


def outcomes(ctx: Context) -> Slide | None:
    """Outcome shares month by month (the Outcomes page's first chart)."""
    monthly = _monthly(ctx)
    if monthly.empty:
        return None
    last = monthly.iloc[-1]
    measure = "Share of inbound calls by outcome, per month"
    fig = charts.outcome_shares_by_month(monthly, measure, "", ctx.source_line, large=ctx.large)
    cols = ["inbound", "answered", "ended_in_ivr", "callback_requested", "missed"]
    data = monthly[["month", *cols]].assign(month=monthly["month"].dt.strftime("%Y-%m"))
    return Slide(f"In {last['month']:%B %Y}, {_pct(last['answered_share'])} of calls were answered, "
                 f"{_pct(last['ivr_share'])} ended in the menu and {_pct(last['missed_share'])} were missed",
                 measure, fig, data, "area-month", ["month"], caveats.IVR_SETUP)


def waits(ctx: Context) -> Slide | None:
    """Time waited by answered callers and by missed callers before they hung up."""
    monthly = _monthly(ctx)
    answered = pd.Series([monthly[f"answered_wait_{i}"].sum(min_count=1) for i in range(4)], dtype="float64")
    missed = pd.Series([monthly[f"missed_wait_{i}"].sum(min_count=1) for i in range(4)], dtype="float64")
    if monthly.empty or (answered.isna().all() and missed.isna().all()):
        return None
    within_2 = (answered.iloc[0] + answered.iloc[1]) / answered.sum() if answered.sum() else None
    gave_up_fast = missed.iloc[0] / missed.sum() if missed.sum() else None
    measure = "Share of answered and of missed calls by time waited"
    fig = charts.band_distributions(
        {"Answered calls: time waited": answered.fillna(0),
         "Missed calls: time waited before hanging up": missed.fillna(0)},
        measure, "", ctx.source_line, large=ctx.large)
    data = pd.DataFrame({"band_seconds": list(WAIT_BANDS), "answered": answered.values, "missed": missed.values})
    spans_break = ctx.start < caveats.WAIT_BREAK <= ctx.end
    return Slide(f"{_pct(within_2)} of answered calls waited 2 minutes or less; "
                 f"{_pct(gave_up_fast)} of missed callers hung up within a minute",
                 measure, fig, data, "area-band", ["band_seconds"],
                 caveats.WAIT_BREAK_SPANNED if spans_break else caveats.IN_DEVELOPMENT)


def trend(ctx: Context) -> Slide | None:
    """Monthly inbound calls as an XmR chart (centre and limits; trial limits under 12 months)."""
    monthly = _monthly(ctx)
    if len(monthly) < SPC_MIN_MONTHS:
        return None
    points = spc.xmr(monthly["inbound"].astype("float64"))
    frame = monthly[["month", "inbound"]].assign(
        centre=[p.mean for p in points], upper=[p.upper for p in points],
        lower=[max(p.lower, 0.0) for p in points])
    special = [(m, p) for m, p in zip(monthly["month"], points) if p.special_cause]
    trial = points[-1].limits_kind == "trial"
    measure = "Inbound calls (CBT001) per month, with the centre line and " + (
        "trial process limits (fewer than 12 months)" if trial else "process limits")
    fig = charts.lines_by_month(frame, {"inbound": "Inbound calls", "centre": "Centre (mean)",
                                        "upper": "Upper process limit", "lower": "Lower process limit"},
                                measure, "", ctx.source_line, y_title="Inbound calls", y_format=",.0f",
                                large=ctx.large)
    # Centre and limits as reference lines in greys, the data in NHS blue: they are not data series.
    for name, colour in (("Centre (mean)", "#4C6272"), ("Upper process limit", "#425563"),
                         ("Lower process limit", "#425563")):
        fig.update_traces(line_color=colour, line_width=2, marker_size=5, marker_color=colour,
                          selector=dict(name=name))
    if special:
        month, point = special[-1]
        headline = f"Inbound calls in {month:%B %Y} show special cause: {point.describe()}"
    else:
        headline = f"Inbound calls varied only within their usual range over {len(monthly)} months"
    data = frame.assign(month=frame["month"].dt.strftime("%Y-%m"))
    return Slide(headline, measure, fig, data, "area-month", ["month"], caveats.COVERAGE)


def daily(ctx: Context) -> Slide | None:
    """Calls each day, bank holidays shaded."""
    days = ctx.store.query("demand_by_date", **ctx.area("pcn"))
    if days.empty:
        return None
    holidays = int(days["bank_holiday"].notna().sum())
    measure = "Inbound calls per day (CBT001); weekends in grey" + ("; bank holidays shaded" if holidays else "")
    fig = charts.daily_calls(days, measure, "", ctx.source_line, large=ctx.large)
    headline = (f"Bank holidays are quiet: {holidays} in the period" if holidays
                else "Calls each day follow the working week")
    data = days.assign(date=days["date"].dt.strftime("%Y-%m-%d"))[["date", "calls", "bank_holiday"]]
    return Slide(headline, measure, fig, data, "area-band", ["date"], caveats.CLOSURES)


SLIDES: tuple[SlideDef, ...] = (
    SlideDef("headline", "Headline: answered and missed", headline),
    SlideDef("demand", "Demand by weekday and time", demand),
    SlideDef("outcomes", "Outcomes by month", outcomes),
    SlideDef("waits", "Waits: answered and missed calls", waits),
    SlideDef("trend", "Trend: monthly inbound calls (SPC, 6 or more months)", trend),
    SlideDef("weekdays", "Calls per day by weekday", weekdays, default=False),
    SlideDef("daily", "Calls each day", daily, default=False),
)
BY_ID = {s.id: s for s in SLIDES}
DEFAULT = [s.id for s in SLIDES if s.default]


def build(ctx: Context, ids: list[str]) -> list[tuple[SlideDef, Slide]]:
    """The chosen slides the loaded data supports, in the order given; unknown ids are ignored."""
    out = []
    for slide_id in ids:
        if slide_id in BY_ID and (slide := BY_ID[slide_id].build(ctx)) is not None:
            out.append((BY_ID[slide_id], slide))
    return out
