-- Reporting timeliness of every unit and quarter judged at `as_of` (UTC), by the rule of
-- 08c_timeliness_at.sql, with how many versions of the unit's report had come by then
-- (files received after `as_of` did not exist yet, so they are not counted). A subquery, not a WITH,
-- as in 08c: PostgreSQL then folds the function into its caller and counts one year's files only.
CREATE OR REPLACE MACRO compliance_at(as_of) AS TABLE
SELECT
    t.year,
    t.quarter,
    t.unit,
    u.sort AS unit_sort,
    t.due,
    t.due_end_utc,
    t.received_at,
    coalesce(v.versions, 0) AS versions,
    t.status
FROM timeliness_at(as_of) AS t
JOIN dim_unit AS u ON u.year = t.year AND u.code = t.unit
LEFT JOIN (
    SELECT unit, year, quarter, count(*) AS versions
    FROM submission
    WHERE received_at <= as_of
    GROUP BY unit, year, quarter
) AS v ON v.unit = t.unit AND v.year = t.year AND v.quarter = t.quarter;
