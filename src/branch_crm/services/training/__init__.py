"""Training sessions: planning with expected attendees, attendance, per-person figures and the
sign-in sheet.

Nothing is re-exported here: import from the module that defines a thing."""
