"""Use cases in plain Python (no Qt): keyword-only functions taking a session and an actor.

One package per feature; the shared plumbing stays at the top. Arrows point down this list
(a room imports only rooms below it), and no package re-exports: import a thing from the
module that defines it.

* ``timeline`` -- the customer's timeline, asking each feature below for its entries
* ``demo/`` -- filling a new database with demo customers, staff and complaints
* ``syncing/`` -- registration, sync rounds and status, conflicts, rejected changes
* ``surveys/`` -- template, printed forms and serials, keyed entry and follow-ups, scores,
  the survey part of the timeline
* ``training/`` -- sessions, attendance, the sign-in sheet
* ``customers/`` -- profile and validation, record history, lookup (search, index, pinyin,
  phone numbers), the customer list, classification, pickup preferences and sheet
* ``complaints/`` -- intake and grading, numbers, workflow, views and events, SLA (policy,
  reference data, business calendar, clocks, refresh and sweep), queue, figures
* ``care/`` -- follow-up tasks
* ``staff/`` -- accounts, passwords, signing in, the audit log
* ``settings/`` -- typed settings, the settings screen, headers of printed documents
* shared plumbing: ``context`` (who acts, units of work), ``permissions``, ``dbapi``,
  ``backup``, ``pc_code`` (this PC's code in the numbers it makes), ``reference_ids`` (ids of
  seeded reference rows), ``timeline_entry`` (what a timeline entry is)
"""
