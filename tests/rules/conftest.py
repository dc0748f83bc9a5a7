"""Fixtures for the rules tests.  The rules package must not read ../shared at test time."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

try:  # the package is importable once installed (pip install -e .); fall back to the checkout
    import rules  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover - depends on how the venv was built
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rules import Activity, Policy, load_policy


@pytest.fixture
def policy() -> Callable[[str], Policy]:
    return load_policy


@pytest.fixture
def act() -> Callable[..., Activity]:
    """Build an activity of 2025 (the default study year of these tests)."""

    def make(kind: str, **fields: object) -> Activity:
        fields.setdefault("year", 2025)
        return Activity(kind=kind, **fields)  # type: ignore[arg-type]

    return make
