-- Staging: the values of each unit's current version, one row per unit, quarter and element.
-- value NULL = the unit left the cell blank (not reported); 0 = reported zero.
CREATE OR REPLACE VIEW v_current_value AS
WITH current_submission AS (
    SELECT id, unit, year, quarter, received_at, is_demo
    FROM submission
    WHERE is_current
)
SELECT
    s.year,
    s.quarter,
    s.unit,
    v.element,
    v.value,
    v.cell,
    s.id AS submission_id,
    s.is_demo
FROM current_submission AS s
JOIN submission_value AS v ON v.submission_id = s.id;
