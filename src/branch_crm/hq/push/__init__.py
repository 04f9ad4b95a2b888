"""Applying a pushed batch at head office: checks, merge rules, change log, acknowledgement.

One database transaction records the batch id, applies every change and appends the change
log, so a batch is applied exactly once; a repeated batch id gets the stored acknowledgement.

Merge rules (DESIGN.md section 3):

* ``lww`` tables: last writer wins per column by HLC (``hq_row_clock`` keeps each column's
  stamp); columns that lose are re-broadcast with the winning value so the sender converges.
* ``insert_only`` tables: inserted once by id; duplicates and updates are ignored.
* a tombstone beats any update, older or newer; the losing update is logged in
  ``sync_rejected_change`` (owned by the sender's branch, so its supervisors see it).
* a unique clash (one phone on two customers) parks the incoming row and records a
  ``sync_conflict`` for the sender's supervisors; nothing is overwritten. The parked row
  still goes to the sender's partition, so every PC of that branch holds it (a PC where it
  clashes locally parks it too) and any of them can resolve the conflict.
* a branch writes only rows of its own branch, never ``reference`` tables (head office's),
  and of ``sync_conflict`` / ``sync_rejected_change`` only what the models declare
  (``__branch_inserts__``, ``__branch_columns__``, ``__branch_values__``): resolving a
  conflict head office created for it, and only in the name of a staff member of that
  branch whose role may resolve conflicts (hq.resolve ``unauthorised_resolution``). A change
  that breaks this is quarantined as ``forbidden`` (see below); a body naming another branch
  than the token's is refused (403).

Quarantine: a push is never refused for the data it carries, so a PC's queue never stalls.
Every value is checked against its column first (:mod:`branch_crm.hq.validate`); a change
that cannot be applied (an invalid value, a forbidden row, or -- the safety net -- a
database error on it) is kept in ``hq_quarantine``, reported to the sender's supervisors as
a ``sync_rejected_change`` (reason ``invalid`` or ``forbidden``, the problem in words in
``detail``) and acknowledged in ``rejected`` without columns; the rest of the batch is
applied. A batch whose bulk write still raises a database error is rolled back to a
savepoint and applied change by change, each in a savepoint of its own, so that exactly the
changes that fail are quarantined. Rejected-change rows have ids derived from the change
(branch, table, key, stamp, reason): a replayed change is recorded once.

Stamps: a stamp names the node that wrote it; head office rewrites the node part of a pushed
stamp to the caller's node id (reported in ``hlc_rewrites``, like a clamped stamp), so one PC
cannot win ties as another. Head office's own writes (conflicts, resolutions, rejected
changes, reference data) stamp a row's columns later than every stamp the row already
carries, and the clock's high-water mark is kept in ``hq_state`` (read at every push, saved
with every change-log append): after a restart, with the machine clock set back, or in
another worker, head office never stamps older than what it already wrote or admitted.

Gap-free pull: on PostgreSQL the change-log rows are inserted under a transaction-scoped
advisory lock held until commit, so sequence numbers become visible in commit order; on
SQLite the single writer gives the same guarantee. Every writer of the change log goes
through :func:`.store.write_log` (pushes, and reference data through hq.admin).

The modules, in the order a push goes through them: :mod:`.apply` (the whole push: batch id,
bulk then change by change, quarantine, acknowledgement), :mod:`.screening` (what a branch
may write), :mod:`.state` (the rows a batch touches, loaded), :mod:`.keys` (unique keys and
clashes), :mod:`.merge` (the merge rules), :mod:`.rows` (change-log entries, head office's
own writes, rejections, parking) and :mod:`.store` (writing rows, clocks and the change
log). Conflict resolutions are applied by :mod:`branch_crm.hq.resolve`.
"""
