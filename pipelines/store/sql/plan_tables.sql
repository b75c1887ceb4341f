-- The plan dimensions: data derived from the plan texts kept in `plans`. Not migrated: whenever
-- this file, a view or the migrations change, these tables are dropped, created from this file
-- and refilled from the stored plan texts (pipelines/store/database.py). Change them here freely.

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

-- The hierarchy: every scope a figure can be shown for — 'ALL' (every unit of the plan), the plan's
-- areas (country, province, district … levels, top-down by `depth`) and each reporting unit (level
-- 'unit') — and, in dim_scope_tree, every (ancestor, descendant) pair including a place with itself.
CREATE TABLE IF NOT EXISTS dim_scope (
    year   INTEGER NOT NULL,
    code   VARCHAR NOT NULL,
    name   VARCHAR NOT NULL,
    level  VARCHAR NOT NULL,
    level_name VARCHAR NOT NULL,
    depth  INTEGER NOT NULL,            -- 0 for 'ALL', 1.. for the plan's levels, then units
    parent VARCHAR,
    sort   INTEGER NOT NULL,
    PRIMARY KEY (year, code)
);

CREATE TABLE IF NOT EXISTS dim_scope_tree (
    year       INTEGER NOT NULL,
    ancestor   VARCHAR NOT NULL,
    descendant VARCHAR NOT NULL,
    level      VARCHAR NOT NULL,        -- the descendant's level
    is_unit    BOOLEAN NOT NULL,        -- the descendant is a reporting unit
    PRIMARY KEY (year, ancestor, descendant)
);

-- Backlog triples of the plan's carry-over rules: backlog(Q) = backlog(Q-1) + inflow(Q-1) - outflow(Q-1).
CREATE TABLE IF NOT EXISTS dim_carry_over (
    year    INTEGER NOT NULL,
    backlog VARCHAR NOT NULL,
    inflow  VARCHAR NOT NULL,
    outflow VARCHAR NOT NULL,
    PRIMARY KEY (year, backlog)
);
