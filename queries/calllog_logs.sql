-- Returns: the supplier call logs loaded, each with the PCNs its calls are in, how many practices
-- (a count, never which), the dates it covers and its calls (as now held: a later log for the
-- same practice-days replaces an earlier one's).
-- Grain: call log x PCN. Params: none.
SELECT src.source_id, src.file_name, u.pcn_code, coalesce(n.name, u.pcn_code) AS pcn_name,
       count(DISTINCT u.practice_code) AS practices, min(s.date) AS first_date, max(s.date) AS last_date,
       sum(s.calls) AS calls
FROM call_log_slots s
JOIN units u USING (unit_id)
JOIN sources src USING (source_id)
LEFT JOIN org_names n ON n.level = 'pcn' AND n.code = u.pcn_code
GROUP BY src.source_id, src.file_name, u.pcn_code, n.name
ORDER BY src.source_id, pcn_name;
