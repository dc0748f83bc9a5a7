"""The exchange tests' worlds (system A with registrations, another region's system B), for every module here."""
from tests.exchange.test_exchange import other, other_app, world  # noqa: F401  (fixtures)
