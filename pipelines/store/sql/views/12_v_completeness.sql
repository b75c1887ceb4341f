-- Completeness of every unit's report, per quarter of the plan: whether a current (accepted) version
-- exists, how many of the elements the unit's template asks for carry a number, were left blank
-- (NULL: not reported), or are missing from the file altogether (no row for the element).
CREATE OR REPLACE VIEW v_completeness AS
WITH expected AS (
    SELECT ue.year, q.quarter, ue.unit, ue.element, e.sort AS element_sort
    FROM dim_unit_element AS ue
    JOIN dim_quarter AS q ON q.year = ue.year
    JOIN dim_element AS e ON e.year = ue.year AND e.code = ue.element
),
current_submission AS (
    SELECT id, unit, year, quarter FROM submission WHERE is_current
)
SELECT
    x.year,
    x.quarter,
    x.unit,
    s.id AS submission_id,
    s.id IS NOT NULL AS reported,
    count(*) AS elements_expected,
    count(v.value) AS elements_with_value,
    count(*) FILTER (WHERE v.element IS NOT NULL AND v.value IS NULL) AS elements_blank,
    coalesce(array_agg(x.element ORDER BY x.element_sort) FILTER (WHERE s.id IS NOT NULL AND v.element IS NULL),
             CAST(ARRAY[] AS VARCHAR[])) AS elements_missing
FROM expected AS x
LEFT JOIN current_submission AS s ON s.unit = x.unit AND s.year = x.year AND s.quarter = x.quarter
LEFT JOIN submission_value AS v ON v.submission_id = s.id AND v.element = x.element
GROUP BY x.year, x.quarter, x.unit, s.id;  -- one current submission per unit and quarter, or none
