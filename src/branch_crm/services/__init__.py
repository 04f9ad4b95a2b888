"""Use cases in plain Python (no Qt): keyword-only functions taking a session and an actor."""
