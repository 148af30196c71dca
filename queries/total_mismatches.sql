-- Returns: every check of a loaded file against the file's own totals that did not match (a
-- workbook's national Total rows; By Day and Time against By Durations), with its size, for
-- the months the file still supplies between $start and $end.
-- Grain: file x check x month. Params: $start, $end (first days of months).
WITH supplied AS (SELECT DISTINCT source_id, month FROM coverage)
SELECT s.file_name, m.month, r.check_name, r.expected, r.actual, r.actual - r.expected AS difference
FROM reconciliation r
JOIN sources s USING (source_id)
JOIN supplied m USING (source_id)
WHERE NOT r.ok AND s.status = 'loaded' AND m.month BETWEEN $start AND $end
ORDER BY m.month, s.file_name, r.check_name
