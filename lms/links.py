"""Links printed on documents and QR codes: built on the configured public address, never the request's host.

`PUBLIC_BASE_URL` (e.g. https://xst.example.gov.cn) is the address people reach the site at. A document printed
from a request to an internal host name or through a proxy must still carry the address a reader can open.
"""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public address of endpoint, on PUBLIC_BASE_URL."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL).rstrip("/")
    return base + url_for(endpoint, **values, _external=False)
