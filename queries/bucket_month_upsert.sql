-- Writes bucket_month rows (grain: unit x month) from temp table bucket_sums (month, unit_id, family,
-- indicator, wait_band, value: both bucket families summed; see bucket_month_sums.sql). No params.
-- Outcomes from By Durations' TOTAL rows (where only By Durations covers a unit-month, the
-- monthly outcomes come from here); wait and duration bands from both bucket families.
-- Published files leave out zero rows, so a band with no row is 0 wherever that file family
-- covers the unit-month, and NULL (not known) where it does not.
-- A row already there keeps the columns of a family bucket_sums does not hold (a load of one
-- family leaves the other's figures as they were).
INSERT INTO bucket_month
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
ON CONFLICT (month, unit_id) DO UPDATE SET
    inbound = coalesce(excluded.inbound, bucket_month.inbound),
    answered = coalesce(excluded.answered, bucket_month.answered),
    ivr = coalesce(excluded.ivr, bucket_month.ivr),
    callback_requested = coalesce(excluded.callback_requested, bucket_month.callback_requested),
    callback_made = coalesce(excluded.callback_made, bucket_month.callback_made),
    missed = coalesce(excluded.missed, bucket_month.missed),
    answered_wait_0 = coalesce(excluded.answered_wait_0, bucket_month.answered_wait_0),
    answered_wait_1 = coalesce(excluded.answered_wait_1, bucket_month.answered_wait_1),
    answered_wait_2 = coalesce(excluded.answered_wait_2, bucket_month.answered_wait_2),
    answered_wait_3 = coalesce(excluded.answered_wait_3, bucket_month.answered_wait_3),
    answered_duration_0 = coalesce(excluded.answered_duration_0, bucket_month.answered_duration_0),
    answered_duration_1 = coalesce(excluded.answered_duration_1, bucket_month.answered_duration_1),
    answered_duration_2 = coalesce(excluded.answered_duration_2, bucket_month.answered_duration_2),
    answered_duration_3 = coalesce(excluded.answered_duration_3, bucket_month.answered_duration_3),
    missed_wait_0 = coalesce(excluded.missed_wait_0, bucket_month.missed_wait_0),
    missed_wait_1 = coalesce(excluded.missed_wait_1, bucket_month.missed_wait_1),
    missed_wait_2 = coalesce(excluded.missed_wait_2, bucket_month.missed_wait_2),
    missed_wait_3 = coalesce(excluded.missed_wait_3, bucket_month.missed_wait_3);
