"""Paging, one way everywhere: the page number a reader asked for, the checks every paged
list makes, and what every page of a list knows about itself.

Every list that can grow is read a page at a time (threads, statements, submissions, the
log, the moderation queue, search results, a delegation's page, the compilation). The
views read `?page=` with `page_number`; the services refuse a number that is not a page
(`require_page_number`, before anything is counted) and one past the last
(`require_page_exists`); the page objects they return are `Paged`; the templates show
them with the one macro in `templates/_pagination.html`.
"""

from __future__ import annotations

from flask_babel import gettext as _

from consult.errors import Invalid, NotFound

MAX_PAGE = 1_000_000


def page_number(raw: str | None) -> int:
    """`?page=` as a number: 1 when absent or empty, 0 for anything that is not a page
    number (the service then refuses it with a message saying what is accepted)."""
    if raw is None or raw == "":
        return 1
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 7 else 0


def require_page_number(page) -> None:
    """Invalid unless `page` is a whole number from 1 to MAX_PAGE."""
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise Invalid(_("page must be between 1 and 1000000."), field="page")


def require_page_exists(page: int, total: int, per_page: int) -> None:
    """NotFound for a page past the last (page 1 always exists, if empty)."""
    if page > 1 and (page - 1) * per_page >= total:
        raise NotFound(_("There is no page %(page)d.", page=page))


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` items make (at least one; one when not paged)."""
    return max(1, -(-total // per_page)) if per_page > 0 else 1


class Paged:
    """What every page of a list knows: its `page` number, `per_page`, the `total` of the
    list, and so how many `pages` there are."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return page_count(self.total, self.per_page)
