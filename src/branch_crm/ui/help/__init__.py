"""Help on F1: topics shipped with the app (resources/help), the help window, key tables."""
