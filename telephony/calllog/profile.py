"""A mapping profile: how one supplier's call log maps to the national definitions, as small JSON.

    {
      "format": "cbt-call-log-profile", "version": 1,
      "name": "Surgery Connect export",
      "supplier": "xon",                      # vocabulary: xon | generic
      "date_order": "dmy",                    # dd/mm/yyyy (UK) or mm/dd/yyyy; ISO dates always read
      "columns": {"date": "Date", "time": "Time", "outcome": "Status", "wait": "Queue Time", ...},
      "outcomes": {"Answered": "answered", "Abandoned": "ivr", "Voicemail": "missed", ...},
      "practice": "Z80001",                   # one practice per file, or:
      "sites": {"Reception - Site A": "Z80002"},   # a site column's values -> practice codes
      "pcn": "U12345"                         # used only for practices no loaded file places in a PCN
    }

Columns are named by their header text (matched after normalising case, spacing and unit
suffixes), so a profile still fits when a supplier reorders its columns. A profile holds no
call data and no caller numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from telephony.calllog.fields import FIELD_NAMES, header_key, value_key
from telephony.calllog.outcomes import OUTCOME_NAMES, SUPPLIERS

FORMAT = "cbt-call-log-profile"
VERSION = 1
PRACTICE_CODE = re.compile(r"^[A-Z]\d{5}$")
PCN_CODE = re.compile(r"^U\d{5}$")
DATE_ORDERS = {"dmy": "day first (dd/mm/yyyy, UK)", "mdy": "month first (mm/dd/yyyy)"}
_KEYS = ("format", "version", "name", "supplier", "date_order", "columns", "outcomes", "practice", "sites", "pcn")


def code(text: str | None) -> str | None:
    """An organisation code as typed ('e81050 ') in the form it is published ('E81050'); None if blank."""
    text = (text or "").strip().upper()
    return text or None


class ProfileError(ValueError):
    """A profile that cannot be used; the message says what is wrong and what was expected."""


@dataclass
class Profile:
    columns: dict[str, str] = field(default_factory=dict)     # field -> header text
    outcomes: dict[str, str] = field(default_factory=dict)    # supplier word -> national outcome
    supplier: str = "generic"
    date_order: str = "dmy"
    practice: str | None = None
    sites: dict[str, str] = field(default_factory=dict)       # site value -> practice code
    pcn: str | None = None
    name: str = ""

    # ------------------------------------------------------------------ JSON
    def as_dict(self) -> dict:
        return {
            "format": FORMAT, "version": VERSION, "name": self.name, "supplier": self.supplier,
            "date_order": self.date_order,
            "columns": {f: self.columns[f] for f in FIELD_NAMES if self.columns.get(f)},
            "outcomes": dict(self.outcomes), "practice": self.practice, "sites": dict(self.sites), "pcn": self.pcn,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes, where: str = "the profile") -> "Profile":
        """Read and validate a profile; ProfileError names what is wrong."""
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{where} is not valid JSON ({exc})") from None
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: object, where: str = "the profile") -> "Profile":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ProfileError(f"{where} is not a call-log mapping profile (it needs \"format\": \"{FORMAT}\")")
        version = data.get("version")
        if not isinstance(version, int) or version < 1:
            raise ProfileError(f"{where} has no valid \"version\" (expected {VERSION})")
        if version > VERSION:
            raise ProfileError(f"{where} was written by a newer version of this tool (profile version {version}; "
                               f"this tool reads version {VERSION})")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ProfileError(f"{where} has an unknown setting '{unknown[0]}' (settings: {', '.join(_KEYS)})")
        for key in ("columns", "outcomes", "sites"):
            value = data.get(key) or {}
            texts = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
            if not texts:
                raise ProfileError(f"{where}: \"{key}\" must be an object of text to text")
        for key in ("name", "supplier", "date_order", "practice", "pcn"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ProfileError(f"{where}: \"{key}\" must be text")
        profile = cls(
            columns=dict(data.get("columns") or {}), outcomes=dict(data.get("outcomes") or {}),
            supplier=data.get("supplier") or "generic", date_order=data.get("date_order") or "dmy",
            practice=code(data.get("practice")), sites={k: code(v) or "" for k, v in (data.get("sites") or {}).items()},
            pcn=code(data.get("pcn")), name=data.get("name") or "",
        )
        profile.validate(where)
        return profile

    # ------------------------------------------------------------------ checks
    def validate(self, where: str = "the profile") -> "Profile":
        """Check the profile on its own (the file's headers are checked when it is loaded)."""
        unknown = sorted(set(self.columns) - set(FIELD_NAMES))
        if unknown:
            raise ProfileError(f"{where} maps an unknown field '{unknown[0]}' (fields: {', '.join(FIELD_NAMES)})")
        cols = {f: h for f, h in self.columns.items() if h}
        seen: dict[str, str] = {}
        for f, h in cols.items():
            if header_key(h) in seen:
                raise ProfileError(f"{where} maps column '{h}' to both '{seen[header_key(h)]}' and '{f}'; "
                                   "each column can hold one field")
            seen[header_key(h)] = f
        if "outcome" not in cols:
            raise ProfileError(f"{where} needs the column that says how each call ended (outcome, status or result)")
        if "start" not in cols and not ("date" in cols and "time" in cols):
            raise ProfileError(f"{where} needs a column for the call start (date and time), or one for the date "
                               "and one for the time")
        if "start" in cols and ("date" in cols or "time" in cols):
            raise ProfileError(f"{where} maps both a start column and separate date/time columns; choose one")
        if self.supplier not in SUPPLIERS:
            raise ProfileError(f"{where}: supplier '{self.supplier}' is not one of {', '.join(SUPPLIERS)}")
        if self.date_order not in DATE_ORDERS:
            raise ProfileError(f"{where}: date_order '{self.date_order}' is not one of {', '.join(DATE_ORDERS)}")
        keys: dict[str, tuple[str, str]] = {}
        for word, outcome in self.outcomes.items():
            if outcome not in OUTCOME_NAMES:
                raise ProfileError(f"{where} maps the outcome '{word}' to '{outcome}', which is not one of "
                                   f"{', '.join(OUTCOME_NAMES)}")
            key = value_key(word)
            if not key:
                raise ProfileError(f"{where} maps an empty outcome word; calls with no outcome are always rejected")
            if key in keys and keys[key][1] != outcome:
                raise ProfileError(f"{where} maps '{keys[key][0]}' and '{word}' (the same word once case and "
                                   f"punctuation are ignored) to different outcomes")
            keys[key] = (word, outcome)
        if self.practice is not None and not PRACTICE_CODE.match(self.practice):
            raise ProfileError(f"{where}: practice '{self.practice}' is not an ODS practice code "
                               "(one letter and five digits, e.g. E81050)")
        for site, code in self.sites.items():
            if not PRACTICE_CODE.match(code):
                raise ProfileError(f"{where}: site '{site}' is mapped to '{code}', which is not an ODS practice code "
                                   "(one letter and five digits, e.g. E81050)")
        if self.pcn is not None and not PCN_CODE.match(self.pcn):
            raise ProfileError(f"{where}: PCN '{self.pcn}' is not a PCN code ('U' and five digits, e.g. U49574)")
        return self

    def check_units(self, where: str = "the profile") -> None:
        """Loading needs to know the practice of every call: one per file, or a site column."""
        if not self.columns.get("site") and not self.practice:
            raise ProfileError(f"{where} needs the practice's ODS code (one practice per file) or a site column "
                               "whose values are mapped to practice codes")
