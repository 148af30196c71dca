-- Returns: every headline metric for the chosen PCN, its ICB and England over the whole period,
-- side by side as reference values (never a rank).
-- Grain: area x period (three rows: pcn, icb, england).
-- Params: $pcn, $icb (codes), $start, $end (DATE, first days of the first and last month).
SELECT m.*, n.name AS area_name
FROM area_metrics($start, $end, false) m
LEFT JOIN org_names n ON n.level = m.level AND n.code = m.area_code
WHERE (m.level = 'pcn' AND m.area_code = $pcn)
   OR (m.level = 'icb' AND m.area_code = $icb)
   OR m.level = 'england'
ORDER BY CASE m.level WHEN 'pcn' THEN 1 WHEN 'icb' THEN 2 ELSE 3 END;
