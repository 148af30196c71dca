"""What the user has chosen in the sidebar; every page reads it and nothing else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telephony import text as tx
from telephony.charts import SAMPLE_SOURCE, SOURCE
from telephony.gate import Gate, Policy
from telephony.store import Store


@dataclass
class Selection:
    source: str                       # 'library', 'sample' or 'uploads'
    uploads: list[str]                # names of the uploaded files loaded
    store: Store
    gate: Gate
    policy: Policy
    on_library: bool = False          # the library is shown (with any uploads on top)
    pcn: str | None = None
    pcn_name: str = ""
    icb: str | None = None
    icb_name: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    practices_reporting: int = 0
    members: int | None = None
    page: str = ""                     # the page's title, set by render.page_header (names downloads)

    @property
    def is_sample(self) -> bool:
        return self.source == "sample"

    @property
    def is_library(self) -> bool:
        return self.source == "library"

    @property
    def large(self) -> bool:
        return self.policy.shared_screen

    @property
    def pcn_label(self) -> str:
        """Plain text, as read from the files (cleaned): escape it for where it is shown."""
        return tx.clean(f"{self.pcn_name} ({self.pcn})")

    @property
    def period_label(self) -> str:
        if self.start is None:
            return ""
        if self.start == self.end:
            return f"{self.start:%B %Y}"
        return f"{self.start:%b %Y} to {self.end:%b %Y}"

    @property
    def source_line(self) -> str:
        return SAMPLE_SOURCE if self.is_sample else SOURCE

    @property
    def icb_short(self) -> str:
        """'NHS KENT AND MEDWAY INTEGRATED CARE BOARD' -> 'KENT AND MEDWAY ICB'."""
        name = tx.clean(self.icb_name) or "the ICB"
        name = name.removeprefix("NHS ").removeprefix("nhs ")
        for long in (" INTEGRATED CARE BOARD", " Integrated Care Board"):
            if name.endswith(long):
                return name[: -len(long)] + " ICB"
        return name

    def subtitle(self, measure: str, where: str | None = None) -> str:
        """Chart subtitle on two lines (Plotly does not wrap): the measure (Plotly text), then
        area (plain text, escaped here) and period."""
        return f"{measure}<br>{tx.plotly(tx.shorten(where or self.pcn_label))} · {self.period_label}"

    def area(self, level: str = "pcn") -> dict:
        """Query params for one area over the period."""
        code = {"pcn": self.pcn, "icb": self.icb, "england": "E92000001"}[level]
        return {"level": level, "code": code, "start": self.start, "end": self.end}
