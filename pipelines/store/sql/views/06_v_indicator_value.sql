-- Rate indicators: Σ numerator ÷ Σ denominator for every scope (unit, area or 'ALL'), period and
-- indicator of a loaded plan, with the counts of terms actually reported (to tell "no data" apart).
-- It reads the scopes' values from their mart (05_mart_scope_period_value.sql).
CREATE OR REPLACE VIEW v_indicator_value AS
WITH scopes AS (
    SELECT year, code AS scope FROM dim_scope
),
grid AS (
    SELECT s.year, s.scope, p.code AS period, i.code AS indicator
    FROM scopes AS s
    JOIN dim_period AS p ON p.year = s.year
    JOIN dim_indicator AS i ON i.year = s.year
),
term_values AS (
    SELECT g.year, g.scope, g.period, g.indicator, t.role, v.value
    FROM grid AS g
    JOIN dim_indicator_term AS t ON t.year = g.year AND t.indicator = g.indicator
    LEFT JOIN mart_scope_period_value AS v
        ON v.year = g.year AND v.scope = g.scope AND v.period = g.period AND v.element = t.element
)
SELECT
    year,
    scope,
    period,
    indicator,
    CAST(sum(value) FILTER (WHERE role = 'numerator') AS BIGINT) AS numerator,
    CAST(sum(value) FILTER (WHERE role = 'denominator') AS BIGINT) AS denominator,
    count(value) FILTER (WHERE role = 'numerator') AS numerator_terms_reported,
    count(value) FILTER (WHERE role = 'denominator') AS denominator_terms_reported
FROM term_values
GROUP BY year, scope, period, indicator;
