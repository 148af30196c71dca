-- Rebuilds daily_month rows (grain: unit x month) from the two daily fact tables.
-- Run by the store after every CSV load, for the months it touched.
-- Params: $start (first month, DATE), $end (first day after the last month, DATE).
-- Answered calls use CBT007 where published, else CBT003, as NHS England's workbook does.
-- Outcomes come from By Day and Time; where only By Durations covers a unit-month, from its
-- TOTAL rows. Wait and duration bands come from the bucket families.
INSERT INTO daily_month
WITH band AS (
    SELECT date_trunc('month', date)::DATE AS month, unit_id,
           sum(value) FILTER (WHERE indicator = 1) AS inbound,
           coalesce(sum(value) FILTER (WHERE indicator = 7), sum(value) FILTER (WHERE indicator = 3)) AS answered,
           sum(value) FILTER (WHERE indicator = 2) AS ivr,
           sum(value) FILTER (WHERE indicator = 5) AS callback_requested,
           sum(value) FILTER (WHERE indicator = 6) AS callback_made,
           sum(value) FILTER (WHERE indicator = 4) AS missed
    FROM calls_by_band
    WHERE date >= $start AND date < $end
    GROUP BY ALL
),
bucket AS (
    SELECT date_trunc('month', date)::DATE AS month, unit_id,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 1) AS inbound,
           coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 7),
                    sum(value) FILTER (WHERE family = 'durations' AND indicator = 3)) AS answered,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 2) AS ivr,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 5) AS callback_requested,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 6) AS callback_made,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4) AS missed,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 0) AS answered_wait_0,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 1) AS answered_wait_1,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 2) AS answered_wait_2,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 3) AS answered_wait_3,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 0) AS answered_duration_0,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 1) AS answered_duration_1,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 2) AS answered_duration_2,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 3) AS answered_duration_3,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 0) AS missed_wait_0,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 1) AS missed_wait_1,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 2) AS missed_wait_2,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 3) AS missed_wait_3
    FROM calls_by_bucket
    WHERE date >= $start AND date < $end
    GROUP BY ALL
)
SELECT coalesce(b.month, k.month), coalesce(b.unit_id, k.unit_id),
       coalesce(b.inbound, k.inbound), coalesce(b.answered, k.answered), coalesce(b.ivr, k.ivr),
       coalesce(b.callback_requested, k.callback_requested), coalesce(b.callback_made, k.callback_made),
       coalesce(b.missed, k.missed),
       k.answered_wait_0, k.answered_wait_1, k.answered_wait_2, k.answered_wait_3,
       k.answered_duration_0, k.answered_duration_1, k.answered_duration_2, k.answered_duration_3,
       k.missed_wait_0, k.missed_wait_1, k.missed_wait_2, k.missed_wait_3
FROM band b FULL OUTER JOIN bucket k ON b.month = k.month AND b.unit_id = k.unit_id;
