"""Run the named SQL files in `queries/`. Values reach SQL only as named `$params`.

The allow-list is the folder itself: a query name must be a file there. Each file starts with a
header comment (what it returns, its grain, its params); the params a query takes are read from
the `$name` tokens in its text, and exactly those must be supplied.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

QUERY_DIR = Path(__file__).resolve().parent.parent / "queries"
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


@cache
def names() -> frozenset[str]:
    return frozenset(p.stem for p in QUERY_DIR.glob("*.sql"))


@cache
def sql(name: str) -> str:
    if name not in names():
        raise KeyError(f"no query named {name!r} in {QUERY_DIR}")
    return (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")


@cache
def params_of(name: str) -> frozenset[str]:
    return frozenset(_PARAM.findall(_COMMENT.sub("", sql(name))))


def run(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    wanted = params_of(name)
    missing = wanted - params.keys()
    extra = params.keys() - wanted
    if missing or extra:
        raise TypeError(
            f"query {name!r} takes ${', $'.join(sorted(wanted)) or '(nothing)'}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    return con.execute(sql(name), params).df()
