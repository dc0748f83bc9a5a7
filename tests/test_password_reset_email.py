"""Password reset by a code sent by e-mail (issue 15), against a real SMTP server (aiosmtpd): the code is read from the
mail as the person would; with it the password changes and every login of the account ends. Without SMTP the page
says whom to ask."""
from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from lms.accounts.reset import RESET_CODE_ATTEMPTS, PasswordResetCode
from lms.audit import AuditEntry
from lms.messages.jobs import send_outbox_now
from lms.messages.models import Message
from tests.conftest import PASSWORD
from tests.mailbox import Mailbox

NEW = "NewPass2026ok"


def web_login(client: Any, login: str, password: str = PASSWORD) -> int:
    return int(client.post("/login", data={"login": login, "password": password}).status_code)


def signed_in(client: Any) -> bool:
    return client.get("/profile").status_code == 200


@pytest.fixture
def mail_app(make_app: Any, mailbox: Mailbox) -> Any:
    return make_app(SMTP_URL=mailbox.url)


@pytest.fixture
def person(mail_app: Any, db: Any, make: Any) -> Any:
    p = make.practitioner("赵老师")
    p.email = "zhao@example.com"
    db.commit()
    return p


def ask(client: Any, login: str) -> str:
    resp = client.post("/password/forgot", data={"login": login}, follow_redirects=True)
    assert resp.status_code == 200
    return str(resp.get_data(as_text=True))


def code_from_mail(app: Any, mailbox: Mailbox) -> str:
    report = send_outbox_now(app)
    assert report is not None
    text = Mailbox.text(mailbox.received[-1])
    found = re.search(r"验证码为 (\d{6})", text)
    assert found, text
    return found.group(1)


def reset(client: Any, login: str, code: str, password: str = NEW) -> Any:
    return client.post("/password/reset", data={"login": login, "code": code, "password": password,
                                                "confirm": password})


def test_without_smtp_the_page_says_to_ask_the_employer_or_the_bureau(client: Any) -> None:
    assert "请联系单位管理员或人社局核实身份后重置" in client.get("/login").get_data(as_text=True)
    page = client.get("/password/forgot").get_data(as_text=True)
    assert 'id="no-mail"' in page and "单位管理员" in page and "人社局" in page
    assert client.post("/password/forgot", data={"login": "x"}).status_code == 200  # nothing is sent
    assert client.get("/password/reset").status_code == 302


def test_the_code_from_the_mail_resets_the_password_and_ends_every_login(
        mail_app: Any, db: Any, person: Any, mailbox: Mailbox) -> None:
    elsewhere = mail_app.test_client()
    assert web_login(elsewhere, person.id_number) == 302 and signed_in(elsewhere)
    c = mail_app.test_client()
    assert 'id="forgot-link"' in c.get("/login").get_data(as_text=True)
    page = ask(c, person.id_number)
    assert "如果该账号已登记电子邮箱，验证码已发送到该邮箱" in page and 'id="reset-form"' in page
    code = code_from_mail(mail_app, mailbox)
    assert mailbox.received[-1]["To"] == "zhao@example.com"
    db.rollback()
    stored = db.scalars(select(PasswordResetCode)).one()
    assert code not in stored.code_hash and len(stored.code_hash) == 64  # only a keyed hash is kept
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = reset(c, person.id_number, wrong)
    assert refused.status_code == 400 and "验证码不正确或已失效" in refused.get_data(as_text=True)
    assert "至少 8 位" in reset(c, person.id_number, code, "short").get_data(as_text=True)
    done = reset(c, person.id_number, code)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert not signed_in(elsewhere)  # the other device's login ended
    assert web_login(mail_app.test_client(), person.id_number) == 200  # the old password no longer works
    assert web_login(mail_app.test_client(), person.id_number, NEW) == 302
    assert reset(c, person.id_number, code, "Another2026ok").status_code == 400  # used once
    db.rollback()
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "account.password_reset_email")).one()
    assert audit.actor_id == person.id and audit.detail_dict["logins_ended"] >= 1
    assert db.scalars(select(Message.subject).where(Message.person_id == person.id)).all() == ["您的密码已重置"]


def test_an_unknown_account_or_one_without_an_address_gets_the_same_answer_and_no_mail(
        mail_app: Any, db: Any, person: Any, mailbox: Mailbox, make: Any) -> None:
    other = make.practitioner("钱老师")
    c = mail_app.test_client()
    answers = {ask(c, login).split('role="status">')[1].split("<")[0] for login in (other.id_number, "110101199001011234")}
    assert len(answers) == 1
    assert send_outbox_now(mail_app).sent == 0  # type: ignore[union-attr]
    assert mailbox.received == []


def test_a_code_dies_after_its_tries_and_at_fifteen_minutes_and_a_new_one_replaces_it(
        mail_app: Any, db: Any, person: Any, mailbox: Mailbox, frozen_clock: Any) -> None:
    c = mail_app.test_client()

    def attempt(code: str) -> int:
        frozen_clock.advance(70)  # past the per-account delay after wrong codes (lms/accounts/throttle.py)
        return int(reset(c, person.id_number, code).status_code)

    ask(c, person.id_number)
    code = code_from_mail(mail_app, mailbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert [attempt(wrong) for _ in range(RESET_CODE_ATTEMPTS)] == [400] * RESET_CODE_ATTEMPTS
    assert attempt(code) == 400  # the right code, after five wrong ones: it is spent
    ask(c, person.id_number)
    second = code_from_mail(mail_app, mailbox)
    ask(c, person.id_number)
    third = code_from_mail(mail_app, mailbox)
    assert attempt(second) == 400  # replaced by the third
    frozen_clock.advance(15 * 60 - 70 - 70)
    assert attempt(third) == 400  # exactly 15 minutes after it was sent: expired
    # Three codes an hour: the fourth is not sent.
    ask(c, person.id_number)
    assert send_outbox_now(mail_app).sent == 0  # type: ignore[union-attr]
    frozen_clock.advance(3600)
    ask(c, person.id_number)
    fresh = code_from_mail(mail_app, mailbox)
    frozen_clock.advance(15 * 60 - 1 - 70)
    assert attempt(fresh) == 302  # a second before it expires
