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
from pathlib import Path

from telephony.calllog.fields import FIELD_NAMES, header_key, value_key
from telephony.calllog.outcomes import OUTCOME_NAMES, SUPPLIERS

FORMAT = "cbt-call-log-profile"
VERSION = 1
PRACTICE_CODE = re.compile(r"^[A-Z]\d{5}$")
PCN_CODE = re.compile(r"^U\d{5}$")
DATE_ORDERS = {"dmy": "day first (dd/mm/yyyy, UK)", "mdy": "month first (mm/dd/yyyy)"}
MAX_PROFILE_BYTES = 64 << 20     # a profile with 100,000 site or outcome entries is about 5 MB
_SURROGATE = re.compile("[\ud800-\udfff]")
_KEYS = ("format", "version", "name", "supplier", "date_order", "columns", "outcomes", "practice", "sites", "pcn")


def code(text: str | None) -> str | None:
    """An organisation code as typed ('e81050 ') in the form it is published ('E81050'); None if blank."""
    text = (text or "").strip().upper()
    return text or None


class ProfileError(ValueError):
    """A profile that cannot be used; the message says what is wrong and what was expected."""


def _show(text: object, limit: int = 60) -> str:
    """Text from a profile as a message may quote it: printable, and short."""
    text = str(text)
    text = text if len(text) <= limit else text[:limit - 1] + "…"
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _kind(value: object) -> str:
    """What a JSON value is, in words, for messages ('a list', 'true')."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _check_unicode(data: dict, where: str) -> None:
    """Every text the profile uses is valid Unicode: JSON can spell a lone surrogate ('\\ud800'),
    which no file, database or terminal can hold. (Text nested deeper is refused for its type,
    and messages escape whatever they quote.)"""
    def texts(value: object) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            return "\n".join([k for k in value if isinstance(k, str)]
                             + [v for v in value.values() if isinstance(v, str)])
        return ""

    if _SURROGATE.search("\n".join(data)):
        raise ProfileError(f"{where}: a setting's name holds text that is not valid Unicode (a lone surrogate "
                           "such as \\ud800); save the profile again from the app")
    for key, value in data.items():
        if _SURROGATE.search(texts(value)):
            raise ProfileError(f"{where}: \"{key}\" holds text that is not valid Unicode (a lone surrogate such "
                               "as \\ud800); save the profile again from the app")


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
        """Read and validate a profile; ProfileError names what is wrong (never any other error,
        whatever the bytes: deep nesting, huge numbers, lone surrogates, wrong types)."""
        if len(text) > MAX_PROFILE_BYTES:
            raise ProfileError(f"{where} is {len(text) / 2**20:,.0f} MB; a mapping profile is small JSON "
                               f"(at most {MAX_PROFILE_BYTES >> 20} MB)")
        try:
            data = json.loads(text)
        except RecursionError:
            raise ProfileError(f"{where} is nested too deeply to be a mapping profile (a profile is one object of "
                               "settings, some of which are objects of text)") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ProfileError(f"{where} is not valid JSON ({_show(str(exc), 120)})") from None
        except ValueError:
            # Python refuses to read integers of more than 4,300 digits (a guard against slow parsing).
            raise ProfileError(f"{where} holds a number too long to read (thousands of digits); the only number "
                               f"in a profile is \"version\": {VERSION}") from None
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: object, where: str = "the profile") -> "Profile":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = "" if isinstance(data, dict) else f"; it holds {_kind(data)}, not an object of settings"
            raise ProfileError(f"{where} is not a call-log mapping profile (it needs \"format\": \"{FORMAT}\"{found})")
        _check_unicode(data, where)
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            found = version if isinstance(version, int) and not isinstance(version, bool) else _kind(version)
            raise ProfileError(f"{where} has no valid \"version\" (expected the number {VERSION}; found {found})")
        if version > VERSION:
            raise ProfileError(f"{where} was written by a newer version of this tool (profile version "
                               f"{_show(str(version), 20)}; this tool reads version {VERSION})")
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise ProfileError(f"{where} has an unknown setting '{_show(unknown[0])}' (settings: {', '.join(_KEYS)})")
        for key in ("columns", "outcomes", "sites"):
            value = data.get(key)
            if value is None:
                continue
            if not isinstance(value, dict):
                raise ProfileError(f"{where}: \"{key}\" must be an object of text to text (found {_kind(value)})")
            for k, v in value.items():
                if not isinstance(v, str):
                    raise ProfileError(f"{where}: \"{key}\" maps '{_show(k)}' to {_kind(v)}; it must be text")
        for key in ("name", "supplier", "date_order", "practice", "pcn"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ProfileError(f"{where}: \"{key}\" must be text (found {_kind(data[key])})")
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
            raise ProfileError(f"{where} maps an unknown field '{_show(unknown[0])}' "
                               f"(fields: {', '.join(FIELD_NAMES)})")
        cols = {f: h for f, h in self.columns.items() if h}
        seen: dict[str, str] = {}
        for f, h in cols.items():
            if header_key(h) in seen:
                raise ProfileError(f"{where} maps column '{_show(h)}' to both '{seen[header_key(h)]}' and '{f}'; "
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
            raise ProfileError(f"{where}: supplier '{_show(self.supplier)}' is not one of {', '.join(SUPPLIERS)}")
        if self.date_order not in DATE_ORDERS:
            raise ProfileError(f"{where}: date_order '{_show(self.date_order)}' is not one of {', '.join(DATE_ORDERS)}")
        keys: dict[str, tuple[str, str]] = {}
        for word, outcome in self.outcomes.items():
            if outcome not in OUTCOME_NAMES:
                raise ProfileError(f"{where} maps the outcome '{_show(word)}' to '{_show(outcome)}', which is not "
                                   f"one of {', '.join(OUTCOME_NAMES)}")
            key = value_key(word)
            if not key:
                raise ProfileError(f"{where} maps an empty outcome word; calls with no outcome are always rejected")
            if key in keys and keys[key][1] != outcome:
                raise ProfileError(f"{where} maps '{_show(keys[key][0])}' and '{_show(word)}' (the same word once "
                                   "case and punctuation are ignored) to different outcomes")
            keys[key] = (word, outcome)
        if self.practice is not None and not PRACTICE_CODE.match(self.practice):
            raise ProfileError(f"{where}: practice '{_show(self.practice)}' is not an ODS practice code "
                               "(one letter and five digits, e.g. E81050)")
        places: dict[str, tuple[str, str]] = {}
        for site, code in self.sites.items():
            key = value_key(site)
            if key in places and places[key][1] != code:
                raise ProfileError(f"{where} maps the sites '{_show(places[key][0])}' and '{_show(site)}' (the same "
                                   "site once case and punctuation are ignored) to different practices")
            places[key] = (site, code)
            if not PRACTICE_CODE.match(code):
                raise ProfileError(f"{where}: site '{_show(site)}' is mapped to '{_show(code)}', which is not an "
                                   "ODS practice code (one letter and five digits, e.g. E81050)")
        if self.pcn is not None and not PCN_CODE.match(self.pcn):
            raise ProfileError(f"{where}: PCN '{_show(self.pcn)}' is not a PCN code ('U' and five digits, e.g. U49574)")
        return self

    def check_units(self, where: str = "the profile") -> None:
        """Loading needs to know the practice of every call: one per file, or a site column."""
        if not self.columns.get("site") and not self.practice:
            raise ProfileError(f"{where} needs the practice's ODS code (one practice per file) or a site column "
                               "whose values are mapped to practice codes")


def needs(profile: Profile, unplaced: list[str] = ()) -> list[str]:
    """What must still be set or corrected before `profile` can load a file, in words; empty
    when it is ready. `unplaced`: the profile's practices that no loaded file places in a PCN
    (they need the profile's PCN code)."""
    out = []
    try:
        profile.validate("the mapping")
    except ProfileError as exc:
        out.append(str(exc))
    if not profile.columns.get("site") and not profile.practice:
        out.append("the practice's ODS code is needed (one practice per file), or a site column")
    elif profile.columns.get("site") and not profile.sites:
        out.append("at least one site needs its practice's ODS code")
    if unplaced and not profile.pcn:
        out.append(f"the PCN code is needed: no file loaded places {', '.join(unplaced[:3])} in a PCN")
    return out


def profile_path(log: Path) -> Path:
    """Where a log's mapping profile sits beside it: '<log name without extension> profile.json'
    (how the bundled example logs in data/sample/call_logs/ are laid out)."""
    return log.with_name(f"{log.stem} profile.json")


def example_logs(folder: Path) -> list[tuple[Path, Path]]:
    """(log, profile) pairs of the synthetic example logs in `folder` (names starting
    "Synthetic", each with its profile beside it), in name order."""
    if not Path(folder).is_dir():
        return []
    logs = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".csv", ".xlsx")
                  and p.name.startswith("Synthetic"))
    return [(p, profile_path(p)) for p in logs if profile_path(p).is_file()]
