"""Loader for the reference files: list sizes, the practice map, ePCN membership (read and
written by telephony.readers.reference)."""

from __future__ import annotations

from pathlib import Path

from telephony import model
from telephony.readers import reference as read
from telephony.readers.sniff import Detected
from telephony.report import LoadReport

KINDS = ("list_size", "practice_map", "epcn")


def load(ctx, path: Path, detected: Detected, source_id: int, report: LoadReport) -> None:
    """Load one reference file (`ctx`: a telephony.loaders.LoadContext)."""
    if detected.kind == "list_size":
        read.load_list_sizes(ctx.con, path, detected.shape, source_id, report)
        model.note_list_size_matches(ctx.con, report)
    elif detected.kind == "practice_map":
        read.load_practice_map(ctx.con, path, detected.shape, source_id, report)
    elif detected.kind == "epcn":
        read.load_epcn(ctx.con, path, source_id, report)
    else:  # pragma: no cover - telephony.loaders sends only KINDS here
        raise ValueError(f"not a reference file: {detected.kind}")
