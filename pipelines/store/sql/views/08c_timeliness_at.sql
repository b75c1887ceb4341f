-- Reporting timeliness of every unit and quarter, judged at `as_of` (UTC):
-- on_time: the first accepted submission (earliest received_at) arrived before the end of the due
-- date; late: after; missing: none by as_of and the deadline has passed; pending: none, not yet due.
-- Files received after `as_of` did not exist yet at that time, so they are not counted.
-- The rule alone, what the roll-up counts; 09_compliance_at.sql adds, for the unit table, how
-- many versions had come by then. No WITH here: PostgreSQL does not fold a function body holding a
-- CTE into the query that calls it, and the caller's filters then never reach the mart's index.
CREATE OR REPLACE MACRO timeliness_at(as_of) AS TABLE
SELECT
    r.year,
    r.quarter,
    r.unit,
    q.due,
    q.due_end_utc,
    r.received_at,
    CASE
        WHEN r.received_at IS NOT NULL AND r.received_at < q.due_end_utc THEN 'on_time'
        WHEN r.received_at IS NOT NULL THEN 'late'
        WHEN CAST(as_of AS TIMESTAMP) >= q.due_end_utc THEN 'missing'
        ELSE 'pending'
    END AS status
FROM (
    SELECT year, quarter, unit, CASE WHEN received_at <= as_of THEN received_at END AS received_at
    FROM mart_first_receipt
) AS r
JOIN dim_quarter AS q ON q.year = r.year AND q.quarter = r.quarter;
