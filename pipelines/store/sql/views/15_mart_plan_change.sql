-- Marts: v_element_change and v_indicator_change kept as tables. They depend on the plans alone,
-- but comparing the sets of units asked for each element builds lists of every unit of every year
-- (250 MB and 0,1 s at national scale, on each year-over-year card): marts.refresh_plan_changes()
-- refills them whenever a plan is installed (and with the rest of the derived part).
CREATE TABLE mart_element_change AS SELECT * FROM v_element_change WITH NO DATA;
CREATE TABLE mart_indicator_change AS SELECT * FROM v_indicator_change WITH NO DATA;
