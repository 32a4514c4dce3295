"""The public moderation log (and, later, hiding and dispositions)."""
