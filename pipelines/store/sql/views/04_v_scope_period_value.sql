-- Element values per scope: each unit, each area of the hierarchy (district, province, country …)
-- and 'ALL' (every unit of the plan), as the sum over the units under the scope of the units'
-- period values — so the backlog rule (`first`) is applied per unit before units are added up, at
-- every level alike. `units_reported` counts the units under the scope that reported the element.
-- It reads the units' values from their mart (03_mart_unit_period_value.sql), not the live view.
CREATE OR REPLACE VIEW v_scope_period_value AS
WITH unit_in_scope AS (
    SELECT year, ancestor AS scope, descendant AS unit
    FROM dim_scope_tree
    WHERE is_unit
)
SELECT
    v.year,
    v.period,
    s.scope,
    v.element,
    CAST(sum(v.value) AS BIGINT) AS value,
    count(v.value) AS units_reported
FROM mart_unit_period_value AS v
JOIN unit_in_scope AS s ON s.year = v.year AND s.unit = v.unit
GROUP BY v.year, v.period, s.scope, v.element;
