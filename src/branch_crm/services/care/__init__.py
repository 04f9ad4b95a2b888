"""Customer care: follow-up tasks staff work through, and closed ones on the timeline.

Nothing is re-exported here: import from the module that defines a thing."""
