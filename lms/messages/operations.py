"""Telling a person something: an in-app message and, when they gave an e-mail address, an outbox mail written in
the same transaction (the scheduler sends it: lms/messages/mailer.py). Operations flush and never commit; any domain
calls notify() inside its own operation, so the message exists exactly when the event it tells of does."""
from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import Person
from ..db import chunked, dialect_insert, inline_in
from ..errors import InvalidFields, NotFound
from .models import Message, OutboxMail

# A notice not sent within this time is not sent at all (a decision told a week late by mail helps nobody: the
# message waits in the app).
NOTICE_VALIDITY = timedelta(days=3)
INBOX_SIZE = 200


def normal_email(value: str) -> str | None:
    """The address in its normal form ('' → None), or InvalidFields with the problem in Chinese.

    email-validator checks the syntax of RFC 5322/6531 addresses (internationalised ones too) without looking the
    domain up: whether mail arrives is learnt when it is sent."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > 254:
        raise InvalidFields({"email": "电子邮箱地址过长"})
    try:
        got = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidFields({"email": "电子邮箱地址格式不正确，例如 zhang.san@example.com"}) from None
    return str(got.normalized)


def set_email(s: Session, person: Person, value: str) -> str | None:
    """Set (or, given nothing, remove) the person's own e-mail address; returns what is stored."""
    person.email = normal_email(value)
    s.flush()
    return person.email


def _absolute(link: str | None) -> str:
    if not link:
        return ""
    base = current_app.config.get("PUBLIC_BASE_URL", "") if has_app_context() else ""
    return f"\n\n查看详情：{base}{link}"


def queue_mail(s: Session, to: str, subject: str, body: str, *, person_id: int | None = None,
               message_id: int | None = None, valid_for: timedelta = NOTICE_VALIDITY) -> OutboxMail:
    """Put an e-mail in the outbox (sent by the scheduler when SMTP_URL is set, at most once)."""
    now = clock.now()
    mail = OutboxMail(person_id=person_id, message_id=message_id, to_address=to, subject=subject[:200], body=body,
                      state="pending", attempts=0, created_at=now, next_attempt_at=now, send_before=now + valid_for)
    s.add(mail)
    s.flush()
    return mail


def notify(s: Session, person: Person | int, subject: str, body: str, link: str | None = None, email: bool = True,
           *, kind: str = "notice", ref: str | None = None) -> Message | None:
    """Tell a person something: a message in the app, and a mail to their address when they have one (email=True).

    With a ref, the same (kind, ref) is told to a person once: a second call writes nothing and returns None (the
    unique constraint decides, so two processes telling at once write one message)."""
    who = person if isinstance(person, Person) else s.get(Person, person)
    if who is None:
        raise NotFound("没有找到该人员")
    if link is not None and not link.startswith("/"):
        raise ValueError(f"a message links inside the app (a path), not {link!r}")
    msg = Message(person_id=who.id, kind=kind, ref=ref, subject=subject[:200], body=body, link=link,
                  created_at=clock.now())
    try:
        with s.begin_nested():
            s.add(msg)
            s.flush()
    except IntegrityError:
        if ref is None:
            raise
        return None
    if email and who.email:
        queue_mail(s, who.email, subject, body + _absolute(link), person_id=who.id, message_id=msg.id)
    return msg


def notify_many(s: Session, notices: list[tuple[int, str, str]], link: str | None = None, *, kind: str,
                ref: str) -> list[int]:
    """notify() for many persons at once — (person id, subject, body) each — in two statements: the messages with
    ON CONFLICT DO NOTHING (each person is told (kind, ref) once, as by notify) and the mails of those of them who
    gave an address. Returns the persons told now. A year-end reminder tells a city's persons 500 at a time."""
    if link is not None and not link.startswith("/"):
        raise ValueError(f"a message links inside the app (a path), not {link!r}")
    if not notices:
        return []
    now = clock.now()
    table = Message.__table__
    made = s.execute(dialect_insert(s)(table).on_conflict_do_nothing(
        index_elements=[table.c.person_id, table.c.kind, table.c.ref]).returning(table.c.id, table.c.person_id),
        [{"person_id": pid, "kind": kind, "ref": ref, "subject": subject[:200], "body": body, "link": link,
          "created_at": now} for pid, subject, body in notices]).tuples().all()
    told = {pid: mid for mid, pid in made}
    emails = {pid: email for chunk in chunked(sorted(told)) for pid, email in s.execute(
        select(Person.id, Person.email).where(inline_in(Person.id, chunk), Person.email.is_not(None))).tuples()}
    mails = [{"person_id": pid, "message_id": told[pid], "to_address": emails[pid], "subject": subject[:200],
              "body": body + _absolute(link), "state": "pending", "attempts": 0, "created_at": now,
              "next_attempt_at": now, "send_before": now + NOTICE_VALIDITY}
             for pid, subject, body in notices if pid in emails]
    if mails:
        s.execute(insert(OutboxMail), mails)
    return list(told)


def unread_count(s: Session, person_id: int) -> int:
    return int(s.scalar(select(func.count(Message.id)).where(Message.person_id == person_id,
                                                             Message.read_at.is_(None))) or 0)


def inbox(s: Session, person_id: int, limit: int = INBOX_SIZE) -> list[Message]:
    """The person's messages, unread first, newest first within each."""
    return list(s.scalars(select(Message).where(Message.person_id == person_id)
                          .order_by(Message.read_at.is_not(None), Message.created_at.desc(), Message.id.desc())
                          .limit(limit)))


def mark_read(s: Session, person: Person, message_id: int) -> Message:
    """Mark one of one's own messages read (someone else's is a 404)."""
    msg = s.get(Message, message_id)
    if msg is None or msg.person_id != person.id:
        raise NotFound("没有找到该消息")
    if msg.read_at is None:
        msg.read_at = clock.now()
        s.flush()
    return msg


def mark_all_read(s: Session, person: Person) -> int:
    """Mark every unread message of the person read; how many were."""
    got = s.execute(update(Message).where(Message.person_id == person.id, Message.read_at.is_(None))
                    .values(read_at=clock.now()).execution_options(synchronize_session=False))
    return int(getattr(got, "rowcount", 0) or 0)
