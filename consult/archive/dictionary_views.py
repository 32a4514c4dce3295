"""Page: the data dictionary of the open-data exports.

The routes live on the archive blueprint; importing this module adds them.
"""

from __future__ import annotations

from consult.archive.views import bp  # noqa: F401
