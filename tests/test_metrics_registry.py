"""Spec tests of every measure in the registry (telephony/metrics.py), run against DuckDB directly.

Each case is a few literal rows put straight into a fresh store's tables (units, workbook_month,
list_sizes), the registry's SQL is asked for one area, and the answer is compared with a value
worked out by hand from those rows. Cases are expected, edge or erroneous inputs. The cases are
keyed by measure id and the tests are parametrized over the registry: a measure added without a
spec case fails `test_measure`.

The last tests check the one definition where it shows: on the real workbooks (NHS England's own
printed percentages, and one PCN whose Waits and Overview figures used to differ) and in the app
(the Waits page and the Overview show the same "answered within 2 minutes").
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, replace

import pytest

from tests.app_support import sidebar_widget

from telephony import metrics, model
from telephony.metrics import MEASURES, Measure
from telephony.store import Store
from tests.conftest import DEC_WORKBOOK, JAN_WORKBOOK

DEC, JAN = dt.date(2025, 12, 1), dt.date(2026, 1, 1)
PCN, OTHER_PCN, ICB = "U00001", "U00002", "QAA"

# unit_id -> (practice, PCN, sub-ICB, ICB, region). S is a shared account published under the PCN;
# SU one whose practices span PCNs (PCN 'Unmapped', so it counts in the ICB but not in a PCN).
UNITS = {
    "A": (1, "P00001", PCN, "00A", ICB, "Y61"),
    "B": (2, "P00002", PCN, "00A", ICB, "Y61"),
    "S": (3, "Unassigned", PCN, "00A", ICB, "Y61"),
    "X": (4, "P00003", OTHER_PCN, "00A", ICB, "Y61"),
    "SU": (5, "Unassigned", "Unmapped", "00A", ICB, "Y61"),
}


@dataclass(frozen=True)
class Row:
    """One unit-month of workbook_month. Bands are (0-60, 61-120, 121-300, >300 s); None = not published."""
    unit: str
    inbound: int | None
    answered: int | None
    ivr: int | None
    callback_requested: int | None
    callback_made: int | None
    missed: int | None
    waits: tuple | None = None
    durations: tuple | None = None
    missed_waits: tuple | None = None
    month: dt.date = JAN


@dataclass(frozen=True)
class Case:
    name: str
    kind: str                       # expected | edge | erroneous
    rows: tuple[Row, ...]
    want: float | None              # None: the measure must be NULL
    lists: tuple[tuple[str, dt.date, int], ...] = ()   # (practice, extract date, patients)
    level: str = "pcn"
    code: str = PCN
    start: dt.date = JAN
    end: dt.date = JAN
    per_month: bool = False


# Two practices in the PCN, by hand:
#   A inbound 1000 = answered 600 + IVR 250 + callback requested 50 + missed 100; callbacks made 48
#   B inbound  500 = answered 300 + IVR 100 + callback requested  0 + missed 100; callbacks made 0
#   answered waits A (300, 100, 120, 80) + B (100, 100, 50, 50) = (400, 200, 170, 130), total 900
#   durations      A (100, 200, 250, 50) + B ( 50, 100, 100, 50) = (150, 300, 350, 100), total 900
#   missed waits   A ( 50,  20,  20, 10) + B ( 40,  30,  20, 10) = ( 90,  50,  40,  20), total 200
A = Row("A", 1000, 600, 250, 50, 48, 100, (300, 100, 120, 80), (100, 200, 250, 50), (50, 20, 20, 10))
B = Row("B", 500, 300, 100, 0, 0, 100, (100, 100, 50, 50), (50, 100, 100, 50), (40, 30, 20, 10))
TYPICAL = (A, B)
NO_BANDS = (replace(A, waits=None, durations=None, missed_waits=None),
            replace(B, waits=None, durations=None, missed_waits=None))
ZERO = (Row("A", 0, 0, 0, 0, 0, 0, (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)),)
SHARED = Row("S", 200, 100, 50, 20, 20, 30, (50, 20, 20, 10), (20, 40, 30, 10), (10, 10, 5, 5))
LISTS = (("P00001", JAN, 9000), ("P00002", JAN, 6000))


def _case(name, want, rows=TYPICAL, kind="expected", **kw) -> Case:
    return Case(name, kind, tuple(rows), want, **kw)


def _zero_inbound(kind="edge") -> Case:
    return _case("zero-inbound", None, ZERO, kind)


def _count_cases(col: str, typical: int, zero_ok: bool = True) -> list[Case]:
    # The typical pair; a shared account under the PCN adds its calls; another PCN's practice does not.
    shared_value = {"inbound": 200, "answered": 100, "ended_in_ivr": 50, "callback_requested": 20,
                    "callback_made": 20, "missed": 30}[col]
    a_value = {"inbound": 1000, "answered": 600, "ended_in_ivr": 250, "callback_requested": 50,
               "callback_made": 48, "missed": 100}[col]   # X is a copy of A in the other PCN
    return [
        _case("typical", typical),
        _case("shared-account-under-the-pcn-counts", typical + shared_value, (*TYPICAL, SHARED)),
        _case("other-pcn-and-unmapped-shared-account-excluded", typical,
              (*TYPICAL, replace(A, unit="X"), replace(SHARED, unit="SU")), "edge"),
        _case("unmapped-shared-account-counts-in-its-icb", typical + a_value + shared_value,
              (*TYPICAL, replace(A, unit="X"), replace(SHARED, unit="SU")), "edge", level="icb", code=ICB),
        _case("two-months-summed-over-the-period", 2 * typical,
              (*TYPICAL, replace(A, month=DEC), replace(B, month=DEC)), start=DEC, end=JAN),
        _case("month-outside-the-period-ignored", typical, (*TYPICAL, replace(A, month=DEC)), "edge"),
        _case("zero", 0, ZERO, "edge"),
    ]


def _share_of_inbound(col_typical: int, col: str) -> list[Case]:
    shared_value = {"answered": 100, "ended_in_ivr": 50, "callback_requested": 20, "missed": 30}[col]
    return [
        _case("typical", col_typical / 1500),
        _case("with-shared-account", (col_typical + shared_value) / 1700, (*TYPICAL, SHARED)),
        _zero_inbound(),
        # an unbalanced practice: shares stay of inbound, never of the outcomes' sum
        _case("outcomes-exceed-inbound", (col_typical + (30 if col == "missed" else 0)) / 1500,
              (replace(A, missed=130), B), "erroneous"),
    ]


def _band_cases(prefix: str, i: int) -> list[Case]:
    field_name = {"answered_wait": "waits", "answered_duration": "durations", "missed_wait": "missed_waits"}[prefix]
    totals = {"answered_wait": ((400, 200, 170, 130), 900), "answered_duration": ((150, 300, 350, 100), 900),
              "missed_wait": ((90, 50, 40, 20), 200)}[prefix]
    only_a = {"waits": (300, 100, 120, 80), "durations": (100, 200, 250, 50), "missed_waits": (50, 20, 20, 10)}
    a_total = sum(only_a[field_name])
    # A publishes this family's bands with band i blank (NULL): blank beside published bands is none,
    # and a neighbouring band's share is of the published bands' total.
    blank = list(only_a[field_name])
    blank[i] = None
    blank_rows = (replace(A, **{field_name: tuple(blank)}),)
    j = (i + 1) % 4
    return [
        _case("typical", totals[0][i] / totals[1]),
        _case("practice-without-bands-left-out-of-the-denominator", only_a[field_name][i] / a_total,
              (A, replace(B, **{field_name: None})), "edge"),
        _case("no-bands-published", None, NO_BANDS, "edge"),
        _case("this-band-blank-beside-published-ones-is-none", 0.0, blank_rows, "edge"),
        _case("other-band-blank-leaves-the-published-total", only_a[field_name][i] / (a_total - only_a[field_name][j]),
              (replace(A, **{field_name: tuple(None if k == j else v for k, v in enumerate(only_a[field_name]))}),),
              "edge"),
        _case("all-bands-zero", None, ZERO, "edge"),
    ]


SPEC: dict[str, list[Case]] = {
    "inbound": _count_cases("inbound", 1500),
    "answered": _count_cases("answered", 900),
    "ended_in_ivr": _count_cases("ended_in_ivr", 350),
    "callback_requested": _count_cases("callback_requested", 50),
    "missed": _count_cases("missed", 200),
    "callback_made": [
        *_count_cases("callback_made", 48),
        _case("more-made-than-requested-kept-as-published", 60, (replace(A, callback_made=60), B), "erroneous"),
    ],
    "shared_account_inbound": [
        _case("typical-none", 0, TYPICAL),
        _case("shared-account-under-the-pcn", 200, (*TYPICAL, SHARED)),
        _case("shared-account-only", 200, (SHARED,), "edge"),
        _case("unmapped-pcn-not-in-the-pcn", 0, (*TYPICAL, replace(SHARED, unit="SU")), "edge"),
        _case("unmapped-pcn-counts-in-its-icb", 200, (*TYPICAL, replace(SHARED, unit="SU")), "edge",
              level="icb", code=ICB),
    ],
    "answered_within_2min": [
        _case("typical", 400 + 200),
        _case("practice-without-waits-adds-nothing", 300 + 100, (A, replace(B, waits=None)), "edge"),
        _case("no-waits-published", None, NO_BANDS, "edge"),
        _case("blank-1-2-minute-band-is-none", 300, (replace(A, waits=(300, None, 120, 80)),), "edge"),
    ],
    "balance_gap": [
        _case("typical-balances", 0),
        _case("calls-outside-the-call-flow", 40, (replace(A, missed=60), B), "erroneous"),
        _case("calls-counted-twice", -30, (replace(A, missed=130), B), "erroneous"),
        _case("gaps-cancel", 0, (replace(A, missed=60), replace(B, missed=140)), "edge"),
        _case("zero-inbound", 0, ZERO, "edge"),
    ],
    "answered_share": _share_of_inbound(900, "answered"),
    "ivr_share": _share_of_inbound(350, "ended_in_ivr"),
    "callback_requested_share": _share_of_inbound(50, "callback_requested"),
    "missed_share": _share_of_inbound(200, "missed"),
    "callback_made_ratio": [
        _case("typical", 48 / 50),
        _case("none-requested-is-not-used", None, (replace(A, callback_requested=0, callback_made=0, ivr=300), B),
              "edge"),
        _case("more-made-than-requested", 60 / 50, (replace(A, callback_made=60), B), "erroneous"),
        _case("made-without-any-requested", None, (replace(A, callback_requested=0, callback_made=5, ivr=300),),
              "erroneous"),
    ],
    "answered_within_2min_share": [
        _case("typical", 600 / 900),
        # the unit-month without wait bands is left out of the denominator, not counted as slow
        _case("practice-without-waits-excluded", 400 / 600, (A, replace(B, waits=None)), "edge"),
        # NHS England's Table 4 percentages are of the bands' own total (CBT003 by wait), which can
        # fall short of answered (CBT007): 570 here, not 600
        _case("bands-short-of-answered", 400 / 570, (replace(A, waits=(300, 100, 120, 50)),), "erroneous"),
        # as practice M92022 in the real January 2026 workbook: three bands sum to answered, one blank
        _case("blank-band-is-none", (1328 + 85) / 1437,
              (Row("A", 3106, 1437, 5, 66, 62, 1598, (1328, 85, 24, None)),), "edge"),
        _case("no-waits-published", None, NO_BANDS, "edge"),
        _case("all-bands-zero", None, ZERO, "edge"),
        _case("two-months-weighted-by-calls", (600 + 300) / (900 + 400),
              (*TYPICAL, replace(A, month=DEC, waits=(200, 100, 50, 50)), replace(B, month=DEC, waits=None)),
              start=DEC, end=JAN),
    ],
    "balance_gap_share": [
        _case("typical", 0.0),
        _case("calls-outside-the-call-flow", 40 / 1500, (replace(A, missed=60), B), "erroneous"),
        _case("calls-counted-twice", -30 / 1500, (replace(A, missed=130), B), "erroneous"),
        _zero_inbound(),
    ],
    "shared_account_share": [
        _case("typical-none", 0.0),
        _case("shared-account-under-the-pcn", 200 / 1700, (*TYPICAL, SHARED)),
        _case("unmapped-pcn-in-its-icb", 200 / 1700, (*TYPICAL, replace(SHARED, unit="SU")), "edge",
              level="icb", code=ICB),
        _zero_inbound(),
    ],
    "calls_per_1000": [
        _case("typical", 1000 * 1500 / 15000, lists=LISTS),
        # shared-account calls have no list size: left out of the numerator as well
        _case("shared-account-left-out", 1000 * 1500 / 15000, (*TYPICAL, SHARED), "edge", lists=LISTS),
        _case("practice-without-a-list-left-out", 1000 * 1000 / 9000, lists=LISTS[:1], kind="edge"),
        _case("per-month-over-two-months", 1000 * (1500 + 1500) / (15000 + 15000),
              (*TYPICAL, replace(A, month=DEC), replace(B, month=DEC)),
              lists=(*LISTS, ("P00001", DEC, 9000), ("P00002", DEC, 6000)), start=DEC, end=JAN),
        _case("earlier-list-used-when-the-1st-is-missing", 1000 * 1500 / 10000,
              lists=(("P00001", DEC, 6000), ("P00002", dt.date(2025, 11, 1), 4000)), kind="edge"),
        _case("list-dated-after-the-month-not-used", None, lists=(("P00001", dt.date(2026, 1, 15), 9000),),
              kind="edge"),
        _case("no-lists", None, kind="edge"),
        _case("zero-patients", None, lists=(("P00001", JAN, 0), ("P00002", JAN, 0)), kind="erroneous"),
    ],
    **{f"{prefix}_{i}_share": _band_cases(prefix, i)
       for prefix in ("answered_wait", "answered_duration", "missed_wait") for i in range(4)},
}


# ------------------------------------------------------------------------------------ running

@pytest.fixture(scope="module")
def spec_store():
    s = Store()
    yield s
    s.close()


def evaluate(store: Store, case: Case) -> dict:
    """The case's rows in a fresh set of tables, and its area's row of area_metrics."""
    con = store.con
    for table in ("workbook_month", "list_sizes", "units"):
        con.execute(f"DELETE FROM {table}")   # fixed table names from this file only
    con.executemany("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(uid, *codes, uid) for uid, *codes in UNITS.values()])
    con.executemany(
        "INSERT INTO workbook_month VALUES (" + ", ".join(["?"] * 21) + ")",
        [(r.month, UNITS[r.unit][0], r.inbound, r.answered, r.ivr, r.callback_requested, r.callback_made, r.missed,
          *(r.waits or (None,) * 4), *(r.durations or (None,) * 4), *(r.missed_waits or (None,) * 4), 1)
         for r in case.rows])
    if case.lists:
        con.executemany("INSERT INTO list_sizes VALUES (?, ?, ?, 1)", list(case.lists))
    model.refresh_areas(con)   # as every load ends: the pages' area table follows the facts
    frame = con.execute(
        "SELECT * FROM area_metrics($start, $end, $per_month) WHERE level = $level AND area_code = $code",
        {"start": case.start, "end": case.end, "per_month": case.per_month, "level": case.level,
         "code": case.code}).df()
    assert len(frame) == 1, f"expected one row for {case.level} {case.code}, got {len(frame)}"
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in frame.iloc[0].items()}


def _params():
    for m in MEASURES:
        cases = SPEC.get(m.id) or [None]
        for case in cases:
            yield pytest.param(m, case, id=f"{m.id}-{case.name if case else 'NO-SPEC-CASE'}")


@pytest.mark.parametrize("measure, case", list(_params()))
def test_measure(spec_store, measure: Measure, case: Case | None):
    assert case is not None, f"measure {measure.id!r} has no spec case in tests/test_metrics_registry.py"
    got = evaluate(spec_store, case)[measure.id]
    if case.want is None:
        assert got is None, f"{measure.id} [{case.name}]: expected NULL, got {got!r}"
    else:
        assert got is not None and math.isclose(float(got), case.want, rel_tol=1e-12, abs_tol=1e-12), \
            f"{measure.id} [{case.name}]: expected {case.want!r}, got {got!r}"


def test_every_spec_case_names_a_measure_and_every_measure_has_an_expected_case():
    ids = {m.id for m in MEASURES}
    assert not set(SPEC) - ids, f"spec cases for measures not in the registry: {sorted(set(SPEC) - ids)}"
    without = [m.id for m in MEASURES if not any(c.kind == "expected" for c in SPEC.get(m.id, []))]
    assert not without, f"measures without an expected case: {without}"
    assert {c.kind for cases in SPEC.values() for c in cases} <= {"expected", "edge", "erroneous"}


def test_every_share_ratio_and_rate_has_a_null_case():
    missing = [m.id for m in MEASURES if m.denominator and not any(c.want is None for c in SPEC.get(m.id, []))]
    assert not missing, f"no case where the denominator is 0 or unknown (the measure must be NULL): {missing}"


# ---------------------------------------------------------------------------- the registry itself

def test_registry_fields_are_complete_and_consistent():
    ids = [m.id for m in MEASURES]
    assert len(ids) == len(set(ids)), "measure ids are unique"
    for m in MEASURES:
        assert m.kind in ("count", "share", "rate", "ratio"), m.id
        assert m.label and m.short_label and m.help and m.unit and m.definition, m.id
        assert m.families and set(m.families) <= metrics.FAMILIES, m.id
        assert (m.denominator is None) == (m.kind == "count"), m.id
        assert m.better is None, f"{m.id}: there are no national targets, so no direction is better"
    trend = {m.trend_name: m.id for m in MEASURES if m.trend_name}
    assert trend == {"inbound": "inbound", "inbound_per_1000": "calls_per_1000", "answered_share": "answered_share",
                     "missed_share": "missed_share", "ivr_share": "ivr_share", "callback_share":
                     "callback_requested_share", "answered_within_2min_share": "answered_within_2min_share"}
    assert metrics.by_id("callback_share").id == "callback_requested_share"
    with pytest.raises(KeyError, match="no measure 'answered_pct'"):
        metrics.by_id("answered_pct")


def test_counts_columns_are_exactly_the_counts_cte(spec_store):
    """The allow-list the registry checks expressions against is the SQL's own counts CTE: every
    column area_metrics returns is a counts column or a measure, and nothing else."""
    cols = [r[0] for r in spec_store.con.execute(
        "DESCRIBE SELECT * FROM area_metrics(DATE '2026-01-01', DATE '2026-01-01', false)").fetchall()]
    derived = {m.id for m in MEASURES if m.sql()}
    assert set(cols) - derived == metrics.COUNTS_COLUMNS
    assert derived <= set(cols)
    assert len(cols) == len(set(cols)), "no measure repeats a counts column"


def test_the_staging_sql_holds_no_measure_of_its_own():
    """The measures' SQL is only in the registry: views.sql has the marker line and no share."""
    from telephony.store import STAGING

    text = STAGING.read_text(encoding="utf-8")
    body = text[text.index("MACRO area_metrics"):]
    final = body[body.index("\nSELECT *,"):body.index("FROM counts;")]
    assert metrics.MARKER in final
    code = "\n".join(line.split("--")[0] for line in final.splitlines())
    assert code.strip() == "SELECT *,", f"measure SQL outside the registry: {code!r}"
    rendered = metrics.staging_sql(text)
    for m in MEASURES:
        assert m.sql() is None or m.sql() in rendered, m.id


@pytest.mark.parametrize("bad, message", [
    (Measure("x_share", "X", "X", "h", "share", "u", "inbound; DROP TABLE units", "inbound", ("workbook",), "d"),
     "unexpected text"),
    (Measure("x_share", "X", "X", "h", "share", "u", "secret_column", "inbound", ("workbook",), "d"),
     "'secret_column' is not a counts column"),
    (Measure("x_share", "X", "X", "h", "share", "u", "answered", "inbound) --", ("workbook",), "d"),
     "denominator"),
    (Measure("x_share", "X", "X", "h", "share", "u", "answered", None, ("workbook",), "d"), "denominator"),
    (Measure("x AS y, z", "X", "X", "h", "count", "u", "answered", None, ("workbook",), "d"), "not a plain"),
    (Measure("x", "X", "X", "h", "count", "u", "answered", "inbound", ("workbook",), "d"), "has no denominator"),
])
def test_select_sql_refuses_anything_outside_the_allow_list(bad, message):
    with pytest.raises(ValueError, match=message):
        metrics.select_sql((bad,))


def test_staging_sql_needs_the_marker_exactly_once():
    with pytest.raises(ValueError, match="exactly once, found 0"):
        metrics.staging_sql("SELECT *, FROM counts;")
    with pytest.raises(ValueError, match="exactly once, found 2"):
        metrics.staging_sql(f"{metrics.MARKER}\n{metrics.MARKER}\n")


# ---------------------------------------------------------------------- the real workbooks

def _table4_rows(path) -> list[dict]:
    """Table 4's practice rows straight from the cells: PCN, answered and the four wait bands with
    NHS England's printed percentages (positions from the header row, as published)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Table 4").to_python()
    h = next(i for i, r in enumerate(rows) if str(r[0]).startswith("Month"))
    start = next(j for j, c in enumerate(rows[h]) if str(c).strip().lower() == "less than 1 minute")
    out = []
    for r in rows[h + 1:]:
        if hasattr(r[0], "year") and r[12] != "":
            bands = [r[start + 2 * k] for k in range(4)]
            out.append({"pcn": r[3], "answered": r[12], "bands": [b if b != "" else None for b in bands],
                        "printed": [r[start + 2 * k + 1] for k in range(4)]})
    return out


@pytest.mark.parametrize("path", [DEC_WORKBOOK, JAN_WORKBOOK], ids=["dec-2025", "jan-2026"])
@pytest.mark.usefixtures("real_dir")
@pytest.mark.real_data
def test_nhs_england_prints_wait_shares_of_the_bands_total(path):
    """The denominator the registry uses is NHS England's: every printed wait-band % in Table 4 is
    the band over the four bands' total (3 decimals), including where that total is not answered."""
    differ = 0
    for row in _table4_rows(path):
        bands = row["bands"]
        total = sum(b or 0 for b in bands)
        if not total:
            continue
        differ += total != row["answered"]
        for band, printed in zip(bands, row["printed"]):
            if printed != "" and band is not None:
                assert abs((band / total) - printed) <= 0.0005 + 1e-9, (row, band, printed)
    if path == DEC_WORKBOOK:
        assert differ == 1, "December 2025 has one practice whose wait bands fall short of answered"


@pytest.mark.usefixtures("real_dir")
@pytest.mark.real_data
def test_real_pcn_within_2_minutes_is_of_the_wait_bands():
    """U25799, December 2025: 61.72% of the calls in its wait bands (the Overview showed 61.70%,
    dividing by answered calls, while the Waits page showed 61.72%)."""
    rows = [r for r in _table4_rows(DEC_WORKBOOK) if r["pcn"] == "U25799"]
    within = sum((r["bands"][0] or 0) + (r["bands"][1] or 0) for r in rows)
    total = sum(sum(b or 0 for b in r["bands"]) for r in rows)
    answered = sum(r["answered"] for r in rows)
    assert total != answered                      # the case where the two denominators differ
    store = Store()
    try:
        assert store.load(DEC_WORKBOOK).status == "loaded"
        got = store.query("area_month_metrics", level="pcn", code="U25799", start=DEC, end=DEC)
        assert math.isclose(got["answered_within_2min_share"].item(), within / total, rel_tol=1e-12)
        assert f"{within / total:.2%}" == "61.72%" and f"{within / answered:.2%}" == "61.70%"
    finally:
        store.close()


# ------------------------------------------------------------------------------------- the app

def _values(y) -> list[float]:
    """A trace's values: a list, or Plotly's typed array ({'dtype', 'bdata'}) for numpy input."""
    if isinstance(y, dict):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def _plotly(at, title_start: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if spec["layout"]["title"]["text"].startswith(title_start):
            return spec
    raise AssertionError(f"no chart titled {title_start!r}")


def _within_2_on_both_pages(at) -> tuple[str, str, dict]:
    from tests.app_support import metric, visit

    at = visit(at, "overview")
    overview = metric(at, "Answered within 2 minutes")
    at = visit(at, "waits")
    waits = metric(at, "Answered within 2 minutes")
    return overview, waits, at


def test_waits_and_overview_agree_on_the_sample():
    from tests.app_support import start_app

    overview, waits, at = _within_2_on_both_pages(start_app())
    assert overview == waits and overview.endswith("%") and overview != "–"


@pytest.mark.usefixtures("real_dir")
@pytest.mark.real_data
def test_waits_and_overview_agree_on_the_real_workbooks():
    """U25799 over December 2025 and January 2026: both pages show the registry's figure, and the
    Waits page's charts carry it at full precision, worked out here from the workbook cells."""
    from tests.app_support import start_app, upload

    at = upload(start_app(), [DEC_WORKBOOK, JAN_WORKBOOK])
    sidebar_widget(at, "selectbox", "pcn").set_value("U25799")
    at.run()
    by_month = {p: [r for r in _table4_rows(p) if r["pcn"] == "U25799"] for p in (DEC_WORKBOOK, JAN_WORKBOOK)}
    within = {p: sum((r["bands"][0] or 0) + (r["bands"][1] or 0) for r in rows) for p, rows in by_month.items()}
    total = {p: sum(sum(b or 0 for b in r["bands"]) for r in rows) for p, rows in by_month.items()}
    period = sum(within.values()) / sum(total.values())

    overview, waits, at = _within_2_on_both_pages(at)
    assert overview == waits == f"{period:.1%}"
    bands = _values(_plotly(at, f"{period:.0%} of answered calls waited")["data"][0]["y"])
    assert math.isclose(bands[0] + bands[1], period, rel_tol=1e-9)
    trend = next(t for t in _plotly(at, "In ")["data"] if t["name"] == "Answered within 2 minutes")
    dec, jan = _values(trend["y"])
    assert math.isclose(dec, within[DEC_WORKBOOK] / total[DEC_WORKBOOK], rel_tol=1e-9)
    assert math.isclose(jan, within[JAN_WORKBOOK] / total[JAN_WORKBOOK], rel_tol=1e-9)
