"""Demand: when calls arrive, by weekday and time of day."""

import pandas as pd
import streamlit as st

from telephony import charts
from telephony.formats import TIME_BANDS
from ui import current, render
from ui.render import fmt_count, fmt_share

sel = current()
render.page_header(sel, "Demand", "When calls arrive: weekday and time of day. Counts calls, not people.")
if not render.need_pcn(sel):
    st.stop()

cells = sel.store.query("demand_by_weekday_band", **sel.area("pcn"))
if cells.empty:
    st.info("Demand by day and time needs the practice-level **By Day and Time** data, which the loaded files "
            "do not hold for this PCN and period. Upload NHS England's "
            "`Cloud Based Telephony By Day and Time - <Month YYYY>.zip` for the months you want to see.")
    st.stop()

total = cells["calls"].sum()
monday_peak = cells[(cells["weekday"] == 1) & (cells["band"] == 2)]["calls"].sum()
grid = cells.pivot(index="weekday", columns="band", values="calls_per_day").reindex(columns=range(len(TIME_BANDS)))
grid.index = [charts.WEEKDAY_LABELS[d - 1] for d in grid.index]
grid.columns = list(charts.BAND_LABELS)

fig = charts.demand_heatmap(
    grid, f"Monday 08:00-10:00 alone brings {fmt_share(monday_peak / total)} of the period's calls",
    sel.subtitle("Average inbound calls per day (CBT001) by weekday and time band; bank holidays in their own row"),
    sel.source_line, large=sel.large)
data = cells.assign(weekday=[charts.WEEKDAY_LABELS[d - 1] for d in cells["weekday"]],
                    time_band=[TIME_BANDS[b] for b in cells["band"]], period_total=total)[["weekday", "time_band", "calls", "days", "calls_per_day", "share_of_period", "period_total"]]
render.chart(sel, fig, data, key="demand_heatmap", grain="area-band", row_key=["weekday", "time_band"],
             counts=["calls", "period_total"],
             shares={"calls_per_day": ("calls", "days"), "share_of_period": ("calls", "period_total")})

with st.expander("The heatmap as a table (average calls per day)"):
    table = grid.round(1).reset_index().rename(columns={"index": "Weekday"})
    render.table(sel, table, key="demand_heatmap_table", grain="area-band", row_key=["Weekday"], download=False)

days = cells.groupby("weekday", as_index=False).agg(calls=("calls", "sum"), days=("days", "first"))
days["period_total"] = total
days["share"] = days["calls"] / total
days["label"] = [charts.WEEKDAY_LABELS[d - 1] for d in days["weekday"]]
busiest = days.loc[days["share"].idxmax()]
fig = charts.bars(list(days["label"]), list(days["share"]),
                  f"{busiest['label']} brings the most calls: {fmt_share(busiest['share'], 0)} of the period's total",
                  sel.subtitle("Share of inbound calls by weekday (bank holidays separate)"), sel.source_line,
                  y_title="Share of inbound calls", x_title="Weekday", y_format=".0%",
                  text=[fmt_share(v, 0) for v in days["share"]], large=sel.large, hover="%{x}: %{y:.1%}")
render.chart(sel, fig, days[["label", "calls", "days", "share", "period_total"]].rename(columns={"label": "weekday"}),
             key="demand_weekday", grain="area-band", row_key=["weekday"], counts=["calls", "period_total"],
             shares={"share": ("calls", "period_total")})

daily = sel.store.query("demand_by_date", **sel.area("pcn"))
holidays = daily[daily["bank_holiday"].notna()]
colours = [charts.PALETTE[3] if pd.notna(h) else (charts.PALETTE[0] if w <= 5 else charts.GREY)
           for h, w in zip(daily["bank_holiday"], daily["weekday"])]
title = (f"Bank holidays are quiet: {len(holidays)} in the period, marked in yellow"
         if len(holidays) else "Calls each day: weekdays in blue, weekends in grey")
fig = charts.bars([d.strftime("%a %d %b %Y") for d in daily["date"]], list(daily["calls"]), title,
                  sel.subtitle("Inbound calls per day (CBT001)"), sel.source_line,
                  y_title="Inbound calls", x_title="Day", text=[""] * len(daily), large=sel.large,
                  hover="%{x}: %{y:,} calls")
fig.update_traces(marker_color=colours, text=["BH" if pd.notna(h) else "" for h in daily["bank_holiday"]])
render.chart(sel, fig, daily.assign(date=daily["date"].dt.strftime("%Y-%m-%d"))[["date", "calls", "bank_holiday"]],
             key="demand_daily", grain="area-band", row_key=["date"], counts=["calls"])
st.caption("Bank holidays and lunchtime or half-day closures show in the data; they are not performance.")
