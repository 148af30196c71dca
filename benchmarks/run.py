"""Benchmarks, run by hand: `python benchmarks/run.py [--months N] [--keep DIR]`.

Generates synthetic files at national scale with the project's own generator, then measures:
  * loading one national month of "By Day and Time" (the published zip) through the store,
    against DuckDB's own read_csv of the same CSVs and a plain pandas read_csv pipeline;
  * each page's queries for one PCN and for all of England.
Results are appended to benchmarks/RESULTS.md with a description of the machine. Timings are
never asserted in tests; this is where they are measured and written down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from telephony.sample import write_sample  # noqa: E402
from telephony.store import Store  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, pandas {pd.__version__}")


def best_of(n: int, fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def extract(zip_path: Path, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(folder)
        return [str(folder / n) for n in zf.namelist()]


def bench_load(files: Path, repeats: int) -> list[str]:
    zip_path = next(files.glob("Synthetic CBT By Day and Time - *.zip"))
    csvs = extract(zip_path, files / "extracted")
    rows = duckdb.execute("SELECT count(*) FROM read_csv($p)", {"p": csvs}).fetchall()[0][0]

    def raw_duckdb():
        con = duckdb.connect()
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p)", {"p": csvs})
        con.close()

    def raw_duckdb_from_zip():
        with tempfile.TemporaryDirectory() as tmp:
            paths = extract(zip_path, Path(tmp))
            con = duckdb.connect()
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv($p)", {"p": paths})
            con.close()

    def pandas_pipeline():
        frames = [pd.read_csv(p) for p in csvs]
        frame = pd.concat(frames, ignore_index=True)
        frame["Date"] = pd.to_datetime(frame["Date"])
        return frame.groupby(["PRACTICE_CODE", "Indicator"])["Value"].sum()

    def store_load():
        store = Store()
        report = store.load(zip_path)
        assert report.status == "loaded" and report.rows_rejected == 0, report.message
        store.close()
        return report

    t_raw, _ = best_of(repeats, raw_duckdb)
    t_raw_zip, _ = best_of(repeats, raw_duckdb_from_zip)
    t_store, report = best_of(repeats, store_load)
    t_pandas, _ = best_of(1, pandas_pipeline)
    return [
        f"One national month of By Day and Time: {rows:,} rows in {len(csvs)} CSVs "
        f"({zip_path.stat().st_size / 1e6:.1f} MB zipped). Best of {repeats}.",
        "",
        "| step | seconds | ratio to DuckDB read_csv |",
        "|---|---:|---:|",
        f"| DuckDB `read_csv` of the extracted CSVs into a table | {t_raw:.2f} | 1.00 |",
        f"| DuckDB `read_csv`, extracting the zip first | {t_raw_zip:.2f} | {t_raw_zip / t_raw:.2f} |",
        f"| **Store.load of the zip** (detect, extract, validate every row, load, reconcile) | "
        f"**{t_store:.2f}** | **{t_store / t_raw:.2f}** |",
        f"| pandas `read_csv` + concat + group-by | {t_pandas:.2f} | {t_pandas / t_raw:.2f} |",
    ]


def bench_queries(files: Path, repeats: int) -> list[str]:
    store = Store()
    for path in sorted(files.iterdir()):
        if path.suffix in (".zip", ".xlsx", ".csv"):
            store.load(path)
    directory = store.query("pcn_directory")
    row = directory.iloc[len(directory) // 2]
    months = store.con.execute("SELECT min(month), max(month) FROM unit_month").fetchall()[0]
    start, end = months
    area = {"start": start, "end": end}
    cases = {
        "area_month_metrics": lambda lvl, code: store.query("area_month_metrics", level=lvl, code=code, **area),
        "area_period_metrics": lambda lvl, code: store.query("area_period_metrics", pcn=code if lvl == "pcn" else "",
                                                             icb=row["icb_code"], **area),
        "demand_by_weekday_band": lambda lvl, code: store.query("demand_by_weekday_band", level=lvl, code=code, **area),
        "demand_by_date": lambda lvl, code: store.query("demand_by_date", level=lvl, code=code, **area),
        "outcomes_by_band": lambda lvl, code: store.query("outcomes_by_band", level=lvl, code=code, **area),
        "pcn_distribution": lambda lvl, code: store.query("pcn_distribution", pcn=row["pcn_code"],
                                                          icb=row["icb_code"], **area),
        "pcn_directory": lambda lvl, code: store.query("pcn_directory"),
    }
    out = ["| query | one PCN (s) | England (s) |", "|---|---:|---:|"]
    for name, fn in cases.items():
        t_pcn, _ = best_of(repeats, lambda: fn("pcn", row["pcn_code"]))
        t_eng, _ = best_of(repeats, lambda: fn("england", "E92000001"))
        out.append(f"| {name} | {t_pcn:.3f} | {t_eng:.3f} |")
    store.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--months", type=int, default=1, help="national months to generate for the query timings")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="cbt-bench-"))
    if not any(folder.glob("*.zip")):
        start = time.perf_counter()
        write_sample(folder, seed=1, scale="national", months=args.months)
        print(f"generated {args.months} national month(s) in {time.perf_counter() - start:.1f} s", flush=True)
    lines = [f"## {dt.datetime.now():%Y-%m-%d %H:%M} — {args.months} national month(s)", "",
             f"Machine: {machine()}", ""]
    lines += bench_load(folder, args.repeats)
    lines += ["", f"Queries with {args.months} national month(s) loaded (best of {args.repeats}):", ""]
    lines += bench_queries(folder, args.repeats)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines += ["", f"Peak memory (RSS) of the benchmark process: {peak:,.0f} MB", ""]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
