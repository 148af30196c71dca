-- Returns: calls from the loaded call logs (every outcome: CBT001) for one PCN by weekday and
-- time of day in steps of $minutes (30 or 60), with the average per day of that weekday and the
-- share of the period's calls. Days are the days the logs cover; bank holidays are their own
-- row (weekday 8), as on the Demand page.
-- Grain: PCN x weekday x $minutes slot. Params: $pcn, $start, $end (first days of months), $minutes.
WITH calls AS (
    SELECT s.date, (s.slot::INTEGER * 30) // $minutes * $minutes AS minute, sum(s.calls) AS calls
    FROM call_log_slots s JOIN units u USING (unit_id)
    WHERE u.pcn_code = $pcn AND s.date >= $start AND s.date < $end + INTERVAL 1 MONTH
    GROUP BY ALL
),
tagged AS (
    SELECT d.date, CASE WHEN h.date IS NOT NULL THEN 8 ELSE isodow(d.date) END AS weekday
    FROM (SELECT DISTINCT date FROM calls) d LEFT JOIN bank_holidays h USING (date)
),
day_counts AS (SELECT weekday, count(*) AS days FROM tagged GROUP BY weekday)
SELECT t.weekday, c.minute, sum(c.calls) AS calls, dc.days,
       sum(c.calls) / dc.days AS calls_per_day,
       sum(c.calls) / sum(sum(c.calls)) OVER () AS share_of_period
FROM calls c JOIN tagged t USING (date) JOIN day_counts dc USING (weekday)
GROUP BY t.weekday, c.minute, dc.days
ORDER BY t.weekday, c.minute;
