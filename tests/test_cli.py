"""The command line: `python -m telephony load ... --db` and `report --db --pcn [--month] --json`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import (
    ASPLANDS, DAY_TIME_HEADER, FISHERMEAD, KING_ST, NORTH, SHARED_IN_PCN, SHARED_UNMAPPED_PCN, WbRow, WorkbookSpec,
    day_time_row, write_bytes, write_csv, write_summary_workbook,
)
from telephony.cli import main
from telephony.store import Store

PROJECT = Path(__file__).resolve().parents[1]
REPORT_KEYS = ["pcn_code", "pcn_name", "month", "practices_reporting", "inbound", "answered", "ended_in_ivr",
               "callback_requested", "callback_made", "missed", "shared_account_inbound", "answered_wait",
               "answered_duration", "missed_wait"]
BAND_KEYS = {"0-60", "61-120", "121-300", "over-300"}
JAN, DEC = dt.date(2026, 1, 1), dt.date(2025, 12, 1)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run([sys.executable, "-m", "telephony", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which are not JSON."""
    def refuse(token):
        raise ValueError(f"{token} is not valid JSON")
    return json.loads(text, parse_constant=refuse)


def day_time_jan(tmp_path: Path) -> Path:
    # ASPLANDS: inbound 40 + 20, answered 35, IVR 10, callbacks 5 requested / 4 made, missed 8
    # FISHERMEAD: inbound 30, answered 25; shared account under the PCN: inbound 9
    return write_csv(tmp_path / "Synthetic CBT By Day and Time - January 2026.csv", DAY_TIME_HEADER, [
        day_time_row(ASPLANDS, "2026-01-05", "CBT001", "08:00 - 09:59", "40.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT001", "10:00 - 11:59", "20.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT007", "08:00 - 09:59", "35.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT002", "08:00 - 09:59", "10.0"),
        day_time_row(ASPLANDS, "2026-01-05", "CBT005", "08:00 - 09:59", "5.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT006", "10:00 - 11:59", "4.0"),
        day_time_row(ASPLANDS, "2026-01-06", "CBT004", "10:00 - 11:59", "8.0"),
        day_time_row(FISHERMEAD, "2026-01-05", "CBT001", "08:00 - 09:59", "30.0"),
        day_time_row(FISHERMEAD, "2026-01-05", "CBT007", "08:00 - 09:59", "25.0"),
        day_time_row(SHARED_IN_PCN, "2026-01-05", "CBT001", "08:00 - 09:59", "9.0"),
        day_time_row(SHARED_UNMAPPED_PCN, "2026-01-05", "CBT001", "08:00 - 09:59", "500.0"),
        day_time_row(KING_ST, "2026-01-05", "CBT001", "08:00 - 09:59", "70.0"),
    ])


def workbooks(tmp_path: Path) -> list[Path]:
    dec = WorkbookSpec(DEC, [
        WbRow(ASPLANDS, 900, 500, 200, 100, 100, 90, (200, 100, 100, 100), (100, 150, 200, 50), (50, 20, 20, 10)),
        WbRow(KING_ST, 100, 50, 20, 10, 20, 10),
    ])
    jan = WorkbookSpec(JAN, [
        WbRow(ASPLANDS, 1000, 600, 250, 50, 100, 48, (300, 100, 120, 80), (100, 200, 250, 50), (50, 20, 20, 10)),
        WbRow(FISHERMEAD, 500, 300, 100, 0, 100, 0, (100, 100, 50, 50), (50, 100, 100, 50), (40, 30, 20, 10)),
        WbRow(SHARED_IN_PCN, 200, 100, 50, 20, 30, 20, (50, 20, 20, 10), (25, 25, 25, 25), (10, 10, 5, 5)),
    ])
    return [write_summary_workbook(tmp_path / "summary_dec.xlsx", dec),
            write_summary_workbook(tmp_path / "summary_jan.xlsx", jan)]


# ---------------------------------------------------------------------------- load

def test_load_exits_non_zero_when_a_file_fails_but_keeps_the_good_ones(tmp_path, capsys):
    good = day_time_jan(tmp_path)
    bad = write_bytes(tmp_path / "broken.csv", b"")
    other = write_csv(tmp_path / "north.csv", DAY_TIME_HEADER, [
        day_time_row(NORTH, "2026-01-07", "CBT001", "08:00 - 09:59", "3.0")])
    db = tmp_path / "cbt.duckdb"
    code = main(["load", str(good), str(bad), str(other), "--db", str(db)])
    out = capsys.readouterr().out
    assert code != 0
    assert "broken.csv: FAILED" in out
    assert out.count(": LOADED") == 2
    store = Store(db)
    try:
        assert store.con.execute("SELECT count(*), sum(value) FROM calls_by_band").fetchall()[0] == (
            13, 40 + 20 + 35 + 10 + 5 + 4 + 8 + 30 + 25 + 9 + 500 + 70 + 3)
        assert store.con.execute("SELECT count(*) FROM sources WHERE status = 'loaded'").fetchall()[0][0] == 2
    finally:
        store.close()


def test_load_of_a_missing_file_fails_with_a_message_not_a_traceback(tmp_path):
    result = run_cli("load", str(tmp_path / "not_here.csv"), "--db", str(tmp_path / "cbt.duckdb"))
    assert result.returncode != 0
    assert "not_here.csv: FAILED" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_load_exits_zero_when_every_file_loads(tmp_path, capsys):
    code = main(["load", str(day_time_jan(tmp_path)), "--db", str(tmp_path / "cbt.duckdb")])
    assert code == 0
    assert "rows read 12; loaded 12; rejected 0" in capsys.readouterr().out


def test_load_then_load_again_into_the_same_database_reports_a_duplicate(tmp_path, capsys):
    path, db = day_time_jan(tmp_path), tmp_path / "cbt.duckdb"
    assert main(["load", str(path), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["load", str(path), "--db", str(db)]) == 0
    assert "DUPLICATE" in capsys.readouterr().out


# ---------------------------------------------------------------------------- report (end to end)

def test_end_to_end_load_and_report_json_with_only_by_day_and_time(tmp_path):
    db = tmp_path / "cbt.duckdb"
    loaded = run_cli("load", str(day_time_jan(tmp_path)), "--db", str(db))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    result = run_cli("report", "--db", str(db), "--pcn", "U49574", "--json")
    assert result.returncode == 0, result.stderr
    report = strict_json(result.stdout)
    assert isinstance(report, list) and len(report) == 1
    [item] = report
    assert list(item) == REPORT_KEYS
    assert item["pcn_code"] == "U49574"
    assert item["month"] == "2026-01"
    # by hand from the CSV: the shared account under U49574 counts, the 'Unmapped' one and KING ST do not
    assert (item["practices_reporting"], item["inbound"], item["answered"], item["ended_in_ivr"],
            item["callback_requested"], item["callback_made"], item["missed"], item["shared_account_inbound"]) == (
        2, 40 + 20 + 30 + 9, 35 + 25, 10, 5, 4, 8, 9)
    # By Day and Time carries no wait or duration bands
    assert (item["answered_wait"], item["answered_duration"], item["missed_wait"]) == (None, None, None)
    for code in ("E81050", "K82064", "E81038"):
        assert code not in result.stdout
    assert "Unassigned" not in result.stdout


def test_report_json_band_objects_and_month_filter(tmp_path, capsys):
    db = tmp_path / "cbt.duckdb"
    assert main(["load", *map(str, workbooks(tmp_path)), "--db", str(db)]) == 0
    capsys.readouterr()

    assert main(["report", "--db", str(db), "--pcn", "U49574", "--json"]) == 0
    both = strict_json(capsys.readouterr().out)
    assert [r["month"] for r in both] == ["2025-12", "2026-01"]
    for item in both:
        assert list(item) == REPORT_KEYS
        for key in ("answered_wait", "answered_duration", "missed_wait"):
            assert set(item[key]) == BAND_KEYS

    assert main(["report", "--db", str(db), "--pcn", "U49574", "--month", "2026-01", "--json"]) == 0
    out = capsys.readouterr().out
    [jan] = strict_json(out)
    assert jan["month"] == "2026-01"
    assert jan["pcn_name"] == "ASCENT PCN"
    assert (jan["practices_reporting"], jan["inbound"], jan["shared_account_inbound"]) == (2, 1700, 200)
    assert jan["answered_wait"] == {"0-60": 450, "61-120": 220, "121-300": 190, "over-300": 140}
    assert jan["answered_duration"] == {"0-60": 175, "61-120": 325, "121-300": 375, "over-300": 125}
    assert jan["missed_wait"] == {"0-60": 100, "61-120": 60, "121-300": 45, "over-300": 25}
    # no practice code anywhere: the only code-shaped token is the PCN's own
    assert set(re.findall(r"\b[A-Z]\d{5}\b", out)) == {"U49574"}

    assert main(["report", "--db", str(db), "--pcn", "U49574", "--month", "2025-12", "--json"]) == 0
    [dec] = strict_json(capsys.readouterr().out)
    assert (dec["month"], dec["practices_reporting"], dec["inbound"], dec["callback_made"]) == ("2025-12", 1, 900, 90)


def test_report_for_a_month_or_pcn_without_data_fails_with_a_message(tmp_path, capsys):
    db = tmp_path / "cbt.duckdb"
    assert main(["load", str(day_time_jan(tmp_path)), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--pcn", "U49574", "--month", "2025-11", "--json"]) != 0
    assert "U49574" in capsys.readouterr().err
    assert main(["report", "--db", str(db), "--pcn", "U99999", "--json"]) != 0
    assert "U99999" in capsys.readouterr().err


def test_report_without_a_database_says_so(tmp_path, capsys):
    missing = tmp_path / "nothing.duckdb"
    assert main(["report", "--db", str(missing), "--pcn", "U49574", "--json"]) != 0
    assert "nothing.duckdb" in capsys.readouterr().err
    assert not missing.exists()


def test_report_rejects_a_badly_written_month(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--db", str(tmp_path / "x.duckdb"), "--pcn", "U49574", "--month", "January", "--json"])
    assert exc.value.code != 0
    assert "YYYY-MM" in capsys.readouterr().err


def test_report_with_disclosure_control_rounds_every_count(tmp_path):
    """The same report, rounded: counts 1-7 become '*', others the nearest 5 (NHS Digital)."""
    import json as _json
    import subprocess
    import sys as _sys

    from telephony.gate import round_count

    root = Path(__file__).resolve().parents[1]
    sample = root / "data" / "sample"
    db = tmp_path / "s.duckdb"
    files = [str(p) for p in sorted(sample.glob("Synthetic CBT Summary *.xlsx"))]
    subprocess.run([_sys.executable, "-m", "telephony", "load", *files, "--db", str(db)], check=True,
                   capture_output=True, cwd=root)
    pcn = "U78482"
    plain = _json.loads(subprocess.run([_sys.executable, "-m", "telephony", "report", "--db", str(db), "--pcn", pcn,
                                        "--json"], check=True, capture_output=True, cwd=root).stdout)
    rounded = _json.loads(subprocess.run([_sys.executable, "-m", "telephony", "report", "--db", str(db), "--pcn",
                                          pcn, "--json", "--disclosure-control"], check=True, capture_output=True,
                                         cwd=root).stdout)
    assert len(plain) == len(rounded) > 0
    for exact, safe in zip(plain, rounded):
        assert safe["inbound"] == round_count(exact["inbound"]) and safe["inbound"] % 5 == 0
        assert safe["answered_wait"] == {k: round_count(v) for k, v in exact["answered_wait"].items()}
        assert safe["month"] == exact["month"] and safe["pcn_name"] == exact["pcn_name"]
