"""Safe redirect targets and bounded ids in URLs."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

# Ids fit in a 32-bit signed integer column on every database we run on.
MAX_ID = 2**31 - 1


def safe_local_path(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`.

    Browsers ignore tabs and newlines and read a backslash as a slash, so "/\\tevil" or
    "/\\\\evil" would leave the site; anything of the kind is refused.
    """
    if not target or not target.startswith("/") or len(target) > 2000:
        return fallback
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return fallback
    return target


class BoundedIntConverter(IntegerConverter):
    """<int:…> that turns ids too large for the database into a plain 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
