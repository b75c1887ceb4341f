-- The store: a small star schema. Plan dimensions (reloaded from the plan file by `init`), the
-- submission ledger (append-only; `is_current` marks the version in force), facts, and the
-- dashboard's users and audit trail. Times are UTC TIMESTAMPs; the plan's time zone is applied in
-- Python at the edges, so no time-zone extension is needed.

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

CREATE TABLE IF NOT EXISTS dim_unit (
    year   INTEGER NOT NULL,
    code   VARCHAR NOT NULL,
    name   VARCHAR NOT NULL,
    kind   VARCHAR NOT NULL,
    kind_name VARCHAR NOT NULL,
    parent VARCHAR,
    sort   INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE IF NOT EXISTS dim_element (
    year      INTEGER NOT NULL,
    code      VARCHAR NOT NULL,
    section   VARCHAR NOT NULL,
    name      VARCHAR NOT NULL,
    unit_of_measure VARCHAR NOT NULL,
    over_time VARCHAR NOT NULL CHECK (over_time IN ('sum', 'first')),
    is_key    BOOLEAN NOT NULL,
    sort      INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

-- Which unit is expected to report which element (kind list or the unit's own list).
CREATE TABLE IF NOT EXISTS dim_unit_element (
    year    INTEGER NOT NULL,
    unit    VARCHAR NOT NULL,
    element VARCHAR NOT NULL,
    PRIMARY KEY (year, unit, element)
);

CREATE TABLE IF NOT EXISTS dim_indicator (
    year       INTEGER NOT NULL,
    code       VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    short_name VARCHAR NOT NULL,
    op         VARCHAR NOT NULL CHECK (op IN ('>', '>=', '=')),
    target     DECIMAL(9, 6) NOT NULL,
    owner      VARCHAR NOT NULL,
    judged_on  VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,
    sort       INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE IF NOT EXISTS dim_indicator_term (
    year      INTEGER NOT NULL,
    indicator VARCHAR NOT NULL,
    role      VARCHAR NOT NULL CHECK (role IN ('numerator', 'denominator')),
    element   VARCHAR NOT NULL,
    PRIMARY KEY (year, indicator, role, element)
);

CREATE TABLE IF NOT EXISTS dim_quarter (
    year      INTEGER NOT NULL,
    quarter   INTEGER NOT NULL,
    data_from DATE NOT NULL,
    data_to   DATE NOT NULL,
    due       DATE NOT NULL,
    due_end_utc TIMESTAMP NOT NULL,     -- first instant after the deadline (end of `due`, plan time zone)
    PRIMARY KEY (year, quarter)
);

CREATE TABLE IF NOT EXISTS dim_period (
    year    INTEGER NOT NULL,
    code    VARCHAR NOT NULL,
    name    VARCHAR NOT NULL,
    sort    INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE IF NOT EXISTS dim_period_quarter (
    year    INTEGER NOT NULL,
    period  VARCHAR NOT NULL,
    quarter INTEGER NOT NULL,
    PRIMARY KEY (year, period, quarter)
);

CREATE TABLE IF NOT EXISTS dim_task (
    year    INTEGER NOT NULL,
    code    VARCHAR NOT NULL,
    section VARCHAR NOT NULL,
    name    VARCHAR NOT NULL,
    lead    VARCHAR NOT NULL,           -- as shown: "Tất cả đơn vị" or unit codes joined
    sort    INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE IF NOT EXISTS dim_task_unit (
    year INTEGER NOT NULL,
    task VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    role VARCHAR NOT NULL CHECK (role IN ('lead', 'participant')),
    PRIMARY KEY (year, task, unit)
);

CREATE TABLE IF NOT EXISTS dim_task_status (
    year INTEGER NOT NULL,
    code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sort INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE IF NOT EXISTS dim_event (
    year     INTEGER NOT NULL,
    code     VARCHAR NOT NULL,
    name     VARCHAR NOT NULL,
    start_on DATE NOT NULL,
    end_on   DATE NOT NULL,
    task     VARCHAR,
    PRIMARY KEY (year, code)
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
