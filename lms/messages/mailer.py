"""Sending the outbox by SMTP (smtplib from the standard library), each mail at most once.

A sender claims a row with a conditional UPDATE (pending → sending, attempts + 1) committed before it talks to the
server; of two senders only one changes the row, and only that one sends it. After the server's answer the row
becomes sent, pending again (a temporary refusal, 4xx, or no connection: retried after a growing pause), or failed
(a permanent refusal, 5xx; the last attempt; or the connection broken while the message was being handed over, when
it may have arrived: at most once means it is not sent again). A row never leaves `sending` without an answer: a
sender that dies there leaves it for an operator to look at (README: "Mail").

SMTP_URL: ``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://…`` (TLS from the start, port 465).
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import clock
from .models import OutboxMail

log = logging.getLogger("xst.mail")
MAX_ATTEMPTS = 6
BATCH = 100


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: bool = False          # smtps: TLS from the first byte
    starttls: bool = False
    timeout: float = 15.0


def smtp_settings(url: str, sender: str, timeout: float = 15.0) -> SmtpSettings:
    """Read SMTP_URL (ValueError, naming what is wrong, for anything else)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://host:port or smtps://user:password@host:465")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
    tls = parts.scheme == "smtps"
    return SmtpSettings(host=parts.hostname, port=parts.port or (465 if tls else 25), sender=sender,
                        user=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None, tls=tls,
                        starttls=starttls, timeout=timeout)


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    expired: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retry {self.retry}, failed {self.failed}, expired {self.expired}"


def retry_after(attempts: int) -> timedelta:
    """The pause before the next try after this many attempts: 1, 2, 4, … minutes, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def compose(mail: OutboxMail, settings: SmtpSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    # A stable id per outbox row: a receiving system can tell the same mail by it.
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain=settings.sender.rsplit("@", 1)[-1])
    msg.set_content(mail.body + "\n\n——学时通（本邮件由系统发送，请勿直接回复）")
    return msg


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if settings.tls:
        server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        server.ehlo()
        if settings.starttls:
            server.starttls(context=context)
            server.ehlo()
        if settings.user:
            server.login(settings.user, settings.password or "")
    except BaseException:
        server.close()
        raise
    return server


def _set(s: Session, mail_id: int, from_state: str, **values: object) -> bool:
    got = s.execute(update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state == from_state)
                    .values(**values).execution_options(synchronize_session=False))
    s.commit()
    return bool(getattr(got, "rowcount", 0))


def _later(s: Session, mail_id: int, attempts: int, error: str, max_attempts: int, report: SendReport) -> None:
    """Back to pending with the error, or failed for good at the last attempt."""
    if attempts >= max_attempts:
        _set(s, mail_id, "sending", state="failed", last_error=error[:500])
        report.failed += 1
    else:
        _set(s, mail_id, "sending", state="pending", last_error=error[:500],
             next_attempt_at=clock.now() + retry_after(attempts))
        report.retry += 1


def send_outbox(factory: Callable[[], Session], settings: SmtpSettings, *, limit: int = BATCH,
                max_attempts: int = MAX_ATTEMPTS) -> SendReport:
    """Send the mails that are due, over one connection; each claimed by this sender before it is sent."""
    report = SendReport()
    with factory() as s:
        now = clock.now()
        got = s.execute(update(OutboxMail).where(OutboxMail.state == "pending", OutboxMail.send_before < now)
                        .values(state="expired").execution_options(synchronize_session=False))
        s.commit()
        report.expired = int(getattr(got, "rowcount", 0) or 0)
        due = list(s.scalars(select(OutboxMail.id).where(OutboxMail.state == "pending",
                                                         OutboxMail.next_attempt_at <= now)
                             .order_by(OutboxMail.id).limit(limit)))
        s.rollback()
        if not due:
            return report
        server: smtplib.SMTP | None = None
        try:
            for mail_id in due:
                # The claim: only the sender whose UPDATE changes the row sends it.
                if not _set(s, mail_id, "pending", state="sending", attempts=OutboxMail.attempts + 1,
                            claimed_at=clock.now()):
                    continue
                # A detached copy: nothing of it is loaded again, so no transaction is open while the server talks.
                mail = s.get(OutboxMail, mail_id, populate_existing=True)
                assert mail is not None
                s.expunge(mail)
                s.rollback()
                if server is None:
                    try:
                        server = _connect(settings)
                    except (OSError, smtplib.SMTPException) as exc:
                        # Nothing was handed over: this one and the rest wait for the next run.
                        log.warning("mail: cannot reach %s:%s: %s", settings.host, settings.port, exc)
                        _later(s, mail_id, mail.attempts, f"无法连接邮件服务器：{exc}", max_attempts, report)
                        break
                try:
                    refused = server.send_message(compose(mail, settings))
                except smtplib.SMTPRecipientsRefused as exc:
                    _set(s, mail_id, "sending", state="failed", last_error=f"收件地址被拒绝：{exc.recipients}"[:500])
                    report.failed += 1
                    continue
                except smtplib.SMTPResponseException as exc:
                    # The server said no (to the sender, the data …): nothing was delivered.
                    error = f"{exc.smtp_code} {exc.smtp_error!r}"
                    if 400 <= exc.smtp_code < 500:
                        _later(s, mail_id, mail.attempts, error, max_attempts, report)
                    else:
                        _set(s, mail_id, "sending", state="failed", last_error=error[:500])
                        report.failed += 1
                    if exc.smtp_code == 421:  # the server is closing the connection
                        server.close()
                        server = None
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    # Broken while handing it over: it may have arrived. Never again (at most once).
                    _set(s, mail_id, "sending", state="failed", last_error=f"发送中断，是否送达不明：{exc}"[:500])
                    report.failed += 1
                    server.close()
                    server = None
                    continue
                if refused:
                    _set(s, mail_id, "sending", state="failed", last_error=f"收件地址被拒绝：{refused}"[:500])
                    report.failed += 1
                    continue
                _set(s, mail_id, "sending", state="sent", sent_at=clock.now(), last_error=None)
                report.sent += 1
        finally:
            if server is not None:
                try:
                    server.quit()
                except (OSError, smtplib.SMTPException):
                    server.close()
    return report
