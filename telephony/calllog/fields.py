"""The fields a call log can hold, and a suggested column for each from the file's headers.

Suppliers name their columns in many ways ("Queue Time", "Wait (s)", "Time in queue",
"Ring time"; "Status", "Result", "Call Outcome", "Disposition"). A header is matched after
normalising it (case, punctuation, footnote markers, unit suffixes such as "(s)" or
"hh:mm:ss") against a list of synonyms per field; the values under it must then look right for
the field (a date and time, a number of seconds, a yes/no flag...), so a "Date" column holding
date and time is suggested as the call start, and one holding only dates as the call date.
The user confirms or corrects every suggestion before anything is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telephony.formats import normalise_header


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    help: str


FIELDS = (
    Field("start", "Call start (date and time)", "When the call arrived, date and time in one column."),
    Field("date", "Call date", "Only if the date and the time are in separate columns."),
    Field("time", "Call time", "Only if the date and the time are in separate columns."),
    Field("site", "Practice or site", "Only if one file holds calls for several practices or sites."),
    Field("outcome", "How the call ended (outcome, status or result)", "Mapped to the national outcomes below."),
    Field("wait", "Seconds waiting (queue or ring time)", "Seconds, or mm:ss / hh:mm:ss."),
    Field("talk", "Seconds talking (call duration)", "Seconds, or mm:ss / hh:mm:ss."),
    Field("callback_requested", "Callback requested (yes/no)", "A call with this set counts as callback requested."),
    Field("callback_made", "Callback made (yes/no)", "Counts callbacks made (CBT006)."),
    Field("caller", "Caller's number",
          "Used only to count repeat callers: salted and hashed while loading, then dropped. Never stored or shown."),
    Field("direction", "Direction (inbound/outbound)", "Only inbound calls count; others are reported as left out."),
    Field("call_id", "Call ID", "Finds calls listed twice."),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
LABELS = {f.name: f.label for f in FIELDS}

# Synonyms, normalised (see header_key). Within a field, earlier entries are preferred.
_WHEN = ("start time", "call start", "call start time", "start date time", "start datetime", "started",
         "call started", "date time", "datetime", "call date time", "timestamp", "time stamp", "start",
         "date and time", "received", "call received", "time received", "time of call", "call time",
         "date", "call date", "day", "time", "start date", "arrival time", "entered")
SYNONYMS: dict[str, tuple[str, ...]] = {
    "site": ("site", "practice", "practice code", "ods", "ods code", "organisation", "organisation code",
             "org code", "location", "branch", "surgery", "site name", "practice name", "tenant",
             "account", "account name", "practice ods code", "service", "dialled service"),
    "outcome": ("outcome", "call outcome", "status", "call status", "result", "call result", "disposition",
                "end reason", "final status", "call state", "state", "termination reason", "reason",
                "call type", "answered status", "disconnect reason"),
    "wait": ("queue time", "time in queue", "wait time", "wait", "waiting time", "queue wait", "queue duration",
             "wait duration", "hold time", "ring time", "time to answer", "answer time", "speed of answer",
             "queued", "queue", "time waiting", "waited", "ringing time", "ring duration"),
    "talk": ("talk time", "talk", "talk duration", "conversation time", "conversation duration",
             "call duration", "duration", "handle time", "handling time", "call length", "length",
             "connected time", "connected duration", "billable seconds", "billsec", "speaking time", "answered time"),
    "callback_requested": ("callback requested", "call back requested", "callback", "call back", "callback request",
                           "virtual queue", "cb requested", "callback req", "requested callback", "ring back requested",
                           "callback offered accepted"),
    "callback_made": ("callback made", "call back made", "callback completed", "callback complete", "callback done",
                      "callback dialled", "callback attempted", "call back completed", "cb made", "callback result"),
    "caller": ("caller", "caller id", "callerid", "cli", "caller number", "caller no", "calling number",
               "from", "from number", "caller phone", "phone number", "telephone number", "number", "ani",
               "source number", "caller telephone", "telephone", "originating number", "customer number"),
    "direction": ("direction", "call direction", "inbound outbound", "in out", "type", "call type"),
    "call_id": ("call id", "callid", "call reference", "call ref", "unique id", "uniqueid", "id", "reference",
                "uuid", "call uuid", "record id", "call identifier"),
}
_UNIT_WORDS = {"s", "sec", "secs", "second", "seconds", "hh", "mm", "ss", "hhmmss", "mmss", "min", "mins",
               "minutes", "in", "hms"}
_TOKEN = re.compile(r"[a-z0-9]+")

# Value shapes, checked on a sample of non-empty values.
_DATE = r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})"
_TIME = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s*[ap]m)?"
DATETIME_RE = re.compile(rf"^\s*{_DATE}[ T]{_TIME}\s*(z|[+-]\d{{2}}:?\d{{2}})?\s*$", re.IGNORECASE)
DATE_RE = re.compile(rf"^\s*{_DATE}(\s+0?0:00(:00)?)?\s*$")
TIME_RE = re.compile(rf"^\s*{_TIME}\s*$", re.IGNORECASE)
SECONDS_RE = re.compile(r"^\s*(\d+(\.\d+)?\s*(s|sec|secs|seconds)?|\d+:\d{1,2}(:\d{1,2})?(\.\d+)?)\s*$",
                        re.IGNORECASE)
PHONE_RE = re.compile(r"^\s*(\+?\d[\d\s()-]{8,18}\d)\s*$")
FLAG_TRUE = frozenset({"yes", "y", "true", "t", "1", "x", "requested", "made", "completed", "complete", "done",
                       "success", "successful", "called back"})
FLAG_FALSE = frozenset({"", "no", "n", "false", "f", "0", "none", "not requested", "not made", "failed",
                        "unsuccessful", "pending", "cancelled", "canceled", "n a", "na"})
INBOUND = frozenset({"in", "inbound", "incoming", "inbound call", "incoming call", "external inbound",
                     "inbound external", "i", "received", "external", "inbound external call"})
OUTBOUND_HINTS = frozenset({"out", "outbound", "outgoing", "internal", "o"})


def header_key(text: object) -> str:
    """'Queue Time (secs)' -> 'queue time'; 'Wait [1]' -> 'wait'; 'Caller-ID' -> 'caller id'."""
    tokens = _TOKEN.findall(normalise_header(text))
    while len(tokens) > 1 and tokens[-1] in _UNIT_WORDS:
        tokens.pop()
    return " ".join(tokens)


def value_key(text: object) -> str:
    """A supplier word as matched against the vocabularies and profiles: 'Voice-mail ' -> 'voice mail'.
    The SQL that loads calls normalises cells the same way (lower case, runs of anything but a-z
    and 0-9 to one space, trimmed)."""
    return " ".join(_TOKEN.findall(str(text or "").lower()))


def _share(values: list[str], pattern: re.Pattern) -> float:
    vals = [v for v in values if v.strip()]
    return sum(bool(pattern.match(v)) for v in vals) / len(vals) if vals else 0.0


def value_shape(values: list[str]) -> str | None:
    """What most sampled values look like: 'datetime', 'date', 'time', 'seconds', 'phone', 'flag',
    'direction' or None."""
    vals = [v for v in values if v and v.strip()]
    if not vals:
        return None
    checks = (("datetime", DATETIME_RE), ("date", DATE_RE), ("time", TIME_RE), ("phone", PHONE_RE),
              ("seconds", SECONDS_RE))
    for shape, pattern in checks:
        if _share(vals, pattern) >= 0.8:
            return shape
    keys = [value_key(v) for v in vals]
    if sum(k in FLAG_TRUE | FLAG_FALSE for k in keys) / len(keys) >= 0.9:
        return "flag"
    if sum(k in INBOUND | OUTBOUND_HINTS for k in keys) / len(keys) >= 0.9:
        return "direction"
    return None


def looks_like_phone_numbers(values: list[str]) -> bool:
    return value_shape(values) == "phone"


@dataclass(frozen=True)
class Suggestion:
    field: str
    header: str
    score: float
    why: str


def _synonym_score(key: str, synonyms: tuple[str, ...]) -> tuple[float, str]:
    """3 for an exact synonym (earlier ones a little higher), 2 for a synonym whose words all
    appear in the header; 0 otherwise."""
    tokens = set(key.split())
    best, why = 0.0, ""
    for i, syn in enumerate(synonyms):
        bonus = (len(synonyms) - i) / (100 * len(synonyms))
        if key == syn:
            score = 3 + bonus
        elif set(syn.split()) <= tokens and syn not in ("in", "type", "id", "number", "from", "day", "state"):
            score = 2 + 0.05 * len(syn.split()) + bonus
        else:
            continue
        if score > best:
            best, why = score, f"header '{key}' matches '{syn}'"
    return best, why


_SHAPES_FOR = {   # the value shapes a field accepts (None: any text)
    "wait": {"seconds", "time"}, "talk": {"seconds", "time"}, "caller": {"phone"},
    "callback_requested": {"flag"}, "callback_made": {"flag"}, "direction": {"direction"},
}


def suggest_columns(headers: list[str], samples: dict[str, list[str]],
                    distinct: dict[str, int | None] | None = None,
                    phone_like: set[str] | frozenset[str] = frozenset()) -> dict[str, Suggestion]:
    """A suggested column for each field it can find: field -> Suggestion. `samples`: header ->
    some values under it; `distinct`: header -> number of different values (None if many);
    `phone_like`: headers whose values looked like phone numbers (their values are not kept)."""
    distinct = distinct or {}
    candidates: list[Suggestion] = []
    for header in headers:
        key = header_key(header)
        values = samples.get(header, [])
        shape = "phone" if header in phone_like else value_shape(values)
        when, why = _synonym_score(key, _WHEN)
        if when and shape in ("datetime", "date", "time"):
            field = {"datetime": "start", "date": "date", "time": "time"}[shape]
            looks = shape.replace("datetime", "date and time")
            candidates.append(Suggestion(field, header, when, f"{why}; values look like {looks}"))
        elif shape == "datetime":
            candidates.append(Suggestion("start", header, 1, "values look like dates and times"))
        for field, synonyms in SYNONYMS.items():
            score, why = _synonym_score(key, synonyms)
            accepted = _SHAPES_FOR.get(field)
            if score and accepted is not None and shape not in accepted:
                if field in ("callback_requested", "callback_made") and shape is None:
                    score -= 1.5      # a callback column with words ("Completed", "Failed"): weaker
                else:
                    continue
            if score and field in ("outcome", "site") and shape in ("datetime", "date", "time", "seconds", "phone"):
                continue
            if score and field == "call_id" and distinct.get(header) is not None and len(values) > 1 \
                    and distinct[header] < len(values):
                continue
            if score:
                candidates.append(Suggestion(field, header, score, why))
        if shape == "phone" and not _synonym_score(key, SYNONYMS["caller"])[0]:
            candidates.append(Suggestion("caller", header, 1, "values look like phone numbers"))
    chosen: dict[str, Suggestion] = {}
    used: set[str] = set()
    order = {name: i for i, name in enumerate(FIELD_NAMES)}
    for s in sorted(candidates, key=lambda s: (-s.score, order[s.field], headers.index(s.header))):
        if s.field in chosen or s.header in used:
            continue
        chosen[s.field] = s
        used.add(s.header)
    if "start" in chosen:
        chosen.pop("date", None)
        chosen.pop("time", None)
    elif ("date" in chosen) != ("time" in chosen):
        chosen.pop("date", None)
        chosen.pop("time", None)
    return chosen


def suggest_date_order(values: list[str]) -> str:
    """'dmy' (UK, the default) or 'mdy', from dates written with slashes, dots or dashes."""
    first_big = second_big = False
    for v in values:
        m = re.match(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}", v or "")
        if m:
            first_big |= int(m.group(1)) > 12
            second_big |= int(m.group(2)) > 12
    return "mdy" if second_big and not first_big else "dmy"
