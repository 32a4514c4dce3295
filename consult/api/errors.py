"""JSON error bodies: {"error": {"code": …, "message": …}}."""

from flask import jsonify


def json_error(status: int, code: str, message: str):
    """A JSON error response."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response
