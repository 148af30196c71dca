"""Run the named SQL files in `queries/`. Values reach SQL only as named `$params`.

Two kinds of file, in two places:
  * read queries, `queries/*.sql`: each returns one result for a page, the CLI or a test, and
    changes nothing. `run()` (and so `Store.query`) runs these and only these.
  * load steps, `queries/load/*.sql`: inserts, upserts and summary rebuilds that the store's
    loaders run inside a load's transaction (`run_load_step`). `run()` refuses them by name, and
    refuses any file that is not a single SELECT, so no caller of `Store.query` can change the
    database.

The allow-list is the folder itself: a name must be a file there. Each file starts with a header
comment (what it returns or writes, its grain, its params); the params a file takes are read from
the `$name` tokens in its text, and exactly those must be supplied.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
LOAD_DIR = QUERY_DIR / "load"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


class NotAReadQuery(ValueError):
    """`run()` was asked for something other than a read query (a load step, say)."""


@cache
def names() -> frozenset[str]:
    """The read queries: the names of the SQL files at the top of `queries/`."""
    return frozenset(p.stem for p in QUERY_DIR.glob("*.sql"))


@cache
def load_names() -> frozenset[str]:
    """The load steps: the names of the SQL files in `queries/load/`."""
    return frozenset(p.stem for p in LOAD_DIR.glob("*.sql"))


@cache
def sql(name: str) -> str:
    """The text of a read query, by its name."""
    if name not in names():
        raise KeyError(f"no query named {name!r} in {QUERY_DIR}")
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


@cache
def load_sql(name: str) -> str:
    """The text of a load step, by its name."""
    if name not in load_names():
        raise KeyError(f"no load step named {name!r} in {LOAD_DIR}")
    return (LOAD_DIR / f"{name}.sql").read_text(encoding="utf-8")


@cache
def params_of(name: str) -> frozenset[str]:
    """The `$params` of a read query, by its name."""
    return frozenset(_PARAM.findall(_COMMENT.sub("", sql(name))))


def _check_params(what: str, text: str, params: dict) -> None:
    wanted = frozenset(_PARAM.findall(_COMMENT.sub("", text)))
    missing = wanted - params.keys()
    extra = params.keys() - wanted
    if missing or extra:
        raise TypeError(
            f"{what} takes ${', $'.join(sorted(wanted)) or '(nothing)'}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
        )


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run the read query `name` with exactly its `$params`; return its result."""
    if name in load_names() and name not in names():
        raise NotAReadQuery(
            f"{name!r} is a load step (queries/load/{name}.sql), not a read query: it changes the "
            "database and runs only inside a load. Read queries are the files at the top of queries/"
        )
    text = sql(name)
    # Belt and braces: a file put at the top of queries/ that writes is refused too. Parsing
    # takes well under a millisecond.
    kinds = [s.type for s in con.extract_statements(text)]
    if kinds != [duckdb.StatementType.SELECT]:
        raise NotAReadQuery(
            f"queries/{name}.sql is not a single SELECT ({', '.join(k.name for k in kinds) or 'empty'}); "
            "a file that changes the database belongs in queries/load/"
        )
    _check_params(f"query {name!r}", text, params)
    return con.execute(text, params).df()


def run_load_step(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Run the load step `name` (queries/load/) with exactly its `$params`. For the store's
    loaders, inside a load's transaction; never for pages."""
    text = load_sql(name)
    _check_params(f"load step {name!r}", text, params)
    if params:
        con.execute(text, params)
    else:   # a step of several statements takes no parameters
        con.execute(text)
