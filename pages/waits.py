"""Waits: how long answered callers waited, how long missed callers waited before hanging up,
and how long answered calls lasted."""

import pandas as pd
import streamlit as st

from telephony import charts, metrics
from telephony.formats import WAIT_BANDS
from ui import current, render
from ui.render import fmt_share

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
            "**Calls Answered Metric** and **By Durations** zips for these months.")
    st.stop()

within_2, gave_up_fast = pcn["answered_within_2min_share"], pcn["missed_wait_0_share"]
tiles = [metrics.by_id(m) for m in ("answered_within_2min_share", "missed_wait_0_share", "answered_duration_3_share")]
for column, m in zip(st.columns(len(tiles)), tiles):
    column.metric(m.label, fmt_share(pcn[m.id]), help=m.help)
fig = charts.band_distributions(
    {"Answered calls: time waited": answered.fillna(0), "Missed calls: time waited before hanging up": missed.fillna(0)},
    f"{fmt_share(within_2, 0)} of answered calls waited 2 minutes or less; "
    f"{fmt_share(gave_up_fast, 0)} of missed callers hung up within a minute",
    sel.subtitle("Share of answered and of missed calls by time waited"), sel.source_line, large=sel.large)
data = pd.DataFrame({"band_seconds": list(WAIT_BANDS), "answered_calls": answered.values,
                     "missed_calls": missed.values})
render.chart(sel, fig, data, key="waits_answered_vs_missed", grain="area-band", row_key=["band_seconds"],
             counts=["answered_calls", "missed_calls"])

if not duration.isna().all():
    long_calls = pcn["answered_duration_3_share"]
    fig = charts.band_distributions(
        {"Answered calls: call length": duration.fillna(0)},
        f"{fmt_share(long_calls, 0)} of answered calls lasted over 5 minutes",
        sel.subtitle("Share of answered calls by call duration"), sel.source_line, large=sel.large,
        x_title="Call length")
    data = pd.DataFrame({"band_seconds": list(WAIT_BANDS), "answered_calls": duration.values})
    render.chart(sel, fig, data, key="waits_durations", grain="area-band", row_key=["band_seconds"],
                 counts=["answered_calls"])

if len(monthly) > 1:
    trend = monthly.assign(within_1=monthly["answered_wait_0_share"], within_2=monthly["answered_within_2min_share"],
                           over_5=monthly["answered_wait_3_share"])
    fig = charts.lines_by_month(
        trend, {"within_1": "Answered within 1 minute", "within_2": "Answered within 2 minutes",
                "over_5": "Answered after over 5 minutes"},
        "Time to answer, month by month", sel.subtitle("Share of answered calls by time waited"),
        sel.source_line, y_title="Share of answered calls", large=sel.large)
    if (trend["month"] == pd.Timestamp("2026-06-01")).any() and trend["month"].min() < pd.Timestamp("2026-06-01"):
        # Wait times break in series in June 2026: mark it where the series spans it.
        charts.series_break(fig, charts.month_labels(pd.Series([pd.Timestamp("2026-06-01")]))[0],
                            "Series break: one supplier's method changed", large=sel.large)
    data = trend[["month", "answered_with_waits", "answered_wait_0", "answered_within_2min", "answered_wait_3",
                  "within_1", "within_2", "over_5"]].assign(month=trend["month"].dt.strftime("%Y-%m"))
    render.chart(sel, fig, data, key="waits_by_month", grain="area-month", row_key=["month"],
                 counts=["answered_with_waits", "answered_wait_0", "answered_within_2min", "answered_wait_3"],
                 shares={"within_1": ("answered_wait_0", "answered_with_waits"),
                         "within_2": ("answered_within_2min", "answered_with_waits"),
                         "over_5": ("answered_wait_3", "answered_with_waits")})
if sel.end and sel.start and sel.start.isoformat() < "2026-06-01" <= sel.end.isoformat():
    st.caption("Wait times break in series in June 2026, when one supplier corrected its method: compare months "
               "either side of it with care.")
