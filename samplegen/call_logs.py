"""Synthetic supplier call logs, consistent with the synthetic published sample.

``write_example_logs`` takes the practices of one PCN of the synthetic sample (the PCN the app
opens on: the first by name with at least three practices reporting) and writes their calls
for the last sample month as two call logs in different layouts and vocabularies:

* ``Synthetic X-on call log - <Month YYYY>.csv`` — one practice, in the style of an X-on Surgery
  Connect export: title lines above the header, date and time in separate columns, waits as
  mm:ss, talk time as hh:mm:ss, and X-on's words: "Missed" (a queued call went unanswered),
  "Abandoned" (the caller never reached a queue: nationally, ended in the IVR), "Voicemail",
  "Callback"; a footer line that is not a call.
* ``Synthetic generic call log - <Month YYYY>.xlsx`` — the PCN's other practices in one sheet
  with a "Site" column, a real date-time column, waits and talk in seconds, common words
  ("Abandoned" = hung up while queueing: missed), callback flags, and outbound calls (which
  national figures leave out).

plus a mapping profile for each (``... profile.json``) and a README. Each call is drawn from the
same underlying truth as the published files (samplegen.published), so the logs, mapped to the
national definitions, give back the published figures of their practices exactly (where a
practice's published outcomes add up to its inbound calls; a call log cannot hold the
imbalance some do). Caller numbers come from Ofcom's ranges reserved for drama (07700 900xxx,
01632 960xxx, 0113 496 0xxx ...): none is a real number. Every file name starts with "Synthetic".

Output is byte-identical for the same arguments. This module imports no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import io
import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xlsxwriter

from samplegen import published
from telephony.calllog.profile import Profile, profile_path
from telephony.formats import is_real_pcn

FOLDER = "call_logs"
_FIXED_STAMP = dt.datetime(2026, 1, 1)

# Minute bounds of the nine time bands, and how calls spread inside the 08:00-10:00 band (the
# 8 o'clock rush) in half hours.
_BAND_MINUTES = ((0, 360), (360, 480), (480, 600), (600, 720), (720, 840), (840, 960), (960, 1080),
                 (1080, 1110), (1110, 1440))
_RUSH = np.array([0.38, 0.26, 0.20, 0.16])
# Published bucket tokens (samplegen.published) as second ranges; None = open-ended.
_ANSWERED = ((0, 0), (1, 60), (61, 120), (121, 180), (181, 300), (301, None))
_MISSED = ((0, 0), (1, 30), (31, 60), (61, 120), (121, 300), (301, 600), (601, None))

XON_WORDS = {"answered": "Answered", "ivr": "Abandoned", "callback": "Callback"}
XON_MISSED = (("Missed", 0.78), ("Voicemail", 0.22))
GENERIC_IVR = (("Self-service", 0.55), ("Signposted", 0.45))
GENERIC_MISSED = (("Abandoned", 0.7), ("Voicemail", 0.2), ("No answer", 0.1))


def _drama_numbers() -> list[str]:
    """Telephone numbers Ofcom reserves for drama: never a real subscriber."""
    out = [f"07700900{n:03d}" for n in range(1000)] + [f"01632960{n:03d}" for n in range(1000)]
    out += [f"02079460{n:03d}" for n in range(1000)]
    for area in ("0113", "0114", "0115", "0116", "0117", "0118", "0121", "0131", "0141", "0151", "0161"):
        out += [f"{area}4960{n:03d}" for n in range(1000)]
    return out


@dataclass
class _Calls:
    """One practice's calls for the month, in time order."""

    start: list[dt.datetime]
    outcome: np.ndarray      # 0 answered, 1 IVR, 2 callback requested, 3 missed
    wait: np.ndarray         # seconds queued (0 for IVR)
    talk: np.ndarray         # seconds talked (0 unless answered)
    made: np.ndarray         # callback made (callback requested calls only)
    caller: list[str | None]


def _seconds(rng: np.random.Generator, ranges, idx: np.ndarray, tail: float) -> np.ndarray:
    out = np.zeros(len(idx), dtype=np.int64)
    for k, (lo, hi) in enumerate(ranges):
        sel = idx == k
        n = int(sel.sum())
        if not n:
            continue
        if hi is None:
            out[sel] = lo + np.minimum(rng.exponential(tail, n), 10 * tail).astype(np.int64)
        else:
            out[sel] = rng.integers(lo, hi + 1, n)
    return out


def _expand(mo, pos: int, rng: np.random.Generator, pool: list[str]) -> _Calls:
    """Individual calls from one unit's truth: the same counts per day, band, outcome and
    bucket as the published files."""
    starts, outcomes, waits, talks, made = [], [], [], [], []
    for d, day in enumerate(mo.dates):
        day_out, day_start, day_wait_idx, cell_made = [], [], [], []
        for b, (lo, hi) in enumerate(_BAND_MINUTES):
            counts = [int(mo.A[pos, d, b]), int(mo.IVR[pos, d, b]), int(mo.CB[pos, d, b]), int(mo.M[pos, d, b])]
            n = sum(counts)
            if not n:
                continue
            kind = np.repeat(np.arange(4), counts)
            if b == 2:
                half = rng.choice(4, n, p=_RUSH)
                minute = lo + 30 * half + rng.integers(0, 30, n)
            else:
                minute = rng.integers(lo, hi, n)
            second = minute * 60 + rng.integers(0, 60, n)
            # answered waits by bucket for this cell, in random order over its answered calls
            w = np.repeat(np.arange(6), mo.W[pos, d, b])
            rng.shuffle(w)
            wait_idx = np.full(n, -1)
            wait_idx[kind == 0] = w
            mk = np.zeros(n, dtype=bool)
            cb = np.flatnonzero(kind == 2)
            mk[rng.choice(cb, int(mo.K[pos, d, b]), replace=False)] = True
            day_out.append(kind)
            day_start.append(second)
            day_wait_idx.append(wait_idx)
            cell_made.append(mk)
        if not day_out:
            continue
        kind = np.concatenate(day_out)
        second = np.concatenate(day_start)
        wait_idx = np.concatenate(day_wait_idx)
        mk = np.concatenate(cell_made)
        wait = np.zeros(len(kind), dtype=np.int64)
        talk = np.zeros(len(kind), dtype=np.int64)
        ans = np.flatnonzero(kind == 0)
        wait[ans] = _seconds(rng, _ANSWERED, wait_idx[ans], 240.0)
        dur = np.repeat(np.arange(6), mo.DUR[pos, d])
        rng.shuffle(dur)
        talk[ans] = np.maximum(_seconds(rng, _ANSWERED, dur, 300.0), 0)
        mis = np.flatnonzero(kind == 3)
        mw = np.repeat(np.arange(7), mo.MW[pos, d])
        rng.shuffle(mw)
        wait[mis] = _seconds(rng, _MISSED, mw, 300.0)
        cbk = np.flatnonzero(kind == 2)
        wait[cbk] = rng.integers(20, 240, len(cbk))
        order = np.argsort(second, kind="stable")
        base = dt.datetime(day.year, day.month, day.day)
        starts += [base + dt.timedelta(seconds=int(s)) for s in second[order]]
        outcomes.append(kind[order])
        waits.append(wait[order])
        talks.append(talk[order])
        made.append(mk[order])
    outcome = np.concatenate(outcomes)
    return _Calls(starts, outcome, np.concatenate(waits), np.concatenate(talks), np.concatenate(made),
                  _callers(rng, starts, outcome, pool))


def _callers(rng: np.random.Generator, starts: list[dt.datetime], outcome: np.ndarray, pool: list[str]) -> list:
    """A number per call: mostly different people, but a caller who was not answered sometimes
    rings again later the same day; about 4% withhold their number."""
    out: list[str | None] = []
    waiting: list[str] = []
    day = None
    draws = rng.random((len(starts), 3))
    picks = rng.integers(0, len(pool), len(starts))
    for i, start in enumerate(starts):
        if start.date() != day:
            day, waiting = start.date(), []
        if draws[i, 0] < 0.04:
            out.append(None)
            continue
        if waiting and draws[i, 1] < 0.12:
            number = waiting.pop(int(draws[i, 2] * len(waiting)))
        else:
            number = pool[picks[i]]
        out.append(number)
        if outcome[i] != 0:
            waiting.append(number)
    return out


def _pick_pcn(u, mo) -> tuple[str, list[int]]:
    """The PCN the app opens on (first by name with 3+ practices reporting in the month) and the
    positions (in mo.units) of its named practices, by practice code."""
    by_pcn: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for k, unit in enumerate(mo.units):
        code = str(u.pcn_code[unit])
        if u.shared[unit] or not is_real_pcn(code):
            continue
        by_pcn.setdefault(code, []).append(k)
        names[code] = str(u.pcn_name[unit])
    ordered = sorted(by_pcn, key=lambda c: (names[c], c))
    several = [c for c in ordered if len(by_pcn[c]) >= 3]
    pcn = (several or ordered)[0]
    return pcn, sorted(by_pcn[pcn], key=lambda k: str(u.code[mo.units[k]]))


def _fmt_mmss(s: int) -> str:
    return f"{s // 60:02d}:{s % 60:02d}"


def _fmt_hms(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _write_xon(path: Path, calls: _Calls, rng: np.random.Generator, month_name: str, first: dt.date,
               last: dt.date) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Surgery Connect - Call Log Export (SYNTHETIC DATA)"])
    w.writerow([f"Date range: {first:%d/%m/%Y} - {last:%d/%m/%Y}"])
    buf.write("\r\n")
    w.writerow(["Date", "Time", "Caller ID", "Dialled Number", "Queue", "Status", "Queue Time", "Talk Time",
                "Callback Completed", "Call ID"])
    missed_word = rng.choice([m for m, _ in XON_MISSED], len(calls.outcome), p=[p for _, p in XON_MISSED])
    queue = rng.choice(["Reception", "Reception", "Reception", "Prescriptions", "Results"], len(calls.outcome))
    for i, start in enumerate(calls.start):
        kind = int(calls.outcome[i])
        status = str(missed_word[i]) if kind == 3 else XON_WORDS[("answered", "ivr", "callback")[kind]]
        queued = kind != 1
        w.writerow([
            f"{start:%d/%m/%Y}", f"{start:%H:%M:%S}", calls.caller[i] or "Withheld", "01632 960999",
            str(queue[i]) if queued else "", status,
            _fmt_mmss(int(calls.wait[i])) if queued else "", _fmt_hms(int(calls.talk[i])),
            ("Yes" if calls.made[i] else "No") if kind == 2 else "",
            f"XON-{start:%Y%m%d}-{i + 1:05d}",
        ])
    w.writerow([f"Total calls: {len(calls.start)}"])
    path.write_bytes(buf.getvalue().encode("utf-8"))


def _write_generic(path: Path, sites: list[tuple[str, _Calls]], rng: np.random.Generator) -> int:
    """One sheet for several sites; returns the number of outbound rows added."""
    rows = []
    for site, calls in sites:
        ivr = rng.choice([m for m, _ in GENERIC_IVR], len(calls.outcome), p=[p for _, p in GENERIC_IVR])
        missed = rng.choice([m for m, _ in GENERIC_MISSED], len(calls.outcome), p=[p for _, p in GENERIC_MISSED])
        for i, start in enumerate(calls.start):
            kind = int(calls.outcome[i])
            result = ("ANSWERED", str(ivr[i]), "Callback", str(missed[i]))[kind]
            rows.append((start, site, "Inbound", calls.caller[i], result, int(calls.wait[i]) if kind != 1 else 0,
                         int(calls.talk[i]), "Y" if kind == 2 else "N",
                         ("Y" if calls.made[i] else "N") if kind == 2 else ""))
        # Staff ringing patients back: outbound rows, which the national figures leave out.
        n_out = len(calls.start) // 25
        picks = rng.choice(len(calls.start), n_out, replace=False)
        for k in sorted(picks):
            start = calls.start[k] + dt.timedelta(minutes=int(rng.integers(20, 180)))
            rows.append((start, site, "Outbound", calls.caller[k], "Answered" if rng.random() < 0.8 else "No answer",
                         0, int(rng.integers(30, 400)), "N", ""))
    rows.sort(key=lambda r: (r[0], r[1]))
    # Not constant_memory: shared strings keep the file small (the same few words on every row).
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": "Synthetic call log (synthetic data)", "author": "cbt-dashboard synthetic sample",
                       "created": _FIXED_STAMP})
    ws = wb.add_worksheet("Calls")
    when = wb.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    ws.write_row(0, 0, ["Call Start", "Site", "Direction", "Caller Number", "Result", "Wait (s)", "Talk (s)",
                        "Callback Requested", "Callback Made"])
    for r, row in enumerate(rows, start=1):
        ws.write_datetime(r, 0, row[0], when)
        ws.write_string(r, 1, row[1])
        ws.write_string(r, 2, row[2])
        number = row[3]
        ws.write_string(r, 3, f"+44 {number[1:5]} {number[5:]}" if number else "Anonymous")
        ws.write_string(r, 4, row[4])
        ws.write_number(r, 5, row[5])
        ws.write_number(r, 6, row[6])
        ws.write_string(r, 7, row[7])
        if row[8]:
            ws.write_string(r, 8, row[8])
    wb.close()
    return sum(r[2] == "Outbound" for r in rows)


_README = """SYNTHETIC CALL LOGS - NOT REAL DATA

Example supplier call logs for the app's Call logs page, generated by
`python -m telephony sample --call-logs` (samplegen/call_logs.py) with seed {seed} and
scale '{scale}', for {month}. They hold the calls of the synthetic PCN {pcn} ({n} practices),
drawn from the same underlying calls as the synthetic published files one folder up, so mapped
to the national definitions they give back those practices' published figures.

{xon}: one practice, in the style of an X-on Surgery Connect export ("Abandoned" = the caller
never reached a queue, "Missed" = unanswered in the queue). {generic}: the other practices, one
"Site" column, common words ("Abandoned" = hung up while queueing) and some outbound calls.
Each has a mapping profile (*.json) that the app or `python -m telephony load --mapping` uses.

Caller numbers are from Ofcom's ranges reserved for drama; every practice, PCN and count is
invented. Do not use these numbers for anything but testing and demonstration.
"""


def write_example_logs(out_dir: Path, seed: int = 0, scale: str = "pcn", last_month: str = "2026-08") -> list[Path]:
    """Write the example logs, their profiles and a README into `out_dir`; return the paths."""
    if scale not in published.SCALES:
        raise ValueError(f"scale must be one of {published.SCALES}, got {scale!r}")
    year, month = published._parse_month(last_month)
    g = published._build_geo(seed, scale)
    u = published._build_units(g, seed, scale)
    mo = published._month_truth(u, g, seed, scale, year, month)
    pcn, positions = _pick_pcn(u, mo)
    rng = np.random.default_rng([seed, 29, published.SCALES.index(scale), year, month])
    numbers = _drama_numbers()
    calls = []
    for k in positions:
        # About as many different numbers as calls in the month: most people ring once.
        size = int(min(len(numbers), max(2000, mo.N[k].sum())))
        pool = [numbers[i] for i in rng.choice(len(numbers), size, replace=False)]
        calls.append(_expand(mo, k, rng, pool))
    codes = [str(u.code[mo.units[k]]) for k in positions]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = mo.name
    xon_path = out_dir / f"Synthetic X-on call log - {name}.csv"
    generic_path = out_dir / f"Synthetic generic call log - {name}.xlsx"
    _write_xon(xon_path, calls[0], rng, name, mo.dates[0], mo.dates[-1])
    sites = [f"Reception - Site {chr(ord('A') + i)}" for i in range(len(calls) - 1)]
    _write_generic(generic_path, list(zip(sites, calls[1:])), rng)
    xon_profile = Profile(
        name="X-on Surgery Connect export (synthetic example)", supplier="xon", date_order="dmy",
        columns={"date": "Date", "time": "Time", "outcome": "Status", "wait": "Queue Time", "talk": "Talk Time",
                 "callback_made": "Callback Completed", "caller": "Caller ID", "call_id": "Call ID"},
        outcomes={"Answered": "answered", "Missed": "missed", "Voicemail": "missed", "Abandoned": "ivr",
                  "Callback": "callback_requested"},
        practice=codes[0], pcn=pcn)
    generic_profile = Profile(
        name="Generic call log, several sites (synthetic example)", supplier="generic", date_order="dmy",
        columns={"start": "Call Start", "site": "Site", "direction": "Direction", "caller": "Caller Number",
                 "outcome": "Result", "wait": "Wait (s)", "talk": "Talk (s)",
                 "callback_requested": "Callback Requested", "callback_made": "Callback Made"},
        outcomes={"ANSWERED": "answered", "Self-service": "ivr", "Signposted": "ivr", "Abandoned": "missed",
                  "Voicemail": "missed", "No answer": "missed", "Callback": "callback_requested"},
        sites=dict(zip(sites, codes[1:])), pcn=pcn)
    paths = [xon_path, generic_path]
    for log, profile in ((xon_path, xon_profile), (generic_path, generic_profile)):
        target = profile_path(log)
        target.write_text(profile.validate().to_json(), encoding="utf-8")
        paths.append(target)
    readme = out_dir / "README.txt"
    readme.write_text(_README.format(seed=seed, scale=scale, month=name, pcn=pcn, n=len(codes),
                                     xon=xon_path.name, generic=generic_path.name), encoding="utf-8")
    return paths + [readme]
