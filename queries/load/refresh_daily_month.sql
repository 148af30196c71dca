-- Rebuilds daily_month rows (grain: unit x month) for the months a load touched, from the two
-- monthly summaries (band_month, bucket_month; small). Params: $start, $end (as those).
-- Outcomes come from By Day and Time; where only By Durations covers a unit-month, from By
-- Durations. Duration and missed-wait bands come from By Durations.
-- Answered waits, the one place they are chosen: from a Calls Answered Metric file where one
-- covers the unit-month; else from By Durations' CBT003 wait buckets, where that file gives them;
-- never both (the four bands come whole from one file or the other).
INSERT INTO daily_month
WITH band AS (SELECT * FROM band_month WHERE month >= $start AND month < $end),
bucket AS (
    SELECT *, answered_wait_0 IS NOT NULL AS from_metric   -- NULL exactly where no Calls Answered Metric covers it
    FROM bucket_month WHERE month >= $start AND month < $end
)
SELECT coalesce(b.month, k.month), coalesce(b.unit_id, k.unit_id),
       coalesce(b.inbound, k.inbound), coalesce(b.answered, k.answered), coalesce(b.ivr, k.ivr),
       coalesce(b.callback_requested, k.callback_requested), coalesce(b.callback_made, k.callback_made),
       coalesce(b.missed, k.missed),
       CASE WHEN k.from_metric THEN k.answered_wait_0 ELSE k.durations_answered_wait_0 END,
       CASE WHEN k.from_metric THEN k.answered_wait_1 ELSE k.durations_answered_wait_1 END,
       CASE WHEN k.from_metric THEN k.answered_wait_2 ELSE k.durations_answered_wait_2 END,
       CASE WHEN k.from_metric THEN k.answered_wait_3 ELSE k.durations_answered_wait_3 END,
       k.answered_duration_0, k.answered_duration_1, k.answered_duration_2, k.answered_duration_3,
       k.missed_wait_0, k.missed_wait_1, k.missed_wait_2, k.missed_wait_3
FROM band b FULL OUTER JOIN bucket k ON b.month = k.month AND b.unit_id = k.unit_id;
