-- Mart: v_attainment kept as a table (every scope, period and indicator; refilled like
-- mart_scope_period_value). Pages, the command line and reports read it.
CREATE TABLE mart_attainment AS SELECT * FROM v_attainment WITH NO DATA;
