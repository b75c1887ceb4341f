-- Migration 0001: the tables a store keeps for good — meta, the plans it was loaded with, the
-- submission ledger and its facts, accounts and the audit trail — as the release before numbered
-- migrations created them. Stores of that release already have them (schema_version 0): this file
-- must stay idempotent (IF NOT EXISTS) so applying it to such a store changes nothing.
-- Times are UTC TIMESTAMPs; the plan's time zone is applied in Python at the edges.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS plans (
    year        INTEGER PRIMARY KEY,
    code        VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_text VARCHAR NOT NULL,       -- the TOML itself: the store validates with the plan it was loaded with
    source_sha  VARCHAR NOT NULL,
    loaded_at   TIMESTAMP NOT NULL
);

CREATE SEQUENCE IF NOT EXISTS submission_id_seq START 1;

-- The ledger: one row per accepted file. Refused files are not submissions and leave no row.
CREATE TABLE IF NOT EXISTS submission (
    id           INTEGER PRIMARY KEY DEFAULT nextval('submission_id_seq'),
    unit         VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    quarter      INTEGER NOT NULL,
    file_name    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL UNIQUE,
    size_bytes   BIGINT NOT NULL,
    raw_path     VARCHAR NOT NULL,      -- relative to the data dir
    received_at  TIMESTAMP NOT NULL,    -- UTC: when the file reached the committee
    loaded_at    TIMESTAMP NOT NULL,    -- UTC
    loaded_by    VARCHAR NOT NULL,
    status       VARCHAR NOT NULL DEFAULT 'accepted',
    is_current   BOOLEAN NOT NULL,
    is_demo      BOOLEAN NOT NULL DEFAULT FALSE,
    unit_name_given  VARCHAR,
    prepared_on      VARCHAR,
    template_version VARCHAR
);

-- NULL value = not reported; 0 = zero.
CREATE TABLE IF NOT EXISTS submission_value (
    submission_id INTEGER NOT NULL,
    element       VARCHAR NOT NULL,
    value         BIGINT CHECK (value >= 0),
    cell          VARCHAR NOT NULL,
    PRIMARY KEY (submission_id, element)
);

CREATE TABLE IF NOT EXISTS submission_task (
    submission_id INTEGER NOT NULL,
    task          VARCHAR NOT NULL,
    status        VARCHAR NOT NULL,
    note          VARCHAR,
    cell          VARCHAR NOT NULL,
    PRIMARY KEY (submission_id, task)
);

CREATE TABLE IF NOT EXISTS submission_warning (
    submission_id INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    "where"       VARCHAR NOT NULL,
    code          VARCHAR NOT NULL,
    message       VARCHAR NOT NULL,
    value         VARCHAR,
    PRIMARY KEY (submission_id, seq)
);

CREATE TABLE IF NOT EXISTS app_user (
    name          VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP
);

CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;

CREATE TABLE IF NOT EXISTS audit_log (
    id      INTEGER PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    at_utc  TIMESTAMP NOT NULL,
    actor   VARCHAR NOT NULL,
    action  VARCHAR NOT NULL,
    detail  VARCHAR
);
