-- Task statuses of current versions, for every unit concerned by a task (lead or participant)
-- and every quarter of the plan; status NULL where the unit has not reported that task.
CREATE OR REPLACE VIEW v_task_unit_status AS
WITH current_task AS (
    SELECT s.year, s.quarter, s.unit, t.task, t.status, t.note
    FROM submission AS s
    JOIN submission_task AS t ON t.submission_id = s.id
    WHERE s.is_current
)
SELECT
    tu.year,
    q.quarter,
    tu.task,
    tu.unit,
    tu.role,
    ct.status,
    ct.note
FROM dim_task_unit AS tu
JOIN dim_quarter AS q ON q.year = tu.year
LEFT JOIN current_task AS ct
    ON ct.year = tu.year AND ct.quarter = q.quarter AND ct.unit = tu.unit AND ct.task = tu.task;

-- Per task and quarter: how many of the units concerned report each status.
CREATE OR REPLACE VIEW v_task_progress AS
SELECT
    year,
    quarter,
    task,
    count(*) AS units_concerned,
    count(*) FILTER (WHERE status = 'done') AS done,
    count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
    count(*) FILTER (WHERE status = 'not_started') AS not_started,
    count(*) FILTER (WHERE status = 'not_applicable') AS not_applicable,
    count(*) FILTER (WHERE status IS NULL) AS not_reported
FROM v_task_unit_status
GROUP BY year, quarter, task;
