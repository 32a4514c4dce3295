"""Moderation: hiding and restoring submissions, dispositions, deadlines, the public log."""
