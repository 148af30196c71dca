"""What every column a page releases holds: its kind (which drives disclosure control), its
human label with units (which downloads and tables show) and how it is written.

A released frame's columns are registry measure ids (telephony/metrics.py), the registry's
counts columns, or the few columns declared here (dimensions such as month or weekday, and
figures the registry does not hold: calls by time band, call-log counts, distribution
statistics). Kinds:
  * dimension: names a row (month, weekday, band); never changed;
  * count: calls or patients; disclosure control rounds it (1-7 become '*', others to 5);
  * share, ratio, rate: numerator ÷ denominator (× scale); under disclosure control they are
    recomputed from the controlled numerator and denominator, which must be in the same frame;
  * number: days, practices, months, seconds: not a count of people or calls, never rounded;
  * statistic: a summary over many areas (quantiles of PCNs' shares), never rounded.
`fmt` says how a value is written: int, pct (a 0-1 share written as a percentage), dec (one
decimal place), text. No Streamlit here: the CLI and tests use it too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from telephony import metrics

ColumnKind = Literal["dimension", "count", "share", "ratio", "rate", "number", "statistic"]
Fmt = Literal["int", "pct", "dec", "text"]
CONTROLLED = frozenset({"count", "share", "ratio", "rate"})


@dataclass(frozen=True)
class Column:
    id: str
    label: str                        # human column name, with its unit
    kind: ColumnKind
    fmt: Fmt = "text"
    numerator: str | None = None      # a column of the same frame (share, ratio, rate)
    denominator: str | None = None
    scale: int = 1
    per: str | None = None            # a rate further divided by this number column (working days)


def _count(cid: str, label: str) -> Column:
    return Column(cid, label, "count", "int")


def _number(cid: str, label: str) -> Column:
    return Column(cid, label, "number", "int")


def _dim(cid: str, label: str) -> Column:
    return Column(cid, label, "dimension")


_COALESCED = re.compile(r"^coalesce\((\w+), 0\)$")


def _numerator_column(m: metrics.Measure) -> str | None:
    """The frame column holding `m`'s numerator: the counts column it names, or the count
    measure defined by the same expression (e.g. answered_within_2min for its share)."""
    expr = m.numerator.strip()
    if re.fullmatch(r"[a-z][a-z0-9_]*", expr):
        return expr
    if found := _COALESCED.match(expr):
        return found.group(1)
    for other in metrics.MEASURES:
        if other.kind == "count" and (other.numerator == expr or expr in other.numerator):
            return other.id
    return None


def _from_measure(m: metrics.Measure) -> Column:
    if m.kind == "count":
        label = m.label if "call" in m.label.lower() else f"{m.label} (calls)"
        return Column(m.id, label, "count", "int")
    if m.kind == "rate":
        return Column(m.id, m.label, "rate", "dec", _numerator_column(m), m.denominator, m.scale)
    of = m.unit.removeprefix("share ") if m.kind == "share" else ""
    name = re.sub(r" \(share of [^)]*\)$", "", m.label)   # "Balance gap (share of inbound)"
    label = f"{name} (% {of})" if of else f"{name} (%)"
    return Column(m.id, label, m.kind, "pct", _numerator_column(m), m.denominator)


_WHEN = ("within 1 minute", "after 1-2 minutes", "after 2-5 minutes", "after over 5 minutes")
_LASTING = ("under 1 minute", "1-2 minutes", "2-5 minutes", "over 5 minutes")

_DECLARED: tuple[Column, ...] = (
    # Dimensions: what a row is.
    _dim("month", "Month"), _dim("date", "Date"), _dim("weekday", "Weekday"), _dim("time_band", "Time of call"),
    _dim("band_seconds", "Band (seconds)"), _dim("starting", "Starting at"), _dim("wait", "Time waited"),
    _dim("metric", "Measure"), _dim("outcome", "Outcome"), _dim("area", "Area"), _dim("bank_holiday", "Bank holiday"),
    _dim("has_workbook", "Workbook"), _dim("has_day_and_time", "By Day and Time"),
    _dim("has_durations", "By Durations"), _dim("has_answered_metric", "Calls Answered"),
    # The registry's counts columns that are not measures themselves.
    *(_count(f"answered_wait_{i}", f"Answered {w} (calls)") for i, w in enumerate(_WHEN)),
    *(_count(f"answered_duration_{i}", f"Answered calls lasting {w}") for i, w in enumerate(_LASTING)),
    *(_count(f"missed_wait_{i}", f"Missed callers who hung up {w} (calls)") for i, w in enumerate(_WHEN)),
    _count("answered_with_waits", "Answered calls with a known wait"),
    _count("answered_with_durations", "Answered calls with a known length"),
    _count("missed_with_waits", "Missed calls with a known wait"),
    _count("rate_inbound", "Inbound calls at practices with a known list size"),
    _count("patients", "Registered patients"),
    _number("practices_reporting", "Practices reporting"), _number("months", "Months"),
    _number("units_unbalanced", "Practices and shared accounts whose outcomes do not add up"),
    _number("units_without_callbacks", "Practices and shared accounts without callbacks"),
    # Calls by time band or day (Demand, call logs) and what is derived from them.
    _count("calls", "Calls"), _number("days", "Days"),
    _count("period_total", "Inbound calls in the period"),
    Column("calls_per_day", "Average calls a day", "rate", "dec", "calls", "days"),
    Column("share_of_period", "Share of the period's calls (%)", "share", "pct", "calls", "period_total"),
    Column("share_of_inbound", "Share of inbound calls (%)", "share", "pct", "calls", "inbound"),
    # Call logs.
    _number("wait_lo", "From (seconds)"), _number("wait_hi", "To (seconds)"),
    _count("calls_with_number", "Calls with a caller number"), _count("callers", "Callers"),
    _count("repeat_callers", "Callers who rang 2 or more times"),
    _count("repeat_calls", "Calls from callers who rang 2 or more times"),
    Column("repeat_call_share", "Calls from repeat callers (% of calls with a number)", "share", "pct",
           "repeat_calls", "calls_with_number"),
    # Process limits of a count (SPC): derived from counts, so controlled like them.
    _count("centre", "Centre line (mean, calls)"), _count("upper", "Upper process limit (calls)"),
    _count("lower", "Lower process limit (calls)"),
    # SPC (Trends, the meeting pack): the value's centre line and process limits. Of a count they
    # are counts; of a share or rate, summaries over months (statistics).
    *(Column(f"{part}_share", f"{name} (%)", "statistic", "pct")
      for part, name in (("centre", "Centre line (mean)"), ("lower", "Lower process limit"),
                         ("upper", "Upper process limit"))),
    *(Column(f"{part}_rate", name, "statistic", "dec")
      for part, name in (("centre", "Centre line (mean)"), ("lower", "Lower process limit"),
                         ("upper", "Upper process limit"))),
    _number("working_days", "Working days"), _number("period", "SPC period"),
    _dim("limits", "Limits"), _dim("special_cause", "Special cause"), _dim("rule", "Rule that fired"),
    _dim("direction", "Direction"), _dim("assessment", "Assessment"),
    Column("inbound_per_1000_per_working_day", "Inbound calls per 1,000 patients per working day", "rate", "dec",
           "rate_inbound", "patients", 1000, per="working_days"),
    # Distributions over PCNs (Context): anonymous quantiles of shares.
    _number("pcns", "PCNs"),
    *(Column(f"p{q}", f"{q}th percentile of PCNs (%)", "statistic", "pct") for q in range(10, 100, 10)),
    Column("pcn_value", "This PCN (%)", "statistic", "pct"),
)

COLUMNS: dict[str, Column] = {c.id: c for c in _DECLARED}
for _m in metrics.MEASURES:
    if _m.id in COLUMNS:
        raise ValueError(f"column {_m.id!r} is declared here and in the metrics registry")
    COLUMNS[_m.id] = _from_measure(_m)


def get(column_id) -> Column | None:
    """The declared column called `column_id`, or None."""
    return COLUMNS.get(str(column_id))


def spc_limits(kind: str) -> tuple[str, str, str]:
    """The (centre, lower, upper) columns for the SPC limits of a measure of `kind`."""
    suffix = {"count": "", "share": "_share", "ratio": "_share"}.get(kind, "_rate")
    return f"centre{suffix}", f"lower{suffix}", f"upper{suffix}"


def label(column_id) -> str:
    """The human label for a column id; an undeclared name is shown as it is."""
    found = get(column_id)
    return found.label if found else str(column_id)
