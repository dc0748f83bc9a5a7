"""Login throttling (lms/accounts/throttle.py): per account a growing delay after wrong passwords, then a short
lock, with the time left in the message; per address one limit for every login and registration post, which an
office of 40 behind one NAT does not reach; shared through Redis when configured (issue 15, finding 10)."""
from __future__ import annotations

import uuid
from typing import Any

import pytest

from lms.accounts.throttle import LOCK_AFTER, delay_after
from lms.config import from_env
from tests.conftest import PASSWORD, login


def _try(client: Any, who: str, password: str = "Wrong2026pw") -> Any:
    return client.post("/api/v1/auth/login", json={"login": who, "password": password})


def test_the_delay_grows_after_three_wrong_passwords_and_ten_lock_the_account() -> None:
    assert [delay_after(n) for n in range(1, 11)] == [0, 0, 0, 2, 4, 8, 16, 32, 64, 900]


def test_wrong_passwords_make_the_account_wait_longer_then_lock_it_with_the_time_left_in_the_message(
        app: Any, client: Any, make: Any, frozen_clock: Any) -> None:
    person = make.practitioner()
    who = person.id_number
    for _ in range(3):
        assert _try(client, who).status_code == 401
    for failures in range(4, LOCK_AFTER):
        assert _try(client, who).status_code == 401  # counted: now the account waits
        wait = delay_after(failures)
        r = _try(client, who, PASSWORD)  # even the right password, before the time is up
        assert r.status_code == 429 and r.json["error"] == "login_throttled"
        expected = f"{wait} 秒" if wait < 60 else "1 分 4 秒"
        assert r.json["message"] == f"密码错误次数较多，请 {expected}后再试", r.json
        frozen_clock.advance(wait - 1)
        assert _try(client, who, PASSWORD).status_code == 429  # one second early
        frozen_clock.advance(1)
    assert _try(client, who).status_code == 401  # the tenth wrong password locks the account
    r = _try(client, who, PASSWORD)
    assert r.status_code == 429 and r.json["message"].startswith("该账号密码错误次数过多，已暂时锁定，请 15 分钟后再试")
    frozen_clock.advance(5 * 60 + 30)
    assert "请 9 分 30 秒后再试" in _try(client, who, PASSWORD).json["message"]
    frozen_clock.advance(9 * 60 + 30)
    assert _try(client, who, PASSWORD).status_code == 200  # the right password clears it all
    assert [_try(app.test_client(), who).status_code for _ in range(4)] == [401] * 4


def test_one_account_locked_leaves_the_others_at_the_same_address_alone(client: Any, make: Any) -> None:
    alice, bob = make.practitioner(), make.practitioner(name="李四")
    for _ in range(LOCK_AFTER):
        _try(client, alice.id_number)
    assert _try(client, alice.id_number, PASSWORD).status_code == 429
    assert _try(client, bob.id_number, PASSWORD).status_code == 200


def test_names_that_are_no_account_are_throttled_alike(client: Any) -> None:
    """The answers do not tell which accounts exist."""
    for _ in range(4):
        assert _try(client, "13811112222").status_code == 401
    assert _try(client, "13811112222").status_code == 429


def test_the_login_page_says_how_long_to_wait(client: Any, make: Any) -> None:
    person = make.practitioner()
    for _ in range(4):
        client.post("/login", data={"login": person.mobile, "password": "Wrong2026pw"})
    r = client.post("/login", data={"login": person.mobile, "password": PASSWORD})
    assert r.status_code == 429 and "密码错误次数较多，请 2 秒后再试" in r.get_data(as_text=True)


def test_an_office_of_forty_behind_one_nat_logs_in_at_nine_under_the_default_limit(make_app: Any, make: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT=from_env()["LOGIN_RATE_LIMIT"])
    office = [make.practitioner(name=f"同事{n:02d}") for n in range(40)]
    client = app.test_client()  # one address for all
    answers = []
    for n, person in enumerate(office):
        if n % 4 == 0:  # every fourth mistypes once first
            answers.append(_try(client, person.id_number).status_code)
        answers.append(login(client, person.id_number).status_code)
    assert answers.count(200) == 40 and 429 not in answers


def test_one_address_has_one_limit_for_logins_through_the_page_and_the_api(make_app: Any) -> None:
    client = make_app(LOGIN_RATE_LIMIT="3 per minute").test_client()
    assert _try(client, "a").status_code == 401
    assert client.post("/login", data={"login": "b", "password": "x"}).status_code == 200  # the form again
    assert _try(client, "c").status_code == 401
    assert _try(client, "d").status_code == 429  # the fourth post from this address, whichever the door


@pytest.mark.parametrize("backend", ["sqlite"])
def test_with_redis_the_counts_are_shared_by_every_worker(make_app: Any, make: Any, backend: str) -> None:
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/13"  # a database of its own on the shared server
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    first = make_app(RATELIMIT_STORAGE_URI=url)
    who = f"nobody-{uuid.uuid4().hex[:8]}"
    for _ in range(LOCK_AFTER):
        _try(first.test_client(), who)
    keys = redis.Redis.from_url(url).keys(f"*xst-login*{who.upper()}*")
    assert len(keys) == 2  # the count and the time the lock ends, in Redis
    second = make_app(RATELIMIT_STORAGE_URI=url)  # another worker
    assert _try(second.test_client(), who, PASSWORD).status_code == 429
