"""Submissions: comments, replies, proposed amendments, support, statements, edit history."""
