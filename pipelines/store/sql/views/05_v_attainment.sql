-- Attainment: each indicator value judged against the plan's operator and target.
-- Comparisons are exact (DECIMAL): 9/10 is not "> 90 %", 19/20 is ">= 95 %".
-- `needed` is the smallest number of additional numerator cases that would meet the target with
-- the current denominator (what the committee must still do).
-- Yearly targets (judged_on = 'cumulative') are judged on the cumulative period ending with the
-- period's last quarter (Q2 → H1, Q3 → 9M, Q4 → Y): `status` and `needed` come from that period,
-- `period_status` keeps the period's own verdict, `judged_period` says which period judged.
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
),
with_needed AS (
    SELECT *, CASE WHEN status = 'not_met' THEN greatest(numerator_to_meet - numerator, 1) END AS needed
    FROM judged
)
SELECT
    w.year,
    w.scope,
    w.period,
    w.indicator,
    w.sort,
    w.numerator,
    w.denominator,
    w.value,
    w.op AS target_op,
    CAST(w.target AS DOUBLE) AS target,
    CASE WHEN i.judged_on = 'cumulative' THEN coalesce(c.status, w.status) ELSE w.status END AS status,
    CASE WHEN i.judged_on = 'cumulative' AND c.status IS NOT NULL THEN c.needed ELSE w.needed END AS needed,
    w.status AS period_status,
    CASE WHEN i.judged_on = 'cumulative' THEN coalesce(co.cumulative_period, w.period) ELSE w.period END
        AS judged_period
FROM with_needed AS w
JOIN dim_indicator AS i ON i.year = w.year AND i.code = w.indicator
LEFT JOIN v_period AS co ON co.year = w.year AND co.period = w.period  -- the cumulative period ending with it
LEFT JOIN with_needed AS c
    ON i.judged_on = 'cumulative' AND c.year = w.year AND c.scope = w.scope
   AND c.period = co.cumulative_period AND c.indicator = w.indicator;
