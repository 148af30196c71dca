-- Returns: inbound calls (CBT001) by weekday and time band for one area over the period, with
-- the average per day of that weekday and the share of the period's calls. Bank holidays are
-- kept out of the weekday cells and counted in their own row (weekday 8) so a quiet holiday
-- Monday does not lower the Monday average.
-- Grain: area x weekday x time band. Params: $level, $code, $start, $end (first days of months).
WITH days AS (
    SELECT b.date, b.band, sum(b.value) AS calls
    FROM area_band b
    WHERE b.level = $level AND (b.area_code = $code OR $level = 'england') AND b.indicator = 1
      AND b.date >= $start AND b.date < $end + INTERVAL 1 MONTH
    GROUP BY ALL
),
tagged AS (
    SELECT d.*, CASE WHEN h.date IS NOT NULL THEN 8 ELSE isodow(d.date) END AS weekday
    FROM days d LEFT JOIN bank_holidays h USING (date)
),
day_counts AS (
    SELECT weekday, count(DISTINCT date) AS days FROM tagged GROUP BY weekday
)
SELECT t.weekday, t.band, sum(t.calls) AS calls, dc.days,
       sum(t.calls) / dc.days AS calls_per_day,
       sum(t.calls) / sum(sum(t.calls)) OVER () AS share_of_period
FROM tagged t JOIN day_counts dc USING (weekday)
GROUP BY t.weekday, t.band, dc.days
ORDER BY t.weekday, t.band;
