"""Login throttling per account: a growing delay after wrong passwords, then a short lock (issue 15, finding 10).

The per-address limit (LOGIN_RATE_LIMIT, shared by every login and registration call) only stops one address from
hammering; a whole office behind one NAT shares it, so it is set where forty people logging in at nine do not reach
it. Guessing one account's password is stopped here instead, by the name that was typed (an ID number, mobile or
username, whether or not such an account exists, so the answers do not tell which accounts exist):

* the first FREE_FAILURES wrong passwords cost nothing;
* each further one makes the account wait before the next try: 2, 4, 8, … seconds (at most MAX_DELAY);
* at LOCK_AFTER wrong passwords within WINDOW the account is locked for LOCK_SECONDS;
* a right password clears it all.

The message says how long is left, in Chinese. The counts live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI),
so with Redis every worker and host shares them; with the in-memory default each process counts its own.
"""
from __future__ import annotations

from typing import Any

from .. import clock
from ..errors import DomainError

FREE_FAILURES = 3
MAX_DELAY = 64
LOCK_AFTER = 10
LOCK_SECONDS = 15 * 60
WINDOW = 15 * 60
PREFIX = "xst-login"


def wait_text(seconds: int) -> str:
    """A waiting time as people say it: "45 秒", "3 分 5 秒", "15 分钟"."""
    minutes, rest = divmod(max(1, seconds), 60)
    if not minutes:
        return f"{rest} 秒"
    return f"{minutes} 分钟" if not rest else f"{minutes} 分 {rest} 秒"


class LoginThrottled(DomainError):
    status, code = 429, "login_throttled"

    def __init__(self, seconds: int, locked: bool) -> None:
        self.seconds = seconds
        self.message = (f"该账号密码错误次数过多，已暂时锁定，请 {wait_text(seconds)}后再试；忘记密码可携带身份证件到人社局窗口重置"
                        if locked else f"密码错误次数较多，请 {wait_text(seconds)}后再试")
        super().__init__(self.message)


def delay_after(failures: int) -> int:
    """Seconds the account waits after this many wrong passwords in a row (LOCK_SECONDS once locked)."""
    if failures >= LOCK_AFTER:
        return LOCK_SECONDS
    if failures <= FREE_FAILURES:
        return 0
    return int(min(MAX_DELAY, 2 ** (failures - FREE_FAILURES)))


def _key(login: str) -> str:
    return login.strip().upper()[:64]


class LoginThrottle:
    """Per-account counts in a `limits` storage (Flask-Limiter's: memory, Redis, …); times from lms.clock."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    def check(self, login: str) -> None:
        """Raise LoginThrottled while the account must wait (before the password is even checked)."""
        key = _key(login)
        until = int(self.storage.get(f"{PREFIX}/until/{key}") or 0)
        left = until - int(clock.now().timestamp())
        if left > 0:
            failures = int(self.storage.get(f"{PREFIX}/fails/{key}") or 0)
            raise LoginThrottled(left, locked=failures >= LOCK_AFTER)

    def failed(self, login: str) -> None:
        """Count a wrong password; from the FREE_FAILURES-th on, the account waits before its next try."""
        key = _key(login)
        failures = int(self.storage.incr(f"{PREFIX}/fails/{key}", WINDOW + LOCK_SECONDS))
        delay = delay_after(failures)
        if delay:
            until_key = f"{PREFIX}/until/{key}"
            self.storage.clear(until_key)  # a counter holding a time: cleared, then set to it
            self.storage.incr(until_key, delay + 1, amount=int(clock.now().timestamp()) + delay)

    def succeeded(self, login: str) -> None:
        key = _key(login)
        self.storage.clear(f"{PREFIX}/fails/{key}")
        self.storage.clear(f"{PREFIX}/until/{key}")
