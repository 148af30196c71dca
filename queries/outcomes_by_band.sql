-- Returns: calls by outcome and time band for one area over the period, from By Day and Time.
-- Answered uses CBT007 where published, else CBT003 (as NHS England's workbook does).
-- Grain: area x time band. Params: $level, $code, $start, $end (first days of months).
-- Summed by band and indicator first (two small integers: cheap over a year of England's rows),
-- then the indicators set side by side.
WITH by_indicator AS (
    SELECT band, indicator, sum(value) AS calls
    FROM area_band
    WHERE level = $level AND (area_code = $code OR $level = 'england')
      AND date >= $start AND date < $end + INTERVAL 1 MONTH
    GROUP BY band, indicator
),
b AS (
    SELECT band,
           sum(calls) FILTER (WHERE indicator = 1) AS inbound,
           coalesce(sum(calls) FILTER (WHERE indicator = 7), sum(calls) FILTER (WHERE indicator = 3)) AS answered,
           sum(calls) FILTER (WHERE indicator = 2) AS ended_in_ivr,
           sum(calls) FILTER (WHERE indicator = 5) AS callback_requested,
           sum(calls) FILTER (WHERE indicator = 4) AS missed
    FROM by_indicator
    GROUP BY band
)
SELECT *,
       metric_share(answered, inbound) AS answered_share,
       metric_share(ended_in_ivr, inbound) AS ivr_share,
       metric_share(callback_requested, inbound) AS callback_requested_share,
       metric_share(missed, inbound) AS missed_share,
       inbound - (answered + ended_in_ivr + callback_requested + missed) AS balance_gap
FROM b
ORDER BY band;
