"""Importing spreadsheets: customers (:mod:`.customers`) and their monthly volumes
(:mod:`.volumes`). Each has ``preview`` (what would be added, updated, skipped and every
problem, nothing written) and ``apply`` (all or nothing, in the caller's transaction, with
progress and cancel); :mod:`.common` holds what both share, :mod:`.writing` the bulk writes
that keep the audit log and the sync capture complete.

Nothing is re-exported here: import from the module that defines a thing."""
