-- Returns: every headline metric per month for one area, with the month's working days (Monday to
-- Friday less England's bank holidays, from the bank_holidays table), for per-working-day measures.
-- Grain: area x month, for one area: a PCN, an ICB or England.
-- Params: $level ('pcn' | 'icb' | 'england'), $code (the area's code; any text for england),
--         $start, $end (DATE, first days of the first and last month, inclusive).
WITH m AS (
    SELECT *
    FROM area_metrics($start, $end, true)
    WHERE level = $level
      AND (area_code = $code OR $level = 'england')
),
days AS (
    SELECT month, unnest(generate_series(month, month + INTERVAL 1 MONTH - INTERVAL 1 DAY, INTERVAL 1 DAY))::DATE AS day
    FROM (SELECT DISTINCT month FROM m)
),
working AS (
    SELECT month, count(*) FILTER (WHERE isodow(day) <= 5 AND day NOT IN (SELECT date FROM bank_holidays))
               AS working_days
    FROM days
    GROUP BY month
)
SELECT m.*, w.working_days
FROM m JOIN working w USING (month)
ORDER BY m.month;
