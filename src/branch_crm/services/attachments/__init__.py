"""Attachments: photos and scans on a complaint or a customer (issue 19).

``store`` checks a file by its content and keeps it in the content-addressed store beside
the database; ``service`` records it on a record (the ``attachment`` row that syncs).
"""
