"""Messages to a person (消息) and the e-mail outbox (issue 12 item 10), on SQLite and PostgreSQL, with a real SMTP
server (aiosmtpd) receiving what the scheduler's sender sends."""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.messages.jobs import send_outbox_now
from lms.messages.mailer import MAX_ATTEMPTS, retry_after, send_outbox, smtp_settings
from lms.messages.models import Message, OutboxMail
from lms.messages.operations import notify, notify_many, queue_mail
from lms.scheduler import JOBS
from tests.conftest import PASSWORD
from tests.mailbox import Mailbox


def web_login(client: Any, login: str) -> None:
    assert client.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302


def tell(app: Any, db: Any, person: Any, subject: str = "审核结果", body: str = "您的申报已审核通过。",
         link: str | None = "/me/claims", **kw: Any) -> Message | None:
    with app.app_context():
        msg = notify(db, person, subject, body, link, **kw)
        db.commit()
    return msg


def states(db: Any) -> list[tuple[str, int]]:
    db.rollback()
    db.expire_all()
    return [(m.state, m.attempts) for m in db.scalars(select(OutboxMail).order_by(OutboxMail.id))]


@pytest.fixture
def person(make: Any, db: Any) -> Any:
    p = make.practitioner("陈老师")
    p.email = "chen@example.com"
    db.commit()
    return p


# ---- in the app -------------------------------------------------------------------------------------------

def test_a_notice_is_a_message_and_an_outbox_mail_written_in_the_same_transaction(app: Any, db: Any,
                                                                                  person: Any) -> None:
    with app.app_context():
        notify(db, person, "审核结果", "您的申报已审核通过。", "/me/claims")
        db.rollback()  # the event it told of did not happen: neither does the message nor the mail
    assert db.scalar(select(func.count(Message.id))) == 0 and db.scalar(select(func.count(OutboxMail.id))) == 0
    tell(app, db, person)
    mail = db.scalars(select(OutboxMail)).one()
    assert (mail.to_address, mail.state, mail.attempts) == ("chen@example.com", "pending", 0)
    assert mail.body.endswith("查看详情：http://127.0.0.1:5000/me/claims")


def test_a_person_without_an_address_gets_the_message_only(app: Any, db: Any, make: Any) -> None:
    other = make.practitioner("李四")
    assert tell(app, db, other) is not None
    assert tell(app, db, other, email=False) is not None
    assert db.scalar(select(func.count(Message.id))) == 2 and db.scalar(select(func.count(OutboxMail.id))) == 0


def test_the_same_kind_and_ref_is_told_once(app: Any, db: Any, person: Any) -> None:
    assert tell(app, db, person, kind="claim.deadline", ref="claim:7") is not None
    assert tell(app, db, person, kind="claim.deadline", ref="claim:7") is None
    assert tell(app, db, person, kind="claim.deadline", ref="claim:8") is not None
    assert db.scalar(select(func.count(Message.id))) == 2 and db.scalar(select(func.count(OutboxMail.id))) == 2


def test_many_notices_at_once_are_what_notify_writes_one_by_one_and_each_is_told_once(
        app: Any, db: Any, person: Any, make: Any) -> None:
    """notify_many (a reminder campaign's batch): a message each, a mail to those who gave an address with the
    same link, and the persons already told of (kind, ref) left out — by notify or by an earlier batch."""
    without, told_before = make.practitioner("李四"), make.practitioner("王五")
    tell(app, db, told_before, kind="reminder", ref="campaign:1")
    with app.app_context():
        now = notify_many(db, [(p.id, f"提醒 {p.name}", "请完成学时。") for p in (person, without, told_before)],
                          "/hours", kind="reminder", ref="campaign:1")
        db.commit()
        again = notify_many(db, [(person.id, "提醒", "再次")], "/hours", kind="reminder", ref="campaign:1")
        db.commit()
    assert sorted(now) == sorted([person.id, without.id]) and again == []
    messages = {m.person_id: m for m in db.scalars(select(Message).where(Message.ref == "campaign:1"))}
    assert len(messages) == 3 and messages[without.id].subject == "提醒 李四" and messages[person.id].link == "/hours"
    mail = db.scalars(select(OutboxMail).where(OutboxMail.person_id == person.id)).one()
    assert (mail.to_address, mail.message_id, mail.state) == ("chen@example.com", messages[person.id].id, "pending")
    assert mail.body == "请完成学时。\n\n查看详情：http://127.0.0.1:5000/hours"
    assert db.scalar(select(func.count(OutboxMail.id))) == 1


def test_the_header_counts_unread_messages_and_reading_one_lowers_it(app: Any, db: Any, person: Any,
                                                                     client: Any) -> None:
    web_login(client, person.id_number)
    assert 'id="unread-count"' not in client.get("/home").get_data(as_text=True)
    first = tell(app, db, person, subject="第一条")
    tell(app, db, person, subject="第二条", link=None)
    page = client.get("/home").get_data(as_text=True)
    assert 'id="unread-count" title="未读消息">2<' in page
    inbox = client.get("/messages").get_data(as_text=True)
    assert "第一条" in inbox and "第二条" in inbox and inbox.count("未读</span>") == 2
    assert first is not None
    resp = client.post(f"/messages/{first.id}/read", data={"open": "1"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/me/claims"  # opens what it is about
    assert 'id="unread-count" title="未读消息">1<' in client.get("/home").get_data(as_text=True)
    assert client.post("/messages/read-all").status_code == 302
    assert 'id="unread-count"' not in client.get("/messages").get_data(as_text=True)


def test_someone_elses_message_is_not_found_and_stays_unread(app: Any, db: Any, person: Any, make: Any,
                                                            client: Any) -> None:
    msg = tell(app, db, person, subject="陈老师的认定结果")
    assert msg is not None
    other = make.practitioner("李四")
    web_login(client, other.id_number)
    assert client.post(f"/messages/{msg.id}/read").status_code == 404
    assert "陈老师的认定结果" not in client.get("/messages").get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert db.get(Message, msg.id).read_at is None


def test_the_email_address_is_checked_normalised_and_removable_on_the_profile(db: Any, make: Any,
                                                                             client: Any) -> None:
    p = make.practitioner("王五")
    web_login(client, p.id_number)
    assert "未填写" in client.get("/profile").get_data(as_text=True)
    for bad in ("wangwu", "wang@", "wang wu@example.com", "a@b@example.com", "x" * 250 + "@example.com"):
        client.post("/profile/email", data={"email": bad})
        db.rollback()
        db.expire_all()
        assert db.get(type(p), p.id).email is None, bad
    resp = client.post("/profile/email", data={"email": "  Wang.Wu@Example.COM "}, follow_redirects=True)
    assert "电子邮箱已设置为 Wang.Wu@example.com" in resp.get_data(as_text=True)
    db.rollback()
    db.expire_all()
    assert db.get(type(p), p.id).email == "Wang.Wu@example.com"  # the domain is case-blind; the local part is not
    assert "Wang.Wu@example.com" in client.get("/profile").get_data(as_text=True)
    client.post("/profile/email", data={"email": ""})
    db.rollback()
    db.expire_all()
    assert db.get(type(p), p.id).email is None


def test_the_database_refuses_an_address_without_an_at_sign(db: Any, person: Any) -> None:
    with pytest.raises(IntegrityError):
        db.execute(text("UPDATE person SET email = 'nobody' WHERE id = :id"), {"id": person.id})
        db.flush()
    db.rollback()


# ---- the outbox, sent by SMTP -----------------------------------------------------------------------------

def test_the_sender_is_a_scheduler_job_that_does_nothing_without_smtp(app: Any, db: Any, person: Any) -> None:
    assert "messages.send_outbox" in [j.id for j in JOBS]
    tell(app, db, person)
    assert send_outbox_now(app) is None
    assert states(db) == [("pending", 0)]


def test_pending_mail_is_sent_once_to_the_person(make_app: Any, db: Any, person: Any, mailbox: Mailbox) -> None:
    app = make_app(SMTP_URL=mailbox.url, MAIL_FROM="学时通 <noreply@xst.test>")
    tell(app, db, person, subject="学时认证审核结果", body="“论文（2026-05-01）”已认定 10 学时。")
    report = send_outbox_now(app)
    assert report is not None and (report.sent, report.retry, report.failed) == (1, 0, 0)
    [got] = mailbox.received
    assert got["To"] == "chen@example.com" and got["Subject"] == "学时认证审核结果"
    assert got["From"] == "学时通 <noreply@xst.test>"
    assert "已认定 10 学时" in Mailbox.text(got) and "/me/claims" in Mailbox.text(got)
    assert states(db) == [("sent", 1)]
    report = send_outbox_now(app)
    assert report is not None and report.sent == 0 and len(mailbox.received) == 1


def test_two_senders_at_once_send_each_mail_exactly_once(make_app: Any, db: Any, person: Any,
                                                        mailbox: Mailbox) -> None:
    """Each sender claims a row by a conditional UPDATE before sending it; the slow server makes the two senders
    interleave (on SQLite their claims queue behind each other's write lock, on PostgreSQL they run at once)."""
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        for i in range(12):
            queue_mail(db, "chen@example.com", f"通知 {i}", "正文", person_id=person.id)
        db.commit()
    mailbox.delay = 0.02
    settings = smtp_settings(mailbox.url, "noreply@xst.test")
    reports: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                reports.append(send_outbox(app.extensions["xst_db"].factory, settings))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    subjects = sorted(str(m["Subject"]) for m in mailbox.received)
    assert subjects == sorted(f"通知 {i}" for i in range(12))
    assert sum(r.sent for r in reports) == 12
    assert states(db) == [("sent", 1)] * 12


def test_a_temporary_refusal_is_retried_later_and_a_permanent_one_is_not(make_app: Any, db: Any, person: Any,
                                                                        mailbox: Mailbox, frozen_clock: Any) -> None:
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        queue_mail(db, "chen@example.com", "暂时拒收", "正文", person_id=person.id)
        queue_mail(db, "chen@example.com", "永久拒收", "正文", person_id=person.id)
        db.commit()
    mailbox.refuse = ["451 4.3.0 try again later", "550 5.7.1 rejected"]
    report = send_outbox_now(app)
    assert report is not None and (report.sent, report.retry, report.failed) == (0, 1, 1)
    assert states(db) == [("pending", 1), ("failed", 1)]
    first, second = db.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert "451" in (first.last_error or "") and "550" in (second.last_error or "")
    assert first.next_attempt_at == clock.now() + retry_after(1)
    report = send_outbox_now(app)  # not yet due
    assert report is not None and report.sent == 0 and mailbox.received == []
    frozen_clock.advance(retry_after(1).total_seconds())
    report = send_outbox_now(app)
    assert report is not None and report.sent == 1
    assert [str(m["Subject"]) for m in mailbox.received] == ["暂时拒收"]
    assert states(db) == [("sent", 2), ("failed", 1)]


def test_an_unreachable_server_leaves_the_mail_pending_with_the_error_until_the_last_attempt(
        make_app: Any, db: Any, person: Any, frozen_clock: Any) -> None:
    from tests.mailbox import free_port
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{free_port()}", SMTP_TIMEOUT_SECONDS=2)
    tell(app, db, person)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = send_outbox_now(app)
        assert report is not None and report.sent == 0
        expected = "failed" if attempt == MAX_ATTEMPTS else "pending"
        assert states(db) == [(expected, attempt)]
        frozen_clock.advance(retry_after(attempt).total_seconds())
    mail = db.scalars(select(OutboxMail)).one()
    assert "无法连接邮件服务器" in (mail.last_error or "")


def test_a_mail_not_sent_in_time_expires_unsent(make_app: Any, db: Any, person: Any, mailbox: Mailbox,
                                               frozen_clock: Any) -> None:
    app = make_app(SMTP_URL=mailbox.url)
    with app.app_context():
        queue_mail(db, "chen@example.com", "验证码", "123456", valid_for=timedelta(minutes=15))
        db.commit()
    frozen_clock.advance(15 * 60)
    assert send_outbox_now(app).sent == 1  # type: ignore[union-attr]  (exactly at its limit: still sent)
    with app.app_context():
        queue_mail(db, "chen@example.com", "验证码", "654321", valid_for=timedelta(minutes=15))
        db.commit()
    frozen_clock.advance(15 * 60 + 1)
    report = send_outbox_now(app)
    assert report is not None and (report.sent, report.expired) == (0, 1)
    assert states(db) == [("sent", 1), ("expired", 0)] and len(mailbox.received) == 1


@pytest.mark.parametrize("url", ["http://host", "smtp://", "mail.example.com:25"])
def test_a_wrong_smtp_url_is_refused_with_its_shape(url: str) -> None:
    with pytest.raises(ValueError, match="smtp://host:port"):
        smtp_settings(url, "noreply@xst.test")


def test_smtp_url_names_credentials_tls_and_port() -> None:
    got = smtp_settings("smtps://u%40x:p%3Ass@mail.example.com", "a@b.c")
    assert (got.host, got.port, got.user, got.password, got.tls) == ("mail.example.com", 465, "u@x", "p:ss", True)
    got = smtp_settings("smtp://mail.example.com:587?starttls=1", "a@b.c")
    assert (got.port, got.starttls, got.tls, got.user) == (587, True, False, None)


def test_staff_see_whether_a_person_gave_an_address_masked(app: Any, db: Any, person: Any, make: Any,
                                                          client: Any) -> None:
    make.staff("bureau", "clerk")
    web_login(client, "clerk")
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert 'id="person-email">c***@example.com<' in page and "chen@example.com" not in page
