"""One loader per kind of published file, behind one interface.

Each loader module has `load(ctx, path, detected, source_id, report)`: it writes the file's rows
(valid rows into the model, invalid ones into `rejects`) through `ctx.con`, inside the load
transaction the store has opened, and fills in `report`. It raises `FileProblem` if the file
cannot be loaded at all; the store then rolls back, so nothing of the file is kept. Shared model
steps (units, precedence, summaries, reconciliation) are in telephony.model.

* `workbook`: the monthly Publication Summary workbook;
* `long_csv`: the practice-level CSVs (By Day and Time, By Durations, Calls Answered Metric),
  one at a time or as a zip;
* `reference`: list sizes, the practice map and ePCN membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb

from telephony.loaders import long_csv, reference, workbook
from telephony.problems import FileProblem
from telephony.readers.csv_long import FAMILY_COLUMNS
from telephony.readers.sniff import Detected
from telephony.report import LoadReport


def _no_progress(fraction: float, text: str) -> None:
    pass


@dataclass
class LoadContext:
    """What a loader works with: the store's connection (in a transaction), the store's own
    folder (the sandbox it may write into) and where to report progress."""

    con: duckdb.DuckDBPyConnection
    temp_dir: Path
    progress: Callable[[float, str], None] = _no_progress


LOADERS = {
    "summary_workbook": workbook.load,
    "csv_zip": long_csv.load,
    **{kind: long_csv.load for kind in FAMILY_COLUMNS},
    **{kind: reference.load for kind in reference.KINDS},
}


def load(ctx: LoadContext, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
    """Load a file `detect()` has recognised, with the loader for its kind."""
    loader = LOADERS.get(detected.kind)
    if loader is None:  # pragma: no cover - detect() only returns the kinds above
        raise FileProblem(f"is of a kind the store cannot load ({detected.kind})")
    loader(ctx, path, detected, source_id, report)
