"""Customer care follow-ups: the list page, the close/reassign dialogs and the home card."""
