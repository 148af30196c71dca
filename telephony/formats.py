"""The published vocabulary: header normalisation, indicators, time bands, wait/duration bands.

Readers are strict about meaning and tolerant about form: every comparison with published text
goes through `normalise_header` or the token maps here, never through exact strings.
"""

from __future__ import annotations

import re

# The seven indicators (spec section 1). Stored as small integers 1..7.
INDICATORS = {
    1: "All external inbound calls",
    2: "Ended during the IVR (automated menu) stage",
    3: "Answered by practice staff (by wait time)",
    4: "Missed (includes voicemail)",
    5: "Callback requested",
    6: "Callback made",
    7: "Answered by practice staff (by call duration)",
}

# Nine published time bands, in order. Index = band number stored in the database.
TIME_BANDS = (
    "00:00 - 05:59",
    "06:00 - 07:59",
    "08:00 - 09:59",
    "10:00 - 11:59",
    "12:00 - 13:59",
    "14:00 - 15:59",
    "16:00 - 17:59",
    "18:00 - 18:29",
    "18:30 - 23:59",
)

# Summary bands for waits and durations, in seconds (spec 2.2). Index = band number.
WAIT_BANDS = ("0-60", "61-120", "121-300", "over-300")
WAIT_BAND_LOWER = (0, 61, 121, 301)
# Workbook column labels for the same four bands.
WORKBOOK_BAND_LABELS = ("less than 1 minute", "1 - 2 minutes", "2 - 5 minutes", "longer than 5 minutes")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

SHARED_ACCOUNT = "Unassigned"
REAL_PCN = re.compile(r"^U\d{5}$")

_MARKER = re.compile(r"\[[^\]]*\]")
_SPACE = re.compile(r"\s+")


def normalise_header(text: object) -> str:
    """Header text with footnote markers, BOM, case and white space normalised away.

    >>> normalise_header("ICB Code  [2]")
    'icb code'
    >>> normalise_header("GP Practice \\n(ODS_CODE)")
    'gp practice (ods_code)'
    """
    s = "" if text is None else str(text)
    s = s.replace("\ufeff", "").replace("\xa0", " ")
    s = _MARKER.sub(" ", s)
    return _SPACE.sub(" ", s).strip().lower()


def normalise_time_band(text: str) -> str:
    """'8:00-9:59', '08:00 - 09:59' and '08:00 -09:59' all become '08:00-09:59'."""
    s = _SPACE.sub("", str(text))
    parts = s.split("-")
    if len(parts) != 2:
        return s
    return "-".join(p.zfill(5) if re.fullmatch(r"\d:\d\d", p) else p for p in parts)


def time_band_lookup() -> list[tuple[str, int]]:
    """(normalised text, band number) pairs for a SQL lookup table."""
    return [(normalise_time_band(label), i) for i, label in enumerate(TIME_BANDS)]


def is_real_pcn(code: object) -> bool:
    """A PCN code of the form U + five digits; 'U', 'Unallocated' and 'Unmapped' are not PCNs."""
    return bool(REAL_PCN.match(str(code or "").strip()))
