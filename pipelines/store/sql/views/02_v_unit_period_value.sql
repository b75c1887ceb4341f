-- Each unit's value of each element over each report period (Q1..Q4, H1, 9M, Y).
-- `sum` elements add the quarters; `first` elements (backlogs) take the value of the earliest
-- quarter in the period that the unit reported: a backlog at the start of the period, not a sum.
-- A backlog that grows more than its own flows explain (a later quarter's backlog above what the
-- unit's previous reported quarter carried over: cases transferred in, or flows of a quarter not
-- reported) adds that excess: it too had to be handled in the period. With backlogs that follow
-- from quarter to quarter this is exactly the earliest backlog; it keeps Σ outflow ≤ backlog +
-- Σ inflow, so a rate the plan's rules bound per quarter stays within 0..100 % over several.
CREATE OR REPLACE VIEW v_unit_period_value AS
WITH in_period AS NOT MATERIALIZED (  -- inlined where it is used, so a filter on unit or year reaches
    -- the ledger (PostgreSQL materialises a CTE used twice: every year and unit, before the filter)
    SELECT pq.year, pq.period, cv.unit, cv.element, cv.quarter, cv.value
    FROM dim_period_quarter AS pq
    JOIN v_current_value AS cv ON cv.year = pq.year AND cv.quarter = pq.quarter
),
carried AS (  -- what each unit's reported quarter carries over into the next: backlog + inflow - outflow
    -- (one pass over the values, each rule's three elements signed and summed, rather than three joins of
    -- the values to themselves: PostgreSQL misjudged those joins' sizes and built millions of rows).
    -- Only quarters whose three counts all carry a number: one left blank carries nothing over.
    SELECT cv.year, cv.unit, cv.quarter, c.backlog AS element,
           sum(CASE WHEN cv.element = c.outflow THEN -cv.value ELSE cv.value END) AS carried
    FROM dim_carry_over AS c
    JOIN v_current_value AS cv ON cv.year = c.year AND cv.element IN (c.backlog, c.inflow, c.outflow)
    GROUP BY cv.year, cv.unit, cv.quarter, c.backlog
    HAVING count(cv.value) = 3  -- one row per unit, quarter and element: the three, each with a number
),
backlog_steps AS (  -- each reported backlog after the first in the period, with the quarter before it
    SELECT ip.year, ip.period, ip.unit, ip.element, ip.quarter, ip.value,
           lag(ip.quarter) OVER (PARTITION BY ip.year, ip.period, ip.unit, ip.element ORDER BY ip.quarter) AS previous
    FROM in_period AS ip
    JOIN dim_carry_over AS c ON c.year = ip.year AND c.backlog = ip.element
    WHERE ip.value IS NOT NULL
),
unexplained AS (
    SELECT s.year, s.period, s.unit, s.element, sum(greatest(s.value - ca.carried, 0)) AS excess
    FROM backlog_steps AS s
    JOIN carried AS ca ON ca.year = s.year AND ca.unit = s.unit AND ca.quarter = s.previous AND ca.element = s.element
    GROUP BY s.year, s.period, s.unit, s.element
),
aggregated AS (
    SELECT
        ip.year,
        ip.period,
        ip.unit,
        ip.element,
        e.over_time,
        sum(ip.value) AS summed,
        (array_agg(ip.value ORDER BY ip.quarter) FILTER (WHERE ip.value IS NOT NULL))[1] AS earliest,
        count(ip.value) AS quarters_reported
    FROM in_period AS ip
    JOIN dim_element AS e ON e.year = ip.year AND e.code = ip.element
    GROUP BY ip.year, ip.period, ip.unit, ip.element, e.over_time  -- one element, one over_time
)
SELECT
    a.year,
    a.period,
    a.unit,
    a.element,
    CAST(CASE a.over_time WHEN 'first' THEN a.earliest + coalesce(u.excess, 0) ELSE a.summed END AS BIGINT) AS value,
    a.quarters_reported
FROM aggregated AS a
LEFT JOIN unexplained AS u
    ON u.year = a.year AND u.period = a.period AND u.unit = a.unit AND u.element = a.element;
