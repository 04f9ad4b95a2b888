"""Printing survey forms from the app: one for a customer, or a batch for a selection."""
