-- Writes band_month rows (grain: unit x month) from temp table band_sums (month, unit_id,
-- indicator, value: calls_by_band summed; see band_month_sums.sql), replacing the rows of the
-- unit-months it holds. No params.
-- Answered calls use CBT007 where published, else CBT003, as NHS England's workbook does.
-- Published files leave out zero rows, so an indicator with no row is 0.
INSERT INTO band_month
SELECT month, unit_id,
       coalesce(sum(value) FILTER (WHERE indicator = 1), 0) AS inbound,
       coalesce(sum(value) FILTER (WHERE indicator = 7), sum(value) FILTER (WHERE indicator = 3), 0) AS answered,
       coalesce(sum(value) FILTER (WHERE indicator = 2), 0) AS ivr,
       coalesce(sum(value) FILTER (WHERE indicator = 5), 0) AS callback_requested,
       coalesce(sum(value) FILTER (WHERE indicator = 6), 0) AS callback_made,
       coalesce(sum(value) FILTER (WHERE indicator = 4), 0) AS missed
FROM band_sums
GROUP BY ALL
ON CONFLICT (month, unit_id) DO UPDATE SET
    inbound = excluded.inbound, answered = excluded.answered, ivr = excluded.ivr,
    callback_requested = excluded.callback_requested, callback_made = excluded.callback_made,
    missed = excluded.missed;
