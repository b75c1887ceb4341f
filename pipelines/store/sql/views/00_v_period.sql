-- Report periods and how they relate, defined once for the views, the command line and the pages.
-- A period is *cumulative* when its quarters run without a gap from the plan's first quarter
-- (Quý I, 6 tháng, 9 tháng, Năm); `cumulative_period` is the cumulative period that ends with the
-- same quarter as this one (Q2 → H1, Q3 → 9M, Q4 → Y; a cumulative period is its own).
CREATE OR REPLACE VIEW v_period AS
WITH span AS (
    SELECT pq.year, pq.period, min(pq.quarter) AS first_quarter, max(pq.quarter) AS last_quarter,
           count(*) AS n_quarters, array_agg(pq.quarter ORDER BY pq.quarter) AS quarters
    FROM dim_period_quarter AS pq
    GROUP BY pq.year, pq.period
),
plan_start AS (
    SELECT year, min(quarter) AS first_quarter FROM dim_quarter GROUP BY year
),
flagged AS (
    SELECT s.*, (s.first_quarter = ps.first_quarter AND s.n_quarters = s.last_quarter - s.first_quarter + 1)
               AS is_cumulative
    FROM span AS s JOIN plan_start AS ps USING (year)
)
SELECT
    f.year,
    f.period,
    p.name,
    p.sort,
    f.quarters,
    f.first_quarter,
    f.last_quarter,
    f.n_quarters = 1 AS is_single_quarter,
    f.is_cumulative,
    c.period AS cumulative_period
FROM flagged AS f
JOIN dim_period AS p ON p.year = f.year AND p.code = f.period
LEFT JOIN flagged AS c ON c.year = f.year AND c.last_quarter = f.last_quarter AND c.is_cumulative;
