-- Element values per scope: each unit, and 'ALL' (the whole town) as the sum over units of the
-- units' period values (so the backlog rule is applied per unit before adding units up).
CREATE OR REPLACE VIEW v_scope_period_value AS
WITH town AS (
    SELECT
        year,
        period,
        'ALL' AS scope,
        element,
        CAST(sum(value) AS BIGINT) AS value,
        count(value) AS units_reported
    FROM v_unit_period_value
    GROUP BY year, period, element
)
SELECT year, period, unit AS scope, element, value,
       CASE WHEN value IS NULL THEN 0 ELSE 1 END AS units_reported
FROM v_unit_period_value
UNION ALL
SELECT year, period, scope, element, value, units_reported
FROM town;
