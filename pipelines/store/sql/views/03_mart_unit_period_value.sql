-- Mart: v_unit_period_value kept as a table, so a page never recomputes a year of periods.
-- Derived, never edited by hand: pipelines/store/marts.py refills it inside the transaction of
-- every write that changes what it holds (a load or a restore: that unit and year; a plan install
-- or a schema rebuild: the whole year), and `check` compares it with the view it copies.
CREATE TABLE mart_unit_period_value AS SELECT * FROM v_unit_period_value WITH NO DATA;
