"""Command line: `python -m telephony load|report|trend|pack|sample|fetch|export ...`; `load --mapping
PROFILE.json` loads supplier call logs; `fetch` gets NHS England's published files into a library."""

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


# A library folder keeps its database under this name (telephony/fetch.py: LIBRARY/library.duckdb).
LIBRARY_DB = "library.duckdb"


def _trend_parser(sub) -> None:
    from telephony.trends import NAMES

    p = sub.add_parser("trend", help="print a PCN's XmR chart of one measure, one object per month")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="DuckDB database file made by `load`")
    where.add_argument("--library", type=Path, metavar="DIR", help=f"a library folder (its {LIBRARY_DB})")
    p.add_argument("--pcn", required=True, help="PCN code, e.g. U49574")
    p.add_argument("--measure", required=True, choices=NAMES)
    p.add_argument("--rebase", type=_month, action="append", default=[], metavar="YYYY-MM",
                   help="start new limits at this month (repeat for more); answered-wait measures are "
                        "rebased at 2026-06 (a series break) by themselves")
    p.add_argument("--json", action="store_true", help="print JSON (the only format for now)")


def _trend(args) -> int:
    """`trend`: every month loaded for the PCN, with the XmR chart's centre, limits and rule."""
    from telephony import trends

    db = args.db if args.db is not None else args.library / LIBRARY_DB
    if not db.exists():
        hint = "load files first with `load --db`" if args.db is not None else "fetch months into it first"
        print(f"error: no database at {db}; {hint}", file=sys.stderr)
        return 2
    store = _open(db)
    if store is None:
        return 2
    try:
        frame = trends.area_months(store, "pcn", args.pcn)
        if frame.empty:
            print(f"error: no figures for PCN {args.pcn} in {db}", file=sys.stderr)
            return 1
        chart = trends.trend(frame, args.measure, args.rebase, strict=True)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if not chart.points:
        print(f"error: PCN {args.pcn} has no months with a value for {args.measure}", file=sys.stderr)
        return 1
    print(json.dumps(chart.rows(), indent=2))
    return 0


def _stop_on_sigterm(signum, frame):
    # Python's default for SIGTERM is to die on the spot, leaving the store's folder (with any
    # expanded zip members) behind. Raised instead, the run unwinds like any other exit.
    raise SystemExit(128 + signum)


def _add_pack(sub) -> None:
    from telephony.slides import BY_ID, DEFAULT

    p = sub.add_parser("pack", help="write a PCN's meeting pack: one self-contained HTML file and one PowerPoint "
                                    "(disclosure control always on)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="DuckDB database made with `load --db`")
    where.add_argument("--library", type=Path, metavar="DIR", help="a library folder made with `fetch`")
    p.add_argument("--pcn", required=True, help="PCN code, e.g. U49574")
    p.add_argument("--from", dest="start", type=_month, help="first month, YYYY-MM (default: the first loaded)")
    p.add_argument("--to", dest="end", type=_month, help="last month, YYYY-MM (default: the last loaded)")
    p.add_argument("--pages", nargs="+", choices=list(BY_ID), metavar="FINDING",
                   help=f"the findings, in order (default: {' '.join(DEFAULT)}; all: {' '.join(BY_ID)})")
    p.add_argument("--out", required=True, type=Path, help="folder to write the two files into")


def _pack(args) -> int:
    """`pack`: write the meeting pack and print the two files' paths."""
    from telephony import pack

    db = args.db if args.db else args.library / "library.duckdb"
    if not db.exists():
        print(f"error: no database at {db}; " + ("load files first with `load --db`" if args.db
                                                  else "fetch files into the library first with `fetch`"),
              file=sys.stderr)
        return 2
    store = _open(db)
    if store is None:
        return 2
    try:
        made = pack.build(store, args.pcn.strip().upper(), args.start, args.end, findings=args.pages)
        paths = pack.write(made, args.out)
    except pack.PackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Refused as exc:
        print(f"error: not written: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for path in paths:
        print(path)
    return 0


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
    where = p_load.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=Path, help="DuckDB database file (created if absent)")
    where.add_argument("--library", type=Path, metavar="DIR",
                       help="load into the library in DIR (see `fetch`); only NHS England's files unless "
                            "--include-call-log is given")
    p_load.add_argument("--mapping", type=Path, metavar="PROFILE.json",
                        help="load the files as supplier call logs, mapped with this profile (saved from the "
                             "Call logs page)")
    p_load.add_argument("--practice", help="with --mapping: the practice's ODS code, if not in the profile")
    p_load.add_argument("--pcn", help="with --mapping: the PCN code, for a practice no loaded file places in one")
    p_load.add_argument("--include-call-log", action="store_true",
                        help="with --library and --mapping: put the call log into the library (it stays on this "
                             "machine; without this, a library holds only NHS England's public files)")

    p_rep = sub.add_parser("report", help="print a PCN's figures per month")
    source = p_rep.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=Path)
    source.add_argument("--library", type=Path, metavar="DIR",
                        help="a library (see `fetch`), or a folder written by `export` (read only)")
    p_rep.add_argument("--pcn", required=True, help="PCN code, e.g. U49574")
    p_rep.add_argument("--month", type=_month, help="one month, YYYY-MM (default: every month loaded)")
    p_rep.add_argument("--json", action="store_true", help="print JSON (the only format for now)")
    p_rep.add_argument("--disclosure-control", action="store_true",
                       help="round counts as NHS Digital does (1-7 shown as *, others to the nearest 5)")

    _trend_parser(sub)

    p_sam = sub.add_parser("sample", help="write synthetic files in every published format")
    p_sam.add_argument("--out", required=True, type=Path)
    p_sam.add_argument("--seed", type=int, default=0)
    p_sam.add_argument("--scale", choices=("pcn", "icb", "national"), default="pcn")
    p_sam.add_argument("--months", type=int, default=6)
    p_sam.add_argument("--call-logs", action="store_true",
                       help="also write example supplier call logs (and their profiles) into OUT/call_logs")

    _add_pack(sub)
    _add_library_commands(sub)

    args = parser.parse_args(argv)
    if args.command == "pack":
        return _pack(args)
    if args.command in ("fetch", "export"):
        return _run_library_command(args)
    if args.command == "load" and args.library:
        return _load_into_library(args)
    if args.command == "report" and args.library:
        return _report(args, _open_library(args.library))
    if args.command == "load":
        profile = None
        if args.mapping:
            from telephony.calllog import load_call_log, session_salt

            profile = _read_profile(args)
            if profile is None:
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
        return _report(args, _open(args.db))
    if args.command == "trend":
        return _trend(args)
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


def _read_profile(args):
    """The call-log mapping profile `--mapping` names, with `--practice`/`--pcn` applied; None
    (the problem printed) where it cannot be read or is not valid."""
    from telephony.calllog import Profile, ProfileError

    try:
        profile = Profile.from_json(args.mapping.read_bytes(), f"'{args.mapping}'")
        if args.practice or args.pcn:
            profile.practice = (args.practice or profile.practice or "").strip().upper() or None
            profile.pcn = (args.pcn or profile.pcn or "").strip().upper() or None
            profile.validate(f"'{args.mapping}' with --practice/--pcn")
    except (OSError, ProfileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return profile


def _report(args, store) -> int:
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


# --------------------------------------------------------------------------- the library

def _add_library_commands(sub) -> None:
    from telephony import fetch

    p_fetch = sub.add_parser(
        "fetch", help="download NHS England's published files for MONTHS into a library, and load them",
        description="Reads NHS England's publication pages for each month and downloads the files this tool "
                    "reads into the library (the only command that uses the internet). A file already held "
                    "is not downloaded again.")
    p_fetch.add_argument("months", metavar="MONTHS", help="YYYY-MM, YYYY-MM:YYYY-MM (both included) or latest")
    p_fetch.add_argument("--to", type=Path, metavar="DIR",
                         help=f"the library folder (default: ${fetch.LIBRARY_ENV}, else the user's data folder)")
    p_fetch.add_argument("--from", dest="base", default=fetch.DEFAULT_FROM, metavar="URL",
                         help="where the publication pages are (default: %(default)s)")

    p_exp = sub.add_parser("export", help="write a library's tables as Parquet, partitioned by month")
    p_exp.add_argument("--library", type=Path, metavar="DIR", help="the library (default as for fetch)")
    p_exp.add_argument("--parquet", type=Path, required=True, metavar="OUT", help="a new, empty folder")


def _open_library(root: Path):
    from telephony import library

    try:
        return library.open_read_only(root)
    except library.LibraryProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


class _Progress:
    """A download's progress on one line of stderr, redrawn at most every 5%."""

    def __init__(self):
        self.last = None

    def __call__(self, done: int, total: int | None, name: str) -> None:
        step = (name, done * 20 // total if total else done >> 24)
        if step == self.last:
            return
        self.last = step
        size = f"{done / 1e6:,.1f} MB" + (f" of {total / 1e6:,.1f} MB" if total else "")
        end = "\n" if total and done >= total else "\r"
        print(f"  downloading {name}: {size}", end=end, file=sys.stderr, flush=True)


def _month_lines(result) -> list[str]:
    from telephony.fetch import month_words

    lines = [f"{month_words(result.month)}: {len(result.downloaded)} file(s) downloaded, "
             f"{len(result.held)} already held"]
    lines += [f"  replaced: {line}" for line in result.replaced]
    lines += [f"  not followed: {line}" for line in result.ignored]
    for report in result.loads:
        lines += [f"  {line}" for line in report.lines()[:1]]
    lines += [f"  problem: {problem}" for problem in result.problems]
    return lines


def _run_library_command(args) -> int:
    from telephony import fetch, library

    root = (args.to if args.command == "fetch" else args.library) or fetch.default_library()
    try:
        if args.command == "export":
            layout = library.export_parquet(root, args.parquet)
            print(f"wrote {len(layout)} tables from {root} to {args.parquet} "
                  f"({sum(v != 'single' for v in layout.values())} partitioned by month)")
            return 0
        months = fetch.parse_months(args.months, latest=lambda: fetch.latest_month(args.base))
        print(f"library: {root}", file=sys.stderr)
        run = library.fetch_into(root, months, base=args.base, progress=_Progress(),
                                 month_done=lambda result: print("\n".join(_month_lines(result))))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (fetch.FetchProblem, library.LibraryProblem) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0 if run.ok else 1


def _load_into_library(args) -> int:
    from telephony import library

    load = None
    if args.mapping:
        if not args.include_call_log:
            print("error: a call log goes into a library only when you choose it: add --include-call-log "
                  "(or load it into a database of its own with --db)", file=sys.stderr)
            return 2
        from telephony.calllog import load_call_log, session_salt

        profile = _read_profile(args)
        if profile is None:
            return 2
        salt = session_salt()

        def load(store, path):
            return load_call_log(store, path, profile, salt=salt)
    elif args.practice or args.pcn:
        print("error: --practice and --pcn go with --mapping (call logs)", file=sys.stderr)
        return 2
    try:
        reports = library.add_files(args.library, args.files, load=load)
    except library.LibraryProblem as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for report in reports:
        print("\n".join(report.lines()))
    return 1 if any(r.status == "failed" for r in reports) else 0
