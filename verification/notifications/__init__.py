"""Notifications in the app and by email; who is told what is in :mod:`.rules`."""
