"""Hour claims (学时认证): issue 12."""
from . import review_gate  # noqa: F401  (open claims hold back the year's certificate)
