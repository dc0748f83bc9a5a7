"""The one source of "now" (naive UTC datetimes); tests replace it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

CHINA = timedelta(hours=8)
_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """Return the current time as a naive UTC datetime."""
    if _source is not None:
        return _source()
    return datetime.now(UTC).replace(tzinfo=None)


def set_source(source: Callable[[], datetime] | None) -> None:
    """Make now() return source() (None restores the real clock)."""
    global _source
    _source = source


def china_now() -> datetime:
    """Return the current wall time in China (UTC+8), naive."""
    return now() + CHINA


def study_year(at: datetime | None = None) -> int:
    """Return the study year (1 Jan – 31 Dec, China time; 桐人社发〔2018〕26号 第十四条) of a UTC instant."""
    return ((at or now()) + CHINA).year


def china(dt: datetime | None) -> datetime | None:
    """Convert a stored UTC datetime into China time for display."""
    return None if dt is None else dt + CHINA


def china_today() -> date:
    return china_now().date()


class FrozenClock:
    """A controllable clock for tests: call advance() to move time."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current
