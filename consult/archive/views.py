"""Pages of the public archive: paragraph histories, every submission, the data dictionary."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("archive", __name__)
