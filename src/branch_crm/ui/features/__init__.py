"""Feature hook modules, imported by the shell at start (ui.registry.load_features); each one
registers home cards, status widgets or customer actions at import time."""
