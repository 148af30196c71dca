"""The library's benchmarks, run by hand (never in the test suite):

    python benchmarks/library.py [--months 24] [--repeats 3] [--keep DIR] [--only load]

National synthetic months (benchmarks/run.py's generator) stand in for NHS England's files:

  load     one national month's three zips loaded into an empty library (telephony.library.add_files)
           against DuckDB's own read_csv of the same files (target: at most 1.2 times), three
           ways: the expanded CSVs into memory, the same into a database file, and the zips
           expanded then read into a database file, which is the library's own job (see bench_load).
  months   every month loaded into one library in a fresh process: peak memory (RSS) after the
           first 12 (target: at most 2 GB), and the time for all.
  queries  on that library, read as a session reads it (a cursor of the shared read-only reader):
           each page's queries for one PCN and for England (targets 0.1 s and 0.5 s).
  session  a new session's first page queries (Overview) on the library against the same on the
           sample, and the server's memory (RSS) per new session (target: within 0.5 s, 50 MB).

Appends a dated section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import duckdb  # noqa: E402

import run  # noqa: E402  (benchmarks/run.py: the generator and timing helpers)
from telephony import library  # noqa: E402
from telephony.loaders.long_csv import _inflate  # noqa: E402
from samplegen.published import write_sample  # noqa: E402


def month_files(folder: Path, month: str) -> list[Path]:
    """A generated month's files in load order: reference files, workbook, then the zips."""
    short = dt.datetime.strptime(month, "%B %Y").strftime("%b%y")
    named = [folder / "Synthetic practice map.csv", folder / f"Synthetic list sizes {short}.csv",
             folder / f"Synthetic CBT Summary {month}.xlsx",
             *(folder / f"Synthetic CBT {f} - {month}.zip" for f in run.FAMILIES)]
    return [p for p in named if p.exists()]


def bench_load(folder: Path, repeats: int) -> list[str]:
    """One national month's three zips into an empty library, against DuckDB alone doing the
    least the same job needs, three ways (runs alternate; wall time and CPU seconds):

      memory     read_csv of the CSVs, already expanded, into an in-memory database;
      file       the same into a database file (a library is one);
      zips       the zips expanded (zlib-ng, in parallel, as the library does; no checks), then
                 read_csv into a database file: what the library starts from and ends with.

    The library does all of `zips` and also checks every row, writes typed fact tables in
    practice order, the monthly summaries and the reconciliation."""
    month = run.months_in(folder)[-1]
    zips = [folder / f"Synthetic CBT {f} - {month}.zip" for f in run.FAMILIES]
    csvs = [run.extract(z, folder / "extracted" / z.stem) for z in zips]

    cpu: dict[str, list[float]] = {}

    def with_cpu(name, fn):
        """`fn`, also recording the process's CPU seconds (every thread's): on a machine shared
        with other work, wall time swings far more than the work done does."""
        def run_once():
            before = _cpu_seconds()
            fn()
            cpu.setdefault(name, []).append(_cpu_seconds() - before)
        return run_once

    def read_into(con, files_per_zip):
        for i, files in enumerate(files_per_zip):
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv($p)", {"p": files})

    def memory():
        con = duckdb.connect()
        read_into(con, csvs)
        con.close()

    def file():
        with tempfile.TemporaryDirectory() as tmp:
            con = duckdb.connect(str(Path(tmp) / "read.duckdb"))
            read_into(con, csvs)
            con.close()

    def from_zips():
        with tempfile.TemporaryDirectory() as tmp:
            con = duckdb.connect(str(Path(tmp) / "read.duckdb"))
            read_into(con, [_expand(z, Path(tmp) / z.stem) for z in zips])
            con.close()

    def into_library():
        with tempfile.TemporaryDirectory() as tmp:
            reports = library.add_files(Path(tmp) / "lib", zips)
            assert all(r.status == "loaded" for r in reports), [r.message for r in reports]

    t = run.alternate(repeats, memory=with_cpu("memory", memory), file=with_cpu("file", file),
                      zips=with_cpu("zips", from_zips), library=with_cpu("library", into_library))
    best = {k: min(v) for k, v in t.items()}
    med = {k: statistics.median(v) for k, v in t.items()}
    least = {k: min(v) for k, v in cpu.items()}
    ways = {"memory": "`read_csv` of the expanded CSVs into memory",
            "file": "`read_csv` of the expanded CSVs into a database file",
            "zips": "the zips expanded, then `read_csv` into a database file (like for like)"}
    lines = [f"### One national month ({month}) into an empty library", "",
             f"The three zips; runs alternate; best of {repeats} (median in brackets). CPU: the process's "
             "CPU seconds (all threads), least of the runs: steadier than wall time on a busy machine. "
             f"Into the library: **{best['library']:.2f} s** ({med['library']:.2f}), "
             f"CPU {least['library']:.2f} s.", "",
             "| DuckDB alone | wall (s) | CPU (s) | library / this, wall | library / this, CPU |",
             "|---|---:|---:|---:|---:|"]
    for key, label in ways.items():
        lines.append(f"| {label} | {best[key]:.2f} ({med[key]:.2f}) | {least[key]:.2f} | "
                     f"**{best['library'] / best[key]:.2f}** | {least['library'] / least[key]:.2f} |")
    return lines


def _expand(zip_path: Path, folder: Path) -> list[str]:
    """The zip's CSVs expanded into `folder` as fast as this project can: zlib-ng, in parallel."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()

    def one(job):
        i, info = job
        target = folder / f"member_{i}.csv"
        with open(target, "wb") as dst:
            _inflate(zip_path, info, dst.write)
        return str(target)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(one, enumerate(infos)))


def _cpu_seconds() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def months_child(folder: Path, root: Path) -> None:
    """In its own process: load every month into the library at `root`, oldest first."""
    out = {"rss_12_mb": None}
    start = time.perf_counter()
    months = run.months_in(folder)
    for i, month in enumerate(months, 1):
        reports = library.add_files(root, month_files(folder, month))
        assert all(r.status in ("loaded", "duplicate") for r in reports), [r.message for r in reports]
        if i == 12:
            out["rss_12_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            out["seconds_12"] = time.perf_counter() - start
    out.update(months=len(months), seconds=time.perf_counter() - start,
               rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               db_mb=(root / library.DB_NAME).stat().st_size / 1e6)
    print(json.dumps(out))


def bench_months(folder: Path, root: Path) -> list[str]:
    done = subprocess.run([sys.executable, __file__, "--months-child", str(folder), str(root)],
                          capture_output=True, text=True, check=True)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [f"### {r['months']} national months loaded into one library", "",
             f"In a fresh process: all loaded in {r['seconds']:.0f} s; database {r['db_mb']:,.0f} MB; "
             f"peak memory (RSS) {r['rss_mb']:,.0f} MB."]
    if r["rss_12_mb"]:
        lines.append(f"After the first 12 months ({r['seconds_12']:.0f} s): **peak memory {r['rss_12_mb']:,.0f} MB** "
                     "(target 2,048 MB).")
    return lines


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_queries(root: Path, repeats: int) -> list[str]:
    store = library.reader(root).store()
    directory = store.query("pcn_directory")
    row = directory.sort_values("practices_reporting").iloc[len(directory) // 2]
    start, end = store.con.execute("SELECT min(month), max(month) FROM unit_month").fetchall()[0]
    area = {"start": start, "end": end}
    pcn, icb = row["pcn_code"], row["icb_code"]
    cases = {
        "area_month_metrics": lambda lvl, code: store.query("area_month_metrics", level=lvl, code=code, **area),
        "area_period_metrics": lambda lvl, code: store.query("area_period_metrics", pcn=code if lvl == "pcn" else "",
                                                             icb=icb, **area),
        "demand_by_weekday_band": lambda lvl, code: store.query("demand_by_weekday_band", level=lvl, code=code, **area),
        "demand_by_date": lambda lvl, code: store.query("demand_by_date", level=lvl, code=code, **area),
        "outcomes_by_band": lambda lvl, code: store.query("outcomes_by_band", level=lvl, code=code, **area),
        "pcn_distribution": lambda lvl, code: store.query("pcn_distribution", pcn=pcn, icb=icb, **area),
        "pcn_directory": lambda lvl, code: store.query("pcn_directory"),
        "coverage_by_month": lambda lvl, code: store.query("coverage_by_month"),
        "total_mismatches": lambda lvl, code: store.query("total_mismatches", **area),
    }
    lines = [f"### Page queries on the library ({start:%b %Y} to {end:%b %Y})", "",
             f"Through a session's cursor on the shared read-only reader; PCN {pcn} "
             f"({int(row['practices_reporting'])} practices), whole period; best of {repeats}.", "",
             "| query | one PCN (s, target 0.1) | England (s, target 0.5) |", "|---|---:|---:|"]
    for name, fn in cases.items():
        t_pcn = min(run.timed(lambda: fn("pcn", pcn)) for _ in range(repeats))
        t_eng = min(run.timed(lambda: fn("england", "E92000001")) for _ in range(repeats))
        lines.append(f"| {name} | {t_pcn:.3f} | {t_eng:.3f} |")
    return lines


def bench_session(root: Path, repeats: int) -> list[str]:
    from telephony.store import Store
    from ui.session import _sample_snapshot

    sample_path, _, _ = _sample_snapshot()

    def first_page(store) -> None:
        d = store.query("pcn_directory")
        code = d["pcn_code"].iloc[0]
        icb = d["icb_code"].iloc[0]
        s, e = d["first_month"].min(), d["last_month"].max()
        store.query("area_period_metrics", pcn=code, icb=icb, start=s, end=e)
        store.query("area_month_metrics", level="pcn", code=code, start=s, end=e)
        store.query("total_mismatches", start=s, end=e)

    reader = library.reader(root)
    on_library = [run.timed(lambda: first_page(reader.store())) for _ in range(repeats)]
    on_sample = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            on_sample.append(run.timed(lambda: first_page(Store(snapshot=sample_path, temp_dir=tmp))))
    before = _rss_mb()
    sessions = []
    for _ in range(20):
        store = reader.store()
        first_page(store)
        sessions.append(store)
    per_session = (_rss_mb() - before) / len(sessions)
    return ["### A new session's first page (Overview's queries)", "",
            "| on the sample (s) | on the library (s) | difference (target 0.5) | memory per new session |",
            "|---:|---:|---:|---:|",
            f"| {min(on_sample):.3f} | {min(on_library):.3f} | **{min(on_library) - min(on_sample):+.3f}** | "
            f"**{per_session:.1f} MB** (20 sessions; target 50) |"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this folder")
    parser.add_argument("--only", choices=["load"], help="run only this step (on --keep's files)")
    parser.add_argument("--months-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.months_child:
        months_child(*args.months_child)
        return
    work = Path(tempfile.mkdtemp(prefix="cbt-bench-library-"))
    folder = args.keep or work / "files"
    try:
        if not folder.exists() or not run.months_in(folder):
            t = run.timed(lambda: write_sample(folder, seed=1, scale="national", months=args.months))
            print(f"generated {args.months} national month(s) in {t:.0f} s", flush=True)
        lines = [f"## {dt.datetime.now():%Y-%m-%d %H:%M}: the library ({len(run.months_in(folder))} national months)",
                 "", run.machine(), ""]
        steps = [lambda: bench_load(folder, args.repeats)]
        if args.only is None:
            steps += [lambda: bench_months(folder, work / "lib"), lambda: bench_queries(work / "lib", args.repeats),
                      lambda: bench_session(work / "lib", args.repeats)]
        for step in steps:
            part = step()
            print("\n".join(part), flush=True)
            lines += [*part, ""]
        with open(run.RESULTS, "a", encoding="utf-8") as fh:
            fh.write("\n" + "\n".join(lines))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
