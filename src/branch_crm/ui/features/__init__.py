"""Feature hook modules, imported by the shell at start (ui.registry.load_features); each one
registers home cards, status widgets, customer actions or timeline icons at import time."""
