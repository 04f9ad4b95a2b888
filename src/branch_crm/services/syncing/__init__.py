"""The sync-facing services: registering this PC, running a sync round and its status,
conflicts a supervisor resolves, and the changes head office rejected. (The protocol, the
change capture and the merge rule are ``branch_crm.sync``.)

Nothing is re-exported here: import from the module that defines a thing."""
