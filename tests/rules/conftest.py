"""Fixtures for the rules tests.  The rules package must not read ../shared at test time."""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

try:  # the package is importable once installed (pip install -e .); fall back to the checkout
    import rules  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover - depends on how the venv was built
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rules import Activity, Policy, load_policy
from rules.in_force import _by_region


def _clear_policy_caches() -> None:
    load_policy.cache_clear()
    _by_region.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def policies_built_in_this_session() -> None:
    """Load and compile the policies afresh once per test session, then share them (nothing in tests/rules writes a
    policy file: the tests that build a malformed policy build it from data, not through the caches). Under
    ``make mutate`` each mutant's tests run in a process forked from mutmut's own, whose caches hold policies built
    by the unmutated code: clearing them here makes a mutant of the loading and compiling code (rules/loading.py,
    rules/compiling.py, ``Policy.__init__``) build the policies every one of its tests then reads."""
    _clear_policy_caches()


@pytest.fixture(autouse=True)
def policies_afresh_when_mapping_tests(request: pytest.FixtureRequest) -> None:
    """While mutmut maps each function to the tests that call it (its "stats" run), every test loads its policies
    afresh, so that every test reading a policy is recorded as calling the loader and the compiler; otherwise only
    the first test to load each policy would be, and a mutant of the compiler would meet that one test alone
    (`make mutate`'s first run counted 2,328 survivors that way). Outside that run one load per session suffices,
    and `make mutate` runs in minutes, not in hours."""
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        _clear_policy_caches()


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


@pytest.fixture
def ascii_locale() -> Iterator[None]:
    """A machine whose locale encoding is ASCII (LC_CTYPE=C without Python's UTF-8 mode)."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
