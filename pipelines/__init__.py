"""Pipelines of the Đức Phổ anti-trafficking plan monitor: workbook → reader → validator → loader →
DuckDB → metrics. The dashboard imports this package; this package never imports the dashboard."""
