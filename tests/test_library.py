"""The library: `fetch` into it, `report`/`load`/`export` on it, readers and writers, removing months.

Against the local stand-in for NHS England's site of tests/test_fetch.py (127.0.0.1 only): the
saved real pages with their file links pointed at it, and the project's synthetic files behind them.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from telephony import fetch, library
from telephony.cli import main
from telephony.store import Store
from tests.test_fetch import (AUG, CBT_AUG_PATH, DAY_TIME, DURATIONS, PAGES, SAMPLE, WANTED, _sample_bytes,  # noqa: F401
                              _zip_of, site)

JUL = dt.date(2026, 7, 1)
PCN = next(csv.DictReader(open(SAMPLE / "Synthetic practice map.csv", encoding="utf-8")))["PCN_CODE"]

SAMPLE_FILES = {
    AUG: ["Synthetic CBT Summary August 2026.xlsx", "Synthetic CBT By Day and Time - August 2026.zip",
          "Synthetic CBT By Durations - August 2026.zip", "Synthetic CBT Calls Answered Metric - August 2026.zip",
          "Synthetic list sizes Aug26.csv"],
    JUL: ["Synthetic CBT Summary July 2026.xlsx", "Synthetic CBT By Day and Time - July 2026.zip",
          "Synthetic CBT By Durations - July 2026.zip", "Synthetic CBT Calls Answered Metric - July 2026.zip",
          "Synthetic list sizes Jul26.csv"],
}


def publish_july(site) -> None:
    """July 2026's pages: August's saved pages with the month renamed, and July's sample files."""
    files = {
        "Summary": (SAMPLE / "Synthetic CBT Summary July 2026.xlsx").read_bytes(),
        "By Day and Time": (SAMPLE / "Synthetic CBT By Day and Time - July 2026.zip").read_bytes(),
        "By Durations": (SAMPLE / "Synthetic CBT By Durations - July 2026.zip").read_bytes(),
        "Calls Answered": (SAMPLE / "Synthetic CBT Calls Answered Metric - July 2026.zip").read_bytes(),
        "gp-reg-pat-prac-all": _zip_of(SAMPLE / "Synthetic list sizes Jul26.csv", "gp-reg-pat-prac-all.csv"),
        "gp-reg-pat-prac-map": _zip_of(SAMPLE / "Synthetic practice map.csv", "gp-reg-pat-prac-map.csv"),
    }
    for saved, path in (
            ("cbt-august-2026.html", CBT_AUG_PATH),
            ("registered-patients-august-2026.html", "/pub/patients-registered-at-a-gp-practice/august-2026")):
        html = (PAGES / saved).read_text(encoding="utf-8").replace("August", "July").replace("august", "july")
        for href in re.findall(r'href="https://files\.digital\.nhs\.uk/([^"]+)"', html):
            name = unquote(href.rsplit("/", 1)[-1])
            for words, data in files.items():
                if words in name and fetch.classify(name):
                    site.routes["/files/july/" + unquote(href)] = data
        html = html.replace("https://files.digital.nhs.uk/", f"{site.root}/files/july/")
        site.routes[path.replace("august", "july")] = html.encode("utf-8")


def fetch_cli(site, root: Path, months: str = "2026-08") -> int:
    return main(["fetch", months, "--to", str(root), "--from", site.base])


def report(capsys, *where: str, month: str | None = None) -> list[dict]:
    capsys.readouterr()
    args = ["report", *where, "--pcn", PCN, "--json"] + (["--month", month] if month else [])
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def direct(tmp_path):
    """A database loaded straight from the synthetic files, for both months."""
    db = tmp_path / "direct.duckdb"
    store = Store(db)
    for name in ["Synthetic practice map.csv", *SAMPLE_FILES[JUL], *SAMPLE_FILES[AUG]]:
        assert store.load(SAMPLE / name).status == "loaded", name
    store.close()
    return db


# --------------------------------------------------------------------------- fetch

def test_fetch_loads_the_library_and_its_figures_equal_the_files(site, tmp_path, direct, capsys):
    site.publish_august()
    publish_july(site)
    root = tmp_path / "lib"
    assert fetch_cli(site, root, "2026-07:2026-08") == 0
    out = capsys.readouterr()
    assert "July 2026: 6 file(s) downloaded, 0 already held" in out.out
    assert "August 2026: 6 file(s) downloaded, 0 already held" in out.out
    assert "downloading" in out.err                                      # progress shown
    assert (root / library.DB_NAME).is_file()
    assert sorted(p.name for p in (root / "files" / "2026-08").iterdir()) == sorted(WANTED)

    got = report(capsys, "--library", str(root))
    want = report(capsys, "--db", str(direct))
    assert [r["month"] for r in got] == ["2026-07", "2026-08"] and got == want
    assert got[1]["inbound"] > 0
    # England too, straight from the library's tables.
    lib, ref = library.open_read_only(root), Store(direct)
    try:
        for level, code in (("england", "-"), ("pcn", PCN)):
            pd.testing.assert_frame_equal(
                lib.query("area_month_metrics", level=level, code=code, start=JUL, end=AUG),
                ref.query("area_month_metrics", level=level, code=code, start=JUL, end=AUG))
    finally:
        lib.close()
        ref.close()


def test_a_second_fetch_downloads_nothing_and_changes_no_figure(site, tmp_path, capsys):
    site.publish_august()
    root = tmp_path / "lib"
    assert fetch_cli(site, root) == 0
    first = report(capsys, "--library", str(root))
    before = len(site.log)

    assert fetch_cli(site, root) == 0
    assert "August 2026: 0 file(s) downloaded, 6 already held" in capsys.readouterr().out
    assert [p for p in site.paths()[before:] if p.startswith("/files/")] == []
    assert report(capsys, "--library", str(root)) == first


def test_a_link_to_another_host_is_never_requested(site, tmp_path, capsys):
    evil = f"http://localhost:{site.port}/files/evil/x/{DAY_TIME.replace('.zip', '_v9.zip')}"
    site.publish_august(extra_links=f'<a href="{evil}">By Day and Time (mirror)</a>')
    assert fetch_cli(site, tmp_path / "lib") == 0
    assert "not followed:" in capsys.readouterr().out
    assert [r for r in site.log if r[0].startswith("localhost") or "evil" in r[1]] == []


def test_a_missing_month_is_named_and_the_library_keeps_what_it_has(site, tmp_path, capsys):
    site.publish_august()
    root = tmp_path / "lib"
    assert fetch_cli(site, root) == 0
    before = report(capsys, "--library", str(root))

    assert fetch_cli(site, root, "2026-09") == 1
    out = capsys.readouterr().out
    assert "Cloud Based Telephony page for September 2026 is not published" in out
    assert f"{site.base}/cloud-based-telephony-data-in-general-practice/september-2026" in out
    assert report(capsys, "--library", str(root)) == before


def test_a_404_and_a_truncated_zip_are_named_and_the_other_files_load(site, tmp_path, capsys):
    paths = site.publish_august()
    del site.routes[paths[DURATIONS]]
    data = _sample_bytes()[DAY_TIME]
    site.routes[paths[DAY_TIME]] = data[: len(data) // 2]
    root = tmp_path / "lib"

    assert fetch_cli(site, root) == 1
    out = capsys.readouterr().out
    assert f"problem: '{DURATIONS}' could not be downloaded" in out and "404" in out
    assert f"problem: '{DAY_TIME}'" in out and "is broken" in out
    rows = report(capsys, "--library", str(root))
    assert rows[0]["inbound"] > 0            # the workbook loaded


def test_bad_months_are_refused_before_anything_is_asked(site, tmp_path, capsys):
    assert main(["fetch", "2026-13", "--to", str(tmp_path / "lib"), "--from", site.base]) == 2
    assert "'2026-13' is not a month in the form YYYY-MM" in capsys.readouterr().err
    assert site.log == []


# --------------------------------------------------------------------------- readers and writers

def test_a_reader_moves_to_the_new_database_and_an_old_cursor_keeps_working(site, tmp_path):
    site.publish_august()
    publish_july(site)
    root = tmp_path / "lib"
    library.fetch_into(root, [AUG], base=site.base, timeout=5)
    first = library.reader(root)
    old = first.store()
    assert [m.month for m in library.reader(root).months()] == [8]
    assert library.reader(root) is first                          # nothing changed: the same reader

    # A reader is open in this process, so the write goes to a copy renamed over the database.
    library.fetch_into(root, [JUL], base=site.base, timeout=5)
    assert not list(root.glob(".*.writing*"))
    second = library.reader(root)
    assert second is not first and [m.month for m in second.months()] == [7, 8]
    assert old.query("coverage_by_month")["month"].dt.month.tolist() == [8]   # the old file, still readable
    with pytest.raises(library.LibraryProblem, match="read-only"):
        old.load(SAMPLE / "Synthetic practice map.csv")


def test_a_reader_cannot_read_other_files(site, tmp_path):
    site.publish_august()
    root = tmp_path / "lib"
    library.fetch_into(root, [AUG], base=site.base, timeout=5)
    store = library.reader(root).store()
    with pytest.raises(Exception, match="(?i)permission|disabled|external"):
        store.con.execute("SELECT * FROM read_csv($p)", {"p": str(SAMPLE / "Synthetic practice map.csv")}).fetchall()


def test_no_library_is_said_plainly(tmp_path, capsys):
    assert library.reader(tmp_path) is None
    assert main(["report", "--library", str(tmp_path), "--pcn", PCN, "--json"]) == 2
    assert f"{tmp_path.resolve()} holds no library" in capsys.readouterr().err


# --------------------------------------------------------------------------- load, remove, export

def test_load_into_the_library_keeps_public_files_and_refuses_a_call_log_unless_chosen(tmp_path, capsys):
    root = tmp_path / "lib"
    files = [SAMPLE / "Synthetic practice map.csv", *(SAMPLE / n for n in SAMPLE_FILES[AUG])]
    assert main(["load", *map(str, files), "--library", str(root)]) == 0
    assert sorted(p.name for p in (root / "files" / library.ADDED).iterdir()) == sorted(p.name for p in files)
    assert report(capsys, "--library", str(root))[0]["month"] == "2026-08"

    profile = tmp_path / "profile.json"
    profile.write_text("{}", encoding="utf-8")
    assert main(["load", str(files[0]), "--library", str(root), "--mapping", str(profile)]) == 2
    assert "goes into a library only when you choose it: add --include-call-log" in capsys.readouterr().err


def test_removing_a_month_rebuilds_the_library_from_the_files_it_keeps(site, tmp_path, direct, capsys):
    site.publish_august()
    publish_july(site)
    root = tmp_path / "lib"
    assert fetch_cli(site, root, "2026-07:2026-08") == 0
    assert library.held_months(root) == [JUL, AUG]

    removed = library.remove_months(root, [AUG])
    assert len(removed) == 6 and all(line.startswith("2026-08: ") for line in removed)
    assert library.held_months(root) == [JUL]
    assert not (root / "files" / "2026-08").exists()
    got = report(capsys, "--library", str(root))
    assert [r["month"] for r in got] == ["2026-07"]
    assert got == report(capsys, "--db", str(direct), month="2026-07")


def test_export_to_parquet_gives_the_same_report(site, tmp_path, capsys):
    site.publish_august()
    publish_july(site)
    root, out = tmp_path / "lib", tmp_path / "parquet"
    assert fetch_cli(site, root, "2026-07:2026-08") == 0
    capsys.readouterr()
    assert main(["export", "--library", str(root), "--parquet", str(out)]) == 0
    assert "partitioned by month" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "workbook_month").iterdir()) == ["month=2026-07-01", "month=2026-08-01"]
    assert (out / "calls_by_band" / "month=2026-08-01").is_dir()

    assert report(capsys, "--library", str(out)) == report(capsys, "--library", str(root))
    with pytest.raises(library.LibraryProblem, match="read only"):
        with library.writing(out):
            pass
    assert main(["export", "--library", str(root), "--parquet", str(out)]) == 1
    assert "is not empty" in capsys.readouterr().err
