"""What the branch and head office share below services: the reference-data schema (checked
strictly at head office, read leniently at a branch), the default reference rows and their
ids, the role table, and the stored codes' translated labels.

May import ``models`` only (and the base modules); services, printing, hq, ui and cli import it.
"""
