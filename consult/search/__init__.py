"""Full-text search: a Whoosh index derived from the database, fed through an outbox."""
