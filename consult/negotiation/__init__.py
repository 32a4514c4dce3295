"""The road to consensus: paragraph statuses, progress and the silence procedure."""
