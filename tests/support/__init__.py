"""Helpers shared by the test folders, one copy each (fixtures live in the conftests).

``accounts`` the branch and staff passwords of the signed-in tests; ``services`` a service
call in its own unit of work; ``clock`` local wall times; ``ui`` recorded message boxes and
app contexts; ``keyboard`` typing into widgets; ``printing`` PDF readers; ``training`` and
``surveys`` their sample data; ``sync`` branch-side writers and readers; ``faultproxy`` a
fault-injecting proxy; ``postgres`` a fresh PostgreSQL database; ``cli_help`` the command
line run in-process and its ``--help``.
"""
