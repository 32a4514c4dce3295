"""Pages: comparing two published versions.

The routes live on the drafts blueprint; importing this module adds them.
"""

from __future__ import annotations

from consult.drafts.views import bp  # noqa: F401
