"""Counter desk UI: instant lookup, the million-row customer list, the customer profile,
pickup preferences, courier mode and the courier's pickup sheet (issue 2)."""
