"""A clerk edits or cancels a session before it starts; each candidate is told once; a cancelled session takes
no booking on either path (Flask and the lane); a plan's sessions lie in its year; an upload reports every problem
of every row."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from exams.models import Booking, ExamSession, OutboxMessage, WaitlistEntry
from exams.operations import (
    BookingClosed,
    SessionSpec,
    add_sessions,
    book_seat,
    book_seat_pg,
    create_plan,
    join_waitlist,
)
from exams.schedule import SessionCancelled, SessionStarted, cancel_session, update_session
from lms.audit import AuditEntry
from lms.errors import InvalidInput
from tests.conftest import START, login, login_id
from tests.exams.conftest import BOOK, Candidate
from tests.exams.test_imports_access import SESSION_HEADER, upload

from .conftest import SETTINGS, ExamWorld


def spec_of(x: ExamSession, **changes: Any) -> SessionSpec:
    base = SessionSpec(x.venue_name, x.venue_address, x.room, x.starts_at, x.ends_at, x.seats, x.booking_opens_at,
                       x.booking_closes_at, x.cancel_deadline, x.allowed_cidrs)
    return replace(base, **changes)


@pytest.fixture
def later(world: ExamWorld) -> ExamSession:
    """A session tomorrow with two seats: two candidates booked, a third waiting."""
    return world.add_session(seats=2, starts=START + timedelta(days=1), closes=START + timedelta(hours=20),
                             cancel=START + timedelta(hours=20), room="明日考场")


def fill(world: ExamWorld, session: ExamSession) -> list[Any]:
    people = [world.candidate(name=n) for n in ("张甲", "李乙", "王丙")]
    for p in people[:2]:
        book_seat(world.db, p, session, SETTINGS)
    world.db.commit()
    join_waitlist(world.db, people[2], session, SETTINGS)
    world.db.commit()
    return people


def messages(world: ExamWorld, kind: str) -> list[tuple[int, str]]:
    world.db.expire_all()
    return [(m.person_id, m.body) for m in world.db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.person_id))]


def audit_actions(world: ExamWorld) -> list[str]:
    world.db.expire_all()
    return list(world.db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_new_time_or_place_tells_every_candidate_once_and_keeps_their_bookings(world: ExamWorld,
                                                                               later: ExamSession) -> None:
    people = fill(world, later)
    change = update_session(world.db, world.bureau, later, spec_of(later, room="第九考场",
                            starts_at=later.starts_at + timedelta(hours=2), ends_at=later.ends_at + timedelta(hours=2)),
                            SETTINGS)
    world.db.commit()
    assert change.told == 3 and set(change.changed) == {"考场", "开始时间", "结束时间"}
    told = messages(world, "session_changed")
    assert [pid for pid, _ in told] == sorted(p.id for p in people)  # booked and waiting, each once
    body = told[0][1]
    assert "考场由 明日考场 改为 第九考场" in body and "开始时间由 2026-03-03 10:00 改为 2026-03-03 12:00" in body
    assert "准考证号不变" in body
    statuses = world.db.scalars(select(Booking.status).where(Booking.session_id == later.id)).all()
    assert sorted(statuses) == ["booked", "booked"]
    entry = world.db.scalars(select(AuditEntry).where(AuditEntry.action == "exam.session.update")).one()
    assert entry.detail_dict["changes"]["考场"] == "明日考场 → 第九考场" and entry.detail_dict["notified"] == 3


def test_more_seats_go_to_the_waiting_list_and_tell_nobody_of_a_change(world: ExamWorld,
                                                                       later: ExamSession) -> None:
    people = fill(world, later)
    change = update_session(world.db, world.bureau, later, spec_of(later, seats=3), SETTINGS)
    world.db.commit()
    assert change.told == 0 and messages(world, "session_changed") == []
    world.db.expire_all()
    entry = world.db.scalars(select(WaitlistEntry)).one()
    assert entry.person_id == people[2].id and entry.status == "offered"
    assert world.db.get(ExamSession, later.id).taken == 3  # the seat is held for the offer
    assert [pid for pid, _ in messages(world, "waitlist_offer")] == [people[2].id]


def test_fewer_seats_than_taken_is_refused_and_changes_nothing(world: ExamWorld, later: ExamSession) -> None:
    fill(world, later)
    before = audit_actions(world)
    with pytest.raises(InvalidInput, match="座位数不能少于 2"):
        update_session(world.db, world.bureau, later, spec_of(later, seats=1, room="改名"), SETTINGS)
    world.db.rollback()
    assert world.db.get(ExamSession, later.id).seats == 2 and audit_actions(world) == before


def test_an_edit_that_changes_nothing_writes_nothing(world: ExamWorld, later: ExamSession) -> None:
    before = audit_actions(world)
    change = update_session(world.db, world.bureau, later, spec_of(later, room=" 明日考场 "), SETTINGS)
    world.db.commit()
    assert change.changed == {} and audit_actions(world) == before


def test_a_session_that_has_started_can_be_neither_edited_nor_cancelled(world: ExamWorld) -> None:
    started = world.session  # START .. START + 2 h, and the clock is at START
    with pytest.raises(SessionStarted):
        update_session(world.db, world.bureau, started, spec_of(started, room="别处"), SETTINGS)
    with pytest.raises(SessionStarted):
        cancel_session(world.db, world.bureau, started, "考点停电")


def test_cancelling_frees_every_seat_tells_each_candidate_why_and_does_not_count_as_an_attempt(
        world: ExamWorld, later: ExamSession) -> None:
    people = fill(world, later)
    told = cancel_session(world.db, world.bureau, later, "考点临时停电")
    world.db.commit()
    assert told == 3
    world.db.expire_all()
    x = world.db.get(ExamSession, later.id)
    assert x.cancelled_at is not None and x.taken == 0 and x.cancel_reason == "考点临时停电"
    assert set(world.db.scalars(select(Booking.status).where(Booking.session_id == later.id))) == {"cancelled"}
    assert world.db.scalars(select(WaitlistEntry.status)).one() == "closed"
    notices = messages(world, "session_cancelled")
    assert [pid for pid, _ in notices] == sorted(p.id for p in people)
    assert "原因：考点临时停电" in notices[0][1] and "不计入考试次数" in notices[0][1]
    # another session can be booked at once: the cancelled booking is no active booking and no attempt
    other = world.add_session(room="另一考场", starts=START + timedelta(days=2), closes=START + timedelta(days=1),
                              cancel=START + timedelta(days=1))
    booking = book_seat(world.db, people[0], other, SETTINGS)
    world.db.commit()
    assert booking.status == "booked"
    with pytest.raises(SessionCancelled):
        cancel_session(world.db, world.bureau, later, "再取消一次")


def test_a_cancelled_session_takes_no_booking_in_flask_nor_in_the_rush_statement(
        world: ExamWorld, later: ExamSession, backend: str) -> None:
    cancel_session(world.db, world.bureau, later, "考场调整")
    world.db.commit()
    person = world.candidate()
    world.db.expire_all()
    later = world.db.get(ExamSession, later.id)
    if backend == "postgresql":
        # the statement the lane and the booking API run: it does not book, it leaves the answer to book_seat()
        assert book_seat_pg(world.db, person.id, person.session_version, login_id(world.db, person), later.id,
                            SETTINGS) is None
        world.db.rollback()
    with pytest.raises(BookingClosed, match="该场次已取消（考场调整）"):
        book_seat(world.db, person, later, SETTINGS)
    world.db.rollback()
    with pytest.raises(BookingClosed):
        join_waitlist(world.db, person, later, SETTINGS)
    world.db.rollback()
    assert world.db.scalar(select(func.count()).select_from(Booking).where(Booking.session_id == later.id)) == 0


def test_the_booking_api_through_the_front_refuses_a_cancelled_session(world: ExamWorld, later: ExamSession,
                                                                       make_app: Any, through_front: Any) -> None:
    cancel_session(world.db, world.bureau, later, "考场调整")
    world.db.commit()
    page = Candidate(through_front(make_app(WTF_CSRF_ENABLED=True)), world.candidate())
    r = page.book(later.id)
    assert r.status_code == 409 and r.json["error"] == "booking_closed" and "已取消" in r.json["message"]
    assert page.client.post(BOOK, json={"session_id": world.session.id},
                            headers={"X-CSRFToken": page.token}).status_code == 201


def test_a_plan_of_2027_refuses_a_session_dated_2026(world: ExamWorld) -> None:
    plan = create_plan(world.db, world.bureau, year=2027, category="general_public", title="2027 年度考试")
    world.db.commit()
    spec = SessionSpec("考点", "地址", "101", START, START + timedelta(hours=1), 10, START - timedelta(days=1),
                       START - timedelta(hours=1), START - timedelta(hours=2))
    with pytest.raises(InvalidInput, match="考试日期 2026-03-02 不在 2027 年度内"):
        add_sessions(world.db, world.bureau, plan, [spec])
    world.db.rollback()
    # 2026-12-31 23:30 China time is 15:30 UTC that day: still 2026, refused; 2027-01-01 00:30 China time is accepted
    last = START.replace(month=12, day=31, hour=15, minute=30)
    with pytest.raises(InvalidInput, match="2026-12-31"):
        add_sessions(world.db, world.bureau, plan, [replace(spec, starts_at=last, ends_at=last + timedelta(hours=1))])
    world.db.rollback()
    first = START.replace(month=12, day=31, hour=16, minute=30)
    (made,) = add_sessions(world.db, world.bureau, plan, [replace(spec, starts_at=first,
                                                                   ends_at=first + timedelta(hours=1))])
    world.db.commit()
    assert made.plan_id == plan.id


def test_an_upload_reports_every_problem_of_every_row(world: ExamWorld, client: Any) -> None:
    plan = create_plan(world.db, world.bureau, year=2027, category="general_public", title="2027 年度考试")
    world.db.commit()
    login(client, world.bureau.username)
    csv = (SESSION_HEADER
           + ",地址,101,2026-03-10,09:00,08:30,三十,2026-03-01 08:00,2026-03-09 17:00,2026-03-11 17:00,10.0.0/99\n"
           + "考点乙,地址,,2027-03-10,9点,10:30,30,2027-03-01,2027-03-09 17:00,2027-03-08 17:00,\n")
    r = upload(client, f"/exams/admin/plans/{plan.id}/sessions/import", "sessions.csv", csv.encode())
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    for problem in ("第 2 行：考点名称不能为空", "第 2 行：座位数“三十”应为整数", "第 2 行：结束时间应晚于开始时间",
                    "第 2 行：考试日期 2026-03-10 不在 2027 年度内", "第 2 行：取消截止时间不能晚于考试结束时间",
                    "第 2 行：IP 范围“10.0.0/99”格式不正确",
                    "第 3 行：考场不能为空", "第 3 行：开始时间“2027-03-10 9点”应写成", "第 3 行：报名开始“2027-03-01”应写成"):
        assert problem in page, problem
    assert world.db.scalar(select(func.count()).select_from(ExamSession).where(ExamSession.plan_id == plan.id)) == 0


def test_the_clerk_edits_and_cancels_on_the_pages_and_others_cannot(world: ExamWorld, later: ExamSession,
                                                                    client: Any, make_app: Any) -> None:
    fill(world, later)
    proctor_client = make_app().test_client()
    login(proctor_client, world.proctor.username)
    assert proctor_client.get(f"/exams/admin/sessions/{later.id}/edit").status_code == 403
    assert proctor_client.post(f"/exams/admin/sessions/{later.id}/cancel", data={"reason": "x"}).status_code == 403
    login(client, world.bureau.username)
    page = client.get(f"/exams/admin/sessions/{later.id}/edit").get_data(as_text=True)
    assert 'value="明日考场"' in page and 'value="2026-03-03"' in page and 'value="10:00"' in page
    assert 'id="affected">3<' in page
    form = {"venue_name": later.venue_name, "venue_address": later.venue_address, "room": "第九考场",
            "day": "2026-03-03", "start": "10:00", "end": "12:00", "seats": "2",
            "booking_opens": "2026-03-01T10:00", "booking_closes": "2026-03-03T06:00",
            "cancel_deadline": "2026-03-03T06:00", "allowed_cidrs": ""}
    r = client.post(f"/exams/admin/sessions/{later.id}/edit", data=form, follow_redirects=True)
    assert "场次已修改：考场；已通知 3 名考生" in r.get_data(as_text=True)
    r = client.post(f"/exams/admin/sessions/{later.id}/edit", data=form | {"seats": "1"})
    assert r.status_code == 200 and "座位数不能少于 2" in r.get_data(as_text=True)
    r = client.post(f"/exams/admin/sessions/{later.id}/cancel", data={"reason": ""})
    assert r.status_code == 400 and "请填写取消原因" in r.get_data(as_text=True)
    r = client.post(f"/exams/admin/sessions/{later.id}/cancel", data={"reason": "考点停电"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "场次已取消，已通知 3 名考生" in page and "已取消" in page
    page = client.get(f"/exams/admin/sessions/{later.id}").get_data(as_text=True)
    assert "取消：考点停电" in page and "修改或取消场次" not in page
