"""Released frames as people read them, after the gate: columns named by their labels
(telephony/columns.py), counts as integers, shares as percentages with one decimal place,
suppressed cells as '*'. One formatter for the screen, the downloads and the meeting pack.
No Streamlit here."""

from __future__ import annotations

import pandas as pd

from telephony import columns
from telephony import text as tx
from telephony.gate import SUPPRESSED, suppressed


def cell(value, fmt: str, *, display: bool) -> object:
    """One released value as written: ints as ints, shares as percentages to 1 decimal place.
    `display`: as text for the screen or a printed page."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return "–" if display else None
    if isinstance(value, str):
        return tx.clean(value) if display else value
    if fmt == "int":
        return f"{int(value):,}" if display else int(value)
    if fmt == "pct":
        return f"{float(value):.1%}" if display else round(100 * float(value), 1)
    if fmt == "dec":
        return f"{float(value):,.1f}" if display else round(float(value), 1)
    return value


def formatted(frame: pd.DataFrame, *, display: bool = False) -> pd.DataFrame:
    """A released frame with human column names and written values. `display`: every cell as
    text (thousands separators, '%'); otherwise values for a CSV (a column stays numeric unless it
    holds a '*')."""
    out = {}
    for col in frame.columns:
        spec = columns.get(col)
        fmt = spec.fmt if spec else "text"
        hidden = suppressed(frame, col)
        values = [SUPPRESSED if h else cell(v, fmt, display=display) for v, h in zip(frame[col], hidden)]
        if not display and not any(hidden) and fmt == "int":
            values = pd.array(values, dtype="Int64")
        elif not display and not any(hidden) and fmt in ("pct", "dec"):
            values = pd.array(values, dtype="Float64")
        out[columns.label(col)] = values
    return pd.DataFrame(out, index=range(len(frame)))


def is_numeric(column_id) -> bool:
    """Whether a declared column holds figures (right-aligned in a printed table)."""
    spec = columns.get(column_id)
    return spec is not None and spec.fmt != "text"
