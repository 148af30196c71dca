"""How readers say what is wrong with a file or a row, in words a practice manager can act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class FileProblem(Exception):
    """The whole file cannot be loaded. The message names what was expected; the store adds the
    file name, so messages here start with what is wrong ("sheet 'Table 3' has no ...")."""


@dataclass(frozen=True)
class Reject:
    """One row read but not loaded."""

    location: str          # sheet name or CSV (zip member) name
    row_number: int        # 1-based row as a spreadsheet shows it, header included
    column: str            # the column at fault
    reason: str
    raw: str = ""          # the offending text

    def as_dict(self) -> dict:
        return asdict(self)


def first_line(exc: BaseException) -> str:
    """An error's first line, for a message to the user (its type's name if it says nothing)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
