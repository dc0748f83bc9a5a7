"""The OpenAPI 3 description of /api/v1, kept beside the code in openapi.yaml and served as JSON."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import jsonify

from . import bp

SPEC_PATH = Path(__file__).with_name("openapi.yaml")


@cache
def openapi() -> dict[str, Any]:
    """The description as a dict (read once per process)."""
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """This API's OpenAPI 3.1 description (lms/api/openapi.yaml) as JSON."""
    return jsonify(openapi())
