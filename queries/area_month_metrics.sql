-- Returns: every headline metric (counts, shares, bands, rate, balance gap, coverage) per month.
-- Grain: area x month, for one area: a PCN, an ICB or England.
-- Params: $level ('pcn' | 'icb' | 'england'), $code (the area's code; any text for england),
--         $start, $end (DATE, first days of the first and last month, inclusive).
SELECT m.*, n.name AS area_name
FROM area_metrics($start, $end, true) m
LEFT JOIN org_names n ON n.level = m.level AND n.code = m.area_code
WHERE m.level = $level
  AND (m.area_code = $code OR $level = 'england')
ORDER BY m.month;
