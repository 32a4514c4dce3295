"""JSON error bodies: {"error": {"code": …, "message": …}}.

The `code` is for programs and stays English; the `message` is for the people reading
them, in the request's language (?lang=, the saved choice, then Accept-Language).
"""

from flask import jsonify
from flask_babel import gettext as _


def json_error(status: int, code: str, message: str):
    """A JSON error response."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    # The message follows the reader's language: a cache must not serve it to another.
    response.vary.add("Accept-Language")
    return response


def http_error_message(status: int) -> str:
    """Our own translated message for an HTTP error (werkzeug's descriptions are English)."""
    if status >= 500:
        return _("Something went wrong on our side and nothing was saved. "
                 "Please try again; if it happens again, tell the secretariat.")
    messages = {
        401: _("Log in or send Authorization: Bearer TOKEN."),
        403: _("Your account may not do this."),
        404: _("There is nothing at this address. It may have been mistyped."),
        405: _("This address does not accept that kind of request."),
        413: _("What you sent is too large. Nothing was saved."),
        429: _("Too many requests in a short time. Please wait a minute and try again; "
               "nothing was saved."),
    }
    return messages.get(status) or _("The request could not be understood; nothing was saved.")
