"""XmR charts with the Making Data Count rules, as NHSRplotthedots 0.2 applies them by default.

`xmr(values, periods)` gives one `Point` per value: its period's centre line and limits, whether
it is special cause, by which rule and in which direction. `assessment` turns a direction into
improvement/concern when the caller says which way is better; `display_limits` clips limits to a
measure's possible range for drawing; `before_after` compares the points after a change with the
limits of those before it and says so in one sentence.

Method (README, "How the numbers are made"), per period (a rebase starts a new one):

- centre = mean; moving ranges |y_i - y_(i-1)|; amr = their mean; screening (on by default)
  leaves out every moving range >= 3.267 x amr and takes the mean of the rest;
- limits = centre +/- 2.66 x amr; "near a limit" = beyond centre +/- 2 x (2.66 / 3) x amr but not
  beyond the limit (strict comparisons throughout, as in the package);
- special cause, labelled by the first rule that holds: `outside_limits`; `trend` (part of a run
  of 7 or more points each higher than the one before, or each lower; an equal neighbour breaks
  it); `two_of_three` (in 3 consecutive points at least 2 near a limit and all 3 on the same side
  of the centre: the near ones are flagged); `shift` (part of a run of 7 or more on the same side
  of the centre; a point exactly on the centre breaks it). All rules look only within a period.
- direction: "high" above the centre or in a rising trend, "low" below or falling; a point in a
  trend takes the trend's direction even when it lies on the other side of the centre (as the
  package does). A point that ends one trend and starts the opposite one takes the later trend's
  direction (the package's "right side" rule).

Known difference from the package: where a rising trend ends and a falling one starts at the next
point with an equal value between them, the package calls the last point of the rising trend
"decreasing" (it reads the sign of the step to the next point, 0); here it stays "high".

How many points (spec): 12 or more in a period give `limits`; 6 to 11 give `trial` limits,
computed the same way. (The package itself only warns, and from a threshold of 13.) Fewer than 6
give `none`: no limits and no special cause, only the centre (mean) for reference. Trend and
shift could not hold there anyway (they need 7 points in one period); outside-limits and
two-of-three are given up with the limits, where the package would still flag them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from numbers import Integral, Real

LIMIT = 2.66                    # 3 / d2 for moving ranges of 2 (d2 = 1.128), rounded as the package
NEAR = 2 * (LIMIT / 3)          # written as the package writes it, so the float is the same
SCREEN = 3.267                  # D4 for moving ranges of 2: a larger range is an outlier
RUN = 7                         # points in a trend or a shift
FULL_LIMITS_FROM = 12
TRIAL_LIMITS_FROM = 6

RULES = ("outside_limits", "trend", "two_of_three", "shift")
RULE_TEXT = {
    "outside_limits": "outside the limits",
    "trend": "part of 7 or more points in a row each {higher_lower} than the one before",
    "two_of_three": "2 of 3 points near the {upper_lower} limit",
    "shift": "part of 7 or more points in a row {above_below} the centre line",
}


@dataclass(frozen=True)
class Point:
    """One point of an XmR chart and what its period's limits say about it.

    `lower`, `upper`, `near_lower`, `near_upper` and `mean_moving_range` are None where the
    period has fewer than 6 points (`limits_kind` "none"); `mean` (the centre) is always given.
    `rule` is None and `direction` None for common cause.
    """

    index: int
    value: float
    period: int
    limits_kind: str
    mean: float
    mean_moving_range: float | None
    lower: float | None
    upper: float | None
    near_lower: float | None
    near_upper: float | None
    special_cause: bool
    rule: str | None
    direction: str | None

    def describe(self) -> str | None:
        """The rule in words ('outside the limits', ...), or None for common cause."""
        if self.rule is None:
            return None
        high = self.direction == "high"
        return RULE_TEXT[self.rule].format(
            higher_lower="higher" if high else "lower",
            upper_lower="upper" if high else "lower",
            above_below="above" if high else "below",
        )


def xmr(values: Iterable[Real], periods: Sequence[int] | None = None, *,
        screen: bool = True) -> list[Point]:
    """An XmR chart of `values` (in time order, one per period of time, no gaps).

    `periods` lists the 0-based positions of the points that start a new period (a rebase), e.g.
    `[12]` splits 19 points into 12 and 7. `screen=False` keeps every moving range (the package's
    `screen_outliers = FALSE`). Raises ValueError naming the offending position for a missing,
    non-numeric or infinite value, or for a rebase position outside 1..len(values)-1.
    """
    ys = _numbers(values)
    if not ys:
        return []
    starts = _period_starts(periods, len(ys))
    points: list[Point] = []
    for period, (start, end) in enumerate(zip(starts, starts[1:] + [len(ys)])):
        points.extend(_period(ys[start:end], start, period, screen))
    return points


def limits_for(values: Sequence[float], *, screen: bool = True) -> tuple[float, float | None]:
    """(centre, mean moving range) of one period's values; the amr is None for a single value."""
    ys = _numbers(values)
    if not ys:
        raise ValueError("SPC needs at least one value")
    if all(y == ys[0] for y in ys):
        # fsum / n of identical floats need not give the value back; the centre must equal it
        return ys[0], (0.0 if len(ys) > 1 else None)
    centre = math.fsum(ys) / len(ys)
    ranges = [abs(b - a) for a, b in zip(ys, ys[1:])]
    amr = math.fsum(ranges) / len(ranges)
    if screen:
        kept = [r for r in ranges if r < SCREEN * amr]
        amr = math.fsum(kept) / len(kept)
    return centre, amr


def assessment(point: Point, better: str | None = None) -> str | None:
    """'improvement' or 'concern' for a special-cause point when `better` ('high' or 'low') says
    which way is better; 'neutral' when it does not; None for common cause."""
    if better not in (None, "high", "low"):
        raise ValueError(f"better must be 'high', 'low' or None, not {better!r}")
    if not point.special_cause:
        return None
    if better is None:
        return "neutral"
    return "improvement" if point.direction == better else "concern"


def display_limits(points: Iterable[Point], floor: float | None = None,
                   ceiling: float | None = None) -> list[Point]:
    """The points with limit and near-limit lines clipped to [floor, ceiling] for drawing
    (a share's lower limit below 0 is drawn at 0). Rules were already decided on the computed
    limits; `special_cause`, `rule` and `direction` are unchanged."""
    def clip(v: float | None) -> float | None:
        if v is None:
            return None
        if floor is not None and v < floor:
            return floor
        if ceiling is not None and v > ceiling:
            return ceiling
        return v
    return [replace(p, lower=clip(p.lower), upper=clip(p.upper), near_lower=clip(p.near_lower),
                    near_upper=clip(p.near_upper)) for p in points]


@dataclass(frozen=True)
class BeforeAfter:
    """The change at a rebase point: means either side and the after points judged on the
    before period's limits. `after` is None when there are too few points before to judge."""

    mean_before: float
    mean_after: float
    difference: float
    after: tuple[Point, ...] | None
    sentence: str

    @property
    def special_cause(self) -> bool:
        return bool(self.after) and any(p.special_cause for p in self.after)


def before_after(values: Sequence[Real], at: int, *, measure: str, event: str,
                 fmt: Callable[[float], str] = "{:,.1f}".format,
                 diff_fmt: Callable[[float], str] | None = None,
                 screen: bool = True, unit: str = "point") -> BeforeAfter:
    """Compare the points from position `at` on with those before it, in one sentence.

    Method: mean before, mean after, their difference; then the before period's centre and
    limits (computed from all its points, as `xmr` does) are held fixed and the four rules are
    run over the after points only, against them. A pattern must lie wholly after the change to
    count, so the sentence speaks only of "the N points since". With fewer than 6 points before
    there are no limits to judge against, and the sentence says so. `fmt` formats a level and
    `diff_fmt` the difference (default `fmt`; for shares pass one that says "percentage points").
    `unit` names a point in the sentence ("month" for a monthly series).
    """
    ys = _numbers(values)
    _period_starts([at], len(ys))
    before, after = ys[:at], ys[at:]
    centre, amr = limits_for(before, screen=screen)
    mean_after = math.fsum(after) / len(after)
    difference = mean_after - centre
    diff_fmt = diff_fmt or fmt
    if fmt(centre) == fmt(mean_after):
        change = f"{measure} stayed at about {fmt(centre)} after {event}"
    else:
        verb = "rose" if difference > 0 else "fell"
        change = (f"{measure} {verb} from {fmt(centre)} to {fmt(mean_after)} after {event} "
                  f"({'up' if difference > 0 else 'down'} {diff_fmt(abs(difference))})")
    n = len(after)
    since = f"the {n} {unit}{'s' if n != 1 else ''} since"
    earlier = f"{len(before)} {unit}{'s' if len(before) != 1 else ''} before"
    if len(before) < TRIAL_LIMITS_FROM:
        return BeforeAfter(centre, mean_after, difference, None,
                           f"{change}; with only {earlier}, there are no limits "
                           "to judge the change against.")
    judged = tuple(_judge(after, at, 1, "limits" if len(before) >= FULL_LIMITS_FROM else "trial",
                          centre, amr))
    flagged = [p for p in judged if p.special_cause]
    side = ""
    if all(y > centre for y in after):
        side = f"; {since} are all above the earlier centre line"
    elif all(y < centre for y in after):
        side = f"; {since} are all below the earlier centre line"
    if flagged:
        found = []
        for p in flagged:
            text = p.describe()
            if text not in found:
                found.append(text)
        verdict = (f". Against the limits of the {earlier}, {since} show special "
                   f"cause variation ({'; '.join(found)}): a real change, not chance.")
    else:
        verdict = (f". Against the limits of the {earlier}, {since} show only "
                   "common cause variation: the change could be chance.")
    return BeforeAfter(centre, mean_after, difference, judged, change + side + verdict)


# ----------------------------------------------------------------------------------- internals
def _numbers(values: Iterable[Real]) -> list[float]:
    out = []
    for i, v in enumerate(values):
        if v is None or isinstance(v, bool) or not isinstance(v, Real):
            raise ValueError(f"SPC needs a number at every position with no gaps; position {i} "
                             f"(counting from 0) holds {v!r}")
        f = float(v)
        if not math.isfinite(f):
            raise ValueError(f"SPC needs a finite number at every position; position {i} "
                             f"(counting from 0) holds {v!r}")
        out.append(f)
    return out


def _period_starts(periods: Sequence[int] | None, n: int) -> list[int]:
    starts = [0]
    for p in periods or ():
        if isinstance(p, bool) or not isinstance(p, Integral) or not 0 < p < n:
            raise ValueError(f"a rebase must be a point position from 1 to {n - 1} "
                             f"(counting from 0), not {p!r}")
        if p <= starts[-1]:
            raise ValueError(f"rebase positions must be in increasing order without repeats; "
                             f"{p} follows {starts[-1]}")
        starts.append(int(p))
    return starts


def _period(ys: list[float], offset: int, period: int, screen: bool) -> list[Point]:
    centre, amr = limits_for(ys, screen=screen)
    if len(ys) < TRIAL_LIMITS_FROM:
        return [Point(offset + i, y, period, "none", centre, None, None, None, None, None,
                      False, None, None) for i, y in enumerate(ys)]
    kind = "limits" if len(ys) >= FULL_LIMITS_FROM else "trial"
    return _judge(ys, offset, period, kind, centre, amr)


def _judge(ys: list[float], offset: int, period: int, kind: str, centre: float,
           amr: float) -> list[Point]:
    """The four rules over `ys`, against a centre and amr (the period's own, or fixed ones)."""
    lower, upper = centre - LIMIT * amr, centre + LIMIT * amr
    near_lower, near_upper = centre - NEAR * amr, centre + NEAR * amr
    side = [(y > centre) - (y < centre) for y in ys]
    outside = [y > upper or y < lower for y in ys]
    near = [not o and (y < near_lower or y > near_upper) for y, o in zip(ys, outside)]
    trend = _trend(ys)
    two = _two_of_three(near, side)
    shift = _shift(side)
    points = []
    for i, y in enumerate(ys):
        if outside[i]:
            rule, way = "outside_limits", side[i]
        elif trend[i]:
            rule, way = "trend", trend[i]
        elif two[i]:
            rule, way = "two_of_three", side[i]
        elif shift[i]:
            rule, way = "shift", side[i]
        else:
            rule, way = None, 0
        direction = {1: "high", -1: "low"}.get(way)
        points.append(Point(offset + i, y, period, kind, centre, amr, lower, upper, near_lower,
                            near_upper, rule is not None, rule, direction))
    return points


def _runs(keys: Sequence[int], length: int) -> list[tuple[int, int, int]]:
    """Maximal runs (first, last, key) of equal non-zero keys at least `length` long."""
    out, first = [], 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[first]:
            if keys[first] != 0 and i - first >= length:
                out.append((first, i - 1, keys[first]))
            first = i
    return out


def _trend(ys: Sequence[float]) -> list[int]:
    """Per point: +1 in a run of 7+ points each higher than the one before, -1 each lower, else 0.

    RUN - 1 steps of one sign make a run of RUN points; an equal neighbour (step 0) breaks it. A
    point shared by a rising and a falling run (a peak or a trough) gets the later run's direction.
    """
    steps = [(b > a) - (b < a) for a, b in zip(ys, ys[1:])]
    out = [0] * len(ys)
    for first, last, way in _runs(steps, RUN - 1):     # in time order: a later run overwrites
        for j in range(first, last + 2):            # steps first..last join points first..last+1
            out[j] = way
    return out


def _shift(side: Sequence[int]) -> list[bool]:
    """Per point: part of 7+ in a row on the same side of the centre (0, on it, breaks a run)."""
    out = [False] * len(side)
    for first, last, _ in _runs(side, RUN):
        for j in range(first, last + 1):
            out[j] = True
    return out


def _two_of_three(near: Sequence[bool], side: Sequence[int]) -> list[bool]:
    """Per point: near a limit and in a window of 3 with at least 2 near, all on one side."""
    out = [False] * len(near)
    for i in range(len(near) - 2):
        window = range(i, i + 3)
        if sum(near[j] for j in window) >= 2 and abs(sum(side[j] for j in window)) == 3:
            for j in window:
                out[j] = out[j] or near[j]
    return out
