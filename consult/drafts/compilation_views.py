"""Pages: the compilation text of a version, as HTML and as a Word document.

The routes live on the drafts blueprint; importing this module adds them.
"""

from __future__ import annotations

from consult.drafts.views import bp  # noqa: F401
