"""Who issues a person's documents for a year: the one place that answers it (certificates, registration sheets)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..regions import REGIONS


def issuing_bureau(s: Session, person: Person, year: int) -> str:
    """The HR bureau that issues person's certificate and registration sheet for year.

    Today: the bureau of the person's region (lms/regions.py). With organisations, the HR bureau organisation of
    the person's region in that year; the session is here for that.
    """
    _ = (s, year)
    region = REGIONS.get(person.region) or REGIONS["wenzhou"]
    return region.bureau
