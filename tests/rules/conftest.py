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
from rules.in_force import _by_region


@pytest.fixture(autouse=True)
def fresh_policies() -> None:
    """Every test loads and compiles the policies it uses afresh. The caches would otherwise keep policies compiled
    by an earlier test (or by mutmut's stats run, before it forks a process per mutant), so a bug in the loading
    and compiling code (rules/loading.py, rules/compiling.py, Policy.__init__) would never meet the tests that
    read what it built: `make mutate` counted every such mutant as a survivor."""
    load_policy.cache_clear()
    _by_region.cache_clear()


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
