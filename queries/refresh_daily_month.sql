-- Rebuilds daily_month rows (grain: unit x month) from the two daily fact tables.
-- Run by the store after every CSV load, for the months it touched.
-- Params: $start (first month, DATE), $end (first day after the last month, DATE).
-- Answered calls use CBT007 where published, else CBT003, as NHS England's workbook does.
-- Outcomes come from By Day and Time; where only By Durations covers a unit-month, from its
-- TOTAL rows. Wait and duration bands come from the bucket families.
-- Published files leave out zero rows, so an indicator or band with no row is 0 wherever that
-- file family covers the unit-month, and NULL (not known) where it does not.
INSERT INTO daily_month
-- Each fact table is first summed to unit x month x indicator (x band) on small integer keys,
-- which is cheap; the columns are then set side by side from that much smaller result.
WITH band_sums AS (
    SELECT date_trunc('month', date)::DATE AS month, unit_id, indicator, sum(value) AS value
    FROM calls_by_band
    WHERE date >= $start AND date < $end
    GROUP BY ALL
),
bucket_sums AS (
    SELECT c.month, c.unit_id, b.family, c.indicator, b.wait_band, sum(c.value) AS value
    FROM (SELECT date_trunc('month', date)::DATE AS month, unit_id, bucket_id, indicator, sum(value) AS value
          FROM bucket_counts
          WHERE date >= $start AND date < $end
          GROUP BY ALL) c
    JOIN buckets b USING (bucket_id)
    GROUP BY ALL
),
band AS (
    SELECT month, unit_id,
           coalesce(sum(value) FILTER (WHERE indicator = 1), 0) AS inbound,
           coalesce(sum(value) FILTER (WHERE indicator = 7), sum(value) FILTER (WHERE indicator = 3), 0) AS answered,
           coalesce(sum(value) FILTER (WHERE indicator = 2), 0) AS ivr,
           coalesce(sum(value) FILTER (WHERE indicator = 5), 0) AS callback_requested,
           coalesce(sum(value) FILTER (WHERE indicator = 6), 0) AS callback_made,
           coalesce(sum(value) FILTER (WHERE indicator = 4), 0) AS missed
    FROM band_sums
    GROUP BY ALL
),
bucket AS (
    SELECT month, unit_id,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 1), 0) END AS inbound,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 7),
                    sum(value) FILTER (WHERE family = 'durations' AND indicator = 3), 0) END AS answered,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 2), 0) END AS ivr,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 5), 0) END AS callback_requested,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 6), 0) END AS callback_made,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 4), 0) END AS missed,
           CASE WHEN bool_or(family = 'answered_wait') THEN coalesce(sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 0), 0) END AS answered_wait_0,
           CASE WHEN bool_or(family = 'answered_wait') THEN coalesce(sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 1), 0) END AS answered_wait_1,
           CASE WHEN bool_or(family = 'answered_wait') THEN coalesce(sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 2), 0) END AS answered_wait_2,
           CASE WHEN bool_or(family = 'answered_wait') THEN coalesce(sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 3), 0) END AS answered_wait_3,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 0), 0) END AS answered_duration_0,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 1), 0) END AS answered_duration_1,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 2), 0) END AS answered_duration_2,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 3), 0) END AS answered_duration_3,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 0), 0) END AS missed_wait_0,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 1), 0) END AS missed_wait_1,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 2), 0) END AS missed_wait_2,
           CASE WHEN bool_or(family = 'durations') THEN coalesce(sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 3), 0) END AS missed_wait_3
    FROM bucket_sums
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
