"""Fixtures for the archive: those of participation and of the leak walk."""

from tests.comments.conftest import can, fra, nor, paragraph, version  # noqa: F401
