"""A whole suggested profile for a file the user has just given: columns, supplier vocabulary,
date order, outcome words and sites. Everything here is a suggestion the user confirms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from telephony.calllog.fields import Suggestion, suggest_columns, suggest_date_order, value_key
from telephony.calllog.outcomes import suggest_outcomes, suggest_supplier
from telephony.calllog.profile import PRACTICE_CODE, Profile
from telephony.calllog.read import Inspection

_CODE_IN_TEXT = re.compile(r"\b([A-Z]\d{5})\b")


@dataclass
class Suggested:
    profile: Profile
    columns: dict[str, Suggestion]
    outcome_reasons: dict[str, str] = field(default_factory=dict)
    site_reasons: dict[str, str] = field(default_factory=dict)


def outcome_words(insp: Inspection, header: str | None) -> dict[str, int] | None:
    """Each word of the outcome column with its number of calls; None if the column has too
    many different values to be an outcome."""
    if not header:
        return {}
    return insp.values.get(header)


def suggest_sites(values: list[str], practices: dict[str, str]) -> dict[str, tuple[str | None, str]]:
    """site value -> (practice code or None, why). `practices`: code -> name of the practices the
    store knows. A value that is, or contains, a known ODS code maps to it; one that names a
    known practice maps to its code."""
    out: dict[str, tuple[str | None, str]] = {}
    names = {value_key(n): c for c, n in practices.items() if n}
    for value in values:
        text = str(value).strip().upper()
        if PRACTICE_CODE.match(text):
            out[value] = (text, "the site is an ODS practice code")
            continue
        found = [c for c in _CODE_IN_TEXT.findall(text) if c in practices]
        if len(found) == 1:
            out[value] = (found[0], "the site contains the practice's ODS code")
            continue
        key = value_key(value)
        hits = {c for n, c in names.items() if key and (n == key or (len(n) > 5 and n in key))}
        if len(hits) == 1:
            out[value] = (hits.pop(), "the site names a practice in the loaded files")
        else:
            out[value] = (None, "type the practice's ODS code")
    return out


def suggest_practice(file_name: str, practices: dict[str, str], title: list[str] = ()) -> str | None:
    """The practice the file names, in its file name or the lines above its header ('Practice:
    E81050'): an ODS code (one the loaded files know, if several are given), or the name of a
    practice the loaded files know. None unless exactly one practice fits."""
    texts = [Path(file_name).stem, *title]
    found = {c for t in texts for c in _CODE_IN_TEXT.findall(str(t).upper())}
    known = {c for c in found if c in practices}
    if len(known) == 1:
        return known.pop()
    if len(found) == 1 and not known:
        return found.pop()
    words = f" {value_key(' '.join(texts))} "
    hits = {c for c, n in practices.items() if len(value_key(n)) > 5 and f" {value_key(n)} " in words}
    return hits.pop() if len(hits) == 1 else None


def suggest_profile(insp: Inspection, file_name: str = "", practices: dict[str, str] | None = None) -> Suggested:
    """Columns from the headers and values; supplier from the title lines and headers; date order
    from the dates; outcome and site mappings from the words in the file."""
    practices = practices or {}
    layout = insp.layout
    columns = suggest_columns(layout.headers, insp.samples, insp.distinct, insp.phone_like)
    profile = Profile(columns={f: s.header for f, s in columns.items()},
                      supplier=suggest_supplier(layout.title + layout.headers),
                      name=f"{Path(file_name).stem} mapping" if file_name else "call log mapping")
    when = columns.get("start") or columns.get("date")
    if when:
        profile.date_order = suggest_date_order(insp.samples.get(when.header, []))
    suggested = Suggested(profile, columns)
    words = outcome_words(insp, profile.columns.get("outcome")) or {}
    for word, (outcome, why) in suggest_outcomes(list(words), profile.supplier).items():
        if outcome:
            profile.outcomes[word] = outcome
        suggested.outcome_reasons[word] = why
    site = profile.columns.get("site")
    if site:
        for value, (code, why) in suggest_sites([v for v in insp.values.get(site, {}) if v], practices).items():
            if code:
                profile.sites[value] = code
            suggested.site_reasons[value] = why
    else:
        profile.practice = suggest_practice(file_name, practices, layout.title)
    return suggested
