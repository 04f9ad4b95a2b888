"""Printing in the UI: PDF preview (pypdfium2), Qt print dialog, Save PDF."""
