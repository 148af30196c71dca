"""Benchmark, run by hand: how long a PCN's meeting pack takes to write with 12 months loaded.

    python benchmarks/pack.py [--months 12] [--repeats 3]

Generates a 12-month synthetic PCN-scale dataset with the project's generator (as
`python -m telephony sample --months 12`), loads it into a database, then times
`telephony.pack.build` + `telephony.pack.write` (HTML and PPTX) for one PCN, best and median of
`--repeats`, and appends a dated section to benchmarks/RESULTS.md. The target: under 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from telephony import pack  # noqa: E402
from samplegen.published import write_sample  # noqa: E402
from telephony.store import Store  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cbt-pack-bench-") as tmp:
        files = [p for p in write_sample(Path(tmp) / "files", months=args.months)
                 if p.suffix in (".xlsx", ".zip", ".csv")]
        store = Store(Path(tmp) / "bench.duckdb")
        for f in files:
            store.load(f)
        directory = store.query("pcn_directory")
        pcn = directory.sort_values("practices_reporting").iloc[-1]
        times, steps = [], []
        for i in range(args.repeats):
            t0 = time.perf_counter()
            made = pack.build(store, pcn["pcn_code"])
            t1 = time.perf_counter()
            html_path, pptx_path = pack.write(made, Path(tmp) / f"out{i}")
            t2 = time.perf_counter()
            times.append(t2 - t0)
            steps.append((t1 - t0, t2 - t1))
        cpu = os.getloadavg()[0]
        store.close()
        best = min(range(len(times)), key=times.__getitem__)
        line = (f"\n## {dt.datetime.now():%Y-%m-%d %H:%M} — meeting pack, {args.months} months\n\n"
                f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (load average "
                f"{cpu:.1f} at the end); Python {platform.python_version()}\n\n"
                f"One PCN ({int(pcn['practices_reporting'])} practices reporting), {len(made.findings)} findings and "
                f"{len(made.trends)} trend charts; HTML {html_path.stat().st_size / 1e6:.1f} MB, PPTX "
                f"{pptx_path.stat().st_size / 1e3:.0f} kB. {args.repeats} runs.\n\n"
                "| step | best (s) | median (s) |\n|---|---:|---:|\n"
                f"| content (queries, gate, figures) | {steps[best][0]:.2f} | "
                f"{statistics.median(s[0] for s in steps):.2f} |\n"
                f"| writing HTML + PPTX | {steps[best][1]:.2f} | {statistics.median(s[1] for s in steps):.2f} |\n"
                f"| **whole pack** (target under 10 s) | **{times[best]:.2f}** | {statistics.median(times):.2f} |\n")
    print(line)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(line)


if __name__ == "__main__":
    main()
