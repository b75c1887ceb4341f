-- Staging for timeliness: when the first accepted file of each unit for each quarter arrived (UTC),
-- one row per unit and quarter the plan expects, received_at NULL while none has come.
-- The first receipt never moves once a file is in (later versions come later), so a judgement at
-- any moment reads it from here: a file received after that moment did not exist yet then, and
-- neither did any file of its unit and quarter if the first one came after it.
CREATE OR REPLACE VIEW v_first_receipt AS
WITH first_received AS (
    SELECT unit, year, quarter, min(received_at) AS received_at
    FROM submission
    GROUP BY unit, year, quarter
)
SELECT
    u.year,
    q.quarter,
    u.code AS unit,
    f.received_at
FROM dim_unit AS u
JOIN dim_quarter AS q ON q.year = u.year
LEFT JOIN first_received AS f ON f.unit = u.code AND f.year = u.year AND f.quarter = q.quarter;
