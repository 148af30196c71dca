"""The load report: what the store did with one file, in a form a page, the CLI and tests share."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from telephony.readers.sniff import KINDS

MAX_REJECTS_IN_REPORT = 200   # all rejects are kept in the `rejects` table; the report shows a sample


@dataclass
class LoadReport:
    file_name: str
    status: str = "failed"                 # loaded | failed | duplicate
    kind: str | None = None
    message: str = ""
    months: list[str] = field(default_factory=list)      # 'YYYY-MM'
    practices: int = 0
    pcns: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejects: list[dict] = field(default_factory=list)
    reconciliation: list[dict] = field(default_factory=list)   # check, expected, actual, ok
    overlaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    source_id: int | None = None

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind or "", "unknown format")

    @property
    def reconciled(self) -> bool | None:
        """True if every check passed, False if any failed, None if the file has nothing to check."""
        if not self.reconciliation:
            return None
        return all(c["ok"] for c in self.reconciliation)

    def as_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """The report as plain text lines (the CLI prints these)."""
        head = f"{self.file_name}: {self.status.upper()}"
        if self.kind:
            head += f" ({self.kind_label})"
        out = [head]
        if self.message:
            out.append(f"  {self.message}")
        if self.status == "loaded":
            out.append(
                f"  months {', '.join(self.months) or '-'}; {self.practices} practices; {self.pcns} PCNs"
            )
            out.append(
                f"  rows read {self.rows_read:,}; loaded {self.rows_loaded:,}; rejected {self.rows_rejected:,}"
            )
        for r in self.rejects[:20]:
            where = f"{r['location']} row {r['row_number']}" if r.get("row_number") else r["location"]
            raw = r.get("raw")
            found = f" (found '{raw}')" if raw not in (None, "") and str(raw) not in r["reason"] else ""
            out.append(f"  rejected {where}, column {r['column']}: {r['reason']}{found}")
        if self.rows_rejected > 20:
            out.append(f"  ... and {self.rows_rejected - 20:,} more rejected rows")
        for c in self.reconciliation:
            mark = "ok" if c["ok"] else "MISMATCH"
            out.append(f"  check {mark}: {c['check']} (file {c['expected']:,.0f}, loaded {c['actual']:,.0f})")
        out += [f"  overlap: {o}" for o in self.overlaps]
        out += [f"  note: {n}" for n in self.notes]
        return out


def what_is_loaded(reports: list[LoadReport]) -> str:
    """What is loaded, by kind and months, naming no file (a file's name can name a practice):
    'Publication Summary workbook: Jan 2026; By Day and Time CSV: Jan to Mar 2026'."""
    months: dict[str, set[str]] = {}
    for r in reports:
        if r.status == "loaded":
            months.setdefault(r.kind_label, set()).update(r.months)
    parts = []
    for kind, found in months.items():
        labels = [f"{dt.date(int(m[:4]), int(m[5:7]), 1):%b %Y}" for m in sorted(found)]
        if not labels:
            parts.append(kind)
        elif len(labels) <= 3:
            parts.append(f"{kind}: {', '.join(labels)}")
        else:
            parts.append(f"{kind}: {labels[0]} to {labels[-1]} ({len(labels)} months)")
    return "; ".join(parts) or "nothing"
