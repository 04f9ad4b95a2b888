"""Head-office sync in the window: controller, status bar widget, home card, pages, dialog."""
