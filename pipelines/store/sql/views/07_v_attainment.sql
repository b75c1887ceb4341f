-- Attainment: each indicator value judged against the plan's operator and target.
-- Comparisons are exact (DECIMAL): 9/10 is not "> 90 %", 19/20 is ">= 95 %".
-- `needed` is the smallest number of additional numerator cases that would meet the target with
-- the current denominator (what the committee must still do).
-- Yearly targets (judged_on = 'cumulative') are judged on the cumulative period ending with the
-- period's last quarter (Q2 → H1, Q3 → 9M, Q4 → Y): `status` and `needed` come from that period,
-- `period_status` keeps the period's own verdict, `judged_period` says which period judged.
-- The cumulative verdict is taken with a window over the rows that share a cumulative period
-- rather than a self-join: a filter on scope then reaches the scan (refreshing the mart for the
-- five scopes above one unit reads those scopes only).
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
        i.judged_on,
        p.cumulative_period,
        v.numerator,
        v.denominator,
        CASE WHEN v.denominator > 0 THEN CAST(v.numerator AS DOUBLE PRECISION) / v.denominator END AS value,
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
    JOIN v_period AS p ON p.year = v.year AND p.period = v.period  -- every period of the plan has its row
),
with_needed AS (
    SELECT *, CASE WHEN status = 'not_met' THEN greatest(numerator_to_meet - numerator, 1) END AS needed
    FROM judged
),
with_cumulative AS (  -- the verdict of the cumulative period this period ends with (NULL: none).
    -- Ordered so that the partition's row of the cumulative period itself comes first (there is one at
    -- most: one row per year, scope, period and indicator); first_value of a CASE that is NULL on every
    -- other row then reads that row's verdict, or NULL when the partition has none.
    SELECT
        *,
        first_value(CASE WHEN period = cumulative_period THEN status END)
            OVER cumulative AS cumulative_status,
        first_value(CASE WHEN period = cumulative_period THEN needed END)
            OVER cumulative AS cumulative_needed
    FROM with_needed
    WINDOW cumulative AS (PARTITION BY year, scope, indicator, cumulative_period
                          ORDER BY period = cumulative_period DESC NULLS LAST)
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
    CAST(target AS DOUBLE PRECISION) AS target,
    CASE WHEN judged_on = 'cumulative' THEN coalesce(cumulative_status, status) ELSE status END AS status,
    CASE WHEN judged_on = 'cumulative' AND cumulative_status IS NOT NULL THEN cumulative_needed ELSE needed END
        AS needed,
    status AS period_status,
    CASE WHEN judged_on = 'cumulative' THEN coalesce(cumulative_period, period) ELSE period END AS judged_period
FROM with_cumulative;
