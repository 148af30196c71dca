"""Waits: how long answered callers waited, how long missed callers waited before hanging up,
and how long answered calls lasted."""

import pandas as pd
import streamlit as st

from telephony import caveats, charts, metrics
from telephony.formats import WAIT_BANDS
from ui import current, render
from ui.render import fmt_share, share

sel = current()
render.page_header(sel, "Waits", "Time to answer, time before a missed caller hung up, and call length.")
if not render.need_pcn(sel):
    st.stop()

monthly = sel.store.query("area_month_metrics", **sel.area("pcn"))
# The period's figures as the registry defines them (telephony/metrics.py), the same row the
# Overview reads: one denominator per measure, never re-derived here.
period = sel.store.query("area_period_metrics", pcn=sel.pcn, icb=sel.icb or "", start=sel.start, end=sel.end)
pcn = period[period["level"] == "pcn"].iloc[0]


def band_counts(prefix: str) -> pd.Series:
    return pd.Series([pcn[f"{prefix}_{i}"] for i in range(4)], index=list(WAIT_BANDS), dtype=float)


answered, missed, duration = band_counts("answered_wait"), band_counts("missed_wait"), band_counts("answered_duration")
if answered.isna().all() and missed.isna().all():
    st.info("Wait times need the Publication Summary workbook (Tables 4 and 5) or the practice-level "
            f"**Calls Answered Metric** and **By Durations** zips for these months. {render.how_to_add(sel)}")
    st.stop()

tiles = [metrics.by_id(m) for m in ("answered_within_2min_share", "missed_wait_0_share", "answered_duration_3_share")]
for column, m in zip(st.columns(len(tiles)), tiles):
    column.metric(m.label, fmt_share(pcn[m.id]), help=m.help)
spans_break = sel.start < caveats.WAIT_BREAK <= sel.end
wait_caveats = [caveats.WAIT_BREAK_SPANNED if spans_break else caveats.IN_DEVELOPMENT]


def bands_finding(d: pd.DataFrame) -> str:
    """Registry shares (answered within 2 minutes; missed within a minute) from the band counts."""
    a, m = d["answered"].fillna(0), d["missed"].fillna(0)
    return (f"{fmt_share(share(a.iloc[0] + a.iloc[1], a.sum()), 0)} of answered calls waited 2 minutes or less; "
            f"{fmt_share(share(m.iloc[0], m.sum()), 0)} of missed callers hung up within a minute")


data = pd.DataFrame({"band_seconds": list(WAIT_BANDS), "answered": answered.values, "missed": missed.values})
fig = charts.band_distributions(
    {"Answered calls: time waited": answered.fillna(0),
     "Missed calls: time waited before hanging up": missed.fillna(0)},
    bands_finding(data), sel.subtitle("Share of answered and of missed calls by time waited"), sel.source_line,
    large=sel.large)
render.chart(sel, fig, data, key="waits_answered_vs_missed", grain="area-band", row_key=["band_seconds"],
             finding=bands_finding, name="answered and missed calls by wait band", caveats=wait_caveats)

if not duration.isna().all():
    def durations_finding(d: pd.DataFrame) -> str:
        a = d["answered"].fillna(0)
        return f"{fmt_share(share(a.iloc[3], a.sum()), 0)} of answered calls lasted over 5 minutes"

    data = pd.DataFrame({"band_seconds": list(WAIT_BANDS), "answered": duration.values})
    fig = charts.band_distributions(
        {"Answered calls: call length": duration.fillna(0)}, durations_finding(data),
        sel.subtitle("Share of answered calls by call duration"), sel.source_line, large=sel.large,
        x_title="Call length")
    render.chart(sel, fig, data, key="waits_durations", grain="area-band", row_key=["band_seconds"],
                 finding=durations_finding, name="answered calls by length band", caveats=wait_caveats)

if len(monthly) > 1:
    def trend_finding(d: pd.DataFrame) -> str:
        """The last month's share answered within a minute, beside the first month's."""
        known = d.dropna(subset=["answered_wait_0_share"])
        if known.empty:
            return "No month has the share of answered calls that waited under a minute"
        first, last = known.iloc[0], known.iloc[-1]
        when = lambda row: f"{pd.Timestamp(row['month']):%b %Y}"   # noqa: E731
        since = f" ({fmt_share(first['answered_wait_0_share'], 0)} in {when(first)})" if len(known) > 1 else ""
        return (f"In {when(last)}, {fmt_share(last['answered_wait_0_share'], 0)} of answered calls waited under "
                f"a minute{since}")

    SERIES = ["answered_wait_0_share", "answered_within_2min_share", "answered_wait_3_share"]
    data = monthly[["month", "answered_with_waits", "answered_wait_0", "answered_within_2min", "answered_wait_3",
                    *SERIES]].assign(month=monthly["month"].dt.strftime("%Y-%m"))
    fig = charts.lines_by_month(
        monthly, {m: metrics.by_id(m).label for m in SERIES}, trend_finding(data),
        sel.subtitle("Share of answered calls by time waited"), sel.source_line, y_title="Share of answered calls",
        large=sel.large)
    if (monthly["month"] == pd.Timestamp("2026-06-01")).any() and monthly["month"].min() < pd.Timestamp("2026-06-01"):
        # Wait times break in series in June 2026: mark it where the series spans it.
        charts.series_break(fig, charts.month_labels(pd.Series([pd.Timestamp("2026-06-01")]))[0],
                            "Series break: one supplier's method changed", large=sel.large)
    render.chart(sel, fig, data, key="waits_by_month", grain="area-month", row_key=["month"], finding=trend_finding,
                 name="answered wait bands by month", caveats=wait_caveats)
if spans_break:
    st.caption("Wait times break in series in June 2026, when one supplier corrected its method: compare months "
               "either side of it with care.")
