-- Returns: for each month loaded, what the store holds: practices and shared accounts reporting,
-- inbound calls, and which kinds of file cover the month.
-- Grain: month. Params: none.
WITH cov AS (
    SELECT c.month,
           bool_or(c.family = 'workbook') AS has_workbook,
           bool_or(c.family = 'by_day_time') AS has_day_and_time,
           bool_or(c.family = 'durations') AS has_durations,
           bool_or(c.family = 'answered_wait') AS has_answered_metric
    FROM coverage c GROUP BY c.month
)
SELECT m.month, m.practices_reporting,
       m.inbound, m.shared_account_inbound,
       cov.has_workbook, cov.has_day_and_time, cov.has_durations, cov.has_answered_metric
FROM area_metrics(DATE '1900-01-01', DATE '9999-12-01', true) m
LEFT JOIN cov USING (month)
WHERE m.level = 'england'
ORDER BY m.month;
