"""Staff: accounts and roles, passwords, signing in with lock-out, and reading the audit log.

Nothing is re-exported here: import from the module that defines a thing."""
