-- Rebuilds bucket_month rows (grain: unit x month) from bucket_counts, for the months a load
-- touched. Params: $start (first month, DATE), $end (first day after the last month, DATE).
-- Outcomes from By Durations' TOTAL rows (where only By Durations covers a unit-month, the
-- monthly outcomes come from here); wait and duration bands from both bucket families.
-- Published files leave out zero rows, so a band with no row is 0 wherever that file family
-- covers the unit-month, and NULL (not known) where it does not.
INSERT INTO bucket_month
-- Summed to unit x month x bucket on small integer keys first (cheap), then set side by side.
WITH bucket_sums AS (
    SELECT c.month, c.unit_id, b.family, c.indicator, b.wait_band, sum(c.value) AS value
    FROM (SELECT date_trunc('month', date)::DATE AS month, unit_id, bucket_id, indicator, sum(value) AS value
          FROM bucket_counts
          WHERE date >= $start AND date < $end
          GROUP BY ALL) c
    JOIN buckets b USING (bucket_id)
    GROUP BY ALL
)
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
GROUP BY ALL;
