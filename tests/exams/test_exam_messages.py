"""Exam notices (reminders, waiting-list offers, changed or cancelled sessions) are also the person's messages (消息,
the header's unread count) and, with an address, mail through the outbox (lms/messages), written once."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from exams.operations import book_seat, send_reminders
from lms.messages.models import Message, OutboxMail
from tests.conftest import START
from tests.exams.conftest import SETTINGS, ExamWorld


def test_the_day_before_reminder_is_a_message_and_a_mail_once(world: ExamWorld, frozen_clock: Any) -> None:
    tomorrow = world.add_session(starts=START + timedelta(days=1), closes=START + timedelta(hours=20),
                                 cancel=START + timedelta(hours=20), room="明日考场")
    person = world.candidate()
    person.email = "kaoshi@example.com"
    book_seat(world.db, person, tomorrow, SETTINGS)
    world.db.commit()
    assert send_reminders(world.db) == 1
    world.db.commit()
    assert send_reminders(world.db) == 0
    world.db.commit()
    msg = world.db.scalars(select(Message).where(Message.person_id == person.id)).one()
    assert (msg.kind, msg.link) == ("exam.reminder", "/exams/booking") and "明天" in msg.subject
    mail = world.db.scalars(select(OutboxMail)).one()
    assert mail.to_address == "kaoshi@example.com" and mail.message_id == msg.id
