"""Deleting, restoring and merging records (issue 19): the undo offer after a delete, the
"Deleted items" window of supervisors, and merging two customers field by field."""
