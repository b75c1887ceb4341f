"""The store stage: the DuckDB file and its connection life (`database`), loading and versions
(`load`), and the SQL that turns stored values into metrics (`sql/`)."""
from pipelines.store.database import DEFAULT_DATA_DIR, Store, StoreBusy
from pipelines.store.migrate import SchemaError

__all__ = ["DEFAULT_DATA_DIR", "SchemaError", "Store", "StoreBusy"]
