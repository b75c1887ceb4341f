-- Migration 0005: the data version as a sequence. Every committed write advances it, and readers'
-- caches key on its value. A PostgreSQL store reads it with `SELECT last_value` (a sequence takes no
-- row lock, so writers do not queue on it); the embedded DuckDB store keeps its version in a file
-- beside the database instead (read without opening the database) and leaves this one unused.
CREATE SEQUENCE IF NOT EXISTS data_version_seq START 1;
