"""Demand: when calls arrive, by weekday and time of day."""

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
as_share = st.radio("Heatmap shows", ["Average calls per day", "Share of the week's calls"], horizontal=True,
                    key="demand_measure") != "Average calls per day"
measure = "share_of_period" if as_share else "calls_per_day"
grid = cells.pivot(index="weekday", columns="band", values=measure).reindex(columns=range(len(TIME_BANDS)))
grid.index = [charts.WEEKDAY_LABELS[d - 1] for d in grid.index]
grid.columns = list(charts.BAND_SHORT)

fig = charts.demand_heatmap(
    grid, f"Monday 08:00-10:00 alone brings {fmt_share(monday_peak / total)} of the period's calls",
    sel.subtitle(("Share of the period's inbound calls (CBT001)" if as_share else "Average inbound calls per day (CBT001)")
                 + " by weekday and time band; bank holidays in their own row"),
    sel.source_line, large=sel.large, as_share=as_share)
data = cells.assign(weekday=[charts.WEEKDAY_LABELS[d - 1] for d in cells["weekday"]],
                    time_band=[TIME_BANDS[b] for b in cells["band"]], period_total=total)[
    ["weekday", "time_band", "calls", "days", "calls_per_day", "share_of_period", "period_total"]]
render.chart(sel, fig, data, key="demand_heatmap", grain="area-band", row_key=["weekday", "time_band"],
             counts=["calls", "period_total"],
             shares={"calls_per_day": ("calls", "days"), "share_of_period": ("calls", "period_total")})

with st.expander("The heatmap as a table"):
    table = (grid * 100).round(2) if as_share else grid.round(1)
    st.caption("Per cent of the period's calls" if as_share else "Average calls per day")
    table = table.reset_index().rename(columns={"index": "Weekday"})
    render.table(sel, table, key="demand_heatmap_table", grain="area-band", row_key=["Weekday"], download=False)

days = cells.groupby("weekday", as_index=False).agg(calls=("calls", "sum"), days=("days", "first"))
days["calls_per_day"] = days["calls"] / days["days"]
days["weekday"] = [charts.WEEKDAY_LABELS[d - 1] for d in days["weekday"]]
busiest = days.loc[days["calls_per_day"].idxmax()]
fig = charts.bars(list(days["weekday"]), list(days["calls_per_day"]),
                  f"{busiest['weekday']}s bring the most calls: {busiest['calls_per_day']:,.0f} a day on average",
                  sel.subtitle("Average inbound calls per day, by weekday (bank holidays separate)"), sel.source_line,
                  y_title="Calls per day", x_title="Weekday", text=[f"{v:,.0f}" for v in days["calls_per_day"]],
                  large=sel.large, hover="%{x}: %{y:,.0f} calls a day")
render.chart(sel, fig, days, key="demand_weekday", grain="area-band", row_key=["weekday"], counts=["calls"],
             shares={"calls_per_day": ("calls", "days")})

daily = sel.store.query("demand_by_date", **sel.area("pcn"))
holidays = daily["bank_holiday"].notna().sum()
title = (f"Bank holidays are quiet: {holidays} in the period, shaded yellow" if holidays
         else "Calls each day: weekdays in blue, weekends in grey")
fig = charts.daily_calls(daily, title, sel.subtitle("Inbound calls per day (CBT001); weekends in grey"),
                         sel.source_line, large=sel.large)
render.chart(sel, fig, daily.assign(date=daily["date"].dt.strftime("%Y-%m-%d"))[["date", "calls", "bank_holiday"]],
             key="demand_daily", grain="area-band", row_key=["date"], counts=["calls"])
named = daily[daily["bank_holiday"].notna()]
listed = "; ".join(f"{d:%a %d %b}: {n}" for d, n in zip(named["date"], named["bank_holiday"]))
st.caption((f"Bank holidays shaded: {listed}. " if listed else "") + "Bank holidays and lunchtime or half-day "
           "closures show in the data; they are not performance.")
