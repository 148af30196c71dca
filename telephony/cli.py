"""Command line: `python -m telephony load|report|sample ...`; `load --mapping PROFILE.json` loads
supplier call logs."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path

import duckdb
import pandas as pd

from telephony import tempdirs
from telephony.formats import WAIT_BANDS
from telephony.gate import Gate, Identifiers, Policy, Refused, round_count
from telephony.store import Store

REPORT_KEYS = (
    "pcn_code", "pcn_name", "month", "practices_reporting", "inbound", "answered", "ended_in_ivr",
    "callback_requested", "callback_made", "missed", "shared_account_inbound", "answered_wait",
    "answered_duration", "missed_wait",
)
COUNT_KEYS = ("inbound", "answered", "ended_in_ivr", "callback_requested", "callback_made", "missed",
              "shared_account_inbound")
_BAND_KEYS = {"0-60": 0, "61-120": 1, "121-300": 2, "over-300": 3}
assert tuple(_BAND_KEYS) == WAIT_BANDS


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a month in the form YYYY-MM") from None


def _int(value) -> int | None:
    return None if value is None or value != value else int(value)


def _bands(row: dict, prefix: str) -> dict | None:
    values = {key: _int(row.get(f"{prefix}_{i}")) for key, i in _BAND_KEYS.items()}
    return None if all(v is None for v in values.values()) else values


def pcn_report(store: Store, pcn: str, month: dt.date | None = None, disclosure_control: bool = False) -> list[dict]:
    """One object per month for a PCN, with exactly REPORT_KEYS. No practice-level figures.
    The output passes the disclosure gate like any page (and is rounded if asked)."""
    start = month or dt.date(1900, 1, 1)
    end = month or dt.date(9999, 12, 1)
    frame = store.query("area_month_metrics", level="pcn", code=pcn, start=start, end=end)
    out = []
    for row in frame.to_dict("records"):
        item = {
            "pcn_code": row["area_code"],
            "pcn_name": row["area_name"] or row["area_code"],
            "month": f"{row['month']:%Y-%m}",
            "practices_reporting": _int(row["practices_reporting"]),
            "inbound": _int(row["inbound"]),
            "answered": _int(row["answered"]),
            "ended_in_ivr": _int(row["ended_in_ivr"]),
            "callback_requested": _int(row["callback_requested"]),
            "callback_made": _int(row["callback_made"]),
            "missed": _int(row["missed"]),
            "shared_account_inbound": _int(row["shared_account_inbound"]) or 0,
            "answered_wait": _bands(row, "answered_wait"),
            "answered_duration": _bands(row, "answered_duration"),
            "missed_wait": _bands(row, "missed_wait"),
        }
        out.append({k: item[k] for k in REPORT_KEYS})
    gate = Gate(Identifiers.from_store(store.con), Policy(disclosure_control=disclosure_control))
    gate.check_text(json.dumps(out), "the report")
    gate.table(pd.DataFrame([{k: v for k, v in row.items() if not isinstance(v, dict)} for row in out]),
               grain="area-month", key=["month"], where="the report")
    if disclosure_control:
        for row in out:
            for key, value in row.items():
                if key in COUNT_KEYS:
                    row[key] = round_count(value)
                elif isinstance(value, dict):
                    row[key] = {band: round_count(v) for band, v in value.items()}
    return out


def _open(db: Path) -> Store | None:
    """The database at `db`, or None after saying plainly why it cannot be opened."""
    try:
        return Store(db)
    except (duckdb.Error, OSError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"error: cannot open the database '{db}': {reason}", file=sys.stderr)
        return None


def _stop_on_sigterm(signum, frame):
    # Python's default for SIGTERM is to die on the spot, leaving the store's folder (with any
    # expanded zip members) behind. Raised instead, the run unwinds like any other exit.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code. Whatever way the command ends (done, an error,
    Ctrl+C, SIGTERM) the temporary folders it made are removed; folders that an earlier run killed
    outright (SIGKILL) left behind are swept first (telephony.tempdirs)."""
    tempdirs.sweep()
    before = set(tempdirs.held())
    on_main_thread = threading.current_thread() is threading.main_thread()   # only it gets signals
    if on_main_thread:
        previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("stopped (Ctrl+C); nothing from an unfinished file was kept", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        for folder in set(tempdirs.held()) - before:
            tempdirs.remove(folder)


def _run(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m telephony", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p_load = sub.add_parser("load", help="load files into a DuckDB database and print the load report")
    p_load.add_argument("files", nargs="+", type=Path)
    p_load.add_argument("--db", required=True, type=Path, help="DuckDB database file (created if absent)")
    p_load.add_argument("--mapping", type=Path, metavar="PROFILE.json",
                        help="load the files as supplier call logs, mapped with this profile (saved from the "
                             "Call logs page)")
    p_load.add_argument("--practice", help="with --mapping: the practice's ODS code, if not in the profile")
    p_load.add_argument("--pcn", help="with --mapping: the PCN code, for a practice no loaded file places in one")

    p_rep = sub.add_parser("report", help="print a PCN's figures per month")
    p_rep.add_argument("--db", required=True, type=Path)
    p_rep.add_argument("--pcn", required=True, help="PCN code, e.g. U49574")
    p_rep.add_argument("--month", type=_month, help="one month, YYYY-MM (default: every month loaded)")
    p_rep.add_argument("--json", action="store_true", help="print JSON (the only format for now)")
    p_rep.add_argument("--disclosure-control", action="store_true",
                       help="round counts as NHS Digital does (1-7 shown as *, others to the nearest 5)")

    p_sam = sub.add_parser("sample", help="write synthetic files in every published format")
    p_sam.add_argument("--out", required=True, type=Path)
    p_sam.add_argument("--seed", type=int, default=0)
    p_sam.add_argument("--scale", choices=("pcn", "icb", "national"), default="pcn")
    p_sam.add_argument("--months", type=int, default=6)
    p_sam.add_argument("--call-logs", action="store_true",
                       help="also write example supplier call logs (and their profiles) into OUT/call_logs")

    args = parser.parse_args(argv)
    if args.command == "load":
        profile = None
        if args.mapping:
            from telephony.calllog import Profile, ProfileError, load_call_log, session_salt

            try:
                profile = Profile.from_json(args.mapping.read_bytes(), f"'{args.mapping}'")
                if args.practice or args.pcn:
                    profile.practice = (args.practice or profile.practice or "").strip().upper() or None
                    profile.pcn = (args.pcn or profile.pcn or "").strip().upper() or None
                    profile.validate(f"'{args.mapping}' with --practice/--pcn")
            except (OSError, ProfileError) as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            salt = session_salt()   # one per run, in memory only: caller numbers are never stored
        elif args.practice or args.pcn:
            print("error: --practice and --pcn go with --mapping (call logs)", file=sys.stderr)
            return 2
        store = _open(args.db)
        if store is None:
            return 2
        failed = 0
        for path in args.files:
            if profile:
                report = load_call_log(store, path, profile, salt=salt)
            else:
                report = store.load(path)   # published figures then win over any call log
            print("\n".join(report.lines()))
            failed += report.status == "failed"
        store.close()
        return 1 if failed else 0
    if args.command == "report":
        if not args.db.exists():
            print(f"error: no database at {args.db}; load files first with `load --db`", file=sys.stderr)
            return 2
        store = _open(args.db)
        if store is None:
            return 2
        try:
            rows = pcn_report(store, args.pcn, args.month, args.disclosure_control)
        except Refused as exc:
            print(f"error: not printed: {exc}", file=sys.stderr)
            return 1
        finally:
            store.close()
        if not rows:
            print(f"error: no figures for PCN {args.pcn}" + (f" in {args.month:%Y-%m}" if args.month else ""),
                  file=sys.stderr)
            return 1
        print(json.dumps(rows, indent=2))
        return 0
    if args.command == "sample":
        from samplegen.published import write_sample   # outside the domain package: only here

        paths = write_sample(args.out, seed=args.seed, scale=args.scale, months=args.months)
        if args.call_logs:
            from samplegen.call_logs import FOLDER, write_example_logs

            paths += write_example_logs(args.out / FOLDER, seed=args.seed, scale=args.scale)
        for p in paths:
            print(p)
        return 0
    return 2  # pragma: no cover
