"""The metrics registry: every measure the app shows, defined once, as data.

Each `Measure` says what it is (id, labels, help, kind, unit), how it is computed (a numerator
and a denominator over the columns of the `counts` CTE of `area_metrics` in
queries/staging/views.sql), which published files provide it, and NHS England's definition.
The staging SQL renders the measures' columns from here (`select_sql`, put into views.sql by
`staging_sql` when a store opens), so a measure's SQL exists in one place only. Pages, the gate,
the CLI and downloads can read labels and kinds from here too.

Identifiers and expressions come from this module alone, never from user input, and are checked
against a fixed allow-list (`COUNTS_COLUMNS`, `_SQL_WORDS`) before any SQL text is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["count", "share", "rate", "ratio"]
Family = Literal["workbook", "by_day_time", "by_durations", "answered_metric", "list_sizes"]

# The columns of area_metrics' `counts` CTE (queries/staging/views.sql): the only identifiers a
# numerator or denominator may name. tests/test_metrics_registry.py checks this list against the SQL.
COUNTS_COLUMNS = frozenset({
    "level", "area_code", "month", "months", "practices_reporting",
    "inbound", "answered", "ended_in_ivr", "callback_requested", "callback_made", "missed",
    "shared_account_inbound", "rate_inbound", "patients",
    *(f"answered_wait_{i}" for i in range(4)),
    *(f"answered_duration_{i}" for i in range(4)),
    *(f"missed_wait_{i}" for i in range(4)),
    "answered_with_waits", "answered_with_durations", "missed_with_waits",
    "units_unbalanced", "units_without_callbacks",
})
# SQL words an expression may use besides those columns.
_SQL_WORDS = frozenset({"coalesce", "case", "when", "then", "end", "is", "not", "null"})
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_TOKEN = re.compile(r"\s*(?:([a-z_][a-z0-9_]*)|(\d+(?:\.\d+)?)|([-+*/(),]))", re.IGNORECASE)

FAMILIES = frozenset({"workbook", "by_day_time", "by_durations", "answered_metric", "list_sizes"})
OUTCOME_FILES: tuple[Family, ...] = ("workbook", "by_day_time", "by_durations")

MARKER = "-- {measures}"   # the line in views.sql that select_sql() replaces


@dataclass(frozen=True)
class Measure:
    """One measure. `numerator` is a counts column or an expression over counts columns;
    `denominator` a counts column (None for a count). A share, ratio or rate is NULL where its
    denominator is 0 or unknown. `scale` multiplies a rate (1,000 for "per 1,000 patients").
    `better` is None: there are no national targets, so no direction is "better"."""
    id: str
    label: str
    short_label: str
    help: str
    kind: Kind
    unit: str
    numerator: str
    denominator: str | None
    families: tuple[Family, ...]
    definition: str
    scale: int = 1
    trend_name: str | None = None   # the name `trend` on the command line knows it by
    better: None = None

    def sql(self) -> str | None:
        """The SELECT item for area_metrics, or None where the counts CTE already has the column."""
        num = _checked(self.numerator, self.id)
        if self.kind == "count":
            if self.denominator is not None:
                raise ValueError(f"measure {self.id!r}: a count has no denominator")
            return None if num == self.id else f"{num} AS {self.id}"
        if self.denominator is None or not _IDENT.match(self.denominator) or self.denominator not in COUNTS_COLUMNS:
            raise ValueError(f"measure {self.id!r}: denominator {self.denominator!r} is not a counts column")
        if self.kind == "rate":
            return (f"CASE WHEN {self.denominator} > 0 THEN {float(self.scale)!r} * ({num}) / {self.denominator} END"
                    f" AS {self.id}")
        return f"metric_share({num}, {self.denominator}) AS {self.id}"


def _checked(expr: str, measure_id: str) -> str:
    """`expr` if it is made only of counts columns, allowed SQL words, numbers and + - * / ( ) ,"""
    if not _IDENT.match(measure_id):
        raise ValueError(f"measure id {measure_id!r} is not a plain lower-case name")
    pos = 0
    while pos < len(expr.rstrip()):
        m = _TOKEN.match(expr, pos)
        if not m:
            raise ValueError(f"measure {measure_id!r}: unexpected text at {expr[pos:pos + 20]!r}")
        word = m.group(1)
        if word and word not in COUNTS_COLUMNS and word.lower() not in _SQL_WORDS:
            raise ValueError(f"measure {measure_id!r}: {word!r} is not a counts column")
        pos = m.end()
    return expr.strip()


# --------------------------------------------------------------------------------- definitions
BANDS = ("0-60 seconds", "61-120 seconds", "121-300 seconds", "over 300 seconds")
_WHEN = ("within 1 minute", "after 1-2 minutes", "after 2-5 minutes", "after over 5 minutes")
_LASTING = ("under 1 minute", "1-2 minutes", "2-5 minutes", "over 5 minutes")
_SHORT = ("under 1 min", "1-2 min", "2-5 min", "over 5 min")


def _zero(col: str) -> str:
    # A blank band beside published ones is none (the real January 2026 workbook has two practices
    # whose three published wait bands add up to their answered calls, with the fourth blank).
    return f"coalesce({col}, 0)"


BALANCE_GAP = "inbound - (answered + ended_in_ivr + callback_requested + missed)"
WITHIN_2MIN = f"{_zero('answered_wait_0')} + {_zero('answered_wait_1')}"

_ANSWERED = ("CBT003 (answered by practice staff, detail by wait-time bucket) and CBT007 (the same calls by "
             "call-duration bucket; should equal CBT003). Answered = CBT007 where published, else CBT003, as "
             "NHS England's workbook does.")
_SHARE = "Outcome shares are taken against CBT001 (all external inbound calls)."


def _band_shares() -> list[Measure]:
    """The share of each family's calls in each of the four summary bands."""
    specs = [
        ("answered_wait", "answered_with_waits", [f"Answered {w}" for w in _WHEN],
         [f"Wait {s}" for s in _SHORT], "answered calls with a known wait", ("workbook", "answered_metric"),
         "CBT003 by wait-time bucket (workbook Table 4; Calls Answered Metric), as a share of CBT003 across "
         "the four buckets (NHS England's Table 4 percentages use that total, not the answered count)."),
        ("answered_duration", "answered_with_durations", [f"Calls lasting {w}" for w in _LASTING],
         [f"Length {s}" for s in _SHORT], "answered calls with a known length", ("workbook", "by_durations"),
         "CBT007 by call-duration bucket (workbook Table 4; By Durations), as a share of CBT007 across the "
         "four buckets."),
        ("missed_wait", "missed_with_waits", [f"Missed callers who hung up {w}" for w in _WHEN],
         [f"Hung up {s}" for s in _SHORT], "missed calls with a known wait", ("workbook", "by_durations"),
         "CBT004 by wait before hanging up (workbook Table 5; By Durations), as a share of CBT004 across the "
         "four buckets. Missed includes voicemail."),
    ]
    return [
        Measure(f"{prefix}_{i}_share", labels[i], shorts[i], f"Share of {of} in the {BANDS[i]} band.", "share",
                f"share of {of}", _zero(f"{prefix}_{i}"), den, families, definition)
        for prefix, den, labels, shorts, of, families, definition in specs
        for i in range(4)
    ]


MEASURES: tuple[Measure, ...] = (
    Measure("inbound", "Inbound calls", "Inbound", "CBT001: all external inbound calls, including shared-account "
            "calls published under the area.", "count", "calls", "inbound", None, OUTCOME_FILES,
            "CBT001: All external inbound calls.", trend_name="inbound"),
    Measure("answered", "Answered", "Answered", "Calls answered by practice staff (CBT003/CBT007).", "count", "calls",
            "answered", None, OUTCOME_FILES, _ANSWERED),
    Measure("ended_in_ivr", "Ended in the menu (IVR)", "Ended in IVR", "Calls that ended in the automated menu "
            "(CBT002): signposted, diverted or dealt with there.", "count", "calls", "ended_in_ivr", None,
            OUTCOME_FILES, "CBT002: Ended during the IVR (automated menu) stage, before queueing: signposted, "
            "diverted, checked an appointment, sent to online consultation."),
    Measure("callback_requested", "Callback requested", "Callback requested", "Calls where the caller asked to be "
            "called back (CBT005).", "count", "calls", "callback_requested", None, OUTCOME_FILES,
            "CBT005: Callback requested (virtual queue)."),
    Measure("missed", "Missed (includes voicemail)", "Missed", "Calls that reached the queue or rang and ended "
            "unanswered, voicemail included (CBT004).", "count", "calls", "missed", None, OUTCOME_FILES,
            "CBT004: Missed: reached the queue or rang, ended unanswered. Includes voicemail."),
    Measure("callback_made", "Callbacks made", "Callbacks made", "Automatic callbacks made (CBT006).", "count",
            "calls", "callback_made", None, OUTCOME_FILES, "CBT006: Callback made (automatic); follow-up of CBT005."),
    Measure("shared_account_inbound", "Shared-account calls", "Shared-account calls", "Inbound calls of shared "
            "phone accounts published under the area; they cannot be split between practices.", "count", "calls",
            "shared_account_inbound", None, OUTCOME_FILES,
            "Shared accounts: calls of up to 10 practices sharing one phone account, published under practice "
            "'Unassigned'; counted in a PCN only where published with a real PCN code."),
    Measure("answered_within_2min", "Answered within 2 minutes (calls)", "Within 2 min (calls)",
            "Answered calls that waited 2 minutes or less (wait bands 0-60 and 61-120 s).", "count", "calls",
            f"CASE WHEN answered_with_waits IS NOT NULL THEN {WITHIN_2MIN} END", None,
            ("workbook", "answered_metric"), "CBT003 in the wait-time buckets up to 120 seconds."),
    Measure("balance_gap", "Balance gap", "Gap", "Inbound calls minus the four outcomes (answered + ended in IVR + "
            "callback requested + missed); shown, never forced to balance.", "count", "calls", BALANCE_GAP, None,
            OUTCOME_FILES, "The four outcomes should sum to CBT001 but do not for some practices (calls outside "
                           "the call flow, or counted twice). Show the gap; never force it to balance."),
    Measure("answered_share", "Answered", "Answered", "Share of inbound calls answered by practice staff.", "share",
            "share of inbound calls", "answered", "inbound", OUTCOME_FILES, f"{_ANSWERED} {_SHARE}",
            trend_name="answered_share"),
    Measure("ivr_share", "Ended in the menu (IVR)", "Ended in IVR", "Share of inbound calls that ended in the "
            "automated menu (CBT002).", "share", "share of inbound calls", "ended_in_ivr", "inbound", OUTCOME_FILES,
            f"CBT002 ÷ CBT001. {_SHARE}", trend_name="ivr_share"),
    Measure("callback_requested_share", "Callback requested", "Callback requested", "Share of inbound calls where "
            "a callback was requested (CBT005).", "share", "share of inbound calls", "callback_requested", "inbound",
            OUTCOME_FILES, f"CBT005 ÷ CBT001. {_SHARE}", trend_name="callback_share"),
    Measure("missed_share", "Missed (includes voicemail)", "Missed", "Share of inbound calls missed, voicemail "
            "included (CBT004).", "share", "share of inbound calls", "missed", "inbound", OUTCOME_FILES,
            f"CBT004 ÷ CBT001. {_SHARE}", trend_name="missed_share"),
    Measure("callback_made_ratio", "Callbacks made ÷ requested", "Callbacks made ÷ requested", "CBT006 ÷ CBT005. "
            "Where no callbacks were requested the practice does not use the feature: blank, not 0% or 100%.",
            "ratio", "callbacks made per callback requested", "callback_made", "callback_requested", OUTCOME_FILES,
            "Callbacks made / callbacks requested (CBT006 ÷ CBT005), around 99.5% nationally; 0 requested means "
            "the feature is not used, not perfect."),
    Measure("answered_within_2min_share", "Answered within 2 minutes", "Within 2 min", "Share of answered calls "
            "with a known wait that waited 2 minutes or less (wait bands 0-60 and 61-120 s).", "share",
            "share of answered calls with a known wait", WITHIN_2MIN, "answered_with_waits",
            ("workbook", "answered_metric"),
            "CBT003 answered within 120 seconds ÷ CBT003 across all wait-time buckets (NHS England's Table 4 "
            "percentages are of the wait bands' own total, which can differ from the answered count, CBT007).",
            trend_name="answered_within_2min_share"),
    Measure("balance_gap_share", "Balance gap (share of inbound)", "Gap share", "The balance gap as a share of "
            "inbound calls.", "share", "share of inbound calls", BALANCE_GAP, "inbound", OUTCOME_FILES,
            "Inbound calls not accounted for by the four outcomes, ÷ CBT001."),
    Measure("shared_account_share", "Shared-account calls (share of inbound)", "Shared-account share",
            "Inbound calls through shared phone accounts published under the area, as a share of its inbound "
            "calls.", "share", "share of inbound calls", "shared_account_inbound", "inbound", OUTCOME_FILES,
            "Shared-account calls (practice 'Unassigned') ÷ CBT001; about 6-7% of all inbound calls."),
    Measure("calls_per_1000", "Calls per 1,000 patients a month", "Per 1,000 patients", "Calls at named practices "
            "with a known list size, per 1,000 of their registered patients, per month (list dated the 1st of "
            "each month). Needs a list-size file.", "rate", "calls per 1,000 registered patients a month",
            "rate_inbound", "patients", (*OUTCOME_FILES, "list_sizes"),
            "CBT001 per 1,000 registered patients, using the list dated the 1st of the call month.",
            scale=1000, trend_name="inbound_per_1000"),
    *_band_shares(),
)

_BY_ID = {m.id: m for m in MEASURES}
_BY_TREND = {m.trend_name: m for m in MEASURES if m.trend_name}


def by_id(measure_id: str) -> Measure:
    """The measure called `measure_id`, or its trend name (e.g. 'callback_share')."""
    try:
        return _BY_ID.get(measure_id) or _BY_TREND[measure_id]
    except KeyError:
        raise KeyError(f"no measure {measure_id!r}; known: {', '.join(sorted(_BY_ID))}") from None


def select_sql(measures: tuple[Measure, ...] = MEASURES) -> str:
    """The SELECT items for area_metrics' final SELECT (after `*`), one per derived measure."""
    if len({m.id for m in measures}) != len(measures):
        raise ValueError("two measures share an id")
    items = [s for s in (m.sql() for m in measures) if s]
    return ",\n       ".join(items)


def staging_sql(text: str) -> str:
    """views.sql with its `-- {measures}` line replaced by the registry's SELECT items."""
    lines = text.split("\n")
    hits = [i for i, line in enumerate(lines) if line.strip() == MARKER]
    if len(hits) != 1:
        raise ValueError(f"the staging SQL must hold the line {MARKER!r} exactly once, found {len(hits)}")
    indent = lines[hits[0]][: len(lines[hits[0]]) - len(lines[hits[0]].lstrip())]
    lines[hits[0]] = indent + select_sql()
    return "\n".join(lines)
