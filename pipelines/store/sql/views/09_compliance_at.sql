-- Reporting timeliness of every unit and quarter, judged at `as_of` (UTC):
-- on_time: the first accepted submission (earliest received_at) arrived before the end of the due
-- date; late: after; missing: none by as_of and the deadline has passed; pending: none, not yet due.
-- Files received after `as_of` did not exist yet at that time, so they are not counted.
CREATE OR REPLACE MACRO compliance_at(as_of) AS TABLE
WITH first_received AS (
    SELECT unit, year, quarter, min(received_at) AS received_at, count(*) AS versions
    FROM submission
    WHERE received_at <= as_of
    GROUP BY unit, year, quarter
)
SELECT
    u.year,
    q.quarter,
    u.code AS unit,
    u.sort AS unit_sort,
    q.due,
    q.due_end_utc,
    f.received_at,
    coalesce(f.versions, 0) AS versions,
    CASE
        WHEN f.received_at IS NOT NULL AND f.received_at < q.due_end_utc THEN 'on_time'
        WHEN f.received_at IS NOT NULL THEN 'late'
        WHEN CAST(as_of AS TIMESTAMP) >= q.due_end_utc THEN 'missing'
        ELSE 'pending'
    END AS status
FROM dim_unit AS u
JOIN dim_quarter AS q ON q.year = u.year
LEFT JOIN first_received AS f ON f.unit = u.code AND f.year = u.year AND f.quarter = q.quarter;
