"""The client's address behind trusted reverse proxies (TRUSTED_PROXIES), for Flask and the lane alike.

Behind a reverse proxy every connection comes from the proxy: the study record would log it, one login-limiter
bucket would serve everybody, and an exam venue's network check would see the proxy. A proxy says whom it
forwarded for in X-Forwarded-For, appending the address it saw on the right; anyone can send that header, so it is
believed only from the networks in TRUSTED_PROXIES (empty, the default: never), and only as far as the chain runs
through trusted proxies: from the connection's peer leftwards, the first address that is not a trusted proxy is
the client (nginx's real_ip_recursive). Whatever a client wrote further left is never read.

Flask gets it through Werkzeug's ProxyFix, applied only to requests whose peer is a trusted proxy and told how many
of the header's addresses to take (so request.remote_addr is the client: the limiters, the study record and the
venue check need nothing else); the lane (lms/lane.py) calls client_address() on the same peer and header. The
scheme is not taken from here: gunicorn sets it from X-Forwarded-Proto for FORWARDED_ALLOW_IPS (gunicorn.conf.py
defaults that to TRUSTED_PROXIES), for Flask and the lane alike.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 10  # no deployment chains more proxies than this; a longer header is not walked further


def parse_networks(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """TRUSTED_PROXIES as networks: addresses or CIDR networks, separated by commas or spaces; ValueError if one is
    not an address."""
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())
    except ValueError as exc:
        raise ValueError(f"TRUSTED_PROXIES: {exc}") from exc


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in net for net in networks)


def forwarded_hops(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...]) -> int:
    """How many X-Forwarded-For addresses, from the right, lead to the client: 0 when the peer is not a trusted
    proxy (the header is ignored) or the address found is not an address at all (the peer stays the client)."""
    if not networks or not peer or not forwarded_for or not _trusted(peer, networks):
        return 0
    chain = forwarded_for.split(",")[-MAX_HOPS:]
    hops = 1
    while hops < len(chain) and _trusted(chain[-hops], networks):
        hops += 1
    return hops if _address(chain[-hops]) is not None else 0


def client_address(peer: str | None, forwarded_for: str | None, networks: tuple[Network, ...]) -> str | None:
    """The client's address: the peer, or behind trusted proxies the address they forwarded for."""
    hops = forwarded_hops(peer, forwarded_for, networks)
    if not hops or forwarded_for is None:
        return peer
    return forwarded_for.split(",")[-MAX_HOPS:][-hops].strip()


class TrustedProxyFix:
    """WSGI middleware: ProxyFix for requests from a trusted proxy, with as many hops as the chain has; every other
    request passes untouched (its X-Forwarded-For is never read)."""

    def __init__(self, app: Callable[..., Any], networks: tuple[Network, ...]) -> None:
        self.app, self.networks = app, networks
        self._fixes: dict[int, ProxyFix] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        hops = forwarded_hops(environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"), self.networks)
        if not hops:
            return self.app(environ, start_response)
        fix = self._fixes.get(hops)
        if fix is None:
            fix = self._fixes[hops] = ProxyFix(self.app, x_for=hops, x_proto=0, x_host=0, x_port=0, x_prefix=0)
        return fix(environ, start_response)


def init_app(app: Flask) -> None:
    """Read TRUSTED_PROXIES (refusing a bad entry at start) and, when there are any, put TrustedProxyFix in front."""
    networks = parse_networks(app.config.get("TRUSTED_PROXIES"))
    app.extensions["xst_trusted_proxies"] = networks
    if networks:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, networks)  # type: ignore[method-assign]


def networks_of(app: Flask) -> tuple[Network, ...]:
    found: tuple[Network, ...] = app.extensions.get("xst_trusted_proxies", ())
    return found
