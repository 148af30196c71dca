"""Bank holidays in England, used to mark days that are not "core hours" days.

A literal list (GOV.UK) for the years the data covers, the usual rules beyond it: the app must
work offline. Extend the list each year.
"""

from __future__ import annotations

import datetime as dt

BANK_HOLIDAYS_ENGLAND: dict[dt.date, str] = {
    dt.date(2024, 1, 1): "New Year's Day", dt.date(2024, 3, 29): "Good Friday",
    dt.date(2024, 4, 1): "Easter Monday", dt.date(2024, 5, 6): "Early May bank holiday",
    dt.date(2024, 5, 27): "Spring bank holiday", dt.date(2024, 8, 26): "Summer bank holiday",
    dt.date(2024, 12, 25): "Christmas Day", dt.date(2024, 12, 26): "Boxing Day",
    dt.date(2025, 1, 1): "New Year's Day", dt.date(2025, 4, 18): "Good Friday",
    dt.date(2025, 4, 21): "Easter Monday", dt.date(2025, 5, 5): "Early May bank holiday",
    dt.date(2025, 5, 26): "Spring bank holiday", dt.date(2025, 8, 25): "Summer bank holiday",
    dt.date(2025, 12, 25): "Christmas Day", dt.date(2025, 12, 26): "Boxing Day",
    dt.date(2026, 1, 1): "New Year's Day", dt.date(2026, 4, 3): "Good Friday",
    dt.date(2026, 4, 6): "Easter Monday", dt.date(2026, 5, 4): "Early May bank holiday",
    dt.date(2026, 5, 25): "Spring bank holiday", dt.date(2026, 8, 31): "Summer bank holiday",
    dt.date(2026, 12, 25): "Christmas Day", dt.date(2026, 12, 28): "Boxing Day (substitute day)",
    dt.date(2027, 1, 1): "New Year's Day", dt.date(2027, 3, 26): "Good Friday",
    dt.date(2027, 3, 29): "Easter Monday", dt.date(2027, 5, 3): "Early May bank holiday",
    dt.date(2027, 5, 31): "Spring bank holiday", dt.date(2027, 8, 30): "Summer bank holiday",
    dt.date(2027, 12, 27): "Christmas Day (substitute day)", dt.date(2027, 12, 28): "Boxing Day (substitute day)",
}


def _easter(year: int) -> dt.date:
    """Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _rule_bank_holidays(year: int) -> tuple[dt.date, ...]:
    """England and Wales bank holidays by the usual rules (no one-off extra days)."""
    out = []
    ny = dt.date(year, 1, 1)
    while ny.weekday() >= 5:
        ny += dt.timedelta(days=1)
    out.append(ny)
    easter = _easter(year)
    out += [easter - dt.timedelta(days=2), easter + dt.timedelta(days=1)]
    may1 = dt.date(year, 5, 1)
    out.append(may1 + dt.timedelta(days=(0 - may1.weekday()) % 7))  # early May: 1st Monday
    may31 = dt.date(year, 5, 31)
    out.append(may31 - dt.timedelta(days=may31.weekday()))  # spring: last Monday in May
    aug31 = dt.date(year, 8, 31)
    out.append(aug31 - dt.timedelta(days=aug31.weekday()))  # summer: last Monday in August
    xmas, boxing = dt.date(year, 12, 25), dt.date(year, 12, 26)
    if xmas.weekday() == 5:  # Saturday: Mon 27 and Tue 28
        xmas, boxing = dt.date(year, 12, 27), dt.date(year, 12, 28)
    elif xmas.weekday() == 6:  # Sunday: Boxing Day Mon 26, Christmas substitute Tue 27
        xmas = dt.date(year, 12, 27)
    elif boxing.weekday() == 5:  # Christmas Friday, Boxing Day Saturday: Mon 28
        boxing = dt.date(year, 12, 28)
    out += [xmas, boxing]
    return tuple(sorted(out))


#: The literal list by year (substitute days applied).
BANK_HOLIDAYS: dict[int, tuple[dt.date, ...]] = {
    year: tuple(sorted(d for d in BANK_HOLIDAYS_ENGLAND if d.year == year))
    for year in sorted({d.year for d in BANK_HOLIDAYS_ENGLAND})
}


def england_bank_holidays(year: int) -> tuple[dt.date, ...]:
    """Bank holidays in England: the fixed list for 2024-2027, the usual rules otherwise."""
    return BANK_HOLIDAYS.get(year) or _rule_bank_holidays(year)

