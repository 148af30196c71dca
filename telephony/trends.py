"""Trends over months: one measure's monthly series for an area, its XmR chart (telephony/spc.py),
the wait-time series break, local events, and before/after comparisons at an event.

Series come from queries/area_month_trend.sql (the registry's measures per month, plus each month's
working days: Monday to Friday less England's bank holidays). Values: shares as fractions 0-1,
counts as numbers, "per 1,000 patients" per working day.

Events are dated local changes ("new phone system", 3 March 2026) kept in the store's `events`
table: in a library's database file they persist; in a session's store they last the session.
A rebase at a month starts a new SPC period there; an event's month counts as after it (an event
on 3 March rebases at March), as most of that month's calls came after the change.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from telephony import columns, metrics, spc
from telephony import text as tx

# In the order the Trends page shows them.
NAMES = ("inbound_per_1000", "inbound", "answered_share", "missed_share", "ivr_share", "callback_share",
         "answered_within_2min_share")
# From June 2026 NHS England publishes answered waits from the Calls Answered Metric file, and one
# supplier corrected its method: a series break (cbt-data.md, section 5). Charts of these measures
# start a new period there whenever their months span it.
SERIES_BREAK = dt.date(2026, 6, 1)
BREAK_MEASURES = frozenset({"answered_within_2min_share"})
BREAK_TEXT = "Series break: Calls Answered Metric"
ALL_MONTHS = (dt.date(1900, 1, 1), dt.date(9999, 12, 1))
LABEL_MAX = 80


@dataclass(frozen=True)
class TrendMeasure:
    """A measure as the Trends page and the `trend` command know it (`name`: its trend name)."""

    name: str
    measure: metrics.Measure
    label: str           # what the chart and the sentences call it
    axis: str            # the y-axis title
    per_working_day: bool

    @property
    def is_share(self) -> bool:
        return self.measure.kind == "share"

    @property
    def column(self) -> str:
        return self.measure.id

    def fmt(self, v: float) -> str:
        if self.is_share:
            return f"{v:.1%}"
        # a PCN's calls a working day are in the hundreds or thousands; a rate per 1,000 patients
        # in tens: one decimal below 1,000 keeps a change of a few percent visible
        return f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"

    def diff_fmt(self, v: float) -> str:
        return f"{100 * v:.1f} percentage points" if self.is_share else self.fmt(v)


# A share's numerator where the registry gives it as an expression: the count measure of the same calls.
_NUMERATOR_COLUMNS = {"answered_within_2min_share": "answered_within_2min"}


def measure(name: str) -> TrendMeasure:
    """The trend measure called `name` (one of NAMES); ValueError naming the known ones."""
    if name not in NAMES:
        raise ValueError(f"no trend measure {name!r}; known: {', '.join(NAMES)}")
    m = metrics.by_id(name)
    if name == "inbound_per_1000":
        # The registry's rate is per month; months differ in working days (19 to 23), so the
        # trend divides by them.
        label = m.label.removesuffix(" a month") + " per working day"
        return TrendMeasure(name, m, label, "Calls per 1,000 patients per working day", True)
    axis = "Calls" if m.kind == "count" else m.unit[0].upper() + m.unit[1:]
    return TrendMeasure(name, m, m.label, axis, False)


def area_months(store, level: str, code: str) -> pd.DataFrame:
    """Every month loaded for one area (`level` 'pcn', 'icb' or 'england'): all measures, plus
    `working_days`."""
    start, end = ALL_MONTHS
    return store.query("area_month_trend", level=level, code=code or "", start=start, end=end)


def series(frame: pd.DataFrame, name: str, *, per_working_day: bool = False) -> pd.DataFrame:
    """(month, value) of one measure, months without a value left out. `per_working_day` divides
    counts by the month's working days (before/after compares months that way); shares are ratios
    already, and inbound_per_1000 is always per working day."""
    tm = measure(name)
    if frame.empty:
        return pd.DataFrame({"month": pd.Series([], dtype="object"), "value": pd.Series([], dtype=float)})
    value = pd.to_numeric(frame[tm.column], errors="coerce").astype(float)
    if tm.per_working_day or (per_working_day and tm.measure.kind == "count"):
        value = value / frame["working_days"].astype(float)
    out = pd.DataFrame({"month": [pd.Timestamp(m).date() for m in frame["month"]], "value": value})
    return out[out["value"].map(lambda v: v is not None and math.isfinite(v))].reset_index(drop=True)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# ------------------------------------------------------------------------------------ the chart
@dataclass(frozen=True)
class Trend:
    """An XmR chart of one measure: one spc.Point per month, and where each period starts."""

    measure: TrendMeasure
    months: tuple[dt.date, ...]
    points: tuple[spc.Point, ...]
    rebases: tuple[dt.date, ...]          # months starting a new period (after the first)
    notes: tuple[str, ...]                # plain text: series break, rebases left out

    @property
    def limits_kinds(self) -> set[str]:
        return {p.limits_kind for p in self.points}

    def rows(self) -> list[dict]:
        """One object per month, as the `trend` command prints it."""
        return [{"month": f"{m:%Y-%m}", "value": p.value, "mean": p.mean, "lower": p.lower, "upper": p.upper,
                 "special_cause": p.special_cause, "rule": p.rule}
                for m, p in zip(self.months, self.points)]

    def frame(self, better: str | None = None) -> pd.DataFrame:
        """The chart's numbers (for a download): month, value, centre, limits, rule, direction and,
        where `better` is given, improvement/concern."""
        return pd.DataFrame([{
            "month": f"{m:%Y-%m}", "value": p.value, "period": p.period + 1, "limits": p.limits_kind,
            "centre": p.mean, "lower_limit": p.lower, "upper_limit": p.upper,
            "special_cause": p.special_cause, "rule": p.rule, "direction": p.direction,
            "assessment": spc.assessment(p, better),
        } for m, p in zip(self.months, self.points)])


def numbers_behind(t: Trend, frame: pd.DataFrame, better: str | None = None) -> pd.DataFrame:
    """The chart's numbers for a download, in columns telephony/columns.py declares: the value
    under its measure's id with the counts it is made of (so disclosure control can round them and
    recompute the value), its centre line and limits, and the SPC verdict for each month."""
    tm = t.measure
    kind = "rate" if tm.per_working_day else tm.measure.kind
    centre, lower, upper = columns.spc_limits(kind)
    out = t.frame(better).rename(columns={"centre": centre, "lower_limit": lower, "upper_limit": upper})
    by_month = frame.assign(month=[f"{pd.Timestamp(m):%Y-%m}" for m in frame["month"]]).set_index("month")
    if tm.per_working_day:
        value, parts = "inbound_per_1000_per_working_day", ("rate_inbound", "patients", "working_days")
    else:
        spec = columns.get(tm.measure.id)
        value, parts = tm.measure.id, tuple(p for p in (spec.numerator, spec.denominator) if p)
    out = out.rename(columns={"value": value})
    for col in parts:
        out[col] = out["month"].map(by_month[col])
    return out[["month", *parts, value, "period", "limits", centre, lower, upper, "special_cause", "rule",
                "direction", "assessment"]]


def rebase_positions(months: Sequence[dt.date], at: Iterable[dt.date]) -> tuple[list[int], list[dt.date]]:
    """(positions, months left out): each rebase month's position, the first month loaded on or
    after it. A rebase on or before the first month, or after the last, cannot start a period."""
    positions, outside = [], []
    for when in sorted(set(month_of(d) for d in at)):
        pos = next((i for i, m in enumerate(months) if m >= when), None)
        if pos is None or pos == 0:
            outside.append(when)
        elif pos not in positions:
            positions.append(pos)
    return sorted(positions), outside


def spans_break(name: str, months: Sequence[dt.date]) -> bool:
    return (name in BREAK_MEASURES and bool(months) and months[0] < SERIES_BREAK
            and any(m >= SERIES_BREAK for m in months))


def trend(frame: pd.DataFrame, name: str, rebase: Iterable[dt.date] = (), *, strict: bool = False) -> Trend:
    """The XmR chart of measure `name` over the months of `frame` (area_months), rebased at each
    month in `rebase` and, for wait measures whose months span it, at the June 2026 series break.
    `strict`: a rebase outside the months raises ValueError (the command line) rather than
    becoming a note (the page, where events may lie outside the months loaded)."""
    tm = measure(name)
    data = series(frame, name)
    months = tuple(data["month"])
    wanted = [month_of(d) for d in rebase]
    notes = []
    if spans_break(name, months):
        wanted.append(SERIES_BREAK)
        notes.append(f"Limits start again at {SERIES_BREAK:%B %Y}: from then NHS England publishes answered "
                     "waits from the Calls Answered Metric file, and one supplier corrected its method "
                     "(a series break).")
    positions, outside = rebase_positions(months, wanted)
    if outside and months:
        if strict:
            raise ValueError(f"cannot rebase at {', '.join(f'{m:%Y-%m}' for m in outside)}: a rebase must fall after "
                             f"the first month with a value ({months[0]:%Y-%m}) and not after the last "
                             f"({months[-1]:%Y-%m})")
        notes.append("Not rebased at " + ", ".join(f"{m:%B %Y}" for m in outside)
                     + ": outside the months with a value.")
    points = tuple(spc.xmr(list(data["value"]), positions)) if months else ()
    missing = len(frame) - len(months)
    if missing > 0 and months:
        notes.append(f"{missing} month{'s' if missing != 1 else ''} loaded without a value for this measure "
                     "left out.")
    return Trend(tm, months, points, tuple(months[p] for p in positions), tuple(notes))


def limits_note(t: Trend) -> str:
    """What the limits are, in words, for the chart's subtitle: full, trial or none (a run chart)."""
    kinds = t.limits_kinds
    if not t.points:
        return "No months with a value"
    if kinds == {"limits"}:
        return "Process limits from 12 or more months" + (" per period" if t.rebases else "")
    if kinds == {"none"}:
        return (f"Run chart: too few months for limits (fewer than {spc.TRIAL_LIMITS_FROM}"
                + (" in each period" if t.rebases else "") + "); the line is the mean")
    if "none" in kinds:
        return (f"Trial limits where a period has {spc.TRIAL_LIMITS_FROM}-{spc.FULL_LIMITS_FROM - 1} months; "
                "a run chart where it has fewer")
    return f"Trial limits: fewer than {spc.FULL_LIMITS_FROM} months" + (" in a period" if t.rebases else "")


def headline(t: Trend) -> str:
    """An active title: the latest month against the centre line and any special cause now. Plain
    text (the caller escapes it)."""
    if not t.points:
        return f"{t.measure.label}: no months with a value"
    last, month = t.points[-1], t.months[-1]
    level = f"{t.measure.label}: {t.measure.fmt(last.value)} in {month:%B %Y}"
    if last.special_cause:
        return f"{level}: special cause ({last.describe()})"
    flagged = sum(p.special_cause for p in t.points)
    if last.limits_kind == "none":
        return f"{level}; too few months for limits yet"
    if flagged:
        return f"{level}; {flagged} earlier month{'s' if flagged != 1 else ''} showed special cause"
    return f"{level}; only common cause variation"


# ----------------------------------------------------------------------------------- events
@dataclass(frozen=True)
class Event:
    event_id: int
    date: dt.date
    label: str

    @property
    def title(self) -> str:
        """'new phone system, 3 March 2026' (plain text: escape it where shown)."""
        return f"{self.label}, {self.date.day} {self.date:%B %Y}"


def _checked(date, label: str) -> tuple[dt.date, str]:
    """An event's date and cleaned label (one line, no control characters); ValueError with a
    plain message for an empty or over-long label or a date that is not a date."""
    text = tx.clean(label)
    if not text:
        raise ValueError("An event needs a short description, e.g. 'new phone system'.")
    if len(text) > LABEL_MAX:
        raise ValueError(f"An event's description can be at most {LABEL_MAX} characters; this one has {len(text)}.")
    if not isinstance(date, dt.date):
        raise ValueError(f"An event needs a date, not {date!r}.")
    return (date.date() if isinstance(date, dt.datetime) else date), text


class StoreEvents:
    """Events in a store's `events` table: a session's store (the sample, uploads) keeps them
    until the session ends; a writable library database keeps them (the command line)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def list(self) -> list[Event]:
        rows = self.con.execute("SELECT event_id, date, label FROM events ORDER BY date, event_id").fetchall()
        return [Event(int(i), d, label) for i, d, label in rows]

    def add(self, date: dt.date, label: str) -> Event:
        date, text = _checked(date, label)
        event_id = self.con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM events").fetchall()[0][0]
        self.con.execute("INSERT INTO events VALUES ($id, $date, $label, now()::TIMESTAMP)",
                         {"id": event_id, "date": date, "label": text})
        return Event(int(event_id), date, text)

    def remove(self, event_id: int) -> None:
        self.con.execute("DELETE FROM events WHERE event_id = $id", {"id": int(event_id)})


EVENTS_FILE = "events.json"
_FILE_LOCK = threading.Lock()   # sessions of one server adding at once


class FolderEvents:
    """Events kept in a library folder's `events.json`, beside its database: the app reads the
    library's database read-only (many sessions share it), so events cannot go in there. Written
    whole to a temporary file and moved into place, so a reader never sees half a file. A
    damaged file raises ValueError naming it, never loses the file."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / EVENTS_FILE

    def _read(self) -> list[dict]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise ValueError(f"The library's events file {self.path} cannot be read ({exc}); it was left as it "
                             "is. Move it aside to start a new one.") from exc
        if not isinstance(rows, list):
            raise ValueError(f"The library's events file {self.path} does not hold a list of events; it was left "
                             "as it is.")
        return rows

    def list(self) -> list[Event]:
        out = []
        for row in self._read():
            try:
                out.append(Event(int(row["id"]), dt.date.fromisoformat(row["date"]), tx.clean(str(row["label"]))))
            except (KeyError, TypeError, ValueError):
                continue   # a hand-edited entry that is not an event: left in the file, not shown
        return sorted(out, key=lambda e: (e.date, e.event_id))

    def _write(self, rows: list[dict]) -> None:
        tmp = self.path.with_name(f".{EVENTS_FILE}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(rows, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ValueError(f"Events cannot be saved in the library folder {self.path.parent} ({exc.strerror or exc})."
                             ) from exc

    def add(self, date: dt.date, label: str) -> Event:
        date, text = _checked(date, label)
        with _FILE_LOCK:
            rows = self._read()
            # Past every id in the file, a hand-edited entry's too (a shared id would be removed twice).
            event_id = 1 + max((r["id"] for r in rows if isinstance(r, dict) and type(r.get("id")) is int), default=0)
            rows.append({"id": event_id, "date": date.isoformat(), "label": text,
                         "recorded": dt.datetime.now().isoformat(timespec="seconds")})
            self._write(rows)
        return Event(event_id, date, text)

    def remove(self, event_id: int) -> None:
        with _FILE_LOCK:
            rows = self._read()
            self._write([r for r in rows if not (isinstance(r, dict) and r.get("id") == int(event_id))])


def event_book(store) -> StoreEvents | FolderEvents:
    """Where a store's events are kept: the library's folder for the library the app reads
    (read-only), else the store's own `events` table."""
    if getattr(store, "read_only", False) and getattr(store, "root", None) is not None:
        return FolderEvents(store.root)
    return StoreEvents(store.con)


def events(con: duckdb.DuckDBPyConnection) -> list[Event]:
    """The events recorded in a store's database, oldest first."""
    return StoreEvents(con).list()


def add_event(con: duckdb.DuckDBPyConnection, date: dt.date, label: str) -> Event:
    """Record an event in a store's database (see StoreEvents.add)."""
    return StoreEvents(con).add(date, label)


def remove_event(con: duckdb.DuckDBPyConnection, event_id: int) -> None:
    StoreEvents(con).remove(event_id)


# ----------------------------------------------------------------------------- before / after
@dataclass(frozen=True)
class Comparison:
    """Before and after an event for one measure (values per working day for counts)."""

    measure: TrendMeasure
    event: Event
    months_before: int
    months_after: int
    mean_before: float | None
    mean_after: float | None
    difference: float | None
    special_cause: bool
    sentence: str           # plain text


def before_after(frame: pd.DataFrame, name: str, event: Event) -> Comparison:
    """Mean before and after `event`, the difference, and whether the months since show special
    cause against the limits of the months before (spc.before_after), in one sentence. Counts are
    compared per working day. For a wait measure, months on the other side of the June 2026 series
    break from the event are left out (they were measured differently)."""
    tm = measure(name)
    data = series(frame, name, per_working_day=True)
    label = tm.label + (" per working day" if tm.measure.kind == "count" else "")
    at = month_of(event.date)
    note = ""
    months = list(data["month"])
    if spans_break(name, months):
        keep = data["month"] >= SERIES_BREAK if at >= SERIES_BREAK else data["month"] < SERIES_BREAK
        data = data[keep].reset_index(drop=True)
        note = (f" Months {'before' if at >= SERIES_BREAK else 'from'} {SERIES_BREAK:%B %Y} are left out: "
                "wait times break in series then.")
    before, after = data[data["month"] < at], data[data["month"] >= at]
    nb, na = len(before), len(after)
    if not nb or not na:
        side = "before" if not nb else "since"
        return Comparison(tm, event, nb, na, None, None, None, False,
                          f"{label}: no months loaded {side} {event.title} to compare.{note}")
    result = spc.before_after(list(data["value"]), nb, measure=label, event=event.title, fmt=tm.fmt, unit="month",
                              diff_fmt=tm.diff_fmt)
    return Comparison(tm, event, nb, na, result.mean_before, result.mean_after, result.difference,
                      result.special_cause, result.sentence + note)
