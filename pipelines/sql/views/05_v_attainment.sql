-- Attainment: each indicator value judged against the plan's operator and target.
-- Comparisons are exact (DECIMAL): 9/10 is not "> 90 %", 19/20 is ">= 95 %".
-- `needed` is the smallest number of additional numerator cases that would meet the target with
-- the current denominator (what the committee must still do).
CREATE OR REPLACE VIEW v_attainment AS
WITH judged AS (
    SELECT
        v.year,
        v.scope,
        v.period,
        v.indicator,
        i.sort,
        i.op,
        i.target,
        v.numerator,
        v.denominator,
        CASE WHEN v.denominator > 0 THEN v.numerator / v.denominator END AS value,
        CASE
            WHEN v.denominator_terms_reported = 0 THEN 'no_data'
            WHEN v.denominator = 0 THEN 'no_cases'
            WHEN v.numerator_terms_reported = 0 THEN 'no_data'
            WHEN i.op = '>'  AND v.numerator >  v.denominator * i.target THEN 'met'
            WHEN i.op = '>=' AND v.numerator >= v.denominator * i.target THEN 'met'
            WHEN i.op = '='  AND v.numerator =  v.denominator * i.target THEN 'met'
            ELSE 'not_met'
        END AS status,
        -- smallest numerator that meets the target with this denominator
        CASE i.op
            WHEN '>' THEN CAST(floor(v.denominator * i.target) AS BIGINT) + 1
            ELSE CAST(ceil(v.denominator * i.target) AS BIGINT)
        END AS numerator_to_meet
    FROM v_indicator_value AS v
    JOIN dim_indicator AS i ON i.year = v.year AND i.code = v.indicator
)
SELECT
    year,
    scope,
    period,
    indicator,
    sort,
    numerator,
    denominator,
    value,
    op AS target_op,
    CAST(target AS DOUBLE) AS target,
    status,
    CASE WHEN status = 'not_met' THEN greatest(numerator_to_meet - numerator, 1) END AS needed
FROM judged;
