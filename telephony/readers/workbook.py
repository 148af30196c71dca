"""The monthly Publication Summary workbook (.xlsx): Tables 1-5.

Headers are found by meaning, never by position: the header row is the first whose first cell
normalises to 'month', columns are matched after `normalise_header`, and the wait/duration band
columns of Table 4 are told apart by the group heading above them (or by sheet, where an
edition splits Table 4 into 4a/4b).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

import pandas as pd

from telephony.formats import WORKBOOK_BAND_LABELS, normalise_header, normalise_time_band, time_band_lookup
from telephony.problems import FileProblem, Reject
from telephony.readers.sniff import open_workbook, sheet_rows
from telephony.readers.xlsx_guard import check_workbook

GEO_FIELDS = (
    "practice_code", "practice_name", "pcn_code", "pcn_name", "sub_icb_code", "sub_icb_name",
    "icb_code", "icb_name", "region_code", "region_name",
)
KEY = ("practice_code", "pcn_code", "sub_icb_code", "icb_code", "region_code")
# The published header of each key column, for messages.
KEY_HEADERS = {"month": "Month", "practice_code": "GP Practice (ODS_CODE)", "pcn_code": "PCN Code",
               "sub_icb_code": "Sub ICB Code", "icb_code": "ICB Code", "region_code": "Region Code"}
MAX_COUNT = 2_147_483_647   # the largest count the database holds; no practice takes more calls
OUTCOME_FIELDS = ("inbound", "answered", "ivr", "callback_requested", "callback_made", "missed")
BAND_FIELDS = tuple(
    f"{prefix}_{i}" for prefix in ("answered_wait", "answered_duration", "missed_wait") for i in range(4)
)
COUNT_FIELDS = OUTCOME_FIELDS + BAND_FIELDS

# Normalised header -> field, for the identifying columns shared by Tables 3-5.
_GEO_HEADERS = {
    "gp practice (ods_code)": "practice_code",
    "gp practice code": "practice_code",
    "practice code": "practice_code",
    "gp name": "practice_name",
    "gp practice name": "practice_name",
    "practice name": "practice_name",
    "pcn code": "pcn_code",
    "pcn name": "pcn_name",
    "sub icb code": "sub_icb_code",
    "sub icb location code": "sub_icb_code",
    "sub icb name": "sub_icb_name",
    "sub icb location name": "sub_icb_name",
    "icb code": "icb_code",
    "icb name": "icb_name",
    "region code": "region_code",
    "region name": "region_name",
    "commissioning region code": "region_code",
    "commissioning region name": "region_name",
}


def _outcome_field(header: str) -> str | None:
    """Map a normalised count header to an outcome field, tolerant of edition wording."""
    h = header
    if "inbound" in h:
        return "inbound"
    if "ivr" in h:
        return "ivr"
    if "call back made" in h or "callback made" in h or "call backs made" in h:
        return "callback_made"
    if "call back request" in h or "callback request" in h:
        return "callback_requested"
    if h.startswith("missed"):
        return "missed"
    if h.startswith("answered"):
        return "answered"
    return None


def _band_index(header: str) -> int | None:
    for i, label in enumerate(WORKBOOK_BAND_LABELS):
        if header == label:
            return i
    return None


@dataclass
class TableRows:
    """One of Tables 3-5 read into rows keyed by unit, with its national Total row."""

    sheet: str
    rows: pd.DataFrame                      # month, geo fields, count fields, _row
    total: dict[str, float] = field(default_factory=dict)


@dataclass
class WorkbookData:
    month: dt.date
    practice_month: pd.DataFrame            # month, GEO_FIELDS, COUNT_FIELDS (nullable Int64)
    totals: dict[str, dict[str, float]]     # sheet -> field -> national Total row value
    national_month: pd.DataFrame            # month, measure, value  (Table 1)
    national_by_band: pd.DataFrame          # date, band (NA = day total), value  (Table 2)
    rejects: list[Reject]
    rows_read: int
    # sheet -> (rows read, loaded, rejected): every row with a practice code is one or the other
    table_rows: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def is_summary_workbook(sheet_names: list[str]) -> bool:
    names = {normalise_header(s) for s in sheet_names}
    return "table 3" in names and any(n.startswith("table 4") for n in names) and "table 5" in names


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%b-%y", "%B %Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return None


def _count(value: object) -> tuple[int | None, str | None]:
    """A cell as a whole non-negative count; (None, None) for a blank cell; (None, why) if bad."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "-")):
        return None, None
    if isinstance(value, bool):
        return None, f"{value!r} is not a count"
    if isinstance(value, str):
        try:
            value = float(value.replace(",", ""))
        except ValueError:
            return None, f"'{value}' is not a number"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None, f"{value} is not a number"
        if value < 0:
            return None, f"{value:g} is negative; counts are never negative"
        if value != int(value):
            return None, f"{value:g} is not a whole number of calls"
        if value > MAX_COUNT:
            return None, f"{value:g} is too large to be a count of calls"
        return int(value), None
    return None, f"{value!r} is not a number"


def _find_header(rows: list[list], sheet: str) -> int:
    for i, row in enumerate(rows[:60]):
        if row and normalise_header(row[0]) == "month":
            return i
    raise FileProblem(f"sheet '{sheet}' has no header row starting with 'Month' in its first 60 rows")


def _column_fields(rows: list[list], h: int, sheet: str) -> dict[int, str]:
    """Column index -> field for one of Tables 3-5."""
    header = [normalise_header(c) for c in rows[h]]
    sub = [normalise_header(c) for c in rows[h + 1]] if h + 1 < len(rows) else [""] * len(header)
    above = [normalise_header(c) for c in rows[h - 1]] if h > 0 else [""] * len(header)
    sheet_n = normalise_header(sheet)
    # Which band group each column belongs to: from the group heading above, else the sheet.
    group = "missed_wait" if sheet_n.startswith("table 5") else None
    if sheet_n == "table 4b":
        group = "answered_duration"
    elif sheet_n.startswith("table 4"):
        group = "answered_wait"
    fields: dict[int, str] = {}
    for j, text in enumerate(header):
        heading = above[j] if j < len(above) else ""
        if "duration" in heading:
            group = "answered_duration"
        elif "wait" in heading:
            group = "missed_wait" if ("missed" in heading or sheet_n.startswith("table 5")) else "answered_wait"
        if not text:
            continue
        if text == "month":
            fields[j] = "month"
            continue
        if text in _GEO_HEADERS:
            fields[j] = _GEO_HEADERS[text]
            continue
        kind = sub[j] if j < len(sub) else ""
        if kind not in ("total", "count", ""):
            continue  # a percentage column
        band = _band_index(text)
        if band is not None:
            if group is None:
                raise FileProblem(f"sheet '{sheet}': band column '{rows[h][j]}' has no wait/duration heading")
            fields[j] = f"{group}_{band}"
            continue
        outcome = _outcome_field(text)
        if outcome is not None and outcome not in fields.values():
            fields[j] = outcome
    missing = [f for f in ("month",) + KEY if f not in fields.values()]
    if missing:
        raise FileProblem(
            f"sheet '{sheet}' has no column "
            + " or ".join(f"'{KEY_HEADERS[f]}'" for f in missing)
            + f" in its header row (row {h + 1}). Expected the published headers, starting "
            "'Month', 'GP Practice (ODS_CODE)', 'GP Name', 'PCN Code', 'PCN Name', 'Sub ICB Code'; "
            f"found: {', '.join(' '.join(str(c).split()) for c in rows[h] if str(c).strip())[:300]}"
        )
    return fields


# A practice code as published: an ODS code (E81050), 'Unassigned' for a shared phone account.
_CODE = re.compile(r"[A-Za-z0-9]{3,12}")


def _is_practice_row(row: list, fields: dict[int, str]) -> bool:
    """A row whose Month cell is not a date is still a practice row if it carries a practice code
    and at least one count: a stray line pasted over the Month cell (a copyright notice, as in some
    published editions) does not make it a footnote. Footnotes hold sentences, not codes."""
    code = next((row[j] for j, f in fields.items() if f == "practice_code" and j < len(row)), None)
    if code is None or not _CODE.fullmatch(str(code).strip()):
        return False
    return any(f in COUNT_FIELDS and j < len(row) and _count(row[j])[0] is not None for j, f in fields.items())


def read_practice_table(rows: list[list], sheet: str) -> tuple[TableRows, list[Reject], int]:
    """Rows of one of Tables 3-5. A practice row whose Month cell is not a date is kept with its
    month unknown (None, the text in `_month_text`); `read_workbook` gives it the file's month."""
    h = _find_header(rows, sheet)
    fields = _column_fields(rows, h, sheet)
    count_cols = {j: f for j, f in fields.items() if f in COUNT_FIELDS}
    if not count_cols:
        raise FileProblem(f"sheet '{sheet}': no count columns recognised in the header row (row {h + 1})")
    records: list[dict] = []
    rejects: list[Reject] = []
    total: dict[str, float] = {}
    read = 0
    for i in range(h + 1, len(rows)):
        row = rows[i]
        first = row[0] if row else ""
        if normalise_header(first) == "total":
            for j, f in count_cols.items():
                value, _ = _count(row[j] if j < len(row) else None)
                if value is not None:
                    total[f] = value
            continue
        month = _as_date(first)
        if month is None and not _is_practice_row(row, fields):
            continue  # blank separator, sub-header or footnote rows
        read += 1
        rec: dict = {"month": month.replace(day=1) if month else None, "_row": i + 1,
                     "_month_text": None if month else " ".join(str(first).split())}
        bad = None
        for j, f in fields.items():
            if f == "month":
                continue
            cell = row[j] if j < len(row) else None
            if f in COUNT_FIELDS:
                value, why = _count(cell)
                if why:
                    bad = Reject(sheet, i + 1, str(rows[h][j]).strip(), f"{why}", str(cell))
                    break
                rec[f] = value
            else:
                rec[f] = str(cell).strip() if cell is not None else ""
        if bad is None:
            empty = [f for f in KEY if not rec.get(f)]
            if empty:
                bad = Reject(sheet, i + 1, empty[0], f"{empty[0]} is empty", "")
        if bad:
            rejects.append(bad)
            continue
        records.append(rec)
    columns = ["month", "_row", "_month_text", *(f for f in dict.fromkeys(fields.values()) if f != "month")]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return TableRows(sheet, frame, total), rejects, read


def _resolve_months(tables: list[TableRows], rejects: list[Reject], notes: list[str]) -> None:
    """Give rows whose Month cell was not a date the file's month (a summary workbook covers one),
    saying so; reject them, with row and reason, when no dated row tells the month."""
    months = {m for t in tables for m in t.rows["month"] if m is not None}
    for t in tables:
        unknown = t.rows["month"].isna()
        if not unknown.any():
            continue
        odd = t.rows[unknown]
        if len(months) == 1:
            month = next(iter(months))
            t.rows.loc[unknown, "month"] = month
            where = "; ".join(f"row {r['_row']} (practice {r['practice_code']}): "
                              f"Month cell read '{_short(r['_month_text'])}'"
                              for _, r in odd.head(5).iterrows())
            more = f" and {len(odd) - 5} more" if len(odd) > 5 else ""
            notes.append(f"{t.sheet}: {len(odd)} row{'s' if len(odd) > 1 else ''} with a practice code and counts "
                         f"but no date in the Month column, taken as {month:%B %Y} (the month of every other row): "
                         f"{where}{more}")
        else:
            for _, r in odd.iterrows():
                rejects.append(Reject(
                    t.sheet, int(r["_row"]), "Month",
                    f"the Month cell reads '{_short(r['_month_text'])}', not a date, and "
                    + ("no other practice row has a date, so the month cannot be told" if not months else
                       "the other rows hold more than one month, so this row's cannot be told"),
                    str(r["_month_text"])))
            t.rows = t.rows.drop(index=odd.index)


def _short(text: object, n: int = 60) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 3] + "..."


def _read_table1(rows: list[list]) -> pd.DataFrame:
    """National monthly series: months across a row of dates, one measure per row."""
    out = []
    date_row = next(
        (r for r in rows[:20] if sum(isinstance(c, (dt.date, dt.datetime)) for c in r) >= 1), None
    )
    if date_row is None:
        return pd.DataFrame(columns=["month", "measure", "value"])
    months = {j: _as_date(c).replace(day=1) for j, c in enumerate(date_row) if _as_date(c)}
    for row in rows:
        label = normalise_header(row[1]) if len(row) > 1 else ""
        if not label or row is date_row:
            continue
        for j, month in months.items():
            value = row[j] if j < len(row) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append({"month": month, "measure": label, "value": float(value)})
    frame = pd.DataFrame(out, columns=["month", "measure", "value"])
    return frame.drop_duplicates(["month", "measure"], keep="first")


def _read_table2(rows: list[list]) -> pd.DataFrame:
    """National inbound calls by date and time band."""
    lookup = dict(time_band_lookup())
    header = next((r for r in rows[:20] if any(normalise_header(c) == "date" for c in r)), None)
    if header is None:
        return pd.DataFrame(columns=["date", "band", "value"])
    date_col = next(j for j, c in enumerate(header) if normalise_header(c) == "date")
    total_col = next((j for j, c in enumerate(header) if "total" in normalise_header(c)), None)
    band_cols = {j: lookup[normalise_time_band(c)] for j, c in enumerate(header)
                 if isinstance(c, str) and normalise_time_band(c) in lookup}
    out = []
    for row in rows:
        day = _as_date(row[date_col]) if date_col < len(row) else None
        if day is None:
            continue
        for j, band in [(total_col, None), *band_cols.items()]:
            if j is None or j >= len(row):
                continue
            value, why = _count(row[j])
            if value is not None and not why:
                out.append({"date": day, "band": band, "value": value})
    return pd.DataFrame(out, columns=["date", "band", "value"])


def _merge(tables: list[TableRows]) -> pd.DataFrame:
    """Join Tables 3-5 on month and unit key (with an occurrence number for repeated keys)."""
    merged = None
    for t in tables:
        frame = t.rows.copy()
        if frame.empty:
            continue
        frame["_n"] = frame.groupby(["month", *KEY]).cumcount()
        frame = frame.drop(columns=["_row", "_month_text"])
        if merged is None:
            merged = frame
            continue
        keep = [c for c in frame.columns if c not in merged.columns or c in ("month", "_n", *KEY)]
        merged = merged.merge(frame[keep], on=["month", "_n", *KEY], how="outer")
    if merged is None:
        return pd.DataFrame(columns=["month", *GEO_FIELDS, *COUNT_FIELDS])
    for f in COUNT_FIELDS:
        if f not in merged.columns:
            merged[f] = pd.NA
        merged[f] = merged[f].astype("Int64")
    for f in GEO_FIELDS:
        if f not in merged.columns:
            merged[f] = ""
        merged[f] = merged[f].fillna("").astype(str)
    return merged[["month", *GEO_FIELDS, *COUNT_FIELDS]]


def read_workbook(path, guarded: bool = False) -> WorkbookData:
    """Read Tables 1-5. The workbook's declared extent is checked first (`guarded`: the caller
    already has, as `sniff.detect` does)."""
    if not guarded:
        check_workbook(path)
    book = open_workbook(path)
    names = book.sheet_names
    if not is_summary_workbook(names):
        normalised = {normalise_header(n) for n in names}
        missing = [t for t in ("Table 3", "Table 4", "Table 5")
                   if not any(n.startswith(t.lower()) for n in normalised)]
        raise FileProblem(
            "has no sheet " + " or ".join(f"'{m}'" for m in missing) + ", so it is not a complete NHS "
            "England Cloud Based Telephony Publication Summary. Expected sheets 'Table 3', 'Table 4' "
            f"and 'Table 5'; its sheets: {', '.join(names)}"
        )
    by_norm = {normalise_header(n): n for n in names}
    practice_sheets = [by_norm["table 3"], *[n for k, n in by_norm.items() if k.startswith("table 4")],
                       by_norm["table 5"]]
    tables, rejects, read, notes, table_read = [], [], 0, [], {}
    for sheet in practice_sheets:
        table, table_rejects, table_read[sheet] = read_practice_table(sheet_rows(book, sheet), sheet)
        tables.append(table)
        rejects += table_rejects
        read += table_read[sheet]
    _resolve_months(tables, rejects, notes)
    table_rows = {t.sheet: (table_read[t.sheet], len(t.rows), sum(r.location == t.sheet for r in rejects))
                  for t in tables}
    practice_month = _merge(tables)
    months = sorted(set(practice_month["month"])) if not practice_month.empty else []
    if not months:
        undated = [r for r in rejects if r.column == "Month"]
        raise FileProblem("Tables 3-5 hold no practice rows with a month" + (
            f": sheet '{undated[0].location}' row {undated[0].row_number}: {undated[0].reason}"
            + (f" (and {len(undated) - 1} more rows like it)" if len(undated) > 1 else "") if undated else ""))
    if len(months) > 1:
        raise FileProblem(
            "Tables 3-5 hold more than one month ("
            + ", ".join(m.strftime("%B %Y") for m in months) + "); a summary workbook covers one month"
        )
    t1 = _read_table1(sheet_rows(book, by_norm["table 1"])) if "table 1" in by_norm else None
    t2 = _read_table2(sheet_rows(book, by_norm["table 2"])) if "table 2" in by_norm else None
    return WorkbookData(
        month=months[0],
        practice_month=practice_month,
        totals={t.sheet: t.total for t in tables},
        national_month=t1 if t1 is not None else pd.DataFrame(columns=["month", "measure", "value"]),
        national_by_band=t2 if t2 is not None else pd.DataFrame(columns=["date", "band", "value"]),
        rejects=rejects,
        rows_read=read,
        table_rows=table_rows,
        notes=notes,
    )
