"""Who issues a person's documents for a year: the one place that answers it (certificates, registration sheets)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..orgs.operations import region_in
from ..regions import registering_bureau


def issuing_bureau(s: Session, person: Person, year: int) -> str:
    """The HR bureau that issues person's certificate and registration sheet for year: the bureau whose document
    covers the region the person belonged to in that year (lms.orgs.operations.region_in)."""
    return registering_bureau(region_in(s, person, year))
