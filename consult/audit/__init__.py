"""The append-only public log: every feature records what it did here, below them all."""
