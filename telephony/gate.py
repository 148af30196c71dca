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

from telephony import columns
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
# Grains about files, not calls (rows loaded, rejects, checks): no count of calls or people in
# them, so disclosure control has nothing to round and their columns need no declared kind.
UNTYPED_GRAINS = frozenset({"load-report", "pcn-directory"})
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
              controlled: bool = False) -> pd.DataFrame:
        """Release a table. `key`: columns that identify a row (must be unique, so no subset
        differencing can hide in a second row for the same area and month). `controlled`: this
        release leaves the app or stands beside one (a download, a table on a shared screen), so
        disclosure control applies where the policy asks for it; what to round is read from each
        column's kind (telephony/columns.py), never told by the page."""
        if grain not in RELEASABLE_GRAINS:
            raise Refused(f"{where}: tables at '{grain}' grain are never shown (aggregated views only)")
        for col in frame.columns:
            name = str(col)
            if name not in _ALLOWED_COLUMNS and _FORBIDDEN_COLUMN.search(name):
                raise Refused(f"{where}: column '{name}' is not allowed "
                              "(no practice identities, ranks or top/bottom lists)")
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
        if controlled and self.policy.suppress and grain not in UNTYPED_GRAINS:
            frame = apply_disclosure_control(frame, where=where)
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
    """NHS Digital rule for one count: 0 stays 0, 1-7 become '*', others round to the nearest 5
    (a negative count, such as a balance gap, by its size: -3 is '*', -13 is -15)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    v = int(round(float(value)))
    if v == 0:
        return 0
    if 1 <= abs(v) <= 7:
        return SUPPRESSED
    return int(math.copysign(5 * math.floor(abs(v) / 5 + 0.5), v))


def suppressed(frame: pd.DataFrame, column) -> list[bool]:
    """Which cells of `column` disclosure control suppressed ('*'); all False where none were."""
    mask = frame.attrs.get("suppressed", {}).get(str(column))
    return list(mask) if mask is not None else [False] * len(frame)


def apply_disclosure_control(frame: pd.DataFrame, where: str = "table") -> pd.DataFrame:
    """The frame as it may leave the app, typed by telephony/columns.py: every count rounded
    from its own unrounded value (a total is never re-summed from rounded parts), 1-7 suppressed;
    every share, ratio and rate recomputed from its controlled numerator and denominator, which
    must be in the frame (else Refused: it cannot be controlled). Numbers stay numbers: counts
    come back as Int64 and shares as Float64, with <NA> where a cell is suppressed or unknown;
    `attrs["suppressed"]` (column -> one bool a row) tells the two apart, and the CSV writer
    (ui/render.py) writes '*' for a suppressed cell. `attrs["disclosure_note"]` is set only where
    a column was controlled."""
    out = frame.copy()
    masks: dict[str, list[bool]] = {}
    kinds = {}
    for col in frame.columns:
        spec = columns.get(col)
        if spec is None:
            raise Refused(f"{where}: column '{col}' has no declared kind (telephony/columns.py), so disclosure "
                          "control cannot tell whether it is a count")
        kinds[str(col)] = spec
    for name, spec in kinds.items():
        if spec.kind == "count":
            rounded = [round_count(v) for v in frame[name]]
            masks[name] = [r == SUPPRESSED for r in rounded]
            out[name] = pd.array([None if r in (None, SUPPRESSED) else r for r in rounded], dtype="Int64")
    for name, spec in kinds.items():
        if spec.kind not in ("share", "ratio", "rate"):
            continue
        if spec.numerator not in kinds or spec.denominator not in kinds or (spec.per and spec.per not in kinds):
            raise Refused(f"{where}: '{name}' is {spec.numerator} ÷ {spec.denominator}; both must be in the table "
                          "for disclosure control to recompute it from controlled figures")
        part_hidden = masks.get(spec.numerator, [False] * len(out))
        whole_hidden = masks.get(spec.denominator, [False] * len(out))
        values, hidden = [], []
        per = out[spec.per] if spec.per else [1] * len(out)
        for p, w, exact, ph, wh, d in zip(out[spec.numerator], out[spec.denominator], frame[name], part_hidden,
                                          whole_hidden, per):
            if ph or wh:
                values.append(None)
                hidden.append(True)
                continue
            hidden.append(False)
            if pd.isna(w) or w == 0 or pd.isna(exact) or pd.isna(d) or d == 0:   # unknown stays unknown
                values.append(None)
            else:
                # A blank part beside a known share is none (the registry's band shares).
                values.append(spec.scale * (0 if pd.isna(p) else float(p)) / float(w) / float(d))
        out[name] = pd.array(values, dtype="Float64")
        masks[name] = hidden
    out.attrs["suppressed"] = {k: v for k, v in masks.items() if any(v)}
    if any(spec.kind in columns.CONTROLLED for spec in kinds.values()):
        out.attrs["disclosure_note"] = DISCLOSURE_NOTE
    out.attrs["controlled"] = True
    return out
