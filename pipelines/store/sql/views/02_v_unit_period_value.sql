-- Each unit's value of each element over each report period (Q1..Q4, H1, 9M, Y).
-- `sum` elements add the quarters; `first` elements (backlogs) take the value of the earliest
-- quarter in the period that the unit reported: a backlog at the start of the period, not a sum.
CREATE OR REPLACE VIEW v_unit_period_value AS
WITH in_period AS (
    SELECT pq.year, pq.period, cv.unit, cv.element, cv.quarter, cv.value
    FROM dim_period_quarter AS pq
    JOIN v_current_value AS cv ON cv.year = pq.year AND cv.quarter = pq.quarter
),
aggregated AS (
    SELECT
        ip.year,
        ip.period,
        ip.unit,
        ip.element,
        any_value(e.over_time) AS over_time,
        sum(ip.value) AS summed,
        arg_min(ip.value, ip.quarter) FILTER (WHERE ip.value IS NOT NULL) AS earliest,
        count(ip.value) AS quarters_reported
    FROM in_period AS ip
    JOIN dim_element AS e ON e.year = ip.year AND e.code = ip.element
    GROUP BY ip.year, ip.period, ip.unit, ip.element
)
SELECT
    year,
    period,
    unit,
    element,
    CAST(CASE over_time WHEN 'first' THEN earliest ELSE summed END AS BIGINT) AS value,
    quarters_reported
FROM aggregated;
