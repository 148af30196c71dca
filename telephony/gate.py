"""The disclosure gate: every table, figure and text on its way to a page, download or export.

It guarantees what the product promises (README, "Privacy and fairness"):
  * no practice identifier (ODS code or practice name) in any output;
  * nothing at practice grain is released, ranked or ordered by a metric; no rank, top/bottom N
    or outlier columns;
  * member practices' spread only as an unlabelled distribution, and only where at least
    `min_practices` practices report;
  * no view that lets a total be differenced against a subset (one row per key, no member filter);
  * optional disclosure control (NHS Digital method) on anything leaving the app.
A refusal raises `Refused`; pages show its message instead of the output.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Iterable

import pandas as pd

from telephony.formats import SHARED_ACCOUNT

# Grains that may be released. Practice grain is absent by design.
RELEASABLE_GRAINS = frozenset({
    "area-month",          # one area (PCN/ICB/England) per month
    "area-period",         # one area, the period as a whole
    "area-band",           # one area by weekday and/or time band, or by wait/duration band
    "area-comparison",     # the chosen PCN beside its ICB and England (reference values)
    "distribution",        # anonymous quantiles over PCNs or practices
    "pcn-directory",       # the PCN picker (names, ordered by name)
    "load-report",         # files, rows, rejects, checks
    "coverage",            # months x counts of reporting practices
})
_FORBIDDEN_COLUMN = re.compile(
    r"(^|_)(practice|ods|gp)(_|$)|practice_code|practice_name|rank|position|top_?\d*|bottom_?\d*|"
    r"league|outlier|best|worst",
    re.IGNORECASE,
)
# Columns that may mention "practice" because they hold counts, not identities.
_ALLOWED_COLUMNS = frozenset({
    "practices_reporting", "practices_in_pcn", "members", "units_unbalanced", "units_without_callbacks",
    "practices", "shared_account_inbound",
})
_WORD = re.compile(r"[A-Z0-9]+")
CODE_PATTERN = re.compile(r"\b[A-Z]\d{5}\b")


class Refused(Exception):
    """An output that would break the disclosure rules."""


@dataclass(frozen=True)
class Policy:
    shared_screen: bool = False
    min_practices: int = 3            # below this, no spread of member practices is shown
    disclosure_control: bool | None = None   # None: on in shared-screen mode, off otherwise

    @property
    def suppress(self) -> bool:
        return self.shared_screen if self.disclosure_control is None else self.disclosure_control


def _norm_words(text: str) -> list[str]:
    return _WORD.findall(text.upper())


class Identifiers:
    """Practice codes and names known to a store, with a fast scan of any text for them."""

    MAX_WORDS = 12

    def __init__(self, codes: Iterable[str], names: Iterable[str], allowed_names: Iterable[str] = ()):
        self.codes = {c.strip().upper() for c in codes if c and c.strip() and c != SHARED_ACCOUNT}
        self.allowed = {key for key in (" ".join(_norm_words(n)) for n in allowed_names if n) if key}
        self.names = {
            key for key in (" ".join(_norm_words(n)) for n in names if n)
            if key and key not in self.allowed and key != "UNMAPPED"
        }
        self._lengths = sorted({len(n.split()) for n in self.names})
        self._allowed_lengths = sorted({len(n.split()) for n in self.allowed}, reverse=True)

    @classmethod
    def from_store(cls, con) -> "Identifiers":
        codes = [r[0] for r in con.execute(
            """SELECT practice_code FROM units UNION SELECT practice_code FROM list_sizes
               UNION SELECT practice_code FROM pcn_membership UNION SELECT code FROM org_names
               WHERE level = 'practice'"""
        ).fetchall()]
        names = [r[0] for r in con.execute("SELECT name FROM org_names WHERE level = 'practice'").fetchall()]
        # A PCN named after its one practice: the PCN's own name may be shown.
        allowed = [r[0] for r in con.execute("SELECT name FROM org_names WHERE level <> 'practice'").fetchall()]
        return cls(codes, names, allowed)

    def find(self, text: str) -> str | None:
        """The first practice identifier found in `text`, or None."""
        if not text:
            return None
        # Plotly text arrives HTML-escaped (telephony/text.py): "A &amp; B" must match "A & B".
        upper = html.unescape(text).upper()
        for code in CODE_PATTERN.findall(upper):
            if code in self.codes:
                return code
        if not self.names:
            return None
        words = _norm_words(upper)
        # Words inside an area's own name ("LAKESIDE" in "LAKESIDE HEALTHCARE PCN") are not a
        # practice's name: mask them first.
        masked = [False] * len(words)
        for i in range(len(words)):
            for n in self._allowed_lengths:
                if i + n <= len(words) and " ".join(words[i:i + n]) in self.allowed:
                    masked[i:i + n] = [True] * n
                    break
        for i in range(len(words)):
            for n in self._lengths:
                if i + n > len(words):
                    break
                if any(masked[i:i + n]):
                    continue
                candidate = " ".join(words[i:i + n])
                if candidate in self.names:
                    return candidate
        return None


class Gate:
    def __init__(self, identifiers: Identifiers, policy: Policy = Policy()):
        self.identifiers = identifiers
        self.policy = policy

    # ------------------------------------------------------------------ checks
    def check_text(self, text: str, where: str = "text") -> str:
        found = self.identifiers.find(text)
        if found:
            raise Refused(f"{where} would show a practice identifier; aggregated PCN views only")
        return text

    def table(self, frame: pd.DataFrame, *, grain: str, key: Iterable[str] = (), where: str = "table",
              counts: Iterable[str] = (), shares: dict[str, tuple[str, str]] | None = None,
              for_export: bool = False) -> pd.DataFrame:
        """Release a table. `key`: columns that identify a row (must be unique, so no subset
        differencing can hide in a second row for the same area and month). `counts` and `shares`
        (share column -> (part, whole)) tell disclosure control what to round for exports."""
        if grain not in RELEASABLE_GRAINS:
            raise Refused(f"{where}: tables at '{grain}' grain are never shown (aggregated views only)")
        for col in frame.columns:
            name = str(col)
            if name not in _ALLOWED_COLUMNS and _FORBIDDEN_COLUMN.search(name):
                raise Refused(f"{where}: column '{name}' is not allowed (no practice identities, ranks or top/bottom lists)")
            self.check_text(name, f"{where} column name")
        key = list(key)
        if key and frame.duplicated(key).any():
            raise Refused(f"{where}: more than one row for the same {', '.join(key)}; "
                          "a total beside a subset of itself would let one practice be worked out")
        for col in frame.columns:
            series = frame[col]
            if series.dtype == object or pd.api.types.is_string_dtype(series):
                for value in series.dropna().astype(str).unique():
                    self.check_text(value, f"{where} column '{col}'")
        if for_export and self.policy.suppress:
            frame = apply_disclosure_control(frame, list(counts), shares or {})
        return frame

    def figure(self, fig, where: str = "chart"):
        """Release a Plotly figure: its whole JSON (titles, axes, legends, hover text, data)."""
        self.check_text(fig.to_json(), where)
        return fig

    def distribution(self, values: Iterable[float], *, practices_reporting: int,
                     quantiles=(0.1, 0.25, 0.5, 0.75, 0.9)) -> dict[float, float] | None:
        """Member practices' spread as unlabelled quantiles, or None below the threshold."""
        vals = sorted(v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)))
        if practices_reporting < self.policy.min_practices or len(vals) < self.policy.min_practices:
            return None
        series = pd.Series(vals, dtype="float64")
        return {q: float(series.quantile(q)) for q in quantiles}


# ---------------------------------------------------------------------- disclosure control
SUPPRESSED = "*"
DISCLOSURE_NOTE = ("Disclosure control applied (NHS Digital method): counts of 1-7 shown as *, other "
                   "counts rounded to the nearest 5, percentages calculated from rounded figures.")


def round_count(value) -> object:
    """NHS Digital rule for one count: 0 stays 0, 1-7 become '*', others round to the nearest 5."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    v = int(value)
    if v == 0:
        return 0
    if 1 <= v <= 7:
        return SUPPRESSED
    return int(5 * math.floor(v / 5 + 0.5))


def apply_disclosure_control(frame: pd.DataFrame, counts: list[str],
                             shares: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Round counts (totals are rounded from their own unrounded value, never re-summed) and
    recompute shares from the rounded figures; a share with a suppressed part or whole is '*'."""
    out = frame.copy()
    for col in counts:
        out[col] = [round_count(v) for v in frame[col]]
    for col, (part, whole) in shares.items():
        values = []
        for p, w in zip(out[part], out[whole]):
            if SUPPRESSED in (p, w):
                values.append(SUPPRESSED)
            elif p is None or w in (None, 0):
                values.append(None)
            else:
                values.append(p / w)
        out[col] = values
    out.attrs["disclosure_note"] = DISCLOSURE_NOTE
    return out
