-- What changed between a year's plan and the previous year's, so that two years are compared only
-- where a figure means the same thing. One row per element / indicator of a year whose previous
-- year also has a plan; `difference` is NULL when comparable, else why not:
--   element:   new_element | unit_of_measure | over_time | units_differ (a town total would add up
--              other units: the units asked to report it differ)
--   indicator: new_indicator | definition (other numerator/denominator elements) | element (one of
--              its elements is not comparable). A changed target alone keeps the rate comparable:
--              `target_changed` says so, with the previous target.
CREATE OR REPLACE VIEW v_element_change AS
WITH unit_sets AS (
    SELECT year, element, array_agg(unit ORDER BY unit) AS units
    FROM dim_unit_element
    GROUP BY year, element
)
SELECT
    c.year,
    c.code AS element,
    c.year - 1 AS previous_year,
    p.unit_of_measure AS previous_unit_of_measure,
    c.unit_of_measure,
    CASE
        WHEN p.code IS NULL THEN 'new_element'
        WHEN c.unit_of_measure <> p.unit_of_measure THEN 'unit_of_measure'
        WHEN c.over_time <> p.over_time THEN 'over_time'
        WHEN cu.units IS DISTINCT FROM pu.units THEN 'units_differ'
    END AS difference
FROM dim_element AS c
JOIN plans AS pl ON pl.year = c.year - 1
LEFT JOIN dim_element AS p ON p.year = c.year - 1 AND p.code = c.code
LEFT JOIN unit_sets AS cu ON cu.year = c.year AND cu.element = c.code
LEFT JOIN unit_sets AS pu ON pu.year = c.year - 1 AND pu.element = c.code;

CREATE OR REPLACE VIEW v_indicator_change AS
WITH terms AS (
    SELECT year, indicator,
           array_agg(element ORDER BY element) FILTER (WHERE role = 'numerator') AS numerator,
           array_agg(element ORDER BY element) FILTER (WHERE role = 'denominator') AS denominator
    FROM dim_indicator_term
    GROUP BY year, indicator
),
element_ok AS (
    SELECT t.year, t.indicator, bool_and(ec.difference IS NULL) AS all_comparable
    FROM dim_indicator_term AS t
    JOIN v_element_change AS ec ON ec.year = t.year AND ec.element = t.element
    GROUP BY t.year, t.indicator
)
SELECT
    c.year,
    c.code AS indicator,
    c.year - 1 AS previous_year,
    p.op AS previous_op,
    CAST(p.target AS DOUBLE PRECISION) AS previous_target,
    p.code IS NOT NULL AND (p.op <> c.op OR p.target <> c.target) AS target_changed,
    CASE
        WHEN p.code IS NULL THEN 'new_indicator'
        WHEN ct.numerator IS DISTINCT FROM pt.numerator OR ct.denominator IS DISTINCT FROM pt.denominator
            THEN 'definition'
        WHEN NOT ok.all_comparable THEN 'element'
    END AS difference
FROM dim_indicator AS c
JOIN plans AS pl ON pl.year = c.year - 1
LEFT JOIN dim_indicator AS p ON p.year = c.year - 1 AND p.code = c.code
-- an indicator has at least one numerator and one denominator element (plan.py: min_length=1), each an
-- element of its year with its v_element_change row: the year's terms and element_ok rows always exist
JOIN terms AS ct ON ct.year = c.year AND ct.indicator = c.code
LEFT JOIN terms AS pt ON pt.year = c.year - 1 AND pt.indicator = c.code
JOIN element_ok AS ok ON ok.year = c.year AND ok.indicator = c.code;
