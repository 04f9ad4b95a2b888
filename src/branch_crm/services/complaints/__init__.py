"""Complaints: intake (grade suggestion, numbers), the workflow of the closed loop, the SLA
(head-office policy and reference data, business calendar, clocks, refresh and sweep), the
queue of open complaints, figures per period, and each complaint's own timeline.

Nothing is re-exported here: import from the module that defines a thing."""
