-- Follow-up marks with their state: 'cleared' by an analyst, 'corrected' when the current value is
-- no longer the value that was doubted (a new version changed it), else 'open'. Restoring the old
-- version brings the doubted value, and so the open mark, back.
CREATE OR REPLACE VIEW v_follow_up AS
SELECT
    m.*,
    cv.value AS current_value,
    cv.submission_id AS current_submission_id,
    CASE
        WHEN m.cleared_at IS NOT NULL THEN 'cleared'
        WHEN cv.submission_id IS NULL OR cv.value IS DISTINCT FROM m.value THEN 'corrected'
        ELSE 'open'
    END AS status
FROM follow_up_mark AS m
LEFT JOIN v_current_value AS cv
    ON cv.year = m.year AND cv.quarter = m.quarter AND cv.unit = m.unit AND cv.element = m.element;
