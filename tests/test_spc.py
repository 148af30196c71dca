"""XmR limits and the Making Data Count rules (telephony/spc.py), on tiny series computed by hand.

Expected values are worked out in the comments beside them; some cases are NHSRplotthedots' own
(its tests of ptd_spc_standard, ptd_seven_point_trend, ptd_seven_point_one_side_mean and
ptd_part_of_two_in_three), so a figure here matches what an analyst gets from the package.
"""

from __future__ import annotations

import pytest

from telephony.spc import (
    _shift, _trend, _two_of_three, assessment, before_after, display_limits, limits_for, xmr,
)

# The worked check in the spec: 19 points, one period.
WORKED = [50, 52, 49, 51, 50, 53, 48, 51, 50, 52, 49, 51, 58, 59, 60, 61, 62, 63, 64]


def labels(points):
    return [(p.rule, p.direction) for p in points]


# ------------------------------------------------------------------------------- worked check
def test_worked_check_limits():
    points = xmr(WORKED)
    p = points[0]
    # sum 606 + 427 = 1033; 1033 / 19 = 54.368...
    assert p.mean == pytest.approx(1033 / 19)
    assert round(p.mean, 2) == 54.37
    # moving ranges 2,3,2,1,3,5,3,1,2,3,2 (27), 7, 1 x 6: 40 / 18; 7 < 3.267 x 2.22 = 7.26 is kept
    assert p.mean_moving_range == pytest.approx(40 / 18)
    assert round(p.lower, 2) == 48.46 and round(p.upper, 2) == 60.28
    # near band: 2 x 2.66 / 3 x 2.222 = 3.941 either side of the centre
    assert p.near_lower == pytest.approx(1033 / 19 - 2 * 2.66 / 3 * 40 / 18)
    assert p.near_upper == pytest.approx(1033 / 19 + 2 * 2.66 / 3 * 40 / 18)
    assert {q.limits_kind for q in points} == {"limits"}
    assert {q.period for q in points} == {0}
    assert [q.index for q in points] == list(range(19))
    assert [q.value for q in points] == WORKED


def test_worked_check_every_point_special_cause_labelled_by_precedence():
    # Centre 54.37, limits 48.46 / 60.28, near below 50.43 or above 58.31.
    # First 12 all below the centre (a shift), but earlier rules win where they hold:
    #   48 is below 48.46: outside; 50, 49 are near the lower limit, and the windows
    #   (50,52,49), (49,51,50), (50,52,49) have two near and all below: their near points are
    #   2 of 3;
    #   49, 51 at positions 10-11 start a strictly rising run 49 < 51 < 58 < ... < 64 of 9 points:
    #   trend (rising, so "high" though they sit below the centre, as the package labels them).
    # Last 7: 61..64 above 60.28: outside; 58, 59, 60 inside the limits: trend.
    assert labels(xmr(WORKED)) == [
        ("two_of_three", "low"), ("shift", "low"), ("two_of_three", "low"), ("shift", "low"),
        ("two_of_three", "low"), ("shift", "low"), ("outside_limits", "low"), ("shift", "low"),
        ("two_of_three", "low"), ("shift", "low"), ("trend", "high"), ("trend", "high"),
        ("trend", "high"), ("trend", "high"), ("trend", "high"),
        ("outside_limits", "high"), ("outside_limits", "high"), ("outside_limits", "high"),
        ("outside_limits", "high"),
    ]
    assert all(p.special_cause for p in xmr(WORKED))


def test_worked_check_rebased_at_point_13():
    points = xmr(WORKED, [12])
    first, second = points[:12], points[12:]
    # First period: mean 606 / 12 = 50.5, amr 27 / 11 = 2.4545, limits 43.97 / 57.03, near band
    # 46.15 / 54.85: nothing outside or near, the points alternate about 50.5, no run of 7.
    assert first[0].mean == 50.5
    assert first[0].mean_moving_range == pytest.approx(27 / 11)
    assert round(first[0].lower, 2) == 43.97 and round(first[0].upper, 2) == 57.03
    assert not any(p.special_cause for p in first)
    assert {p.limits_kind for p in first} == {"limits"} and {p.period for p in first} == {0}
    # Second period (7 points: trial): mean 61, amr 1, limits 58.34 / 63.66. A rising trend, but
    # 58 and 64 are outside the limits, and that rule comes first.
    assert second[0].mean == 61 and second[0].mean_moving_range == 1
    assert second[0].lower == pytest.approx(58.34) and second[0].upper == pytest.approx(63.66)
    assert {p.limits_kind for p in second} == {"trial"} and {p.period for p in second} == {1}
    assert labels(second) == [("outside_limits", "low")] + [("trend", "high")] * 5 + [
        ("outside_limits", "high")]


# ------------------------------------------------------------------------------ limits
# NHSRplotthedots' ptd_spc_standard test: set.seed(123); rnorm(20), then y[15] <- 10, with
# outlier screening on and off; the limits are from the package's snapshot of those runs.
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621,
             -1.26506123, -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272,
             -0.55584113, 1.78691314, 0.49785048, -1.96661716, 0.70135590, -0.47279141]


def test_limits_match_the_package_snapshot():
    p = xmr(RNORM_123)[0]
    assert p.mean == pytest.approx(0.1416238, abs=1e-7)
    assert p.lower == pytest.approx(-3.01138, abs=1e-5)
    assert p.upper == pytest.approx(3.294627, abs=1e-6)


def test_screening_matches_the_package_snapshot():
    ys = list(RNORM_123)
    ys[14] = 10
    screened, unscreened = xmr(ys)[0], xmr(ys, screen=False)[0]
    assert screened.mean == unscreened.mean == pytest.approx(0.6694159, abs=1e-7)
    assert screened.lower == pytest.approx(-2.383666, abs=1e-6)
    assert screened.upper == pytest.approx(3.722497, abs=1e-6)
    assert unscreened.lower == pytest.approx(-4.596625, abs=1e-6)
    assert unscreened.upper == pytest.approx(5.935457, abs=1e-6)


def test_screening_leaves_out_one_huge_jump():
    ys = [10, 12, 10, 12, 10, 12, 10, 40, 10, 12, 10, 12]
    # moving ranges: 2 x 6, 30, 30, 2 x 3 -> 78 / 11 = 7.09; 3.267 x 7.09 = 23.2, so both 30s
    # are left out and the amr is 18 / 9 = 2
    assert limits_for(ys) == (pytest.approx(160 / 12), pytest.approx(2.0))
    assert limits_for(ys, screen=False)[1] == pytest.approx(78 / 11)
    screened, unscreened = xmr(ys), xmr(ys, screen=False)
    assert screened[0].upper == pytest.approx(160 / 12 + 2.66 * 2)        # 18.65
    assert unscreened[0].upper == pytest.approx(160 / 12 + 2.66 * 78 / 11)  # 32.20
    assert screened[7].rule == unscreened[7].rule == "outside_limits"


def test_a_moving_range_exactly_at_the_screening_line_is_left_out():
    # ranges 3267, 244, 244, 245: amr 4000 / 4 = 1000, and 3.267 x 1000 = 3267 (exact in floats):
    # the package keeps only ranges < 3.267 x amr, so 3267 goes and the amr is 733 / 3
    assert 3.267 * 1000 == 3267
    assert limits_for([0, 3267, 3023, 3267, 3022])[1] == pytest.approx(733 / 3)


def test_a_point_exactly_on_a_limit_is_near_it_not_outside():
    # before: 1, 2 alternating x 6: centre 1.5, amr 1. The package tests y > upper (outside) and
    # y > near line (near), so a point exactly on the limit is near it, and two of them with a
    # point above the centre between make 2 of 3; two exactly on the near line are not near.
    before = [1, 2] * 6
    on_limit = 1.5 + 2.66 * 1
    on_near_line = 1.5 + 2 * (2.66 / 3) * 1
    result = before_after(before + [on_limit, 1.6, on_limit], 12, measure="x", event="y")
    assert [p.rule for p in result.after] == ["two_of_three", None, "two_of_three"]
    result = before_after(before + [on_near_line, 1.6, on_near_line], 12, measure="x", event="y")
    assert not result.special_cause


def test_constant_series_has_no_special_cause():
    points = xmr([5] * 12)
    assert points[0].mean == 5 and points[0].mean_moving_range == 0
    assert points[0].lower == points[0].upper == 5
    assert not any(p.special_cause for p in points)


# ----------------------------------------------------------------------- how many points
@pytest.mark.parametrize("n, kind", [(12, "limits"), (20, "limits"), (11, "trial"), (6, "trial"),
                                     (5, "none"), (1, "none")])
def test_limits_kind_by_points_in_the_period(n, kind):
    points = xmr(([1, 2] * 10)[:n])
    assert {p.limits_kind for p in points} == {kind}


def test_trial_limits_are_computed_the_same_way():
    # 1, 2, 3, 2, 1, 2: mean 11 / 6, ranges all 1, limits 11/6 +/- 2.66
    p = xmr([1, 2, 3, 2, 1, 2])[0]
    assert p.limits_kind == "trial"
    assert p.mean == pytest.approx(11 / 6) and p.mean_moving_range == 1
    assert p.upper == pytest.approx(11 / 6 + 2.66)


def test_fewer_than_six_points_give_a_run_only():
    points = xmr([1, 100, 1, 1, 1])
    assert all(p.limits_kind == "none" for p in points)
    assert all(p.lower is p.upper is p.near_lower is p.near_upper is p.mean_moving_range is None
               for p in points)
    assert points[0].mean == pytest.approx(104 / 5)
    assert not any(p.special_cause for p in points)


def test_short_period_after_a_rebase_is_run_only():
    points = xmr([1, 2] * 6 + [3, 4, 5], [12])
    assert [p.limits_kind for p in points] == ["limits"] * 12 + ["none"] * 3
    assert points[12].mean == 4 and points[12].upper is None


# ----------------------------------------------------------------------------- each rule alone
def test_outside_limits_alone():
    ys = [5, 15] * 6 + [60]
    # mean 180 / 13 = 13.85, so 5 and 15 fall either side of it; ranges 10 x 11 and 45: amr
    # 155 / 12 = 12.9, and 45 >= 3.267 x 12.9 = 42.2 is screened out -> amr 10, limits -12.75 /
    # 40.45, near band beyond 13.85 +/- 17.7: only 60 is special cause
    points = xmr(ys)
    assert points[0].mean == pytest.approx(180 / 13) and points[0].mean_moving_range == 10
    assert labels(points) == [(None, None)] * 12 + [("outside_limits", "high")]


def test_outside_below_is_low():
    # mean 80 / 13 = 6.15; the 55 range is screened out (55 >= 3.267 x 165 / 12), amr 10,
    # lower limit -20.4
    points = xmr([5, 15] * 6 + [-40])
    assert labels(points) == [(None, None)] * 12 + [("outside_limits", "low")]


FALLING = [20, 5, 20, 5, 20, 5, 16, 15, 14, 13, 12, 11, 10, 20, 5]


def test_falling_trend_alone():
    # mean 191 / 15 = 12.73, amr 117 / 14 = 8.36: limits -9.5 / 34.97, near band -2.09 / 27.55,
    # nothing near or outside; 16 > 15 > ... > 10 is 7 points each lower than the one before
    # (5 before it and 20 after it break the run); sides change within it (16..13 above, 12..10
    # below), so no shift
    points = xmr(FALLING)
    assert points[0].mean == pytest.approx(191 / 15)
    assert points[0].mean_moving_range == pytest.approx(117 / 14)
    assert labels(points) == [(None, None)] * 6 + [("trend", "low")] * 7 + [(None, None)] * 2


def test_rising_trend_alone():
    rising = [-y for y in FALLING]
    assert labels(xmr(rising)) == [(None, None)] * 6 + [("trend", "high")] * 7 + [(None, None)] * 2


def test_six_in_a_row_is_not_a_trend():
    ys = [20, 5, 20, 5, 20, 5, 16, 15, 14, 13, 12, 11, 20, 5]
    assert not any(p.special_cause for p in xmr(ys))


def test_an_equal_neighbour_breaks_a_trend():
    ys = [20, 5, 20, 5, 20, 5, 16, 15, 14, 14, 12, 11, 10, 20, 5]
    assert not any(p.rule == "trend" for p in xmr(ys))


TWO_OF_THREE = [11, 12, 11, 12, 11, 12, 15, 13, 15, 12, 11, 12, 11, 12, 11]


def test_two_of_three_alone_flags_only_the_near_points():
    # mean 181 / 15 = 12.07, ranges 1 x 10, 3, 2, 2, 3: amr 20 / 14 = 1.43; near above 14.6, upper
    # limit 15.87. 15, 13, 15 are all above the centre and two are near: the 15s are special cause,
    # 13 (not near) is not. The 11s and 12s are all below 12.07, but only 6 in a row either side.
    points = xmr(TWO_OF_THREE)
    assert points[0].mean == pytest.approx(181 / 15)
    assert points[0].near_upper == pytest.approx(181 / 15 + 2 * 2.66 / 3 * 20 / 14)
    expected = [(None, None)] * 15
    expected[6] = expected[8] = ("two_of_three", "high")
    assert labels(points) == expected


def test_two_of_three_needs_all_three_on_one_side():
    ys = list(TWO_OF_THREE)
    ys[7] = 11          # now below the centre (179 / 15 = 11.93): the window is split
    points = xmr(ys)
    assert points[6].near_upper < 15 < points[6].upper      # the 15s are still near the limit
    assert not any(p.special_cause for p in points)


def test_shift_alone_and_a_point_on_the_centre_breaks_it():
    # 3,4,3,4.9,4,3,4 then 6,7,6,5.1,7,6,7: sum 70, mean exactly 5; ranges sum 16.6 / 13 = 1.28;
    # limits 1.6 / 8.4, near 2.74 / 7.26: nothing near or outside, no trend: 7 below, then 7 above
    ys = [3, 4, 3, 4.9, 4, 3, 4, 6, 7, 6, 5.1, 7, 6, 7]
    points = xmr(ys)
    assert points[0].mean == 5
    assert labels(points) == [("shift", "low")] * 7 + [("shift", "high")] * 7
    # the same with 5 (exactly on the centre) in place of 4.9 and 5.1: the mean is still 5 and
    # each run of 7 becomes 3 + 3, so nothing is special cause
    on_centre = [3, 4, 3, 5, 4, 3, 4, 6, 7, 6, 5, 7, 6, 7]
    points = xmr(on_centre)
    assert points[0].mean == 5
    assert not any(p.special_cause for p in points)


def test_rules_stay_within_a_period():
    # As one period: mean 31 / 18 = 1.72, amr 40 / 17 = 2.35, nothing near or outside; positions
    # 5-12 (0, then seven 1s) are 8 in a row below the centre: a shift. Rebased at 9, the run is
    # 4 + 4 (0,1,1,1 below 15 / 9 = 1.67; 1,1,1,1 below 16 / 9 = 1.78): nothing.
    ys = [4, 0, 4, 0, 4, 0, 1, 1, 1] + [1, 1, 1, 1, 4, 0, 4, 0, 4]
    expected = [(None, None)] * 18
    expected[5:13] = [("shift", "low")] * 8
    assert labels(xmr(ys)) == expected
    assert labels(xmr(ys, [9])) == [(None, None)] * 18


def test_precedence_in_the_worked_check():
    points = xmr(WORKED)
    # position 15 (61): outside, part of the trend and of the 7 above the centre -> outside
    assert points[15].rule == "outside_limits"
    # position 13 (59): near the upper limit with 60 (2 of 3), in the trend and the shift -> trend
    assert points[13].near_upper < 59 < points[13].upper and points[13].rule == "trend"
    # position 10 (49): near the lower limit in 2 of 3, below the centre in 7+, in a trend -> trend
    assert points[10].rule == "trend"
    # position 0 (50): near the lower limit in 2 of 3, and in the run of 12 below -> two_of_three
    assert points[0].rule == "two_of_three"


# ---------------------------------------------------------------- the package's own rule cases
@pytest.mark.parametrize("ys, expected", [
    # ptd_seven_point_trend's cases, read as "part of" a run (ptd_part_of_seven_trend)
    ([], []),
    ([1, 2, 3, 4, 5, 6], [0] * 6),
    ([1, 2, 3, 3, 4, 5, 6], [0] * 7),
    ([1, 2, 3, 4, 5, 6, 7], [1] * 7),
    ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0] + [1] * 7 + [0]),
    ([7, 6, 5, 4, 3, 2, 1], [-1] * 7),
    ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0] + [-1] * 7 + [0]),
    # a peak shared by a rising and a falling run takes the later one (the package's right side)
    ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [1] * 6 + [-1] * 7),
    # a rising run, an equal step, a falling run: each keeps its own direction (the package would
    # call the 7th point "decreasing"; the module docstring notes the difference)
    ([1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1], [1] * 7 + [-1] * 7),
])
def test_trend_cases(ys, expected):
    assert _trend(ys) == expected


@pytest.mark.parametrize("side, expected", [
    # ptd_seven_point_one_side_mean's cases, read as "part of" a run
    ([], []),
    ([1] * 6, [False] * 6),
    ([1] * 6 + [-1], [False] * 7),
    ([1] * 8 + [-1], [True] * 8 + [False]),
    ([-1] * 8 + [1], [True] * 8 + [False]),
    ([-1] + [1] * 8 + [-1], [False] + [True] * 8 + [False]),
    ([1] * 3 + [0] + [1] * 3, [False] * 7),
])
def test_shift_cases(side, expected):
    assert _shift(side) == expected


@pytest.mark.parametrize("near, expected", [
    # ptd_part_of_two_in_three's cases, all points on one side of the centre
    ([], []),
    ([0, 0, 0], [0, 0, 0]),
    ([1, 0, 1], [1, 0, 1]),
    ([0, 1, 1], [0, 1, 1]),
    ([1, 1, 0], [1, 1, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0, 0]),
    ([1, 0, 0, 1], [0, 0, 0, 0]),
    ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
])
def test_two_of_three_cases(near, expected):
    assert _two_of_three([bool(v) for v in near], [1] * len(near)) == [bool(v) for v in expected]


# ------------------------------------------------------------------ direction and display
def test_assessment_only_with_a_better_direction():
    points = xmr(WORKED)
    high, low = points[18], points[6]
    assert assessment(high) == assessment(low) == "neutral"
    assert assessment(high, "high") == "improvement" and assessment(low, "high") == "concern"
    assert assessment(high, "low") == "concern" and assessment(low, "low") == "improvement"
    common = xmr(WORKED, [12])[0]
    assert assessment(common, "high") is None
    with pytest.raises(ValueError, match="better must be 'high', 'low' or None"):
        assessment(high, "up")


def test_display_limits_clip_but_keep_the_verdicts():
    # a share: 0.02, 0.10 alternating, then 0.5; the computed lower limit is below 0
    ys = [0.02, 0.10] * 6 + [0.5]
    points = xmr(ys)
    assert points[0].lower < 0
    shown = display_limits(points, floor=0.0, ceiling=1.0)
    assert shown[0].lower == 0.0 and shown[0].near_lower == max(points[0].near_lower, 0.0)
    assert shown[0].upper == points[0].upper
    assert labels(shown) == labels(points) and shown[-1].rule == "outside_limits"
    assert display_limits(xmr([1, 2, 3]), floor=0.0)[0].lower is None


def test_describe():
    points = xmr(WORKED)
    assert points[6].describe() == "outside the limits"
    assert points[12].describe() == (
        "part of 7 or more points in a row each higher than the one before")
    assert points[0].describe() == "2 of 3 points near the lower limit"
    assert points[1].describe() == "part of 7 or more points in a row below the centre line"
    assert xmr(WORKED, [12])[0].describe() is None


# ------------------------------------------------------------------------------- before/after
def pct(v):
    return f"{v:.0%}"


def points_(v):
    return f"{v * 100:.0f} percentage points"


def test_before_after_shift_up():
    # before: 0.58 / 0.60 alternating x 6, mean 0.59, amr 0.02, upper limit 0.6432;
    # after: 0.65 x 6, all above that limit
    ys = [0.58, 0.60] * 6 + [0.65] * 6
    result = before_after(ys, 12, measure="Answered share", event="the new phone system",
                          fmt=pct, diff_fmt=points_)
    assert result.mean_before == pytest.approx(0.59) and result.mean_after == pytest.approx(0.65)
    assert result.difference == pytest.approx(0.06)
    assert result.special_cause
    assert [p.rule for p in result.after] == ["outside_limits"] * 6
    assert result.after[0].upper == pytest.approx(0.59 + 2.66 * 0.02)
    assert result.sentence == (
        "Answered share rose from 59% to 65% after the new phone system (up 6 percentage points); "
        "the 6 points since are all above the earlier centre line. Against the limits of the 12 "
        "points before, the 6 points since show special cause variation (outside the limits): a "
        "real change, not chance.")


def test_before_after_common_cause():
    # before: 10, 20 alternating x 6 (mean 15, amr 10, limits -11.6 / 41.6, near beyond +/-17.7);
    # after: 12, 19, 11: mean 14, nothing beyond the earlier limits or near them, no run
    ys = [10, 20] * 6 + [12, 19, 11]
    result = before_after(ys, 12, measure="Calls a day", event="the bank holiday",
                          fmt="{:.0f}".format)
    assert not result.special_cause
    assert result.sentence == (
        "Calls a day fell from 15 to 14 after the bank holiday (down 1). Against the limits of the "
        "12 points before, the 3 points since show only common cause variation: the change could "
        "be chance.")


def test_before_after_judges_patterns_only_after_the_change():
    # before: 1, 2 alternating x 6 (mean 1.5, amr 1, limits -1.16 / 4.16, near above 3.27);
    # after: 1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2: seven rising and all above 1.5, within limits
    ys = [1, 2] * 6 + [1.6, 1.7, 1.8, 1.9, 2.0, 2.1, 2.2]
    result = before_after(ys, 12, measure="Wait", event="rota change")
    assert [p.rule for p in result.after] == ["trend"] * 7
    assert "part of 7 or more points in a row each higher than the one before" in result.sentence
    assert result.after[0].limits_kind == "limits" and result.after[0].period == 1


def test_before_after_stays_and_too_few_before():
    same = before_after([10, 11, 10, 11, 10, 11, 10.5], 6, measure="Missed", event="June",
                        fmt="{:.0f}".format)
    assert same.sentence.startswith("Missed stayed at about 10 after June")   # 10.5 both sides
    short = before_after([1, 2, 3, 9, 9], 3, measure="Missed", event="June", fmt="{:.0f}".format)
    assert short.after is None and not short.special_cause
    assert short.sentence == ("Missed rose from 2 to 9 after June (up 7); with only 3 points "
                              "before, there are no limits to judge the change against.")


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("values, message", [
    ([1, None, 3], r"position 1 \(counting from 0\) holds None"),
    ([1, 2, float("nan")], r"finite number .* position 2"),
    ([1, "2", 3], r"position 1 .* holds '2'"),
    ([True, 2, 3], r"position 0 .* holds True"),
])
def test_bad_values_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        xmr(values)


@pytest.mark.parametrize("periods, message", [
    ([0], r"a rebase must be a point position from 1 to 5 \(counting from 0\), not 0"),
    ([6], "not 6"),
    ([3, 2], "increasing order without repeats; 2 follows 3"),
    ([3, 3], "3 follows 3"),
    (["3"], "not '3'"),
])
def test_bad_rebase_positions_are_named(periods, message):
    with pytest.raises(ValueError, match=message):
        xmr([1, 2, 3, 4, 5, 6], periods)


def test_empty_series_gives_no_points():
    assert xmr([]) == []
