-- Mart: v_first_receipt kept as a table, so judging timeliness at any moment reads one row per unit
-- and quarter instead of grouping the year's ledger. Refilled by pipelines/store/marts.py with the
-- other marts (a load or a restore: that unit and year; a plan install or a schema rebuild: the
-- year), and compared with its view by `check`.
CREATE TABLE mart_first_receipt AS SELECT * FROM v_first_receipt WITH NO DATA;
