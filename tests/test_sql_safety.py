"""SQL safety: text from files, file names, widgets and the command line reaches SQL only as a
parameter, never as SQL text; and a store's connection cannot read or write files outside its
own folder, however it is asked.

Hostile text goes everywhere a user controls it (PCN and practice names and codes, column
headers, sheet cells, file names, CLI arguments, the address bar). Every SQL statement the app
runs is recorded and must not contain it, while the stored data must (it arrived as data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from telephony import queries
from telephony.cli import main
from telephony.store import Store
from tests.conftest import (
    ASPLANDS, DAY_TIME_HEADER, MAP_HEADER, PRACPOP_HEADER, RecordingConnection, WbRow, WorkbookSpec, csv_bytes,
    day_time_row, map_row, pracpop_row, write_bytes, write_summary_workbook,
)

# Each a different statement, so a leak says where it came from.
PCN_NAME = "x'); DROP TABLE units; --"
PRACTICE_NAME = "Robert'); DROP TABLE sources; --"
PCN_CODE = "U1'); DROP TABLE calls_by_band; --"
FILE_NAME = "x'); DROP TABLE rejects; --.csv"
HEADER = "y\"); DROP TABLE org_names; --"
CLI_PCN = "U9'); DROP TABLE workbook_month; --"
MARKERS = ("DROP TABLE units", "DROP TABLE sources", "DROP TABLE calls_by_band", "DROP TABLE rejects",
           "DROP TABLE org_names", "DROP TABLE workbook_month", "DROP TABLE list_sizes")
TABLES = ("units", "sources", "calls_by_band", "rejects", "org_names", "workbook_month", "list_sizes")
JAN = dt.date(2026, 1, 1)
# A real PCN (codes are U + five digits) with hostile names, and a unit with a hostile PCN code
# (stored as published, though not a PCN the app will show).
HOSTILE = replace(ASPLANDS, practice_name=PRACTICE_NAME, pcn_name=PCN_NAME)
HOSTILE_CODE = replace(ASPLANDS, pcn=PCN_CODE, practice="K82064")


def hostile_files(tmp: Path) -> list[Path]:
    calls = write_bytes(tmp / FILE_NAME, csv_bytes([*DAY_TIME_HEADER, HEADER], [
        [*day_time_row(HOSTILE, "2026-01-05", "CBT001", "08:00 - 09:59", "40.0"), PCN_NAME],
        [*day_time_row(HOSTILE, "2026-01-06", "CBT001", "10:00 - 11:59", f"{PRACTICE_NAME}"), "x"],
        [*day_time_row(HOSTILE_CODE, "2026-01-05", "CBT001", "08:00 - 09:59", "3.0"), "z"]]))
    names = write_bytes(tmp / "names'; --.csv", csv_bytes(MAP_HEADER, [map_row(HOSTILE)]))
    sizes = write_bytes(tmp / "sizes.csv", csv_bytes(PRACPOP_HEADER, [
        pracpop_row("E81050", "2026-01-01", 9000), pracpop_row("z'); DROP TABLE list_sizes; --", "2026-01-01", 5)]))
    workbook = write_summary_workbook(tmp / "wb'); DROP TABLE units; --.xlsx", WorkbookSpec(JAN, [
        WbRow(replace(HOSTILE, practice="K82615"), 100, 60, 20, 10, 10, 8)]))
    return [calls, names, sizes, workbook]


def assert_no_marker(sql: list[str]) -> None:
    leaked = [(m, s) for s in sql for m in MARKERS if m in s]
    assert not leaked, f"user text reached SQL text: {leaked[:2]}"


def test_hostile_text_reaches_sql_only_as_parameters(tmp_path):
    store = Store()
    recording = RecordingConnection(store.con)
    store.con = recording
    try:
        reports = [store.load(p) for p in hostile_files(tmp_path)]
        assert [r.status for r in reports] == ["loaded"] * 4, [r.message for r in reports]
        # ... and every query, with hostile values for every parameter
        text_params = {"pcn": PCN_NAME, "code": PCN_CODE, "icb": PRACTICE_NAME, "level": "pcn'); --"}
        for name in sorted(queries.names()):
            params = {}
            for p in queries.params_of(name):
                params[p] = JAN if p in ("start", "end", "month") else text_params.get(p, CLI_PCN)
            try:
                store.query(name, **params)
            except duckdb.Error as exc:   # a type error on a hostile value is fine; an injection is not
                assert "syntax" not in str(exc).lower(), (name, exc)
        assert any("INTO org_names" in q for q in recording.sql), "the loads were recorded"
        assert_no_marker(recording.sql)
        con = recording._con
        # every table is still there, and the hostile text is stored as the data it is
        assert {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} >= set(TABLES)
        assert (PCN_NAME,) in con.execute("SELECT name FROM org_names WHERE level = 'pcn'").fetchall()
        assert (PRACTICE_NAME,) in con.execute("SELECT name FROM org_names WHERE level = 'practice'").fetchall()
        assert (FILE_NAME,) in con.execute("SELECT file_name FROM sources").fetchall()
        assert (PCN_CODE,) in con.execute("SELECT DISTINCT pcn_code FROM units").fetchall()
        assert con.execute("SELECT count(*) FROM calls_by_band").fetchall() == [(2,)]
        assert con.execute("SELECT reason FROM rejects WHERE raw = $r", {"r": PRACTICE_NAME}).fetchall()
        by_pcn = store.query("area_month_metrics", level="pcn", code="U49574", start=JAN, end=JAN)
        assert by_pcn["inbound"].tolist() == [40 + 100]
        assert store.query("pcn_directory")["pcn_name"].tolist() == [PCN_NAME]
    finally:
        store.con = recording._con
        store.close()


def test_hostile_cli_arguments(tmp_path, capsys):
    db = tmp_path / "x'); DROP TABLE units; --.duckdb"
    files = hostile_files(tmp_path)
    assert main(["load", *map(str, files), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--pcn", CLI_PCN, "--json"]) == 1
    out, err = capsys.readouterr()
    assert f"no figures for PCN {CLI_PCN}" in err and "Traceback" not in out + err
    assert main(["report", "--db", str(db), "--pcn", "U49574", "--json"]) == 0
    assert PCN_NAME in capsys.readouterr().out
    store = Store(db)
    try:
        counts = {t: store.con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
    finally:
        store.close()
    assert all(counts[t] for t in ("units", "sources", "calls_by_band", "org_names", "workbook_month")), counts


def test_hostile_names_in_the_app(tmp_path):
    from tests.app_support import as_shown, sidebar_widget, shown_text, start_app, visit

    at = start_app()
    files = hostile_files(tmp_path)
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "text/csv") for p in files])
    at.run()
    at.run()
    assert not at.exception, at.exception
    assert sidebar_widget(at, "selectbox", "pcn").options == [f"{PCN_NAME} (U49574)"]
    for page in ("overview", "demand", "outcomes", "waits", "context", "data"):
        at = visit(at, page)
        assert not at.exception, (page, at.exception)
    assert PCN_NAME in shown_text(at)
    assert any(e.icon == ":material/check_circle:" and as_shown(e.label).startswith(f"{FILE_NAME}: loaded")
               for e in at.expander)
    data = at.session_state["session_data"]
    assert data.uploads.con.execute("SELECT count(*) FROM units").fetchall()[0][0] >= 1

    # the address bar too
    from streamlit.testing.v1 import AppTest

    from tests.app_support import APP

    other = AppTest.from_file(APP, default_timeout=120)
    other.query_params["pcn"] = PCN_NAME
    other.query_params["mode"] = "x'); --"
    other.run()
    other.run()
    assert not other.exception


# --------------------------------------------------------------------------- file access

FORBIDDEN = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "COPY (SELECT 1 AS x) TO '/tmp/cbt_should_not_exist.csv'",
    "COPY units TO '/tmp/cbt_should_not_exist.parquet' (FORMAT parquet)",
    "ATTACH '/tmp/cbt_should_not_exist.duckdb' AS other",
    "EXPORT DATABASE '/tmp/cbt_should_not_exist_dir'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('https://example.com/x.csv')",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "SET allowed_paths = ['/etc/passwd']",
    "SET temp_directory = '/tmp'",
    "RESET enable_external_access",
]


def assert_sandboxed(con, own: Path | None = None) -> None:
    for sql in FORBIDDEN:
        with pytest.raises(duckdb.Error):
            con.execute(sql).fetchall()
    if own is not None:   # its own folder stays usable (spills, scratch copies)
        con.execute("COPY (SELECT 1 AS x) TO $p", {"p": str(own / "ok.csv")})
    for leftover in ("/tmp/cbt_should_not_exist.csv", "/tmp/cbt_should_not_exist.parquet",
                     "/tmp/cbt_should_not_exist.duckdb", "/tmp/cbt_should_not_exist_dir"):
        assert not Path(leftover).exists()


def test_a_store_connection_cannot_reach_files_outside_its_folder_even_after_more_loads(tmp_path):
    files = hostile_files(tmp_path)
    store = Store(temp_dir=tmp_path / "store")
    try:
        assert_sandboxed(store.con, tmp_path / "store")
        # loads from elsewhere keep working after the sandbox closed, including files DuckDB
        # reads itself and Windows-1252 files read through a scratch copy
        cp1252 = write_bytes(tmp_path / "names_1252.csv", csv_bytes(
            MAP_HEADER, [map_row(replace(ASPLANDS, practice_name="CAF\u00c9"))], encoding="cp1252"))
        for path in [*files, cp1252]:
            report = store.load(path)
            assert report.status == "loaded", report.message
        assert_sandboxed(store.con, tmp_path / "store")
        with pytest.raises(duckdb.Error):   # the files it loaded are not readable afterwards either
            store.con.execute("SELECT * FROM read_csv($p)", {"p": str(files[0])}).fetchall()
    finally:
        store.close()


def test_a_file_database_is_sandboxed_too(tmp_path):
    store = Store(tmp_path / "calls.duckdb")
    try:
        assert_sandboxed(store.con)
        assert store.load(hostile_files(tmp_path)[0]).status == "loaded"
    finally:
        store.close()
    reopened = Store(tmp_path / "calls.duckdb")
    try:
        assert reopened.con.execute("SELECT count(*) FROM sources").fetchall() == [(1,)]
        assert_sandboxed(reopened.con)
    finally:
        reopened.close()


def test_the_apps_connections_are_sandboxed(tmp_path):
    from tests.app_support import start_app

    at = start_app()
    at.file_uploader(key="uploads").set_value([(p.name, p.read_bytes(), "text/csv") for p in hostile_files(tmp_path)])
    at.run()
    data = at.session_state["session_data"]
    assert data.uploads is not None
    assert_sandboxed(data.uploads.con, data.temp_dir)
    assert_sandboxed(data.sample_store().con)
