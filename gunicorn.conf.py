"""gunicorn settings for 学时通 (read by gunicorn from the working directory: `make run`, the benches).

Override on the command line or with WEB_WORKERS / WEB_THREADS / WEB_BIND.
"""
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:5000")
# gunicorn's ASGI worker: one event loop per process (uvloop, gunicorn's Python HTTP parser) takes every
# connection; lms/asgi.py answers steady heartbeats and the booking rush on that loop (lms/lane.py) and runs
# the Flask app in WEB_THREADS threads per process (lms/config.py). Measured against gthread on the 2-core
# machine: README, "Measured performance".
wsgi_app = "lms.asgi:create_asgi_app()"
worker_class = "asgi"
# gunicorn's own Python HTTP parser, not the gunicorn_h1c C parser (not a dependency any more, and "python" would
# not pick it if it were installed): with the C parser the worker answers a request before it resets the parser,
# keeps at most 64 KiB of a next request that arrives in between, and closes the connection without an answer
# when more came (remaining_truncated). A browser that posts a form right after loading it on the same kept-alive
# connection then loses its upload: 3-12 in 60 bodies of 66 KB to 1 MB, and larger uploads too (bench/uploads.py,
# tests/test_keepalive_uploads.py, `make bench-uploads`).
http_parser = "python"
workers = int(os.environ.get("WEB_WORKERS", "2"))
# One listening socket per worker (SO_REUSEPORT): the kernel spreads connections over the workers. With one
# shared socket a single worker can accept every keep-alive connection of a burst and serve it alone.
reuse_port = True
# The page scripts beat every 30 s over one kept-alive connection: at the year-end peak every learner with
# the player open holds one, so a worker must be able to hold thousands.
keepalive = 75
worker_connections = 4000
backlog = 2048
# X-Forwarded-Proto (the scheme) is believed from these peers only: by default the same proxies whose
# X-Forwarded-For the app believes (TRUSTED_PROXIES, lms/proxies.py), else gunicorn's own default.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or ",".join(
    os.environ.get("TRUSTED_PROXIES", "").replace(",", " ").split()) or "127.0.0.1,::1"


def on_starting(server):  # gunicorn calls it in the master, before any worker binds
    """Refuse a port another server listens on: with reuse_port the workers' sockets would share it silently."""
    # lms/ports.py by its path: the standard library only, so the master does not import the app for it
    import importlib.util
    import pathlib
    spec = importlib.util.spec_from_file_location("xst_ports", pathlib.Path(__file__).parent / "lms" / "ports.py")
    ports = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ports)
    ports.refuse_taken(server.cfg.address)
