-- Mart: v_scope_period_value kept as a table (every unit, area and 'ALL'; refilled like
-- mart_unit_period_value, for the scopes above the unit that changed). Pages and exports read it.
CREATE TABLE mart_scope_period_value AS SELECT * FROM v_scope_period_value WITH NO DATA;
