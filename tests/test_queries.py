"""Read queries and load steps: `Store.query` runs read queries (queries/*.sql) and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from telephony import queries
from tests.conftest import snapshot

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)


def test_query_refuses_a_load_step_and_changes_nothing(store):
    before = snapshot(store)
    with pytest.raises(queries.NotAReadQuery, match=r"'refresh_daily_month' is a load step \(queries/load/"):
        store.query("refresh_daily_month", start=JAN, end=FEB)
    with pytest.raises(queries.NotAReadQuery, match="'intern_buckets' is a load step"):
        store.query("intern_buckets")
    assert snapshot(store) == before


def test_query_refuses_a_file_among_the_read_queries_that_writes(store, tmp_path, monkeypatch):
    (tmp_path / "sneaky.sql").write_text("-- Looks like a query.\nDELETE FROM bank_holidays", encoding="utf-8")
    (tmp_path / "two.sql").write_text("SELECT 1; SELECT 2", encoding="utf-8")
    monkeypatch.setattr(queries, "QUERY_DIR", tmp_path)
    queries.names.cache_clear()
    queries.sql.cache_clear()
    try:
        holidays = store.con.execute("SELECT count(*) FROM bank_holidays").fetchall()
        with pytest.raises(queries.NotAReadQuery, match=r"queries/sneaky.sql is not a single SELECT \(DELETE\)"):
            store.query("sneaky")
        with pytest.raises(queries.NotAReadQuery, match=r"queries/two.sql is not a single SELECT \(SELECT, SELECT\)"):
            store.query("two")
        assert store.con.execute("SELECT count(*) FROM bank_holidays").fetchall() == holidays
    finally:
        queries.names.cache_clear()
        queries.sql.cache_clear()


def test_read_queries_and_load_steps_are_apart(store):
    assert not queries.names() & queries.load_names()
    assert {"refresh_daily_month", "intern_buckets", "band_month_upsert", "calllog_insert_band"} <= queries.load_names()
    assert {"area_month_metrics", "pcn_directory", "calllog_logs"} <= queries.names()
    for name in sorted(queries.names()):   # each read query is one SELECT
        kinds = [s.type.name for s in store.con.extract_statements(queries.sql(name))]
        assert kinds == ["SELECT"], (name, kinds)


def test_a_load_step_is_run_only_by_its_own_function(store):
    with pytest.raises(KeyError, match="no load step named 'area_month_metrics'"):
        queries.run_load_step(store.con, "area_month_metrics", level="pcn", code="U1", start=JAN, end=JAN)
    with pytest.raises(TypeError, match=r"load step 'refresh_daily_month' takes \$end, \$start; missing \['end'\]"):
        queries.run_load_step(store.con, "refresh_daily_month", start=JAN)
    queries.run_load_step(store.con, "refresh_daily_month", start=JAN, end=FEB)   # nothing to rebuild: no error


def test_query_still_checks_its_params(store):
    with pytest.raises(TypeError, match=r"missing \['end'\], unexpected \['until'\]"):
        store.query("demand_by_date", level="pcn", code="U1", start=JAN, until=FEB)
