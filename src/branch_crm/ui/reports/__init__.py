"""The Reports page: supervisor reports on screen (KPI cards, charts, tables), printed,
saved as PDF and exported to Excel."""
