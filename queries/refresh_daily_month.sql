-- Rebuilds daily_month rows (grain: unit x month) for the months a load touched, from the two
-- monthly summaries (band_month, bucket_month; small). Params: $start, $end (as those).
-- Outcomes come from By Day and Time; where only By Durations covers a unit-month, from its
-- TOTAL rows. Wait and duration bands come from the bucket families.
INSERT INTO daily_month
WITH band AS (SELECT * FROM band_month WHERE month >= $start AND month < $end),
bucket AS (SELECT * FROM bucket_month WHERE month >= $start AND month < $end)
SELECT coalesce(b.month, k.month), coalesce(b.unit_id, k.unit_id),
       coalesce(b.inbound, k.inbound), coalesce(b.answered, k.answered), coalesce(b.ivr, k.ivr),
       coalesce(b.callback_requested, k.callback_requested), coalesce(b.callback_made, k.callback_made),
       coalesce(b.missed, k.missed),
       k.answered_wait_0, k.answered_wait_1, k.answered_wait_2, k.answered_wait_3,
       k.answered_duration_0, k.answered_duration_1, k.answered_duration_2, k.answered_duration_3,
       k.missed_wait_0, k.missed_wait_1, k.missed_wait_2, k.missed_wait_3
FROM band b FULL OUTER JOIN bucket k ON b.month = k.month AND b.unit_id = k.unit_id;
