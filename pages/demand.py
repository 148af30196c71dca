"""Demand: when calls arrive, by weekday and time of day."""

import pandas as pd
import streamlit as st

from telephony import caveats, charts
from telephony.formats import TIME_BANDS
from ui import current, render
from ui.render import fmt_share, share

sel = current()
render.page_header(sel, "Demand", "When calls arrive: weekday and time of day. Counts calls, not people.")
if not render.need_pcn(sel):
    st.stop()

cells = sel.store.query("demand_by_weekday_band", **sel.area("pcn"))
if cells.empty:
    st.info("Demand by day and time needs the practice-level **By Day and Time** data (NHS England's "
            "`Cloud Based Telephony By Day and Time - <Month YYYY>.zip`), which the data shown does not hold "
            f"for this PCN and period. {render.how_to_add(sel)}")
    st.stop()

total = cells["calls"].sum()
as_share = st.radio("Heatmap shows", ["Average calls per day", "Share of the week's calls"], horizontal=True,
                    key="demand_measure") != "Average calls per day"
measure = "share_of_period" if as_share else "calls_per_day"
grid = cells.pivot(index="weekday", columns="band", values=measure).reindex(columns=range(len(TIME_BANDS)))
grid.index = [charts.WEEKDAY_LABELS[d - 1] for d in grid.index]
grid.columns = list(charts.BAND_SHORT)


def peak_finding(d: pd.DataFrame) -> str:
    """Monday 08:00-10:00's share of the period's calls (from the calls and the period total)."""
    peak = d[(d["weekday"] == charts.WEEKDAY_LABELS[0]) & (d["time_band"] == TIME_BANDS[2])]
    total_calls = d["period_total"].iloc[0] if len(d) else None
    part = peak["calls"].sum() if len(peak) and not peak["calls"].isna().all() else None
    return f"Monday 08:00-10:00 alone brings {fmt_share(share(part, total_calls))} of the period's calls"


data = cells.assign(weekday=[charts.WEEKDAY_LABELS[d - 1] for d in cells["weekday"]],
                    time_band=[TIME_BANDS[b] for b in cells["band"]], period_total=total)[
    ["weekday", "time_band", "calls", "days", "calls_per_day", "share_of_period", "period_total"]]
fig = charts.demand_heatmap(
    grid, peak_finding(data),
    sel.subtitle(("Share of the period's inbound calls (CBT001)" if as_share
                  else "Average inbound calls per day (CBT001)")
                 + " by weekday and time band; bank holidays in their own row"),
    sel.source_line, large=sel.large, as_share=as_share)
render.chart(sel, fig, data, key="demand_heatmap", grain="area-band", row_key=["weekday", "time_band"],
             finding=peak_finding, name="calls by weekday and time band", caveats=[caveats.CLOSURES])

with st.expander("The heatmap as a table"):
    render.table(sel, data.assign(time_band=[charts.BAND_SHORT[b] for b in cells["band"]]), key="demand_heatmap_table",
                 grain="area-band", row_key=["weekday", "time_band"], pivot=("weekday", "time_band", measure),
                 download=False)


def weekday_finding(d: pd.DataFrame) -> str:
    """The weekday with the most calls a day on average."""
    known = d.dropna(subset=["calls_per_day"])
    if known.empty:
        return "Average calls a day by weekday"
    busiest = known.loc[known["calls_per_day"].astype("float64").idxmax()]
    return f"{busiest['weekday']}s bring the most calls: {busiest['calls_per_day']:,.0f} a day on average"


days = cells.groupby("weekday", as_index=False).agg(calls=("calls", "sum"), days=("days", "first"))
days["calls_per_day"] = days["calls"] / days["days"]
days["weekday"] = [charts.WEEKDAY_LABELS[d - 1] for d in days["weekday"]]
fig = charts.bars(list(days["weekday"]), list(days["calls_per_day"]), weekday_finding(days),
                  sel.subtitle("Average inbound calls per day, by weekday (bank holidays separate)"), sel.source_line,
                  y_title="Calls per day", x_title="Weekday", text=[f"{v:,.0f}" for v in days["calls_per_day"]],
                  large=sel.large, hover="%{x}: %{y:,.0f} calls a day")
render.chart(sel, fig, days, key="demand_weekday", grain="area-band", row_key=["weekday"], finding=weekday_finding,
             name="calls a day by weekday", caveats=[caveats.CLOSURES])

daily = sel.store.query("demand_by_date", **sel.area("pcn"))


def daily_finding(d: pd.DataFrame) -> str:
    """Bank holidays against ordinary weekdays, or weekends against weekdays, in calls a day."""
    dates = pd.to_datetime(d["date"])
    calls = d["calls"].astype("Float64")
    workday = calls[(dates.dt.day_of_week < 5) & d["bank_holiday"].isna()].mean()
    holiday = calls[d["bank_holiday"].notna()].mean()
    weekend = calls[dates.dt.day_of_week >= 5].mean()
    if d["bank_holiday"].notna().any() and pd.notna(holiday) and pd.notna(workday):
        return (f"Bank holidays (shaded yellow) are {'quieter' if holiday < workday else 'busier'} than other "
                f"weekdays: {holiday:,.0f} calls a day against {workday:,.0f}")
    if pd.notna(weekend) and pd.notna(workday):
        return (f"Weekends are {'quieter' if weekend < workday else 'busier'} than weekdays: {weekend:,.0f} calls a "
                f"day against {workday:,.0f}")
    return "Calls each day over the period"


data = daily.assign(date=daily["date"].dt.strftime("%Y-%m-%d"))[["date", "calls", "bank_holiday"]]
fig = charts.daily_calls(daily, daily_finding(data), sel.subtitle("Inbound calls per day (CBT001); weekends in grey"),
                         sel.source_line, large=sel.large)
render.chart(sel, fig, data, key="demand_daily", grain="area-band", row_key=["date"], finding=daily_finding,
             name="calls each day", caveats=[caveats.CLOSURES])
named = daily[daily["bank_holiday"].notna()]
listed = "; ".join(f"{d:%a %d %b}: {n}" for d, n in zip(named["date"], named["bank_holiday"]))
st.caption((f"Bank holidays shaded: {listed}. " if listed else "") + "Bank holidays and lunchtime or half-day "
           "closures show in the data; they are not performance.")
