"""The waiting list (候补) of a full session: strict order, timed offers, nothing after booking closes."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exams.models import Booking, ExamSession, OutboxMessage, WaitlistEntry
from exams.operations import (
    OfferGone,
    SessionNotFull,
    accept_offer,
    book_seat,
    cancel_booking,
    expire_offers,
    join_waitlist,
    update_booking_windows,
    withdraw_from_waitlist,
)
from tests.conftest import START, login

from .conftest import SETTINGS, ExamWorld


@pytest.fixture
def full(world: ExamWorld) -> tuple[ExamSession, Any, Booking, Any, Any]:
    small = world.add_session(seats=1, room="候补考场", closes=START + timedelta(hours=3),
                              cancel=START + timedelta(hours=3), starts=START + timedelta(hours=4))
    holder, a, b = world.candidate(), world.candidate(), world.candidate()
    booking = book_seat(world.db, holder, small, SETTINGS)
    world.db.commit()
    return small, holder, booking, a, b


def _status(world: ExamWorld, entry: WaitlistEntry) -> str:
    world.db.expire_all()
    return world.db.get(WaitlistEntry, entry.id).status


def test_a_session_with_free_seats_has_no_waiting_list(world: ExamWorld) -> None:
    with pytest.raises(SessionNotFull):
        join_waitlist(world.db, world.candidate(), world.session, SETTINGS)


def test_a_returned_seat_is_offered_to_the_first_in_line_and_nobody_jumps_the_queue(world: ExamWorld,
                                                                                  full: Any) -> None:
    small, holder, booking, a, b = full
    wa = join_waitlist(world.db, a, small, SETTINGS)
    wb = join_waitlist(world.db, b, small, SETTINGS)
    world.db.commit()
    cancel_booking(world.db, holder, booking, SETTINGS)
    world.db.commit()
    assert (_status(world, wa), _status(world, wb)) == ("offered", "waiting")
    assert world.db.get(ExamSession, small.id).taken == 1  # the seat is held for the offer
    # b cannot take the seat: neither by booking directly nor through its own (unoffered) place
    with pytest.raises(Exception, match="座位已满"):
        book_seat(world.db, b, small, SETTINGS)
    world.db.rollback()
    with pytest.raises(OfferGone):
        accept_offer(world.db, b, world.db.get(WaitlistEntry, wb.id), SETTINGS)
    world.db.rollback()
    assert world.db.scalar(select(OutboxMessage).where(OutboxMessage.person_id == a.id)).kind == "waitlist_offer"
    new = accept_offer(world.db, a, world.db.get(WaitlistEntry, wa.id), SETTINGS)
    world.db.commit()
    assert new.status == "booked" and world.db.get(ExamSession, small.id).taken == 1


def test_an_offer_not_accepted_in_time_passes_to_the_next_in_line(world: ExamWorld, full: Any,
                                                                  frozen_clock: Any) -> None:
    small, holder, booking, a, b = full
    wa, wb = join_waitlist(world.db, a, small, SETTINGS), join_waitlist(world.db, b, small, SETTINGS)
    world.db.commit()
    cancel_booking(world.db, holder, booking, SETTINGS)
    world.db.commit()
    frozen_clock.advance(SETTINGS.offer_minutes * 60 - 1)
    assert expire_offers(world.db, SETTINGS) == 0
    frozen_clock.advance(1)
    assert expire_offers(world.db, SETTINGS) == 1
    assert expire_offers(world.db, SETTINGS) == 0  # idempotent
    world.db.commit()
    assert (_status(world, wa), _status(world, wb)) == ("expired", "offered")
    with pytest.raises(OfferGone):
        accept_offer(world.db, a, world.db.get(WaitlistEntry, wa.id), SETTINGS)
    world.db.rollback()
    accept_offer(world.db, b, world.db.get(WaitlistEntry, wb.id), SETTINGS)
    world.db.commit()
    assert world.db.get(ExamSession, small.id).taken == 1


def test_the_last_offer_lapsing_frees_the_seat(world: ExamWorld, full: Any, frozen_clock: Any) -> None:
    small, holder, booking, a, _b = full
    join_waitlist(world.db, a, small, SETTINGS)
    world.db.commit()
    cancel_booking(world.db, holder, booking, SETTINGS)
    world.db.commit()
    frozen_clock.advance(SETTINGS.offer_minutes * 60)
    expire_offers(world.db, SETTINGS)
    world.db.commit()
    world.db.expire_all()
    assert world.db.get(ExamSession, small.id).taken == 0


def test_withdrawing_an_offer_passes_it_on(world: ExamWorld, full: Any) -> None:
    small, holder, booking, a, b = full
    wa, wb = join_waitlist(world.db, a, small, SETTINGS), join_waitlist(world.db, b, small, SETTINGS)
    world.db.commit()
    cancel_booking(world.db, holder, booking, SETTINGS)
    withdraw_from_waitlist(world.db, a, world.db.get(WaitlistEntry, wa.id), SETTINGS)
    world.db.commit()
    assert _status(world, wb) == "offered"


def test_no_offer_is_made_once_booking_has_closed(world: ExamWorld, full: Any, frozen_clock: Any) -> None:
    small, holder, booking, a, _b = full
    wa = join_waitlist(world.db, a, small, SETTINGS)
    world.db.commit()
    frozen_clock.advance(3 * 3600)  # booking closes; the cancellation deadline is the same moment
    update_booking_windows(world.db)
    world.db.commit()
    assert _status(world, wa) == "closed"
    world.db.refresh(booking)
    frozen_clock.advance(-1)
    cancel_booking(world.db, holder, booking, SETTINGS)  # a second before the deadline; booking still open
    world.db.commit()


def test_a_seat_given_back_after_booking_closed_is_not_offered(world: ExamWorld, frozen_clock: Any) -> None:
    small = world.add_session(seats=1, room="晚场", closes=START + timedelta(hours=1),
                              cancel=START + timedelta(hours=2), starts=START + timedelta(hours=4))
    holder, a = world.candidate(), world.candidate()
    booking = book_seat(world.db, holder, small, SETTINGS)
    wa = join_waitlist(world.db, a, small, SETTINGS)
    world.db.commit()
    frozen_clock.advance(90 * 60)
    cancel_booking(world.db, holder, booking, SETTINGS)
    world.db.commit()
    assert _status(world, wa) == "waiting"
    assert world.db.get(ExamSession, small.id).taken == 0


def test_the_booking_page_lets_the_offered_person_accept(world: ExamWorld, full: Any, client: Any) -> None:
    small, holder, booking, a, _b = full
    login(client, a.id_number)
    assert client.post(f"/exams/sessions/{small.id}/waitlist").status_code == 302
    cancel_booking(world.db, holder, booking, SETTINGS)
    world.db.commit()
    page = client.get("/exams/").get_data(as_text=True)
    assert "候补名额已为您保留" in page and "确认报名" in page
    entry = world.db.scalar(select(WaitlistEntry).where(WaitlistEntry.person_id == a.id))
    r = client.post(f"/exams/waitlist/{entry.id}/accept")
    assert r.status_code == 302 and "/exams/tickets/" in r.location
