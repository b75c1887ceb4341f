-- Timeliness rolled up to every scope (unit, area, 'ALL') and quarter, judged at `as_of` (UTC):
-- how many units under the scope were expected, and how many were on time, late, missing or not
-- yet due. The on-time rate is on_time ÷ units (counts summed first, then divided). A caller asking
-- for some scopes names them in a list (scope IN (…)): the filter then reaches the join below.
CREATE OR REPLACE MACRO compliance_rollup_at(as_of) AS TABLE
SELECT
    j.year,
    j.quarter,
    t.ancestor AS scope,
    count(*) AS units,
    count(*) FILTER (WHERE j.status = 'on_time') AS on_time,
    count(*) FILTER (WHERE j.status = 'late') AS late,
    count(*) FILTER (WHERE j.status = 'missing') AS missing,
    count(*) FILTER (WHERE j.status = 'pending') AS pending
FROM timeliness_at(as_of) AS j
JOIN dim_scope_tree AS t ON t.year = j.year AND t.descendant = j.unit AND t.is_unit
GROUP BY j.year, j.quarter, t.ancestor;
