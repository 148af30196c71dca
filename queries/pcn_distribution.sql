-- Returns: for each headline metric, anonymous deciles across all PCNs of a scope (the PCN's
-- ICB, or England) over the period, and the chosen PCN's own value. No PCN is named or ranked.
-- Grain: scope x metric. Params: $pcn, $icb, $start, $end.
WITH pcn AS (
    SELECT m.area_code, m.answered_share, m.ivr_share, m.callback_requested_share, m.missed_share,
           m.answered_within_2min_share, m.calls_per_1000, m.callback_made_ratio
    FROM area_metrics($start, $end, false) m
    WHERE m.level = 'pcn' AND m.inbound > 0
),
pcn_icb AS (
    SELECT pcn_code AS area_code, mode(icb_code) AS icb_code FROM units
    WHERE regexp_full_match(pcn_code, 'U\d{5}') AND icb_code <> 'Unmapped' GROUP BY pcn_code
),
long AS (
    UNPIVOT (SELECT p.*, i.icb_code FROM pcn p LEFT JOIN pcn_icb i USING (area_code))
    ON answered_share, ivr_share, callback_requested_share, missed_share, answered_within_2min_share,
       calls_per_1000, callback_made_ratio
    INTO NAME metric VALUE value
),
scoped AS (
    SELECT 'icb' AS scope, * FROM long WHERE icb_code = $icb
    UNION ALL
    SELECT 'england' AS scope, * FROM long
)
SELECT scope, metric,
       count(*) AS pcns,
       quantile_cont(value, 0.1) AS p10, quantile_cont(value, 0.2) AS p20,
       quantile_cont(value, 0.3) AS p30, quantile_cont(value, 0.4) AS p40,
       quantile_cont(value, 0.5) AS p50, quantile_cont(value, 0.6) AS p60,
       quantile_cont(value, 0.7) AS p70, quantile_cont(value, 0.8) AS p80,
       quantile_cont(value, 0.9) AS p90,
       max(value) FILTER (WHERE area_code = $pcn) AS pcn_value
FROM scoped
GROUP BY scope, metric
ORDER BY scope, metric;
