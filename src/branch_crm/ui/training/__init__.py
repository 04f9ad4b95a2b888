"""Training screens: session list, session editor, attendance entry, sign-in sheet printing."""
