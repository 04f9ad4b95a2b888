"""Shared UI building blocks: the list-table base, table set-up, home card, period picker."""
