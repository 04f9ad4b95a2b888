"""The application shell: sign-in, first admin, settings, staff and audit screens, start-up."""
