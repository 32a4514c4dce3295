"""The static limit of bench/load_bench.py: a bare WSGI app serving saved pages.

For every address load_bench.py saved (folder in STATIC_LIMIT_DIR: `pages.json` and one
file of bytes per page) it answers the very same bytes with the app's own headers and ETag,
and a 304 to a matching If-None-Match; anything else is a 404. Nothing is computed per
request, so under the same gunicorn it is as fast as a page can be served on this machine:
the yardstick the app's requests per second are divided by.

    STATIC_LIMIT_DIR=/tmp/limit gunicorn -w 2 -b 127.0.0.1:5101 bench.static_limit:app
"""

from __future__ import annotations

import json
import os
from pathlib import Path

# Hop-by-hop or recomputed by the server: never copied from the app's answer.
SKIPPED_HEADERS = {"content-length", "connection", "date", "server", "transfer-encoding",
                   "keep-alive"}
# What a 304 repeats of the full answer (RFC 9110 §15.4.5), as the app's 304 does.
NOT_MODIFIED_HEADERS = {"etag", "cache-control", "vary", "expires", "content-location"}


def load_pages(folder: Path) -> dict[str, tuple[bytes, list, list, str]]:
    """Each saved address: its body, headers of the 200 and of the 304, and its ETag."""
    index = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
    pages = {}
    for address, entry in index.items():
        body = (folder / entry["file"]).read_bytes()
        headers = [(name, value) for name, value in entry["headers"]
                   if name.lower() not in SKIPPED_HEADERS]
        headers.append(("Content-Length", str(len(body))))
        short = [(name, value) for name, value in headers
                 if name.lower() in NOT_MODIFIED_HEADERS]
        pages[address] = (body, headers, short, entry["etag"])
    return pages


# Read once at import: each gunicorn worker holds every page in memory, as a cache would.
PAGES = load_pages(Path(os.environ["STATIC_LIMIT_DIR"]))
NOT_FOUND = b"not saved\n"


def app(environ, start_response):
    """The saved answer for this address (path and query), a 304, or a 404."""
    address = environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        address += "?" + environ["QUERY_STRING"]
    found = PAGES.get(address)
    if found is None:
        start_response("404 Not Found", [("Content-Type", "text/plain"),
                                         ("Content-Length", str(len(NOT_FOUND)))])
        return [NOT_FOUND]
    body, headers, short, etag = found
    # A substring test is enough: the benchmark sends back exactly the ETag it was given.
    if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
        start_response("304 Not Modified", short)
        return []
    start_response("200 OK", headers)
    return [body]
