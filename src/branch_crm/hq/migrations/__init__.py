"""Alembic migrations of head office's database (SQLite or PostgreSQL).

When a branch model of a synced table changes (a new column, a new table), head office needs
the same change: add a revision here too (``python -m branch_crm.hq.migrations.new "msg"``
autogenerates it against an empty SQLite database) -- tests/hq/test_hq_migrations.py fails
until head office's migrated schema equals its metadata again.
"""
