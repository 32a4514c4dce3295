"""Pages: the moderation queue, hiding and restoring, dispositions, the public log."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("moderation", __name__)
