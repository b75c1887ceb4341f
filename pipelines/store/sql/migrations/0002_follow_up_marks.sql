-- Migration 0002: follow-up marks ("cần xác minh") of the data-quality page.

CREATE SEQUENCE IF NOT EXISTS follow_up_id_seq START 1;

-- "Cần xác minh": an analyst's doubt about one current value, with a comment. The mark is about the
-- value as it was when marked (`value`): a correction that changes the number clears it (view
-- v_follow_up); an analyst can clear it too. Marking and clearing are also in audit_log.
CREATE TABLE IF NOT EXISTS follow_up_mark (
    id          INTEGER PRIMARY KEY DEFAULT nextval('follow_up_id_seq'),
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL,
    unit        VARCHAR NOT NULL,
    element     VARCHAR NOT NULL,
    value       BIGINT,                 -- the value doubted (NULL: a blank cell)
    check_code  VARCHAR NOT NULL,       -- which check raised it (backlog_mismatch, outlier, ...; manual)
    comment     VARCHAR NOT NULL,
    marked_by   VARCHAR NOT NULL,
    marked_at   TIMESTAMP NOT NULL,     -- UTC
    cleared_by  VARCHAR,
    cleared_at  TIMESTAMP,              -- UTC
    clear_note  VARCHAR
);
