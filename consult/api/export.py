"""JSON API v1: export (API.md is the contract).

The routes live on the API blueprint of `consult.api.views`; importing this module adds them.
"""

from __future__ import annotations


def openapi_schemas() -> dict:
    """This module's schemas for the OpenAPI document."""
    return {}


def openapi_paths() -> dict:
    """This module's paths for the OpenAPI document."""
    return {}
