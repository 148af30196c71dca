-- Rebuilds band_month rows (grain: unit x month) from calls_by_band, for the months a load touched.
-- Params: $start (first month, DATE), $end (first day after the last month, DATE).
-- Answered calls use CBT007 where published, else CBT003, as NHS England's workbook does.
-- Published files leave out zero rows, so an indicator with no row is 0.
INSERT INTO band_month
-- Summed to unit x month x indicator on small integer keys first (cheap), then set side by side.
WITH sums AS (
    SELECT date_trunc('month', date)::DATE AS month, unit_id, indicator, sum(value) AS value
    FROM calls_by_band
    WHERE date >= $start AND date < $end
    GROUP BY ALL
)
SELECT month, unit_id,
       coalesce(sum(value) FILTER (WHERE indicator = 1), 0) AS inbound,
       coalesce(sum(value) FILTER (WHERE indicator = 7), sum(value) FILTER (WHERE indicator = 3), 0) AS answered,
       coalesce(sum(value) FILTER (WHERE indicator = 2), 0) AS ivr,
       coalesce(sum(value) FILTER (WHERE indicator = 5), 0) AS callback_requested,
       coalesce(sum(value) FILTER (WHERE indicator = 6), 0) AS callback_made,
       coalesce(sum(value) FILTER (WHERE indicator = 4), 0) AS missed
FROM sums
GROUP BY ALL;
