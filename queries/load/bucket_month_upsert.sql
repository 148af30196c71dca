-- Writes bucket_month rows (grain: unit x month) from temp table bucket_sums (month, unit_id, family,
-- indicator, wait_band, value: both bucket families summed; see bucket_month_sums.sql). No params.
-- Outcomes from By Durations (where only By Durations covers a unit-month, the monthly outcomes
-- come from here); wait and duration bands from both bucket families.
-- An indicator's count is its TOTAL rows where it has any, else the sum of its bucket rows: By
-- Durations may publish CBT003 (and others) by bucket instead of, or besides, TOTAL, and a count
-- must never add both.
-- By Durations' CBT003 wait buckets go to durations_answered_wait_*; which answered waits a
-- figure uses is decided once, in refresh_daily_month.sql.
-- Published files leave out zero rows, so a band with no row is 0 wherever that file family
-- covers the unit-month, and NULL (not known) where it does not.
-- A row already there keeps the columns of a family bucket_sums does not hold (a load of one
-- family leaves the other's figures as they were).
INSERT INTO bucket_month
WITH counts AS (
    SELECT month, unit_id, family, indicator,
           coalesce(sum(value) FILTER (WHERE wait_band IS NULL), sum(value)) AS calls
    FROM bucket_sums GROUP BY ALL
),
calls AS (
    SELECT month, unit_id,
           bool_or(family = 'durations') AS dur,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 1) AS c1,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 2) AS c2,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 3) AS c3,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 4) AS c4,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 5) AS c5,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 6) AS c6,
           sum(calls) FILTER (WHERE family = 'durations' AND indicator = 7) AS c7
    FROM counts GROUP BY ALL
),
bands AS (
    SELECT month, unit_id,
           bool_or(family = 'answered_wait') AS ans,
           bool_or(family = 'durations' AND indicator = 3 AND wait_band IS NOT NULL) AS dur_waits,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 0) AS aw0,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 1) AS aw1,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 2) AS aw2,
           sum(value) FILTER (WHERE family = 'answered_wait' AND indicator = 3 AND wait_band = 3) AS aw3,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 0) AS ad0,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 1) AS ad1,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 2) AS ad2,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 7 AND wait_band = 3) AS ad3,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 0) AS mw0,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 1) AS mw1,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 2) AS mw2,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 4 AND wait_band = 3) AS mw3,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 3 AND wait_band = 0) AS dw0,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 3 AND wait_band = 1) AS dw1,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 3 AND wait_band = 2) AS dw2,
           sum(value) FILTER (WHERE family = 'durations' AND indicator = 3 AND wait_band = 3) AS dw3
    FROM bucket_sums GROUP BY ALL
)
SELECT month, unit_id,
       CASE WHEN dur THEN coalesce(c1, 0) END AS inbound,
       CASE WHEN dur THEN coalesce(c7, c3, 0) END AS answered,
       CASE WHEN dur THEN coalesce(c2, 0) END AS ivr,
       CASE WHEN dur THEN coalesce(c5, 0) END AS callback_requested,
       CASE WHEN dur THEN coalesce(c6, 0) END AS callback_made,
       CASE WHEN dur THEN coalesce(c4, 0) END AS missed,
       CASE WHEN ans THEN coalesce(aw0, 0) END AS answered_wait_0,
       CASE WHEN ans THEN coalesce(aw1, 0) END AS answered_wait_1,
       CASE WHEN ans THEN coalesce(aw2, 0) END AS answered_wait_2,
       CASE WHEN ans THEN coalesce(aw3, 0) END AS answered_wait_3,
       CASE WHEN dur THEN coalesce(ad0, 0) END AS answered_duration_0,
       CASE WHEN dur THEN coalesce(ad1, 0) END AS answered_duration_1,
       CASE WHEN dur THEN coalesce(ad2, 0) END AS answered_duration_2,
       CASE WHEN dur THEN coalesce(ad3, 0) END AS answered_duration_3,
       CASE WHEN dur THEN coalesce(mw0, 0) END AS missed_wait_0,
       CASE WHEN dur THEN coalesce(mw1, 0) END AS missed_wait_1,
       CASE WHEN dur THEN coalesce(mw2, 0) END AS missed_wait_2,
       CASE WHEN dur THEN coalesce(mw3, 0) END AS missed_wait_3,
       -- Known only where the By Durations file gives CBT003 by wait bucket at all.
       CASE WHEN dur_waits THEN coalesce(dw0, 0) END AS durations_answered_wait_0,
       CASE WHEN dur_waits THEN coalesce(dw1, 0) END AS durations_answered_wait_1,
       CASE WHEN dur_waits THEN coalesce(dw2, 0) END AS durations_answered_wait_2,
       CASE WHEN dur_waits THEN coalesce(dw3, 0) END AS durations_answered_wait_3
FROM calls JOIN bands USING (month, unit_id)
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
    missed_wait_3 = coalesce(excluded.missed_wait_3, bucket_month.missed_wait_3),
    -- A By Durations file without CBT003 wait buckets clears those of the file it replaces
    -- (excluded.inbound is known exactly where By Durations is loaded).
    durations_answered_wait_0 = CASE WHEN excluded.inbound IS NOT NULL THEN excluded.durations_answered_wait_0
                                     ELSE bucket_month.durations_answered_wait_0 END,
    durations_answered_wait_1 = CASE WHEN excluded.inbound IS NOT NULL THEN excluded.durations_answered_wait_1
                                     ELSE bucket_month.durations_answered_wait_1 END,
    durations_answered_wait_2 = CASE WHEN excluded.inbound IS NOT NULL THEN excluded.durations_answered_wait_2
                                     ELSE bucket_month.durations_answered_wait_2 END,
    durations_answered_wait_3 = CASE WHEN excluded.inbound IS NOT NULL THEN excluded.durations_answered_wait_3
                                     ELSE bucket_month.durations_answered_wait_3 END;
