-- Returns: every PCN with data loaded, for the PCN picker: code, name, ICB, first and last month
-- with data, practices reporting in the latest month and member practices (where a membership
-- file is loaded).
-- Grain: PCN. Params: none. Ordered by name, never by a metric.
WITH months AS (
    SELECT area_code AS pcn_code, min(month) AS first_month, max(month) AS last_month,
           arg_max(practices_reporting, month) AS practices_reporting
    FROM area_metrics(DATE '1900-01-01', DATE '9999-12-01', true)
    WHERE level = 'pcn' GROUP BY area_code
),
icb AS (
    SELECT pcn_code, mode(icb_code) AS icb_code
    FROM units WHERE regexp_full_match(pcn_code, 'U\d{5}') AND icb_code <> 'Unmapped' GROUP BY pcn_code
),
members AS (
    SELECT pcn_code, count(DISTINCT practice_code) AS members
    FROM pcn_membership WHERE valid_to IS NULL OR valid_to >= current_date GROUP BY pcn_code
)
SELECT m.pcn_code, coalesce(n.name, m.pcn_code) AS pcn_name, i.icb_code,
       coalesce(ni.name, i.icb_code) AS icb_name, m.first_month, m.last_month,
       m.practices_reporting, mem.members
FROM months m
LEFT JOIN org_names n ON n.level = 'pcn' AND n.code = m.pcn_code
LEFT JOIN icb i USING (pcn_code)
LEFT JOIN org_names ni ON ni.level = 'icb' AND ni.code = i.icb_code
LEFT JOIN members mem USING (pcn_code)
ORDER BY pcn_name, m.pcn_code;
