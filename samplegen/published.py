"""Synthetic Cloud Based Telephony (CBT) sample data in every published NHS England layout.

``write_sample`` builds one underlying truth (per reporting unit x date x time band: inbound
calls and their outcomes, with wait and duration buckets) and writes every monthly file from
it, so all files agree exactly:

* ``Synthetic CBT Summary <Month YYYY>.xlsx`` (Title sheet, Data Quality,
  Tables 1-5, laid out like the real January 2026 / December 2025 editions),
* ``Synthetic CBT By Day and Time - <Month YYYY>.zip``,
* ``Synthetic CBT By Durations - <Month YYYY>.zip``,
* ``Synthetic CBT Calls Answered Metric - <Month YYYY>.zip``
  (each a zip of one CSV per NHS region present plus ``_Unmapped``),
* ``Synthetic list sizes <Mon><YY>.csv`` (registered patients on the 1st of the month, in the
  layout of NHS Digital's ``PracPop<Mon><YY>.csv``),

plus, once, ``Synthetic practice map.csv`` (the layout of ``gp-reg-pat-prac-map.csv``) and a
``README.txt``. Every name starts with "Synthetic" so a file can never be taken for a real
download (the readers recognise files by content, not name).

All codes and names are synthetic (practice codes use the letters Z, X, V and T, ICB codes
QZ?/Q9?, sub-ICB codes Z?#?# or ##Z, postcodes in the non-existent areas X?). Magnitudes follow
section 4 of ``cbt-data.md``. Quirks of the real data are reproduced on purpose: shared accounts
(``Unassigned`` practice, ``Unmapped`` geography), a practice in no PCN (``U``/``Unallocated``),
practices whose four outcomes do not sum to inbound, practices that request no callbacks,
header texts that change between editions, both spellings of the time bands, percentage labels
printed against the wrong rows in Table 1.

Output is byte-for-byte deterministic for a given (seed, scale, months, last_month). The data
for a given calendar month does not depend on ``months`` (only Table 1's history does).

This module imports no Streamlit.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import xlsxwriter

from telephony.formats import TIME_BANDS
from telephony.holidays import england_bank_holidays

__all__ = [
    "SCALES",
    "INDICATORS",
    "TIME_BANDS",
    "ANSWERED_WAIT_BUCKETS",
    "ANSWERED_DURATION_BUCKETS",
    "MISSED_WAIT_BUCKETS",
    "CORE_CATEGORIES",
    "write_sample",
]

SCALES = ("pcn", "icb", "national")

INDICATORS = ("CBT001", "CBT002", "CBT003", "CBT004", "CBT005", "CBT006", "CBT007")

TIME_BANDS_COMPACT = tuple(b.replace(" - ", "-") for b in TIME_BANDS)

# Seconds tokens. Summary bands: <1 min = 0 + 1_60, 1-2 = 61_120, 2-5 = 121_180 + 181_300,
# >5 = >300 (answered); missed: <1 = 0 + 1_30 + 31_60, 1-2 = 61_120, 2-5 = 121_300,
# >5 = 301_600 + >600.
ANSWERED_WAIT_BUCKETS = ("0", "1_60", "61_120", "121_180", "181_300", ">300")
ANSWERED_DURATION_BUCKETS = ("0", "1_60", "61_120", "121_180", "181_300", ">300")
MISSED_WAIT_BUCKETS = ("0", "1_30", "31_60", "61_120", "121_300", "301_600", ">600")
CORE_CATEGORIES = ("Core_8_10", "Core_10_1830", "Non-Core")

_ANS_TO_BAND = (0, 0, 1, 2, 2, 3)  # answered wait/duration bucket -> summary band (4)
_MISSED_TO_BAND = (0, 0, 0, 1, 2, 3, 3)

_BDT_HEADER = (
    "Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
    "Time_Category,Value"
)
_DUR_HEADER = (
    "Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
    "Duration,Value"
)
_CAM_HEADER = (
    "Date,REGION_CODE,ICB_CODE,SUB_ICB_LOCATION_CODE,PCN_CODE,PRACTICE_CODE,Indicator,"
    "Wait_Time,Core_Category,Value"
)
_PRACPOP_HEADER = (
    "PUBLICATION",
    "EXTRACT_DATE",
    "TYPE",
    "SUB_ICB_LOCATION_CODE",
    "ONS_SUB_ICB_LOCATION_CODE",
    "CODE",
    "POSTCODE",
    "SEX",
    "AGE",
    "NUMBER_OF_PATIENTS",
)
_MAP_HEADER = (
    "PUBLICATION",
    "EXTRACT_DATE",
    "PRACTICE_CODE",
    "PRACTICE_NAME",
    "PRACTICE_POSTCODE",
    "PCN_CODE",
    "PCN_NAME",
    "ONS_SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_CODE",
    "SUB_ICB_LOCATION_NAME",
    "ONS_ICB_CODE",
    "ICB_CODE",
    "ICB_NAME",
    "ONS_COMM_REGION_CODE",
    "COMM_REGION_CODE",
    "COMM_REGION_NAME",
    "SUPPLIER_NAME",
)

UNASSIGNED = "Unassigned"
UNMAPPED = "Unmapped"

# Fixed timestamp for every zip member and workbook property, so reruns give identical bytes.
_FIXED_STAMP = dt.datetime(2026, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


_MONTH_ABBR = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec")


def _month_name(y: int, m: int) -> str:
    return f"{calendar.month_name[m]} {y}"


def _parse_month(s: str) -> tuple[int, int]:
    try:
        y, m = (int(x) for x in str(s).split("-")[:2])
        dt.date(y, m, 1)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"last_month must look like 'YYYY-MM', got {s!r}") from exc
    return y, m


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


# --------------------------------------------------------------------------------------------
# Synthetic geography
# --------------------------------------------------------------------------------------------

_REGIONS = (
    # code, name, ONS code (real public region codes; names as published)
    ("Y56", "LONDON", "E40000003"),
    ("Y58", "SOUTH WEST", "E40000006"),
    ("Y59", "SOUTH EAST", "E40000005"),
    ("Y60", "MIDLANDS", "E40000008"),
    ("Y61", "EAST OF ENGLAND", "E40000007"),
    ("Y62", "NORTH WEST", "E40000010"),
    ("Y63", "NORTH EAST AND YORKSHIRE", "E40000012"),
)
_NATIONAL_ICBS = {"Y56": 5, "Y58": 7, "Y59": 6, "Y60": 11, "Y61": 6, "Y62": 3, "Y63": 4}

_TOWN_A = (
    "ASH", "BEL", "BRAM", "CALDER", "CARR", "DEN", "ELM", "FAIR", "FERN", "GLEN", "HAR", "HOL",
    "KEL", "LANG", "MAR", "MILL", "NOR", "OAK", "PEN", "RAVEN", "ROS", "SAL", "STAN", "THORN",
    "WES", "WIL", "WOOD", "YAR", "ALD", "BIRCH", "BROOK", "COLD", "DUN", "EAST", "FOX", "GREEN",
    "HAWK", "KING", "LIN", "MOSS", "NEW", "OX", "QUEEN", "RED", "SAND", "STONE", "SUN", "TALL",
    "UP", "WHIT", "AVON", "BARN", "CROW", "DRAY", "EVER", "FAL", "GOLD", "HEATH", "IVY", "KIRK",
    "LARK", "MEL", "NETH", "ORM", "PRES", "ROOK", "SHEL", "TREN", "WAVER", "WREN",
)
_TOWN_B = (
    "FORD", "LEY", "TON", "BY", "HAM", "FIELD", "BROOK", "WICK", "BURY", "MOUTH", "WELL", "STEAD",
    "WORTH", "COMBE", "DALE", "HOLME", "MERE", "THORPE", "BRIDGE", "HURST", "LOW", "CASTER",
    "MINSTER", "GATE", "SIDE", "WOOD", "MOOR", "CROFT", "HOPE", "STOW",
)
_WORDS = (
    "RIVERSIDE", "PARKSIDE", "CHURCH", "STATION", "HIGH", "MILL", "CASTLE", "ORCHARD", "VICTORIA",
    "ALBERT", "QUEENS", "KINGS", "MARKET", "BRIDGE", "ABBEY", "MEADOW", "WILLOW", "CEDAR", "LIME",
    "BEECH", "HOLLY", "ROSE", "VALE", "HILL", "GROVE", "MANOR", "PRIORY", "ST JOHN'S",
    "ST MARY'S", "ST PAUL'S", "LAUREL", "HAWTHORN", "POPLAR", "ELMWOOD", "FOREST", "HARBOUR",
)
_STREETS = ("ROAD", "STREET", "LANE", "AVENUE", "PARK", "GREEN", "WAY", "TERRACE")
_SURNAMES = (
    "AHMED", "BROWN", "CLARKE", "DAVIES", "EVANS", "FOSTER", "GREEN", "HUGHES", "IQBAL", "JONES",
    "KHAN", "LEWIS", "MORGAN", "NAIR", "OWEN", "PATEL", "QUINN", "REID", "SHAH", "TAYLOR",
    "WALKER", "WRIGHT",
)
_DIRS = ("NORTH", "SOUTH", "EAST", "WEST", "CENTRAL", "UPPER", "LOWER")
_PRACTICE_LETTERS = ("Z", "X", "V", "T")


class _Namer:
    """Deterministic synthetic names, unique where it matters."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used: set[str] = set()

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def town(self) -> str:
        while True:
            a, b = self.pick(_TOWN_A), self.pick(_TOWN_B)
            if a not in b and b not in a:
                return a + b

    def unique(self, make, suffix_town: bool = False) -> str:
        for _ in range(50):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        base = make()
        for _ in range(1000):
            name = f"{base}, {self.town()}" if suffix_town else f"{base} {self.town()}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("could not make a unique name")  # pragma: no cover

    def icb_place(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return f"{self.town()} AND {self.town()}"
        if r < 0.6:
            return f"{self.town()}, {self.town()} AND {self.town()}"
        return self.town()

    def pcn(self) -> str:
        r = self.rng.random()
        t = self.town()
        if r < 0.3:
            return f"{t} PCN"
        if r < 0.45:
            return f"{self.pick(_DIRS)} {t} PCN"
        if r < 0.55:
            return f"{self.pick(_DIRS)} {self.pick(_WORDS)} PCN"
        if r < 0.65:
            return f"{t} AND {self.town()} PCN"
        if r < 0.75:
            return f"{t} HEALTH PCN"
        if r < 0.82:
            return f"{self.pick(_WORDS)} HEALTH NETWORK PCN"
        if r < 0.9:
            return f"{t} & DISTRICT PCN"
        return f"{t} CARE NETWORK PCN"

    def practice(self) -> str:
        r = self.rng.random()
        t = self.town()
        street = f"{self.pick(_WORDS)} {self.pick(_STREETS)}"
        if r < 0.2:
            return f"{t} MEDICAL CENTRE"
        if r < 0.35:
            return f"{t} SURGERY"
        if r < 0.45:
            return f"{street} SURGERY"
        if r < 0.53:
            return f"{t} HEALTH CENTRE"
        if r < 0.6:
            return f"THE {t} PRACTICE"
        if r < 0.67:
            return f"{street} MEDICAL PRACTICE"
        if r < 0.74:
            return f"{t} GROUP PRACTICE"
        if r < 0.8:
            return f"{self.pick(_WORDS)} MEDICAL CENTRE"
        if r < 0.86:
            return f"DR {self.pick(_SURNAMES)} & PARTNERS"
        if r < 0.92:
            return f"{t} & {self.town()} SURGERIES"
        return f"{t} FAMILY PRACTICE"


@dataclass
class _Geo:
    """All named practices (reporting or not) and shared accounts, with their geography."""

    # named practices
    p_code: list[str] = field(default_factory=list)
    p_name: list[str] = field(default_factory=list)
    p_postcode: list[str] = field(default_factory=list)
    p_pcn: list[int] = field(default_factory=list)  # index into pcn lists, -1 = no PCN
    p_sub: list[int] = field(default_factory=list)
    p_supplier: list[str] = field(default_factory=list)
    p_reports: list[bool] = field(default_factory=list)
    # PCNs
    pcn_code: list[str] = field(default_factory=list)
    pcn_name: list[str] = field(default_factory=list)
    pcn_sub: list[int] = field(default_factory=list)
    # sub-ICBs
    sub_code: list[str] = field(default_factory=list)
    sub_name: list[str] = field(default_factory=list)
    sub_ons: list[str] = field(default_factory=list)
    sub_icb: list[int] = field(default_factory=list)
    # ICBs
    icb_code: list[str] = field(default_factory=list)
    icb_name: list[str] = field(default_factory=list)
    icb_ons: list[str] = field(default_factory=list)
    icb_region: list[int] = field(default_factory=list)
    # regions (indices into _REGIONS)
    regions: list[int] = field(default_factory=list)
    # shared accounts: (kind, pcn index or -1/-2, sub index or -1, icb index or -1, region or -1,
    # weight). pcn -1 = Unmapped, -2 = 'U' (no PCN)
    shared: list[tuple] = field(default_factory=list)


def _scale_params(scale: str) -> dict:
    if scale == "pcn":
        return dict(n_regions=1, icbs=[2], pcns_per_icb=[4, 4], subs_per_icb=[1, 2],
                    unallocated=1, non_reporting=(2, 3))
    if scale == "icb":
        return dict(n_regions=1, icbs=[3], pcns_per_icb=[14, 13, 13], subs_per_icb=[1, 2, 3],
                    unallocated=2, non_reporting=(6, 8))
    return dict(n_regions=7, unallocated=40)


def _build_geo(seed: int, scale: str) -> _Geo:
    rng = np.random.default_rng([seed, 11, SCALES.index(scale)])
    namer = _Namer(rng)
    g = _Geo()
    sp = _scale_params(scale)

    if scale == "national":
        g.regions = list(range(len(_REGIONS)))
        icbs_per_region = [_NATIONAL_ICBS[r[0]] for r in _REGIONS]
    else:
        g.regions = [int(rng.integers(len(_REGIONS)))]
        icbs_per_region = sp["icbs"]

    n_icb = sum(icbs_per_region)
    icb_codes = [f"QZ{c}" for c in "ABCDEFGHJKLMNPRSTUVWXY"] + [
        f"Q9{c}" for c in "ABCDEFGHJKLMNPRSTUVWXY"]
    icb_codes = [icb_codes[i] for i in rng.permutation(len(icb_codes))[:n_icb]]
    sub_codes_used: set[str] = set()

    def new_sub_code() -> str:
        while True:
            if rng.random() < 0.3:
                c = f"{int(rng.integers(0, 100)):02d}Z"
            else:
                c = ("Z" + str(int(rng.integers(1, 10))) + "ABCDEFGHJKLMNPQRSTUVWXY"[
                    int(rng.integers(23))] + str(int(rng.integers(0, 10)))
                    + "ABCDEFGHJKLMNPQRSTUVWXY"[int(rng.integers(23))])
            if c not in sub_codes_used:
                sub_codes_used.add(c)
                return c

    ons_used: set[tuple[str, int]] = set()

    def new_ons(prefix: str) -> str:
        while True:
            n = int(rng.integers(100, 1000))
            if (prefix, n) not in ons_used:
                ons_used.add((prefix, n))
                return f"{prefix}{n:05d}"

    pcn_codes_used: set[str] = set()

    def new_pcn_code() -> str:
        while True:
            c = f"U{int(rng.integers(0, 100000)):05d}"
            if c not in pcn_codes_used:
                pcn_codes_used.add(c)
                return c

    icb_i = 0
    for ri, reg in enumerate(g.regions):
        for _ in range(icbs_per_region[ri]):
            place = namer.unique(namer.icb_place)
            g.icb_code.append(icb_codes[icb_i])
            g.icb_name.append(f"NHS {place} INTEGRATED CARE BOARD")
            g.icb_ons.append(new_ons("E549"))
            g.icb_region.append(reg)
            if scale == "national":
                n_sub = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
            else:
                n_sub = sp["subs_per_icb"][icb_i]
            for _ in range(n_sub):
                code = new_sub_code()
                g.sub_code.append(code)
                g.sub_name.append(f"NHS {place} ICB - {code}")
                g.sub_ons.append(new_ons("E389"))
                g.sub_icb.append(icb_i)
            icb_i += 1

    # PCNs per ICB
    if scale == "national":
        w = rng.lognormal(0.0, 0.45, n_icb)
        pcns_per_icb = np.maximum(8, np.round(w / w.sum() * 1250)).astype(int).tolist()
    else:
        pcns_per_icb = sp["pcns_per_icb"]
    subs_of_icb = {i: [s for s, ic in enumerate(g.sub_icb) if ic == i] for i in range(n_icb)}
    for i in range(n_icb):
        subs = subs_of_icb[i]
        for k in range(pcns_per_icb[i]):
            g.pcn_code.append(new_pcn_code())
            g.pcn_name.append(namer.unique(namer.pcn))
            g.pcn_sub.append(subs[k % len(subs)] if k < len(subs) else
                             subs[int(rng.integers(len(subs)))])

    # practices
    letters_by_icb = [_PRACTICE_LETTERS[i % len(_PRACTICE_LETTERS)] for i in range(n_icb)]
    serial_by_icb = [0] * n_icb
    area_by_icb = [80 + i // len(_PRACTICE_LETTERS) for i in range(n_icb)]
    # two-letter postcode areas that do not exist in the UK (X?, then Q?)
    postcode_area = [("X" if i < 21 else "Q") + "ABCDEFGHJKLMNOPRSTUWY"[i % 21]
                     for i in range(n_icb)]

    def add_practice(pcn: int, sub: int, reports: bool):
        icb = g.sub_icb[sub]
        serial_by_icb[icb] += 1
        g.p_code.append(f"{letters_by_icb[icb]}{area_by_icb[icb]:02d}{serial_by_icb[icb]:03d}")
        g.p_name.append(namer.unique(namer.practice, suffix_town=True))
        pc = (f"{postcode_area[icb]}{int(rng.integers(1, 30))} {int(rng.integers(1, 10))}"
              + "".join("ABDEFGHJLNPQRSTUWXYZ"[int(x)] for x in rng.integers(0, 20, 2)))
        g.p_postcode.append(pc)
        g.p_pcn.append(pcn)
        g.p_sub.append(sub)
        g.p_supplier.append("EMIS" if rng.random() < 0.55 else "TPP")
        g.p_reports.append(reports)

    for pi in range(len(g.pcn_code)):
        if scale == "pcn":
            n = int(rng.integers(3, 7))
        elif scale == "icb":
            n = 1 + int(rng.binomial(9, 0.39))
        else:
            n = 1 + int(rng.binomial(9, 0.36))
        for _ in range(n):
            add_practice(pi, g.pcn_sub[pi], True)
    n_sub = len(g.sub_code)
    for k in range(sp["unallocated"]):
        add_practice(-1, int(rng.integers(n_sub)) if k else 0, True)
    # practices that never report (in the registered-patient lists only)
    n_named = len(g.p_code)
    if scale == "national":
        n_non = int(round(n_named * 0.16))
    else:
        lo, hi = sp["non_reporting"]
        n_non = int(rng.integers(lo, hi + 1))
    for _ in range(n_non):
        pi = int(rng.integers(len(g.pcn_code)))
        add_practice(pi, g.pcn_sub[pi], False)

    # shared accounts
    shared = []
    n_pcn = len(g.pcn_code)
    if scale == "pcn":
        pcn_pick = [int(rng.integers(0, 4))]
        shared.append(("pcn", pcn_pick[0], None, None, None, 1.0))
        shared.append(("sub", -1, n_sub - 1, None, None, 0.8))
        shared.append(("all", -1, -1, -1, -1, 0.25))
    elif scale == "icb":
        for p in rng.choice(n_pcn, 3, replace=False):
            shared.append(("pcn", int(p), None, None, None, 1.0))
        for s in rng.choice(n_sub, 2, replace=False):
            shared.append(("sub", -1, int(s), None, None, 1.6))
        shared.append(("icb", -1, -1, int(rng.integers(n_icb)), None, 1.5))
        shared.append(("all", -1, -1, -1, -1, 0.6))
    else:
        for p in rng.choice(n_pcn, 60, replace=False):
            shared.append(("pcn", int(p), None, None, None, 1.0))
        for s in rng.choice(n_sub, 26, replace=False):
            shared.append(("sub", -1, int(s), None, None, 2.2))
        shared.append(("nopcn", -2, int(rng.integers(n_sub)), None, None, 0.8))
        for i in rng.choice(n_icb, 8, replace=False):
            shared.append(("icb", -1, -1, int(i), None, 2.5))
        for r in rng.choice(g.regions, 3, replace=False):
            shared.append(("region", -1, -1, -1, int(r), 2.0))
        shared.append(("all", -1, -1, -1, -1, 10.0))
    g.shared = shared
    return g


@dataclass
class _Units:
    """Every unit that can report (named practices that report + shared accounts),
    in workbook order, with their published geography and fixed behaviour parameters."""

    code: np.ndarray
    gp_name: np.ndarray
    pcn_code: np.ndarray
    pcn_name: np.ndarray
    sub_code: np.ndarray
    sub_name: np.ndarray
    icb_code: np.ndarray
    icb_name: np.ndarray
    reg_code: np.ndarray
    reg_name: np.ndarray
    practice: np.ndarray  # index into geo.p_* or -1 for shared accounts
    shared: np.ndarray  # bool
    start: np.ndarray  # first absolute month index (y*12+m-1) the unit reports
    size: np.ndarray  # base list size (named) or equivalent list size (shared)
    rate: np.ndarray  # calls per 1,000 patients per month
    growth: np.ndarray  # monthly list growth
    p_ans: np.ndarray
    p_ivr: np.ndarray
    p_cb: np.ndarray
    p_miss: np.ndarray
    cb_made_rate: np.ndarray
    imbalance: np.ndarray  # signed fraction; 0 = balanced
    speed: np.ndarray  # answered wait shift (higher = longer waits)
    band_noise: np.ndarray  # (U, 9) multiplicative band profile
    dur_p: np.ndarray  # (U, 6)
    miss_p: np.ndarray  # (U, 7)
    blank_cb: np.ndarray  # bool: write callback cells blank in Table 3 (real quirk)

    def __len__(self) -> int:
        return len(self.code)


def _build_units(g: _Geo, seed: int, scale: str) -> _Units:
    rng = np.random.default_rng([seed, 13, SCALES.index(scale)])
    rows = []  # (sort key, fields...)
    reg_code = {i: _REGIONS[i][0] for i in range(len(_REGIONS))}
    reg_name = {i: _REGIONS[i][1] for i in range(len(_REGIONS))}
    n_named_all = len(g.p_code)
    base_size = np.clip(rng.lognormal(np.log(9000), 0.57, n_named_all), 1200, 60000).round()

    for p in range(n_named_all):
        if not g.p_reports[p]:
            continue
        s = g.p_sub[p]
        icb = g.sub_icb[s]
        reg = g.icb_region[icb]
        if g.p_pcn[p] >= 0:
            pc, pn = g.pcn_code[g.p_pcn[p]], g.pcn_name[g.p_pcn[p]]
        else:
            pc, pn = "U", "Unallocated"
        rows.append((g.p_code[p], g.p_name[p], pc, pn, g.sub_code[s], g.sub_name[s],
                     g.icb_code[icb], g.icb_name[icb], reg_code[reg], reg_name[reg], p,
                     base_size[p]))
    named_sizes = np.array([r[-1] for r in rows])
    shared_weights = np.array([sh[5] for sh in g.shared], dtype=float)
    # Shared accounts take ~6.4% of all inbound calls.
    shared_total = named_sizes.sum() * 0.064 / 0.936
    shared_sizes = shared_total * shared_weights * rng.lognormal(0, 0.25, len(g.shared))
    shared_sizes *= shared_total / shared_sizes.sum()
    for k, (kind, pcn, sub, icb, reg, _w) in enumerate(g.shared):
        if kind == "pcn":
            sub = g.pcn_sub[pcn]
        if sub is not None and sub >= 0:
            icb = g.sub_icb[sub]
        if icb is not None and icb >= 0:
            reg = g.icb_region[icb]
        f_pc, f_pn = (UNMAPPED, UNMAPPED)
        if pcn is not None and pcn >= 0:
            f_pc, f_pn = g.pcn_code[pcn], g.pcn_name[pcn]
        elif pcn == -2:
            f_pc, f_pn = "U", "Unallocated"
        f_sc, f_sn = (g.sub_code[sub], g.sub_name[sub]) if sub is not None and sub >= 0 else (
            UNMAPPED, UNMAPPED)
        f_ic, f_in = (g.icb_code[icb], g.icb_name[icb]) if icb is not None and icb >= 0 else (
            UNMAPPED, UNMAPPED)
        f_rc, f_rn = (reg_code[reg], reg_name[reg]) if reg is not None and reg >= 0 else (
            UNMAPPED, UNMAPPED)
        rows.append((UNASSIGNED, UNMAPPED, f_pc, f_pn, f_sc, f_sn, f_ic, f_in, f_rc, f_rn, -1,
                     shared_sizes[k]))

    # workbook order: region name, ICB name, sub-ICB name, PCN name, practice name
    order = sorted(range(len(rows)), key=lambda i: (rows[i][9], rows[i][7], rows[i][5],
                                                     rows[i][3], rows[i][1], rows[i][0]))
    rows = [rows[i] for i in order]
    n = len(rows)
    col = lambda j: np.array([r[j] for r in rows], dtype=object)  # noqa: E731
    practice = np.array([r[10] for r in rows], dtype=np.int64)
    shared = practice < 0
    size = np.array([r[11] for r in rows], dtype=float)
    named_idx = np.flatnonzero(~shared)

    # Onboarding: ~6% of practices start reporting during 2025-10 .. 2026-12.
    start = np.full(n, 0, dtype=np.int64)
    # (practices in no PCN always report, so every month shows one)
    late = named_idx[(rng.random(len(named_idx)) < 0.06) & (col(2)[named_idx] != "U")]
    start[late] = rng.integers(2025 * 12 + 9, 2026 * 12 + 12, len(late))

    rate = rng.lognormal(np.log(560), 0.33, n)
    rate[shared] = 560.0
    growth = rng.normal(0.0008, 0.002, n)

    # outcome shares; bigger units (and shared accounts) answer a smaller share
    big = np.clip(size / 9000.0, 0.2, 8.0)
    ivr = rng.lognormal(np.log(0.19), 0.36, n) * big ** 0.2
    cb = np.clip(rng.lognormal(np.log(0.03), 1.05, n) * big ** 0.2, 0, 0.35)
    miss = np.clip(rng.lognormal(np.log(0.072), 0.55, n) * big ** 0.15, 0.01, 0.45)
    # Quirk units are drawn from practices that report in every month, so every month shows
    # each quirk.
    steady = named_idx[start[named_idx] == 0]
    no_cb = np.zeros(n, bool)
    k_nocb = max(1, int(round(len(named_idx) / 8)))
    no_cb[rng.choice(steady, k_nocb, replace=False)] = True
    # some shared accounts do not use callbacks either (never the all-Unmapped one)
    sh_idx = np.flatnonzero(shared & (col(8) != UNMAPPED))
    if len(sh_idx) > 3:
        no_cb[rng.choice(sh_idx, max(1, len(sh_idx) // 8), replace=False)] = True
    cb[no_cb] = 0.0
    tot = ivr + cb + miss
    scale_down = np.where(tot > 0.75, 0.75 / tot, 1.0)
    ivr, cb, miss = ivr * scale_down, cb * scale_down, miss * scale_down
    ans = 1.0 - ivr - cb - miss

    made = np.ones(n)
    r = rng.random(n)
    mid = (r >= 0.7) & (r < 0.95)
    low = r >= 0.95
    made[mid] = rng.uniform(0.99, 0.999, mid.sum())
    made[low] = rng.uniform(0.85, 0.98, low.sum())

    imbalance = np.zeros(n)
    k_unb = max(2, int(round(len(named_idx) * 0.1)))
    cand = np.setdiff1d(steady, np.flatnonzero(no_cb))
    unb = rng.choice(cand, k_unb, replace=False)
    sign = np.where(np.arange(k_unb) % 2 == 0, 1.0, -1.0)
    imbalance[unb] = sign * rng.uniform(0.01, 0.05, k_unb)

    speed = rng.normal(0.0, 0.5, n)
    band_noise = rng.lognormal(0.0, 0.15, (n, 9))
    dur_base = np.array([0.01, 0.22, 0.36, 0.18, 0.15, 0.08])
    dur_p = dur_base * rng.lognormal(0, 0.18, (n, 6))
    dur_p /= dur_p.sum(1, keepdims=True)
    mw_base = np.array([0.08, 0.26, 0.18, 0.16, 0.16, 0.10, 0.06])
    mw_k = np.array([-0.5, -0.5, -0.3, 0.0, 0.3, 0.6, 0.8]) * 0.6
    mw_p = mw_base * np.exp(speed[:, None] * mw_k) * rng.lognormal(0, 0.12, (n, 7))
    mw_p /= mw_p.sum(1, keepdims=True)

    blank_cb = np.zeros(n, bool)
    named_nocb = np.intersect1d(steady, np.flatnonzero(no_cb))
    if len(named_nocb):
        blank_cb[named_nocb[int(rng.integers(len(named_nocb)))]] = True

    return _Units(
        code=col(0), gp_name=col(1), pcn_code=col(2), pcn_name=col(3), sub_code=col(4),
        sub_name=col(5), icb_code=col(6), icb_name=col(7), reg_code=col(8), reg_name=col(9),
        practice=practice, shared=shared, start=start, size=size, rate=rate, growth=growth,
        p_ans=ans, p_ivr=ivr, p_cb=cb, p_miss=miss, cb_made_rate=made, imbalance=imbalance,
        speed=speed, band_noise=band_noise, dur_p=dur_p, miss_p=mw_p, blank_cb=blank_cb,
    )


# --------------------------------------------------------------------------------------------
# The underlying truth for one month
# --------------------------------------------------------------------------------------------

# Day weights (share of a normal week) and time-band shares by day type.
_DOW_WEIGHT = np.array([26.0, 19.0, 18.0, 17.5, 17.5, 1.0, 0.45])
_BH_WEIGHT = 0.7
_WEEK_TOTAL = 365.25 / 7 / 12 * _DOW_WEIGHT.sum()  # day-weight sum of an average month
_SEASON = {1: 1.04, 2: 1.0, 3: 0.96, 4: 0.97, 5: 0.97, 6: 1.0, 7: 1.0, 8: 0.9, 9: 1.02,
           10: 1.07, 11: 1.02, 12: 0.94}
_BAND_SHARES = np.array([
    [0.0008, 0.053, 0.31, 0.22, 0.158, 0.16, 0.087, 0.0055, 0.0047],  # working Monday
    [0.001, 0.052, 0.28, 0.215, 0.162, 0.17, 0.098, 0.011, 0.011],  # working Tue-Fri
    [0.011, 0.022, 0.30, 0.29, 0.175, 0.107, 0.052, 0.007, 0.036],  # Saturday
    [0.027, 0.028, 0.18, 0.195, 0.16, 0.139, 0.097, 0.019, 0.155],  # Sunday / bank holiday
])
_BAND_SHARES /= _BAND_SHARES.sum(1, keepdims=True)
_OOH_ALPHA_WORKING = np.array([1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0])
_OOH_P = np.array([0.07, 0.80, 0.02, 0.11])  # answered, IVR, callback, missed out of hours
_ANS_WAIT_BASE = np.log(np.array([0.06, 0.43, 0.14, 0.09, 0.09, 0.19]))
_ANS_WAIT_K = np.array([-0.5, -0.5, 0.0, 0.5, 0.8, 1.0])
_BAND_WAIT_SHIFT = np.array([-0.3, 0.0, 0.3, 0.0, -0.2, -0.15, -0.25, -0.3, -0.3])


@dataclass
class _Month:
    year: int
    month: int
    dates: list[dt.date]
    is_bh: np.ndarray  # (D,)
    working: np.ndarray  # (D,)
    units: np.ndarray  # indices into _Units of units reporting this month (workbook order)
    lists: np.ndarray  # (P,) list size of every named practice in geo order, 1st of month
    N: np.ndarray  # (U, D, B) inbound
    A: np.ndarray  # answered
    IVR: np.ndarray
    CB: np.ndarray  # callback requested
    M: np.ndarray  # missed
    K: np.ndarray  # callback made
    W: np.ndarray  # (U, D, B, 6) answered by wait bucket
    DUR: np.ndarray  # (U, D, 6) answered by duration bucket
    MW: np.ndarray  # (U, D, 7) missed by wait-before-hang-up bucket

    @property
    def name(self) -> str:
        return _month_name(self.year, self.month)

    @property
    def core(self) -> np.ndarray:
        """(D, B) core category index: 0 Core_8_10, 1 Core_10_1830, 2 Non-Core."""
        c = np.full((len(self.dates), 9), 2, dtype=np.int64)
        c[self.working, 2] = 0
        c[np.ix_(self.working, np.arange(3, 8))] = 1
        return c


def _split(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Multinomial split of counts n (shape S) with probabilities p (S + (k,)), vectorised."""
    k = p.shape[-1]
    p = np.broadcast_to(p, n.shape + (k,))
    out = np.empty(n.shape + (k,), dtype=np.int64)
    remaining = n.astype(np.int64, copy=True)
    left = np.ones(n.shape)
    for j in range(k - 1):
        pj = p[..., j]
        q = np.divide(pj, left, out=np.zeros(n.shape), where=left > 1e-12)
        np.clip(q, 0.0, 1.0, out=q)
        x = rng.binomial(remaining, q)
        out[..., j] = x
        remaining -= x
        left = left - pj
    out[..., k - 1] = remaining
    return out


def _month_truth(u: _Units, g: _Geo, seed: int, scale: str, year: int, month: int) -> _Month:
    rng = np.random.default_rng([seed, 17, SCALES.index(scale), year, month])
    abs_m = year * 12 + month - 1
    n_days = calendar.monthrange(year, month)[1]
    dates = [dt.date(year, month, d) for d in range(1, n_days + 1)]
    bh = set(england_bank_holidays(year))
    dow = np.array([d.weekday() for d in dates])
    is_bh = np.array([d in bh for d in dates])
    working = (dow < 5) & ~is_bh

    # day weights and day types
    w = _DOW_WEIGHT[dow].copy()
    w[is_bh] = _BH_WEIGHT
    for i in range(1, n_days):
        # first working day after a weekday bank holiday behaves like a Monday
        if working[i] and is_bh[i - 1] and dow[i] > 0:
            w[i] = max(w[i], _DOW_WEIGHT[0])
    for i, d in enumerate(dates):
        if d.month == 12 and d.day in (24, 31) and working[i]:
            w[i] *= 0.7
    dtype = np.where(working & ((dow == 0) | (w >= _DOW_WEIGHT[0])), 0,
                     np.where(working, 1, np.where(dow == 5, 2, 3)))
    dtype[is_bh] = 3

    units = np.flatnonzero(u.start <= abs_m)
    U = len(units)
    t = abs_m - (2026 * 12)
    size_now = u.size * np.exp(u.growth * t)
    # list sizes of every named practice on the 1st of the month
    lists = np.zeros(len(g.p_code))
    p_idx = u.practice[~u.shared]
    lists[p_idx] = size_now[~u.shared]
    nonrep = np.array([not r for r in g.p_reports])
    if nonrep.any():
        grng = np.random.default_rng([seed, 19, SCALES.index(scale)])
        base = np.clip(grng.lognormal(np.log(6000), 0.7, nonrep.sum()), 300, 30000)
        lists[nonrep] = base * np.exp(0.0005 * t)
    lists = np.round(lists * rng.lognormal(0, 0.002, len(lists))).astype(np.int64)

    # expected calls
    monthly = (u.size[units] * np.exp(u.growth[units] * t) * u.rate[units] / 1000.0
               * _SEASON[month] * rng.lognormal(0, 0.05, U))
    daily = monthly[:, None] * (w / _WEEK_TOTAL)[None, :] * rng.lognormal(0, 0.08, (U, n_days))
    bands = _BAND_SHARES[None, :, :] * u.band_noise[units][:, None, :]  # (U, 4, B)
    bands /= bands.sum(2, keepdims=True)
    mu = daily[:, :, None] * bands[:, dtype, :]  # (U, D, B)
    N = rng.poisson(mu).astype(np.int64)

    # outcome probabilities per unit-month (small jitter), per band, mixed with out of hours
    base = np.stack([u.p_ans[units], u.p_ivr[units], u.p_cb[units], u.p_miss[units]], 1)
    base = base * rng.lognormal(0, 0.06, (U, 4))
    base[:, 2] = np.where(u.p_cb[units] > 0, base[:, 2], 0.0)
    base /= base.sum(1, keepdims=True)
    busy = np.ones((9, 4))
    busy[2] = [1.0, 1.0, 1.3, 1.35]
    busy[[3, 4, 5, 6]] = [1.0, 1.0, 0.95, 0.93]
    pb = base[:, None, :] * busy[None, :, :]  # (U, B, 4)
    pb[:, :, 0] = np.clip(1.0 - pb[:, :, 1:].sum(2), 0.05, None)
    pb /= pb.sum(2, keepdims=True)
    ooh = np.broadcast_to(_OOH_P, (U, 4)).copy()
    ooh[:, 2] = np.where(u.p_cb[units] > 0, ooh[:, 2], 0.0)
    ooh /= ooh.sum(1, keepdims=True)
    alpha = np.where(working[:, None], _OOH_ALPHA_WORKING[None, :], 1.0)  # (D, B)
    P = ((1 - alpha)[None, :, :, None] * pb[:, None, :, :]
         + alpha[None, :, :, None] * ooh[:, None, None, :])  # (U, D, B, 4)

    imb = u.imbalance[units]
    f = np.abs(imb)[:, None, None]
    deficit = np.where((imb < 0)[:, None, None], rng.binomial(N, np.broadcast_to(f, N.shape)), 0)
    out = _split(rng, N - deficit, P)
    A, IVR, CB, M = out[..., 0], out[..., 1], out[..., 2], out[..., 3]
    surplus = np.where((imb > 0)[:, None, None], rng.binomial(N, np.broadcast_to(f, N.shape)), 0)
    IVR = IVR + surplus
    made = u.cb_made_rate[units]
    K = np.where((made >= 1.0)[:, None, None], CB,
                 rng.binomial(CB, np.broadcast_to(made[:, None, None], CB.shape)))

    # answered wait buckets, per cell
    shift = (u.speed[units][:, None, None] + _BAND_WAIT_SHIFT[None, None, :]
             + np.where(dow == 0, 0.2, 0.0)[None, :, None])
    logits = _ANS_WAIT_BASE + shift[..., None] * _ANS_WAIT_K
    pw = np.exp(logits - logits.max(-1, keepdims=True))
    pw /= pw.sum(-1, keepdims=True)
    W = _split(rng, A, pw)
    DUR = _split(rng, A.sum(2), u.dur_p[units][:, None, :])
    MW = _split(rng, M.sum(2), u.miss_p[units][:, None, :])
    i32 = lambda a: a.astype(np.int32)  # noqa: E731
    return _Month(year=year, month=month, dates=dates, is_bh=is_bh, working=working,
                  units=units, lists=lists, N=i32(N), A=i32(A), IVR=i32(IVR), CB=i32(CB),
                  M=i32(M), K=i32(K), W=i32(W), DUR=i32(DUR), MW=i32(MW))


# --------------------------------------------------------------------------------------------
# Zipped CSV families
# --------------------------------------------------------------------------------------------


def _zipinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=_FIXED_STAMP.timetuple()[:6])
    zi.compress_type = zipfile.ZIP_DEFLATED
    try:
        zi.compress_level = 6  # Python >= 3.13
    except AttributeError:
        zi._compresslevel = 6  # Python 3.11 / 3.12
    zi.external_attr = 0o644 << 16
    return zi


def _region_groups(u: _Units, units: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(file suffix, positions into `units`) per region present, then Unmapped."""
    regs = u.reg_code[units]
    out = []
    for code, _name, _ons in _REGIONS:
        pos = np.flatnonzero(regs == code)
        if len(pos):
            out.append((code, pos))
    pos = np.flatnonzero(regs == UNMAPPED)
    out.append((UNMAPPED, pos))
    return out


_VALUE_CACHE: dict[int, pa.Array] = {}


def _value_strings(max_value: int) -> pa.Array:
    n = 1 << max(10, int(max_value).bit_length())
    if n not in _VALUE_CACHE:
        _VALUE_CACHE[n] = pa.array([f"{i}.0" for i in range(n)])
    return _VALUE_CACHE[n]


def _dict(indices: np.ndarray, dictionary) -> pa.DictionaryArray:
    if not isinstance(dictionary, pa.Array):
        dictionary = pa.array(list(dictionary), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary)


def _long_table(u: _Units, mo: _Month, pos: np.ndarray, vals: np.ndarray,
                extra: list[tuple[str, np.ndarray]]) -> tuple[pa.Table, int]:
    """vals has shape (Upos, D, *cats). `extra` names the trailing category axes with their
    label arrays (one entry per axis). Rows with value 0 are dropped."""
    nz = np.nonzero(vals)
    values = vals[nz]
    uu = nz[0]
    units = mo.units[pos]
    cols = {
        "Date": _dict(nz[1], [d.isoformat() for d in mo.dates]),
        "REGION_CODE": _dict(uu, u.reg_code[units].astype(str)),
        "ICB_CODE": _dict(uu, u.icb_code[units].astype(str)),
        "SUB_ICB_LOCATION_CODE": _dict(uu, u.sub_code[units].astype(str)),
        "PCN_CODE": _dict(uu, u.pcn_code[units].astype(str)),
        "PRACTICE_CODE": _dict(uu, u.code[units].astype(str)),
    }
    for (name, labels), idx in zip(extra, nz[2:]):
        if isinstance(labels, tuple) and labels and isinstance(labels[0], tuple):
            # combined axis: labels is a tuple of (col1 label, col2 label) pairs
            for j, cname in enumerate(name.split("|")):
                cols[cname] = _dict(idx, [lab[j] for lab in labels])
        else:
            cols[name] = _dict(idx, labels)
    vmax = int(values.max()) if len(values) else 0
    cols["Value"] = pa.DictionaryArray.from_arrays(pa.array(values.astype(np.int32)),
                                                   _value_strings(vmax))
    return pa.table(cols), len(values)


def _write_zip(path: Path, stem: str, header: str, tables) -> dict[str, int]:
    """tables: iterable of (suffix, callable -> (pa.Table, rows)). Streams into the zip."""
    opts = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)
    counts = {}
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        for suffix, make in tables:
            table, rows = make()
            with zf.open(_zipinfo(f"{stem}_{suffix}.csv"), "w") as fh:
                fh.write((header + "\n").encode())
                if rows:
                    pacsv.write_csv(table, fh, opts)
            counts[suffix] = rows
    tmp.replace(path)
    return counts


def _zip_by_day_and_time(path: Path, u: _Units, mo: _Month) -> dict[str, int]:
    stem = f"Synthetic CBT By Day and Time - {mo.name}"
    groups = _region_groups(u, mo.units)
    # (U, D, 7, B): CBT001..CBT007
    full = np.stack([mo.N, mo.IVR, mo.A, mo.M, mo.CB, mo.K, mo.A], axis=2)

    def maker(pos, bands):
        return lambda: _long_table(u, mo, pos, full[pos],
                                   [("Indicator", INDICATORS), ("Time_Category", bands)])

    tables = [(suffix, maker(pos, TIME_BANDS if i % 2 == 0 else TIME_BANDS_COMPACT))
              for i, (suffix, pos) in enumerate(groups)]
    return _write_zip(path, stem, _BDT_HEADER, tables)


_DUR_COMBOS = (
    [("CBT001", "TOTAL"), ("CBT002", "TOTAL"), ("CBT003", "TOTAL")]
    + [("CBT004", b) for b in MISSED_WAIT_BUCKETS]
    + [("CBT005", "TOTAL"), ("CBT006", "TOTAL")]
    + [("CBT007", b) for b in ANSWERED_DURATION_BUCKETS]
)


def _zip_by_durations(path: Path, u: _Units, mo: _Month) -> dict[str, int]:
    stem = f"Synthetic CBT By Durations - {mo.name}"
    groups = _region_groups(u, mo.units)
    full = np.concatenate([
        mo.N.sum(2)[..., None], mo.IVR.sum(2)[..., None], mo.A.sum(2)[..., None], mo.MW,
        mo.CB.sum(2)[..., None], mo.K.sum(2)[..., None], mo.DUR], axis=2)  # (U, D, 18)

    def maker(pos):
        return lambda: _long_table(u, mo, pos, full[pos],
                                   [("Indicator|Duration", tuple(_DUR_COMBOS))])

    return _write_zip(path, stem, _DUR_HEADER, [(s, maker(p)) for s, p in groups])


def _zip_calls_answered(path: Path, u: _Units, mo: _Month) -> dict[str, int]:
    stem = f"Synthetic CBT Calls Answered Metric - {mo.name}"
    groups = _region_groups(u, mo.units)
    onehot = np.eye(3, dtype=np.int32)[mo.core]  # (D, B, 3)
    full = np.einsum("udbw,dbc->udwc", mo.W, onehot)[:, :, None, :, :]  # (U, D, 1, 6, 3)

    def maker(pos):
        return lambda: _long_table(u, mo, pos, full[pos], [
            ("Indicator", ("CBT003",)), ("Wait_Time", ANSWERED_WAIT_BUCKETS),
            ("Core_Category", CORE_CATEGORIES)])

    return _write_zip(path, stem, _CAM_HEADER, [(s, maker(p)) for s, p in groups])


# --------------------------------------------------------------------------------------------
# Reference CSVs
# --------------------------------------------------------------------------------------------


def _write_pracpop(path: Path, g: _Geo, mo: _Month) -> None:
    extract = dt.date(mo.year, mo.month, 1).isoformat()
    order = sorted(range(len(g.p_code)), key=lambda i: g.p_code[i])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_PRACPOP_HEADER)
    for i in order:
        s = g.p_sub[i]
        w.writerow(("GP_PRAC_PAT_LIST", extract, "GP", g.sub_code[s], g.sub_ons[s], g.p_code[i],
                    g.p_postcode[i], "ALL", "ALL", int(mo.lists[i])))
    path.write_bytes(buf.getvalue().encode())


def _write_map(path: Path, g: _Geo, y: int, m: int) -> None:
    extract = dt.date(y, m, 1).isoformat()
    order = sorted(range(len(g.p_code)), key=lambda i: g.p_code[i])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_MAP_HEADER)
    for i in order:
        s = g.p_sub[i]
        icb = g.sub_icb[s]
        reg = _REGIONS[g.icb_region[icb]]
        pcn = g.p_pcn[i]
        pc, pn = (g.pcn_code[pcn], g.pcn_name[pcn]) if pcn >= 0 else ("U", "Unallocated")
        w.writerow(("GP_PRAC_PAT_LIST", extract, g.p_code[i], g.p_name[i], g.p_postcode[i], pc,
                    pn, g.sub_ons[s], g.sub_code[s], g.sub_name[s], g.icb_ons[icb],
                    g.icb_code[icb], g.icb_name[icb], reg[2], reg[0], reg[1],
                    g.p_supplier[i]))
    path.write_bytes(buf.getvalue().encode())


# --------------------------------------------------------------------------------------------
# Publication Summary workbook
# --------------------------------------------------------------------------------------------


@dataclass
class _Totals:
    """National figures for Table 1."""

    year: int
    month: int
    open_practices: int
    included_practices: int
    patients_open: int
    patients_included: int
    working_days: int
    inbound: int
    answered: int
    ivr: int
    cb_req: int
    cb_made: int
    missed: int
    wait: tuple[int, int, int, int]
    dur: tuple[int, int, int, int]


def _unit_month(u: _Units, mo: _Month) -> dict[str, np.ndarray]:
    """Per-unit monthly counts (arrays aligned with mo.units)."""
    s = lambda a: a.sum(axis=(1, 2)).astype(np.int64)  # noqa: E731
    wait6 = mo.W.sum(axis=(1, 2)).astype(np.int64)
    dur6 = mo.DUR.sum(axis=1).astype(np.int64)
    mw7 = mo.MW.sum(axis=1).astype(np.int64)
    band = lambda a, mapping: np.stack(  # noqa: E731
        [a[:, [j for j, b in enumerate(mapping) if b == k]].sum(1) for k in range(4)], 1)
    return dict(inbound=s(mo.N), answered=s(mo.A), ivr=s(mo.IVR), cb_req=s(mo.CB),
                missed=s(mo.M), cb_made=s(mo.K), wait=band(wait6, _ANS_TO_BAND),
                dur=band(dur6, _ANS_TO_BAND), mwait=band(mw7, _MISSED_TO_BAND))


def _totals(u: _Units, g: _Geo, mo: _Month, um: dict) -> _Totals:
    named = ~u.shared[mo.units]
    inc_practices = u.practice[mo.units][named]
    return _Totals(
        year=mo.year, month=mo.month, open_practices=len(g.p_code),
        included_practices=int(named.sum()), patients_open=int(mo.lists.sum()),
        patients_included=int(mo.lists[inc_practices].sum()),
        working_days=int(mo.working.sum()), inbound=int(um["inbound"].sum()),
        answered=int(um["answered"].sum()), ivr=int(um["ivr"].sum()),
        cb_req=int(um["cb_req"].sum()), cb_made=int(um["cb_made"].sum()),
        missed=int(um["missed"].sum()), wait=tuple(int(x) for x in um["wait"].sum(0)),
        dur=tuple(int(x) for x in um["dur"].sum(0)),
    )


def _pct(num, den, dp: int = 3):
    return round(float(num) / float(den), dp) if den else ""


_NOTE_GEOG = (
    "  2   Geographical information on PCN, Sub ICB, ICB and Region is correct at the time of "
    "publication, where possible when the account data can not be disaggregated and the GP "
    "Practice details have been classed as \"Unassigned\" if all practices are situated in the "
    "same geographies the data has been mapped to those geographies, where the account crosses "
    "boundaries these are set to \"Unmapped\""
)
_NOTE_1 = "  1   Data for months before this synthetic series are not available"
_NOTE_PCN = ("  3   Not all practices are members of a PCN. These cases are denoted by U or "
             "'Unallocated'.")
_NOTE_IVR = ("IVR (Interactive Voice Response) stage of the call before joining the queue, in "
             "response to an automated message or diversion")
_NOTE_VM = ("Voicemails are included in the missed calls, use of voicemails for prescription "
            "ordering service may impact missed call rates for these practices.  ")
_NOTE_4OUT = ("** There are four outcomes as a result of a call made to general practice (please "
              "note that the sum of the four outcomes may not equal the total inbound calls for "
              "some practices)")
_NOTE_ANS = (
    "  4   Answered Calls are collected by separate metrics which provide breakdowns by wait "
    "time and duration buckets, Answered calls uses the metric CBT007 (by duration). "
    "Historically, there have been occasions where CBT003 (by wait time) is not equal to "
    "CBT007. ")
_COPYRIGHT = "Copyright © 2026 NHS England "
_SYNTHETIC = ("SYNTHETIC SAMPLE DATA generated by the cbt-dashboard project (python -m telephony "
              "sample). Not real NHS England statistics.")
_GEO_HEADERS = ["Month [1]", "GP Practice \n(ODS_CODE)", "GP Name", "PCN Code", "PCN Name [2,3]",
                "Sub ICB Code [2]", "Sub ICB Name", "ICB Code  [2]", "ICB Name",
                "Region Code  [2]", "Region Name"]
_WAIT_LABELS = ["Less than 1 minute", "", "1 - 2 minutes", "", "2 - 5 minutes", "",
                "Longer than 5 minutes", ""]


class _Book:
    def __init__(self, path: Path):
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                                  "strings_to_numbers": False,
                                                  "strings_to_urls": False})
        self.wb.set_properties({"title": "Synthetic CBT Summary (synthetic)",
                                "author": "cbt-dashboard synthetic sample",
                                "created": _FIXED_STAMP})
        add = self.wb.add_format
        self.f_count = add({"num_format": '_-* #,##0_-;\\-* #,##0_-;_-* "-"??_-;_-@_-'})
        self.f_pct = add({"num_format": "0.0%"})
        self.f_rate = add({"num_format": "0.0"})
        self.f_date = add({"num_format": "mmm-yy"})
        self.f_day = add({"num_format": "dd/mm/yyyy"})
        self.f_bold = add({"bold": True})
        self.f_title = add({"bold": True, "font_size": 14})
        self.f_head = add({"bold": True, "text_wrap": True, "valign": "top"})

    def row(self, ws, r: int, values, fmts=None):
        for c, v in enumerate(values):
            if v is None or (isinstance(v, str) and v == ""):
                continue
            f = fmts[c] if fmts else None
            if isinstance(v, str):
                ws.write_string(r, c, v, f)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), f or self.f_day)
            else:
                ws.write_number(r, c, v, f)

    def close(self):
        self.wb.close()


def _fmts_for(book: _Book, values, pct_cols=()) -> list:
    out = []
    for c, v in enumerate(values):
        if isinstance(v, dt.date):
            out.append(book.f_date)
        elif c in pct_cols:
            out.append(book.f_pct)
        elif isinstance(v, (int, float)):
            out.append(book.f_count)
        else:
            out.append(None)
    return out


def _title_sheet(book: _Book, first: tuple[int, int], mo: _Month, seed: int, scale: str):
    ws = book.wb.add_worksheet("Title sheet")
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 120)
    pub = dt.date(*_add_months(mo.year, mo.month, 1), 1) + dt.timedelta(days=25)
    lines = [
        "_", "Cloud Based Telephony data in General Practice", "_",
        "Official Statistics in Development", "",
        f"{_month_name(*first)} to {mo.name}",
        f"Publication date: {pub.day} {calendar.month_name[pub.month]} {pub.year}",
        _SYNTHETIC, f"Seed {seed}, scale '{scale}'.", "Introduction",
        ("This synthetic workbook mimics the layout of the monthly publication on the number of "
         "cloud based telephony calls received by general practices. All practices, networks, "
         "boards, codes and counts are invented."),
        "", "Contents",
        ("To access data tables, select the table headings or tabs\nTo return to contents click "
         "'Return to contents' link at the top of each page"), "",
        "Table 1: Summary of Cloud based telephony calls by month, England",
        f"Table 2: Inbound Calls by day and time of day, {mo.name}",
        f"Table 3: Summary of Cloud based telephony call outcomes, by practice, England, {mo.name}",
        ("Table 4: Summary of Answered Calls, the time it took to answer and the duration of the "
         f"call by practice, England, {mo.name}"),
        f"Table 5: Summary of Missed Calls, the time spent waiting by practice, England, {mo.name}",
    ]
    for r, text in enumerate(lines):
        if text:
            ws.write_string(r, 0, text, book.f_title if r in (1, 3) else None)


def _dq_sheet(book: _Book):
    ws = book.wb.add_worksheet("Data Quality")
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 120)
    lines = [
        "_", "Data Quality", "", "Data Quality",
        ("Synthetic data. The generator reproduces the known data quality issues of the real "
         "collection so that tools built on it meet them."), "",
        "Data Suppression",
        ("Where an account contains multiple GP Practice codes and the data cannot be "
         "disaggregated to each GP practice, all GP Practice codes for that account are classed "
         "as \"Unassigned\". Where the account crosses boundaries the geography is set to "
         "\"Unmapped\"."), "", "Data Coverage", "",
        ("Practice coverage: only practices whose supplier submits data are included; some "
         "practices join during the series."), "",
        ("Data quality: all Inbound Calls (CBT001) should be accounted for in the call outcomes "
         "(CBT002, CBT003/CBT007, CBT004, CBT005). There are practices where this is not the "
         "case. Some practices have 0 callbacks requested because they do not use the "
         "callback functionality. Some calls appear in the wrong time buckets."),
    ]
    for r, text in enumerate(lines):
        if text:
            ws.write_string(r, 0, text, book.f_title if r in (1, 3) else None)


def _table1(book: _Book, hist: list[_Totals], edition: str):
    ws = book.wb.add_worksheet("Table 1")
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 70)
    ws.set_column(2, 2 + len(hist), 13)
    cols = list(reversed(hist))  # newest first
    R = book.row
    R(ws, 0, ["Return to Contents"])
    R(ws, 2, ["Table 1: Summary of Cloud based telephony calls by month, England", "", "",
              "\xa0"], [book.f_title, None, None, None])
    header = ["", ""]
    for k, t in enumerate(cols):
        end = dt.date(t.year, t.month, calendar.monthrange(t.year, t.month)[1])
        if edition == "B" and k == 1:
            header.append(f"{_MONTH_ABBR[t.month]}-{t.year % 100:02d} [5]")  # revised month
        else:
            header.append(end)
    R(ws, 3, header, [None, None] + [book.f_date] * len(cols))

    def line(r, a, b, vals, fmt):
        R(ws, r, [a, b] + list(vals), [None, None] + [fmt] * len(vals))

    C, P, RT = book.f_count, book.f_pct, book.f_rate
    line(5, "Coverage", "Open active practices", [t.open_practices for t in cols], C)
    line(6, "", "Count of practices included", [t.included_practices for t in cols], C)
    line(7, "", "Practice coverage [1]",
         [_pct(t.included_practices, t.open_practices) for t in cols], P)
    line(8, "", "Registered patients at open active practices",
         [t.patients_open for t in cols], C)
    line(9, "", "Registered patients at included practices [2]",
         [t.patients_included for t in cols], C)
    line(10, "", "Patient coverage", [_pct(t.patients_included, t.patients_open) for t in cols],
         P)
    line(12, "Working Days", "Number of working weekdays", [t.working_days for t in cols], C)
    line(14, "Inbound calls", "Total Inbound Calls ", [t.inbound for t in cols], C)
    line(15, "", "Rate of inbound calls per 1,000 patients registered at practices included",
         [round(t.inbound / t.patients_included * 1000, 1) if t.patients_included else ""
          for t in cols], RT)
    line(17, "Calls dealt with", "Calls answered [3]", [t.answered for t in cols], C)
    line(18, "", "Calls ended during the IVR (Interactive Voice Response) stage of the call before "
         "joining the queue, in response to an automated message or diversion [3]",
         [t.ivr for t in cols], C)
    line(19, "", "Calls resulting in a call back request [3]", [t.cb_req for t in cols], C)
    line(21, "", "Percentage of Inbound calls answered",
         [_pct(t.answered, t.inbound) for t in cols], P)
    line(22, "", "Percentage of Inbound calls ended during the IVR stage of the call before "
         "joining the queue, in response to an automated message or diversion",
         [_pct(t.ivr, t.inbound) for t in cols], P)
    line(23, "", "Percentage of Inbound calls resulting in a call back request",
         [_pct(t.cb_req, t.inbound) for t in cols], P)
    line(25, "", "Call backs made", [t.cb_made for t in cols], C)
    line(26, "", "Percentage of call backs made of those requested",
         [_pct(t.cb_made, t.cb_req) for t in cols], P)
    line(28, "Calls not dealt with ", "Missed calls [3, 5]" if edition == "A" else
         "Missed calls [3]", [t.missed for t in cols], C)
    line(29, "", "Percentage of inbound calls missed", [_pct(t.missed, t.inbound) for t in cols],
         P)
    wl = ["Calls answered within 1 minute", "Calls answered within 1 to 2 minutes",
          "Calls answered within 2 to 5 minutes", "Calls answered after waiting over 5 minutes"]
    # rows must be written in ascending order (constant_memory mode)
    for k in range(4):
        line(31 + k, "Call wait times [4]" if k == 0 else "", wl[k], [t.wait[k] for t in cols], C)
    for k in range(4):
        line(36 + k, "", "Percentage of c" + wl[k][1:],
             [_pct(t.wait[k], t.answered) for t in cols], P)
    dl = ["Duration of 1 minute or less", "Duration of 1 to 2 minutes",
          "Duration of 2 to 5 minutes", "Duration of over 5 minutes"]
    for k in range(4):
        line(41 + k, "Call durations" if k == 0 else "", dl[k], [t.dur[k] for t in cols], C)
    pl = ["Percentage of calls with a duration of 1 minute or less",
          "Percentage of calls with a duration of 1 to 2 minutes",
          "Percentage of calls with a duration of 2 to 5 minutes",
          "Percentage of calls with a duration of over 5 minutes"]
    # Real quirk: the duration percentages (rows 46-49, in the order <=1, 1-2, 2-5, >5 minutes)
    # are printed against the wrong labels: rotated by one (January 2026 edition, "A") or
    # shifted one row down with the first label left over on row 50 (December 2025, "B").
    for k in range(4):
        vals = [_pct(t.dur[k], t.answered) for t in cols]
        label = pl[(k + 1) % 4] if edition == "A" else ("" if k == 0 else pl[k])
        line(46 + k, "", label, vals, P)
    if edition == "B":
        R(ws, 50, ["", pl[0], "", "\xa0"])
    else:
        R(ws, 50, ["", "", "", "\xa0"])
    R(ws, 52, ["Notes"], [book.f_bold])
    notes = [
        "1 - The practice coverage changes as practices and suppliers join the collection.",
        "2 - Registered patients are taken from the list dated the 1st of each month.",
        "3 - Please see the supporting information for the full definition of the call outcomes "
        "and call flow diagram. ",
        "4 - The sum of the call wait times for answered calls may not equal to the total "
        "answered calls. For more information please refer to the data quality notes",
        ("5 - " + _NOTE_VM) if edition == "A" else
        ("5 - The number of open and active practices has changed, therefore the previous "
         "month's data has been revised in this table (historical publications have not been "
         "revised)."),
    ]
    for k, n in enumerate(notes):
        R(ws, 54 + k, [n])
    R(ws, 60, [_NOTE_4OUT])
    R(ws, 62, ["Copyright © 2026 NHS England"])


def _table2(book: _Book, mo: _Month, daily: np.ndarray, n_unit_rows: int):
    ws = book.wb.add_worksheet("Table 2")
    ws.hide_gridlines(2)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 16)
    ws.set_column(4, 12, 13)
    R = book.row
    R(ws, 0, ["Return to Contents"])
    R(ws, 2, [f"Table 2: Inbound Calls by day and time of day, {mo.name}"], [book.f_title])
    R(ws, 4, ["", "Date", "Total Count of Inbound Calls", ""] + list(TIME_BANDS),
      [book.f_head] * 13)
    for i, d in enumerate(mo.dates):
        vals = [calendar.day_name[d.weekday()], d, int(daily[i].sum()), ""] + [
            int(x) for x in daily[i]]
        R(ws, 6 + i, vals, [None, book.f_day] + [book.f_count] * 11)
    n = len(mo.dates)
    R(ws, 6 + n + 1, [_COPYRIGHT])
    # Real quirk: a stray source line and notes block far below the table.
    r0 = max(6 + n + 12, n_unit_rows - 7)
    R(ws, r0, ["Source: NHS England"])
    R(ws, r0 + 2, ["Notes:", "  1   Data for previous months is available in the accompanying "
                             "csv file"])
    R(ws, r0 + 3, ["", "  2   Geographical information on PCN, Sub ICB, ICB and Region is "
                       "correct at the time of publication "])
    R(ws, r0 + 4, ["", _NOTE_PCN])


def _geo_cells(u: _Units, i: int, month_date: dt.date) -> list:
    return [month_date, u.code[i], u.gp_name[i], u.pcn_code[i], u.pcn_name[i], u.sub_code[i],
            u.sub_name[i], u.icb_code[i], u.icb_name[i], u.reg_code[i], u.reg_name[i]]


def _practice_sheet_layout(ws) -> None:
    """Column widths and gridlines shared by Tables 3-5."""
    ws.hide_gridlines(2)
    for col, width in ((0, 12), (2, 40), (4, 28), (6, 40), (8, 50), (10, 20)):
        ws.set_column(col, col, width)


def _table3(book: _Book, u: _Units, mo: _Month, um: dict, prev: _Totals | None,
            tot: _Totals, edition: str):
    ws = book.wb.add_worksheet("Table 3")
    _practice_sheet_layout(ws)
    ws.freeze_panes(11, 0)
    R = book.row
    pct_cols = {14, 16, 18, 21, 24}
    # Real quirk: a stale totals row (previous edition's figures) above the table.
    st = prev or tot
    stale = [""] * 11 + [st.inbound, "", st.answered, _pct(st.answered, st.inbound), st.ivr,
                         _pct(st.ivr, st.inbound), st.cb_req, _pct(st.cb_req, st.inbound), "",
                         st.missed, _pct(st.missed, st.inbound), "", st.cb_made,
                         _pct(st.cb_made, st.cb_req)]
    R(ws, 0, stale, _fmts_for(book, stale, pct_cols))
    R(ws, 3, [""] * 11 + [12, "", 13, "", 14, "", 15, "", "", 16, "", "", 17, ""])
    R(ws, 4, ["Return to Contents"] + [""] * 10 + [3, "", 5, 6, 7, 8, 9, 10, "", 12, 13, "", 15,
                                                   16])
    R(ws, 6, [f"Table 3: Summary of Cloud based telephony call outcomes, by practice, England, "
              f"{mo.name}"], [book.f_title])
    R(ws, 8, [""] * 13 + ["Count of Inbound Call Outcome"], [book.f_bold] * 14)
    ivr_h = "Ended during the IVR Stage [4]" if edition == "A" else "Ended during the IVR Stage [5]"
    miss_h = "Missed" if edition == "A" else "Missed [4]"
    R(ws, 9, _GEO_HEADERS + ["Count of Inbound calls", "", "Answered", "", ivr_h, "",
                             "Call back requested", "", "", miss_h, "", "", "Call back made", ""],
      [book.f_head] * 25)
    R(ws, 10, [""] * 11 + ["Total", "", "Total", "%", "Total", "%", "Total", "%", "", "Total",
                           "%", "", "Total", "% of requested"], [book.f_bold] * 25)
    total = ["Total"] + [""] * 10 + [tot.inbound, "", tot.answered,
                                     _pct(tot.answered, tot.inbound), tot.ivr,
                                     _pct(tot.ivr, tot.inbound), tot.cb_req,
                                     _pct(tot.cb_req, tot.inbound), "", tot.missed,
                                     _pct(tot.missed, tot.inbound), "", tot.cb_made,
                                     _pct(tot.cb_made, tot.cb_req, 4)]
    R(ws, 12, total, _fmts_for(book, total, pct_cols))
    month_date = dt.date(mo.year, mo.month, 1)
    fm = None
    for k, i in enumerate(mo.units):
        n = int(um["inbound"][k])
        a, iv, cr = int(um["answered"][k]), int(um["ivr"][k]), int(um["cb_req"][k])
        m, cm = int(um["missed"][k]), int(um["cb_made"][k])
        cb_cells = [cr, _pct(cr, n), "", m, _pct(m, n), "", cm, _pct(cm, cr, 4)]
        if u.blank_cb[i] and cr == 0 and cm == 0:
            cb_cells = ["", "", "", m, _pct(m, n), "", "", ""]
        vals = _geo_cells(u, i, month_date) + [n, "", a, _pct(a, n), iv, _pct(iv, n)] + cb_cells
        if fm is None:
            fm = _fmts_for(book, [month_date] + [""] * 10 + [0] * 14, pct_cols)
        R(ws, 14 + k, vals, fm)
    r = 14 + len(mo.units) + 4
    notes = [["Notes:", _NOTE_1], ["", _NOTE_GEOG], ["", _NOTE_PCN]]
    if edition == "A":
        notes += [["", "  4   " + _NOTE_IVR], ["", "  5   " + _NOTE_VM]]
    else:
        notes += [["", "  4   " + _NOTE_VM], ["", "  5   " + _NOTE_IVR]]
    notes.append(["", _NOTE_4OUT])
    for k, n in enumerate(notes):
        R(ws, r + k, n)
    R(ws, r + len(notes) + 1, [_COPYRIGHT])


def _band_cells(counts, denom) -> list:
    out = []
    for c in counts:
        out += [int(c), _pct(c, denom)]
    return out


def _table4(book: _Book, u: _Units, mo: _Month, um: dict, tot: _Totals, edition: str):
    ws = book.wb.add_worksheet("Table 4")
    _practice_sheet_layout(ws)
    ws.freeze_panes(7, 0)
    R = book.row
    pct_cols = {13, 16, 18, 20, 22, 25, 27, 29, 31}
    R(ws, 0, ["Return to Contents"])
    R(ws, 2, ["Table 4: Summary of Answered Calls, the time it took to answer and the duration of "
              f"the call by practice, England, {mo.name}"], [book.f_title])
    if edition == "A":
        g1, g2, ans_h = "Answered Calls - Wait time ", "Answered Calls - Duration ", "Answered  [4]"
    else:
        g1, g2, ans_h = "Answered Calls - Wait time [4]", "Answered Calls - Duration", "Answered"
    R(ws, 4, [""] * 15 + [g1] + [""] * 8 + [g2], [book.f_bold] * 25)
    R(ws, 5, _GEO_HEADERS + ["Total Inbound calls", ans_h, "", ""] + _WAIT_LABELS + [""]
      + _WAIT_LABELS, [book.f_head] * 32)
    R(ws, 6, [""] * 11 + ["Count", "Count", "%", ""] + ["Count", "%"] * 4 + [""]
      + ["Count", "%"] * 4, [book.f_bold] * 32)
    total = (["Total", "National"] + [""] * 9
             + [tot.inbound, tot.answered, _pct(tot.answered, tot.inbound), ""]
             + _band_cells(tot.wait, tot.answered) + [""] + _band_cells(tot.dur, tot.answered))
    R(ws, 7, total, _fmts_for(book, total, pct_cols))
    month_date = dt.date(mo.year, mo.month, 1)
    fm = _fmts_for(book, [month_date] + [""] * 10 + [0] * 21, pct_cols)
    for k, i in enumerate(mo.units):
        n, a = int(um["inbound"][k]), int(um["answered"][k])
        vals = (_geo_cells(u, i, month_date) + [n, a, _pct(a, n), ""]
                + _band_cells(um["wait"][k], a) + [""] + _band_cells(um["dur"][k], a))
        R(ws, 9 + k, vals, fm)
    r = 9 + len(mo.units) + 4
    notes = [["Notes:", _NOTE_1], ["", _NOTE_GEOG], ["", _NOTE_PCN], ["", _NOTE_ANS]]
    for k, n in enumerate(notes):
        R(ws, r + k, n)
    R(ws, r + len(notes) + 3, [_COPYRIGHT])


def _table5(book: _Book, u: _Units, mo: _Month, um: dict, tot: _Totals, edition: str,
            missed_wait_total):
    ws = book.wb.add_worksheet("Table 5")
    _practice_sheet_layout(ws)
    ws.freeze_panes(11, 0)
    R = book.row
    pct_cols = {13, 16, 18, 20, 22}
    R(ws, 0, [""] * 11 + [3, 7, "", "", 9, "", 10, "", 11])
    R(ws, 4, ["Return to Contents"])
    if edition == "A":
        title = "the time spent waiting by practice"
        g1, miss_h = "Missed Calls - Wait time [4]", "Missed [4]"
    else:
        title = "the time it took to answer and the duration of the call by practice"
        g1, miss_h = "Missed Calls - Wait time", "Missed"
    R(ws, 6, [f"Table 5: Summary of Missed Calls, {title}, England, {mo.name}"], [book.f_title])
    R(ws, 8, [""] * 15 + [g1], [book.f_bold] * 16)
    R(ws, 9, _GEO_HEADERS + ["Total Inbound calls", miss_h, "", ""] + _WAIT_LABELS,
      [book.f_head] * 23)
    R(ws, 10, [""] * 11 + ["Count", "Count", "%", ""] + ["Count", "%"] * 4, [book.f_bold] * 23)
    total = (["Total", "National"] + [""] * 9
             + [tot.inbound, tot.missed, _pct(tot.missed, tot.inbound), ""]
             + _band_cells(missed_wait_total, tot.missed))
    R(ws, 11, total, _fmts_for(book, total, pct_cols))
    month_date = dt.date(mo.year, mo.month, 1)
    fm = _fmts_for(book, [month_date] + [""] * 10 + [0] * 12, pct_cols)
    for k, i in enumerate(mo.units):
        n, m = int(um["inbound"][k]), int(um["missed"][k])
        vals = (_geo_cells(u, i, month_date) + [n, m, _pct(m, n), ""]
                + _band_cells(um["mwait"][k], m))
        R(ws, 13 + k, vals, fm)
    r = 13 + len(mo.units) + 4
    notes = [["Notes:", _NOTE_1], ["", _NOTE_GEOG], ["", _NOTE_PCN]]
    if edition == "A":
        notes.append(["", "  4   " + _NOTE_VM])
    for k, n in enumerate(notes):
        R(ws, r + k, n)
    R(ws, r + len(notes) + 3, [_COPYRIGHT])


def _write_workbook(path: Path, u: _Units, mo: _Month, um: dict, hist: list[_Totals],
                    first: tuple[int, int], edition: str, seed: int, scale: str) -> None:
    tmp = path.with_name(path.name + ".part")
    book = _Book(tmp)
    tot = hist[-1]
    prev = hist[-2] if len(hist) > 1 else None
    _title_sheet(book, first, mo, seed, scale)
    _dq_sheet(book)
    _table1(book, hist, edition)
    _table2(book, mo, mo.N.sum(axis=0), len(mo.units))
    _table3(book, u, mo, um, prev, tot, edition)
    _table4(book, u, mo, um, tot, edition)
    _table5(book, u, mo, um, tot, edition, um["mwait"].sum(0))
    book.close()
    tmp.replace(path)


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------

# A line ending in a backslash runs on, so README.txt (and the bundled data/sample) keeps its text.
_README = """SYNTHETIC SAMPLE DATA - NOT REAL NHS DATA

These files were generated by `python -m telephony sample` (samplegen/published.py in the
cbt-dashboard project) with seed {seed} and scale '{scale}', for {months} month(s) ending
{last}. They copy the layouts of NHS England's "Cloud Based Telephony Data in General Practice"
publication and the "Patients Registered at a GP Practice" lists, but every practice, PCN,
sub-ICB and ICB code and name, every postcode and every count is invented. Region codes and
names are the real NHS England regions.

Files per month: the Publication Summary workbook (.xlsx), the three practice-level CSV zips
(By Day and Time, By Durations, Calls Answered Metric) and the list sizes (the layout of
PracPop<Mon><YY>.csv). Once: the practice map (the layout of gp-reg-pat-prac-map.csv). Every
file name starts with "Synthetic" so it cannot be mistaken for a real download. All files are \
generated from one underlying set of calls, so their
totals agree exactly. Known quirks of the real data are reproduced on purpose (shared
accounts published as practice 'Unassigned' with 'Unmapped' geography, a practice in no PCN,
practices whose outcomes do not sum to inbound calls, practices that never request callbacks,
header and time-band spellings that vary).

Do not use these numbers for anything but testing and demonstration.
"""


def write_sample(out_dir: Path, seed: int = 0, scale: str = "pcn", months: int = 6,
                 last_month: str = "2026-08") -> list[Path]:
    """Write synthetic files for `months` consecutive months ending at last_month; return paths
    written.

    Per month: the Publication Summary workbook, the By Day and Time, By Durations and Calls
    Answered Metric zips and the list sizes (in that order); then, once, the practice map
    (dated last_month) and README.txt. Names start with "Synthetic" (see the module docstring).
    `scale` is one of SCALES.
    Output is byte-identical for the same arguments.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    months = int(months)
    if not 1 <= months <= 24:
        raise ValueError("months must be between 1 and 24")
    seed = int(seed)
    ly, lm = _parse_month(last_month)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    g = _build_geo(seed, scale)
    u = _build_units(g, seed, scale)
    month_list = [_add_months(ly, lm, k - months + 1) for k in range(months)]
    written: list[Path] = []
    hist: list[_Totals] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for k, (y, m) in enumerate(month_list):
            mo = _month_truth(u, g, seed, scale, y, m)
            um = _unit_month(u, mo)
            hist.append(_totals(u, g, mo, um))
            edition = "A" if (months - 1 - k) % 2 == 0 else "B"
            name = mo.name
            paths = {
                "wb": out_dir / f"Synthetic CBT Summary {name}.xlsx",
                "bdt": out_dir / f"Synthetic CBT By Day and Time - {name}.zip",
                "dur": out_dir / f"Synthetic CBT By Durations - {name}.zip",
                "cam": out_dir / f"Synthetic CBT Calls Answered Metric - {name}.zip",
                "pop": out_dir / f"Synthetic list sizes {_MONTH_ABBR[m]}{y % 100:02d}.csv",
            }
            futures = [
                pool.submit(_zip_by_day_and_time, paths["bdt"], u, mo),
                pool.submit(_zip_by_durations, paths["dur"], u, mo),
                pool.submit(_zip_calls_answered, paths["cam"], u, mo),
            ]
            _write_workbook(paths["wb"], u, mo, um, list(hist), month_list[0], edition, seed,
                            scale)
            _write_pracpop(paths["pop"], g, mo)
            for f in futures:
                f.result()
            written += [paths["wb"], paths["bdt"], paths["dur"], paths["cam"], paths["pop"]]
    map_path = out_dir / "Synthetic practice map.csv"
    _write_map(map_path, g, ly, lm)
    readme = out_dir / "README.txt"
    readme.write_text(_README.format(seed=seed, scale=scale, months=months,
                                     last=_month_name(ly, lm)), encoding="utf-8")
    written += [map_path, readme]
    return written
