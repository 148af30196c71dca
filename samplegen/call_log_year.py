"""Benchmark: load a year of call-level data for a large PCN (about 300,000 calls).

    python -m samplegen.call_log_year [--calls 300000] [--practices 8] [--xlsx]

writes a synthetic call log (generic layout with a site column, dd/mm/yyyy date-times, waits and
talk in seconds, callback flags, caller numbers from Ofcom's drama ranges) into a temporary
folder, loads it into a fresh in-memory store with `load_call_log`, and prints the seconds taken
and the load report's counts. `run()` returns the same figures for benchmarks/ scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from telephony.calllog.load import load_call_log
from telephony.calllog.profile import Profile

PCN = "U99999"
_WORDS = np.array(["Answered", "Self-service", "Callback", "Abandoned", "Voicemail"])
_P = np.array([0.58, 0.25, 0.05, 0.09, 0.03])


def profile(practices: int) -> Profile:
    return Profile(
        name="benchmark", supplier="generic", date_order="dmy",
        columns={"start": "Call Start", "site": "Site", "caller": "Caller Number", "outcome": "Result",
                 "wait": "Wait (s)", "talk": "Talk (s)", "callback_requested": "Callback Requested",
                 "callback_made": "Callback Made", "call_id": "Call ID"},
        outcomes={"Answered": "answered", "Self-service": "ivr", "Callback": "callback_requested",
                  "Abandoned": "missed", "Voicemail": "missed"},
        sites={f"Site {i + 1}": f"Z9{i:04d}" for i in range(practices)}, pcn=PCN)


def write_year(path: Path, calls: int = 300_000, practices: int = 8, seed: int = 0, xlsx: bool = False) -> Path:
    """A year of calls (1 Sep 2025 to 31 Aug 2026), weekday mornings busiest."""
    rng = np.random.default_rng(seed)
    days = np.array([dt.date(2025, 9, 1) + dt.timedelta(days=i) for i in range(365)])
    weight = np.array([[26, 19, 18, 17.5, 17.5, 1, 0.5][d.weekday()] for d in days])
    day = rng.choice(len(days), calls, p=weight / weight.sum())
    minute = np.clip(rng.normal(660, 170, calls), 0, 1439).astype(int)
    start = (np.array(days, dtype="datetime64[D]")[day].astype("datetime64[s]")
             + (minute * 60 + rng.integers(0, 60, calls)).astype("timedelta64[s]"))
    order = np.argsort(start, kind="stable")
    start = start[order]
    kind = rng.choice(len(_WORDS), calls, p=_P)
    wait = np.where(kind == 1, 0, rng.exponential(80, calls).astype(int))
    talk = np.where(kind == 0, rng.exponential(200, calls).astype(int), 0)
    numbers = np.array([f"+44 7700 900{n:03d}" for n in range(1000)] + [f"+44 1632 960{n:03d}" for n in range(1000)])
    table = pa.table({
        "Call ID": pa.array([f"B{i:07d}" for i in range(calls)]),
        "Call Start": pa.array(np.datetime_as_string(start, unit="s")).cast(pa.string()),
        "Site": pa.array(np.array([f"Site {i + 1}" for i in range(practices)])[rng.integers(0, practices, calls)]),
        "Caller Number": pa.array(numbers[rng.integers(0, len(numbers), calls)]),
        "Result": pa.array(_WORDS[kind]),
        "Wait (s)": pa.array(wait),
        "Talk (s)": pa.array(talk),
        "Callback Requested": pa.array(np.where(kind == 2, "Y", "N")),
        "Callback Made": pa.array(np.where(kind == 2, np.where(rng.random(calls) < 0.99, "Y", "N"), "")),
    })
    # dd/mm/yyyy hh:mm:ss, as a UK export writes it
    iso = table.column("Call Start").to_pylist()
    uk = [f"{s[8:10]}/{s[5:7]}/{s[0:4]} {s[11:19]}" for s in iso]
    table = table.set_column(1, "Call Start", pa.array(uk))
    if xlsx:
        import xlsxwriter

        path = path.with_suffix(".xlsx")
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        ws = wb.add_worksheet("Calls")
        ws.write_row(0, 0, table.column_names)
        for r, row in enumerate(zip(*(c.to_pylist() for c in table.columns)), start=1):
            ws.write_row(r, 0, row)
        wb.close()
        return path
    pacsv.write_csv(table, str(path))
    return path


def run(calls: int = 300_000, practices: int = 8, seed: int = 0, xlsx: bool = False) -> dict:
    """Write a year's log, load it into a fresh store; the seconds and counts."""
    from telephony.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = write_year(Path(tmp) / "year.csv", calls, practices, seed, xlsx)
        written = time.perf_counter() - started
        store = Store()
        started = time.perf_counter()
        report = load_call_log(store, path, profile(practices))
        seconds = time.perf_counter() - started
        store.close()
    return {"calls": calls, "practices": practices, "format": "xlsx" if xlsx else "csv",
            "status": report.status, "message": report.message, "rows_read": report.rows_read,
            "rows_loaded": report.rows_loaded, "rows_rejected": report.rows_rejected, "not_inbound": report.not_inbound,
            "write_seconds": round(written, 2), "load_seconds": round(seconds, 2)}


if __name__ == "__main__":  # pragma: no cover
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--practices", type=int, default=8)
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    print(run(args.calls, args.practices, xlsx=args.xlsx))
