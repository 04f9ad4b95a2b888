"""Head office's web dashboard (``/dashboard``): accounts and sessions, the period figures
read from the branches' synced rows, server-rendered pages with inline SVG charts, .xlsx
export. Nothing here runs JavaScript or loads anything from another host."""
