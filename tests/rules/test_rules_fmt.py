"""How the rules write a quantity for people (rules.model.fmt, in every explanation line). Written after `make
mutate` showed it unguarded."""
from __future__ import annotations

from decimal import Decimal

import pytest

from rules.model import fmt


@pytest.mark.parametrize(("value", "shown"), [
    ("12", "12"), ("12.50", "12.5"), ("12.00", "12"), ("0.5", "0.5"), ("0.10", "0.1"), ("100", "100"),
    ("1E+1", "10"), ("1.0E+2", "100"), ("5E-1", "0.5"), ("0", "0"), ("2.25", "2.25"),
])
def test_a_quantity_is_shown_without_exponent_or_trailing_zeros(value: str, shown: str) -> None:
    """rules.model.fmt writes every number of an explanation line ("1天×8学分/天=8学分"): trailing zeros of a
    whole number never lose its zeros before the point (100 stays 100), and no exponent reaches a person."""
    assert fmt(Decimal(value)) == shown
