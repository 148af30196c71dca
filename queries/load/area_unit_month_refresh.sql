-- Writes area_unit_month_rows (grain: area x unit x month, each area a unit belongs to) for
-- every month from $since on, from its definition, the view area_unit_month_source
-- (queries/staging/views.sql); the caller has deleted those months (telephony.model.
-- refresh_areas). Sorted by area and month, so a query for one area reads only its rows.
-- Params: $since (DATE, the first month a load changed).
INSERT INTO area_unit_month_rows
SELECT * FROM area_unit_month_source WHERE month >= $since ORDER BY level, area_code, month
