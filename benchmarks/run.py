"""Benchmarks, run by hand (never in the test suite; timings are not asserted anywhere):

    python benchmarks/run.py [--months 12] [--repeats 3] [--keep DIR] [--only load,year,pages,start,logs]

Generates synthetic files at national scale with the project's own generator (or reuses DIR) and
measures, writing a dated section to benchmarks/RESULTS.md with the machine described:

  load   one national month of the three practice-level zips, as published: Store.load against
         DuckDB's own read_csv of the same CSVs (the target: at most 1.5 times) and against a plain
         pandas read_csv pipeline. Runs alternate, so a busy machine slows both alike.
  year   every file of `--months` national months loaded into one session database, in a fresh
         process: load time and peak memory (RSS; the target: at most 3 GB).
  pages  with those months loaded: each page run as the app runs it (AppTest, one PCN chosen),
         and each page query for one PCN and for all of England (targets 0.3 s and 1 s).
  start  cold start: `streamlit run app.py` to the Overview drawn in headless Chromium (target 3 s),
         first with no sample cache, then with it, alternating with the floor: the smallest
         Streamlit page with a Plotly chart (benchmarks/floor_app.py), timed the same way.
  logs   a year of call-level log for a large PCN (~300,000 calls).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from samplegen.published import write_sample  # noqa: E402
from telephony.store import Store  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
FAMILIES = ("By Day and Time", "By Durations", "Calls Answered Metric")
CHROMIUM = Path("/usr/bin/chromium")


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}, pandas {pd.__version__}")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(repeats: int, **runs) -> dict[str, list[float]]:
    """Run each function once per round, round after round, so background load hits all alike."""
    out: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            out[name].append(timed(fn))
    return out


def months_in(folder: Path) -> list[str]:
    """'August 2026'-style labels of the generated months, oldest first."""
    labels = {p.stem.split(" - ")[-1] for p in folder.glob("Synthetic CBT By Day and Time - *.zip")}
    return sorted(labels, key=lambda s: dt.datetime.strptime(s, "%B %Y"))


def extract(zip_path: Path, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(folder)
        return sorted(str(folder / n) for n in zf.namelist())


# --------------------------------------------------------------------------- one national month

def bench_load(folder: Path, repeats: int) -> list[str]:
    month = months_in(folder)[-1]
    zips = {f: folder / f"Synthetic CBT {f} - {month}.zip" for f in FAMILIES}
    csvs = {f: extract(z, folder / "extracted" / f) for f, z in zips.items()}
    rows = {f: duckdb.execute("SELECT count(*) FROM read_csv($p)", {"p": c}).fetchall()[0][0] for f, c in csvs.items()}

    def raw_duckdb(families):
        def run():
            con = duckdb.connect()
            for i, f in enumerate(families):
                con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv($p)", {"p": csvs[f]})
            con.close()
        return run

    def pandas_pipeline(families):
        def run():
            for f in families:
                frame = pd.concat([pd.read_csv(p) for p in csvs[f]], ignore_index=True)
                frame["Date"] = pd.to_datetime(frame["Date"])
                frame.groupby(["PRACTICE_CODE", "Indicator"])["Value"].sum()
        return run

    def store_load(families):
        def run():
            with tempfile.TemporaryDirectory() as tmp:
                # As the app holds a session's uploads (ui/session.py): in memory within the budget.
                store = Store(temp_dir=tmp, read_dirs=[folder], spill_to=Path(tmp) / "session.duckdb")
                for f in families:
                    report = store.load(zips[f])
                    assert report.status == "loaded" and report.rows_rejected == 0, report.message
                store.close()
        return run

    lines = [f"### One national month ({month}), the three zips as published", "",
             "Runs alternate between the three ways of reading; best of "
             f"{repeats} (median in brackets).", "",
             "| files | rows | DuckDB `read_csv` (s) | Store.load (s) | ratio | pandas (s) | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, families in [("By Day and Time", FAMILIES[:1]), ("all three zips", FAMILIES)]:
        t = alternate(repeats, duckdb=raw_duckdb(families), store=store_load(families),
                      pandas=pandas_pipeline(families))
        best = {k: min(v) for k, v in t.items()}
        med = {k: statistics.median(v) for k, v in t.items()}
        n = sum(rows[f] for f in families)
        lines.append(
            f"| {label} | {n:,} | {best['duckdb']:.2f} ({med['duckdb']:.2f}) | "
            f"**{best['store']:.2f}** ({med['store']:.2f}) | **{best['store'] / best['duckdb']:.2f}** | "
            f"{best['pandas']:.2f} | {best['pandas'] / best['duckdb']:.2f} |")
    lines += ["", "Store.load includes everything the app does with a file: detecting its format, "
              "expanding the zip, checking every row, loading, reconciling By Day and Time against "
              "By Durations, and writing to the session's database file."]
    return lines


# --------------------------------------------------------------------------- a year

def year_child(folder: Path, db: Path) -> None:
    """Runs in its own process (so its peak RSS is its own): load every file into `db`."""
    # As the app holds a session's uploads: in memory until the budget, then in the file `db`.
    store = Store(temp_dir=db.parent, read_dirs=[folder], spill_to=db)
    seconds: dict[str, float] = {}
    rows = 0
    files = sorted(p for p in folder.iterdir() if p.suffix in (".zip", ".xlsx", ".csv"))
    start = time.perf_counter()
    for path in files:
        t = time.perf_counter()
        report = store.load(path)
        assert report.status == "loaded", report.message
        kind = report.kind or "other"
        seconds[kind] = seconds.get(kind, 0.0) + time.perf_counter() - t
        rows += report.rows_read
    total = time.perf_counter() - start
    store.close()
    print(json.dumps({"files": len(files), "rows": rows, "seconds": seconds, "total": total,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "db_mb": db.stat().st_size / 1e6}))


def bench_year(folder: Path, db: Path) -> list[str]:
    out = subprocess.run([sys.executable, __file__, "--year-child", str(folder), str(db)],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    n = len(months_in(folder))
    lines = [f"### {n} national months in one session database", "",
             f"{r['files']} files, {r['rows']:,} rows read, loaded in **{r['total']:.1f} s** "
             f"in a fresh process; **peak memory (RSS) {r['peak_rss_mb']:,.0f} MB**; "
             f"database file {r['db_mb']:,.0f} MB.", "",
             "| kind | seconds |", "|---|---:|"]
    lines += [f"| {kind} | {s:.1f} |" for kind, s in sorted(r["seconds"].items())]
    return lines


# --------------------------------------------------------------------------- pages and queries

def bench_pages(folder: Path, db: Path, repeats: int) -> list[str]:
    from streamlit.testing.v1 import AppTest

    from telephony.report import LoadReport
    from ui.session import SessionData

    store = Store(db, temp_dir=db.parent / "pages", read_dirs=[folder])
    directory = store.query("pcn_directory")
    row = directory.sort_values("practices_reporting").iloc[len(directory) // 2]
    start, end = store.con.execute("SELECT min(month), max(month) FROM unit_month").fetchall()[0]
    n_months = len(pd.date_range(start, end, freq="MS"))

    data = SessionData(temp_dir=Path(tempfile.mkdtemp(prefix="cbt-bench-session-")))
    data.uploads = store
    data.upload_reports = [LoadReport(file_name=f"{n_months} national months", status="loaded")]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["session_data"] = data
    at.session_state["chosen_data_source"] = "uploads"
    at.session_state["chosen_pcn"] = row["pcn_code"]
    at.run()
    at.run()
    assert not at.exception, at.exception
    lines = [f"### Pages with {n_months} national months loaded", "",
             f"Each page run as the app runs it (AppTest: sidebar, every query for the PCN, its ICB "
             f"and England, every chart and table through the gate), PCN {row['pcn_code']} "
             f"({int(row['practices_reporting'])} practices), whole period. Best of {repeats}.", "",
             "| page | seconds |", "|---|---:|"]
    for page in ("overview", "demand", "outcomes", "waits", "context", "data", "about"):
        times = []
        for _ in range(repeats):
            at.switch_page(f"pages/{page}.py")
            times.append(timed(at.run))
            assert not at.exception, f"{page}: {at.exception}"
        lines.append(f"| {page} | {min(times):.2f} |")

    area = {"start": start, "end": end}
    cases = {
        "area_month_metrics (Overview, Outcomes, Waits)":
            lambda lvl, code: store.query("area_month_metrics", level=lvl, code=code, **area),
        "area_period_metrics (Overview)":
            lambda lvl, code: store.query("area_period_metrics", pcn=code if lvl == "pcn" else "",
                                          icb=row["icb_code"], **area),
        "demand_by_weekday_band (Demand)":
            lambda lvl, code: store.query("demand_by_weekday_band", level=lvl, code=code, **area),
        "demand_by_date (Demand)": lambda lvl, code: store.query("demand_by_date", level=lvl, code=code, **area),
        "outcomes_by_band (Outcomes)": lambda lvl, code: store.query("outcomes_by_band", level=lvl, code=code, **area),
        "pcn_distribution (Context)": lambda lvl, code: store.query("pcn_distribution", pcn=row["pcn_code"],
                                                                    icb=row["icb_code"], **area),
        "pcn_directory (sidebar, every page)": lambda lvl, code: store.query("pcn_directory"),
    }
    lines += ["", f"Each query on its own, best of {repeats}:", "",
              "| query (page) | one PCN (s) | England (s) |", "|---|---:|---:|"]
    for name, fn in cases.items():
        t_pcn = min(timed(lambda: fn("pcn", row["pcn_code"])) for _ in range(repeats))
        t_eng = min(timed(lambda: fn("england", "E92000001")) for _ in range(repeats))
        lines.append(f"| {name} | {t_pcn:.3f} | {t_eng:.3f} |")
    store.close()
    shutil.rmtree(data.temp_dir, ignore_errors=True)
    return lines


# --------------------------------------------------------------------------- cold start

def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The Overview's chart drawn with its data: a Plotly chart whose title is the real one and which
# holds a drawn trace. A chart without either (the app's blank warm-up chart, ui/warmup.py, or a
# chart still waiting for its data) does not count.
OVERVIEW_CHART_TITLE = "Inbound calls ranged from"
# The floor for a cold start: the smallest page with a Plotly chart (see the file).
FLOOR_APP = "benchmarks/floor_app.py"
REAL_CHART_DRAWN = """title => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].some(chart =>
    [...chart.querySelectorAll('svg.main-svg .gtitle')].some(t => t.textContent.startsWith(title))
    && chart.querySelector('svg.main-svg g.trace') !== null)"""


# Records, in the page, when the websocket to the server opens and the browser's long tasks (the
# longest after Plotly's script arrives is its evaluation), for the timeline in bench_start.
TIMELINE_PROBE = """
window.__cbt = {longTasks: []};
new PerformanceObserver(list => list.getEntries().forEach(e =>
    window.__cbt.longTasks.push([e.startTime, e.duration]))).observe({type: "longtask", buffered: true});
const PageSocket = window.WebSocket;
window.WebSocket = function (...args) {
    const socket = new PageSocket(...args);
    socket.addEventListener("open", () => { window.__cbt.socketOpen ??= performance.now(); });
    return socket;
};
window.WebSocket.prototype = PageSocket.prototype;
Object.assign(window.WebSocket, PageSocket);
"""
TIMELINE_READ = """() => {
    const plotly = performance.getEntriesByType("resource").find(e => /PlotlyChart/.test(e.name));
    const after = plotly ? window.__cbt.longTasks.filter(([start]) => start >= plotly.responseEnd) : [];
    const evaluation = after.reduce((a, b) => (b[1] > a[1] ? b : a), after[0]);   // the longest
    return {origin: performance.timeOrigin, socket: window.__cbt.socketOpen ?? null,
            fetched: plotly ? plotly.responseEnd : null,
            evaluated: evaluation ? evaluation[0] + evaluation[1] : null};
}"""
TIMELINE_STEPS = ("server healthy", "websocket open", "Plotly's script fetched",
                  "Plotly's script evaluated", "chart drawn")


def cold_start(cache_dir: Path, root: Path = ROOT, script: str = "app.py",
               steps: dict | None = None) -> float:
    """Seconds from `streamlit run` to the Overview's chart drawn with its data in Chromium
    (REAL_CHART_DRAWN). `root`: the checkout to start it in (another one, for an A/B comparison);
    `script`: the page to run, relative to `root` (FLOOR_APP for the floor). `steps`, if given,
    is filled with TIMELINE_STEPS, each in seconds from the start (None if not seen)."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "CBT_CACHE_DIR": str(cache_dir)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-background-networking"])
        page = browser.new_page()
        page.add_init_script(TIMELINE_PROBE)
        start, start_wall = time.perf_counter(), time.time()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.headless", "true"], cwd=root, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while True:
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1):
                        break
                time.sleep(0.05)
            healthy = time.perf_counter() - start
            page.goto(f"http://localhost:{port}/")
            page.wait_for_function(REAL_CHART_DRAWN, arg=OVERVIEW_CHART_TITLE, timeout=120_000, polling=20)
            total = time.perf_counter() - start
            if steps is not None:
                seen = page.evaluate(TIMELINE_READ)
                page_start = seen["origin"] / 1000 - start_wall     # the page's clock, from the start

                def at(ms):
                    return None if ms is None else page_start + ms / 1000

                steps.update(zip(TIMELINE_STEPS, (healthy, at(seen["socket"]), at(seen["fetched"]),
                                                  at(seen["evaluated"]), total)))
            return total
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            browser.close()


def _settled(seconds: float = 5.0) -> None:
    """Let the last run's server and browser finish shutting down: measured back to back, a run
    started while they were still exiting took up to twice as long (2 cores)."""
    time.sleep(seconds)


def bench_start(repeats: int) -> list[str]:
    """The app's cold start, alternating with the floor's (FLOOR_APP), so that a busy machine slows
    both alike; then the median timeline of each."""
    if not CHROMIUM.exists():
        return ["### Cold start", "", f"Not measured: no Chromium at {CHROMIUM}."]
    cache = Path(tempfile.mkdtemp(prefix="cbt-bench-cache-"))
    first = cold_start(cache)          # builds the sample cache
    runs = {"app": [], "floor": []}
    for _ in range(repeats):
        for name, script in (("app", "app.py"), ("floor", FLOOR_APP)):
            _settled()
            steps: dict = {}
            cold_start(cache, script=script, steps=steps)
            runs[name].append(steps)
    shutil.rmtree(cache, ignore_errors=True)

    def total(name):
        return [run["chart drawn"] for run in runs[name]]

    def median_at(name, step):
        seen = [run[step] for run in runs[name] if run[step] is not None]
        return f"{statistics.median(seen):.2f}" if seen else "not seen"

    app, floor = total("app"), total("floor")
    extra = [a - f for a, f in zip(app, floor)]
    return ["### Cold start", "",
            "`streamlit run app.py` started, then the Overview opened in headless Chromium (a new "
            "browser each run); timed to its chart drawn with its data (title and bars). Alternating "
            f"with it, the floor: `{FLOOR_APP}`, a page holding only a title and one two-bar Plotly "
            "chart, timed the same way: what Streamlit and the browser take before any app work. "
            "Runs 5 s apart.", "",
            "| start | best (s) | median (s) |", "|---|---:|---:|",
            f"| first ever (no sample cache: the synthetic sample is loaded and cached) | {first:.1f} | |",
            f"| **cold start, the app** (new server process, cache present), runs: {repeats} "
            f"| **{min(app):.1f}** | {statistics.median(app):.1f} |",
            f"| the floor: one Plotly chart and nothing else, runs: {repeats} "
            f"| {min(floor):.1f} | {statistics.median(floor):.1f} |",
            f"| the app's own work: app minus floor, pair by pair | | {statistics.median(extra):.1f} |",
            "", "Where the time goes: each step's median, in seconds from `streamlit run` (the page's "
            "own clock for the browser's steps). Plotly's script is evaluated in the browser's longest "
            "task after it is fetched; the browser can do nothing else meanwhile.", "",
            "| step | app | floor |", "|---|---:|---:|",
            *[f"| {step} | {median_at('app', step)} | {median_at('floor', step)} |" for step in TIMELINE_STEPS]]


# --------------------------------------------------------------------------- call logs

def bench_logs() -> list[str]:
    from samplegen import call_log_year as calllog_bench

    lines = ["### A year of call-level log for a large PCN", "",
             "| file | calls | practices | rows loaded | rejected | load (s) |", "|---|---:|---:|---:|---:|---:|"]
    for xlsx in (False, True):
        r = calllog_bench.run(xlsx=xlsx)
        assert r["status"] == "loaded", r["message"]
        lines.append(f"| {r['format']} | {r['calls']:,} | {r['practices']} | {r['rows_loaded']:,} | "
                     f"{r['rows_rejected']:,} | **{r['load_seconds']:.1f}** |")
    return lines


# --------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12, help="national months to generate")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into (and reuse) this folder")
    parser.add_argument("--only", default="load,year,pages,start,logs", help="comma-separated parts to run")
    parser.add_argument("--year-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.year_child:
        year_child(*args.year_child)
        return

    parts = set(args.only.split(","))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cbt-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if len(months_in(folder)) < args.months and parts & {"load", "year", "pages"}:
        t = timed(lambda: write_sample(folder, seed=1, scale="national", months=args.months))
        print(f"generated {args.months} national month(s) in {t:.0f} s", flush=True)
    work = Path(tempfile.mkdtemp(prefix="cbt-bench-db-"))
    db = work / "session.duckdb"
    lines = [f"## {dt.datetime.now():%Y-%m-%d %H:%M}: {', '.join(sorted(parts))}"
             f" ({len(months_in(folder))} national months generated)", "",
             f"Machine: {machine()}", ""]
    try:
        if "load" in parts:
            lines += bench_load(folder, args.repeats) + [""]
        if "year" in parts or "pages" in parts:
            lines += bench_year(folder, db) + [""]
        if "pages" in parts:
            lines += bench_pages(folder, db, args.repeats) + [""]
        if "start" in parts:
            lines += bench_start(args.repeats) + [""]
        if "logs" in parts:
            lines += bench_logs() + [""]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = "\n".join(lines) + "\n"
    print(text)
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
