"""Supervisor reports: the figures of complaints, satisfaction, customers and training for a
period, compared with the period before, as plain data (:mod:`.model`) that the screen, the
PDF writer (``printing.report_pdf``) and the .xlsx writer (``excel.report_xlsx``) all draw.

* ``model`` -- what a report is: period, KPIs, charts, tables, sections
* ``complaints``, ``satisfaction``, ``customers``, ``training``, ``summary`` -- one builder each
* ``build`` -- the registry: a report kind's name to its builder
"""
