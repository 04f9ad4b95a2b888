"""Complaint screens: the queue, taking a complaint, the detail with its actions."""
