"""E-mail: an outbox written with the events that cause messages, and its delivery."""
