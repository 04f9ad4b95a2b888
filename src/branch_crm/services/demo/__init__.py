"""Demo data: filling a new branch database with realistic customers, staff and complaints.

Nothing is re-exported here: import from the module that defines a thing."""
