"""Settings: each typed setting declared once with its default, the settings screen's
service, and the header and language of printed documents.

Nothing is re-exported here: import from the module that defines a thing."""
