"""JSON API /api/v1/exams beyond booking and the paper: the session list, my bookings and tickets, starting the
exam, waiting lists, notices, and the proctor's check-in (documented in docs/api.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_login import current_user
from sqlalchemy import select

from lms import clock
from lms.db import get_or_404, get_session, transaction
from lms.errors import InvalidFields
from lms.security import practitioner_required
from lms.validation import json_object

from .models import Booking, ExamPlan, ExamSession, OutboxMessage, ProctorAssignment, WaitlistEntry
from .operations import (
    accept_offer,
    check_in,
    join_waitlist,
    paper_json,
    roster,
    roster_counts,
    start_exam,
    withdraw_from_waitlist,
)
from .standing import Standing
from .views import (
    _assigned_session,
    _own_entry,
    api,
    ip,
    my_standings,
    own_booking,
    proctor_required,
    settings,
)


def iso(dt: datetime | None) -> str | None:
    """A stored (UTC) time as the API writes times: ISO 8601 with Z."""
    return None if dt is None else dt.isoformat() + "Z"


def plan_json(plan: ExamPlan) -> dict[str, Any]:
    return {"plan_id": plan.id, "year": plan.year, "category": plan.category, "title": plan.title,
            "pass_mark": plan.pass_mark, "duration_minutes": plan.duration_minutes,
            "question_count": plan.question_count}


def session_json(x: ExamSession) -> dict[str, Any]:
    return {"session_id": x.id, "plan_id": x.plan_id, "venue_name": x.venue_name, "venue_address": x.venue_address,
            "room": x.room, "starts_at": iso(x.starts_at), "ends_at": iso(x.ends_at), "seats": x.seats,
            "seats_left": x.seats_left, "booking_opens_at": iso(x.booking_opens_at),
            "booking_closes_at": iso(x.booking_closes_at), "cancel_deadline": iso(x.cancel_deadline),
            "cancelled": x.cancelled_at is not None}


def booking_json(b: Booking) -> dict[str, Any]:
    paper = b.paper
    return {"booking_id": b.id, "ticket_no": b.ticket_no, "status": b.status, "booked_at": iso(b.created_at),
            "cancelled_at": iso(b.cancelled_at), "checked_in_at": iso(b.checked_in_at),
            "session": session_json(b.session),
            "paper": None if paper is None else {
                "paper_id": paper.id, "status": paper.status, "score": paper.score, "passed": paper.passed},
            "ticket_url": url_for("exams.ticket", booking_id=b.id)}


def entry_json(w: WaitlistEntry) -> dict[str, Any]:
    return {"entry_id": w.id, "status": w.status, "joined_at": iso(w.created_at), "offered_at": iso(w.offered_at),
            "offer_expires_at": iso(w.offer_expires_at), "session": session_json(w.session)}


def _action(x: ExamSession, now: datetime, st: Standing, waiting: set[int]) -> str:
    """What the booking page offers for session x (what book_seat() would refuse is said, not offered)."""
    if st.held is not None:
        return "booked_here" if st.held.session_id == x.id else "booked_elsewhere"
    if not st.eligible:
        return "passed" if st.passed else "not_eligible"
    if st.left == 0:
        return "no_attempts_left"
    if now < x.booking_opens_at:
        return "not_open_yet"
    if now >= x.booking_closes_at:
        return "closed"
    if x.seats_left > 0:
        return "book"
    return "waiting" if x.id in waiting else "join_waitlist"


@api.get("/sessions")
@practitioner_required
def api_sessions() -> Any:
    """考试报名: the plans I may book this year (my region's general public plan, my industry's public-subject plan),
    for each whether I may book, the course it examines, and each coming session with what I can do there; the
    first plan's fields also at the top level."""
    s, now = get_session(), clock.now()
    waiting = set(s.scalars(select(WaitlistEntry.session_id).where(
        WaitlistEntry.person_id == current_user.id, WaitlistEntry.status.in_(("waiting", "offered")))))
    plans = []
    for mine in my_standings():
        st, plan = mine["st"], mine["plan"]
        coming = [x for x in plan.sessions if x.ends_at > now and x.cancelled_at is None]
        examines = None if st.enrolment is None else {
            "enrolment_id": st.enrolment.id, "course_id": st.enrolment.course_id,
            "course_title": st.enrolment.course.title}
        plans.append({
            "plan": plan_json(plan), "eligible": st.eligible, "passed": st.passed, "attempts_left": st.left,
            "held_booking_id": st.held.id if st.held else None, "examines": examines,
            "sessions": [session_json(x) | {"action": _action(x, now, st, waiting)} for x in coming]})
    first = plans[0] if plans else {"plan": None, "eligible": False, "passed": False, "attempts_left": 0,
                                    "held_booking_id": None, "sessions": []}
    return {key: first[key] for key in ("plan", "eligible", "passed", "attempts_left", "held_booking_id",
                                        "sessions")} | {"max_attempts": settings().max_attempts, "plans": plans}


@api.get("/bookings")
@practitioner_required
def api_bookings() -> Any:
    """我的报名: every booking of mine, newest first, with its session and paper."""
    rows = get_session().scalars(select(Booking).where(Booking.person_id == current_user.id)
                                 .order_by(Booking.id.desc())).all()
    return {"bookings": [booking_json(b) for b in rows]}


@api.get("/bookings/<int:booking_id>")
@practitioner_required
def api_booking(booking_id: int) -> Any:
    """One booking: the admission ticket (准考证) as data; the QR code holds ticket_no alone."""
    b = own_booking(booking_id)
    return booking_json(b) | {"name": current_user.name, "id_number": current_user.masked_id_number}


@api.post("/bookings/<int:booking_id>/start")
@practitioner_required
def api_start(booking_id: int) -> Any:
    """Start the exam (checked in, on time, from the venue): 201 with the new paper, 200 with the one drawn."""
    b = own_booking(booking_id)
    existed = b.paper is not None
    with transaction() as s:
        paper = start_exam(s, current_user, b, ip=ip())
        out = paper_json(paper)
    return out, 200 if existed else 201


@api.get("/waitlist")
@practitioner_required
def api_waitlist() -> Any:
    """My places on waiting lists that are still open (waiting, or offered a seat until offer_expires_at)."""
    rows = get_session().scalars(select(WaitlistEntry).where(
        WaitlistEntry.person_id == current_user.id, WaitlistEntry.status.in_(("waiting", "offered")))
        .order_by(WaitlistEntry.id)).all()
    return {"entries": [entry_json(w) for w in rows]}


@api.post("/sessions/<int:session_id>/waitlist")
@practitioner_required
def api_join_waitlist(session_id: int) -> Any:
    """Join the waiting list of a full session: 201 with my place."""
    session = get_or_404(get_session(), ExamSession, session_id)
    with transaction() as s:
        entry = join_waitlist(s, current_user, session, settings())
        out = entry_json(entry)
    return out, 201


@api.post("/waitlist/<int:entry_id>/accept")
@practitioner_required
def api_accept_offer(entry_id: int) -> Any:
    """Take the seat my waiting-list offer holds: 201 with the booking."""
    entry = _own_entry(entry_id)
    with transaction() as s:
        b = accept_offer(s, current_user, entry, settings())
        out = booking_json(b)
    return out, 201


@api.post("/waitlist/<int:entry_id>/withdraw")
@practitioner_required
def api_withdraw(entry_id: int) -> Any:
    """Leave a waiting list (an offered seat passes to the next in line)."""
    entry = _own_entry(entry_id)
    with transaction() as s:
        withdraw_from_waitlist(s, current_user, entry, settings())
    return {"ok": True}


@api.get("/notices")
@practitioner_required
def api_notices() -> Any:
    """My last 50 notices (reminders, waiting-list offers), newest first."""
    rows = get_session().scalars(select(OutboxMessage).where(OutboxMessage.person_id == current_user.id)
                                 .order_by(OutboxMessage.id.desc()).limit(50)).all()
    return {"notices": [{"notice_id": n.id, "kind": n.kind, "subject": n.subject, "body": n.body,
                         "created_at": iso(n.created_at), "read_at": iso(n.read_at)} for n in rows]}


# ---- proctor: 监考 ----------------------------------------------------------------------------------------

def _roster_json(session: ExamSession) -> dict[str, Any]:
    rows = roster(get_session(), session)
    return {"session": session_json(session), "counts": roster_counts(rows), "candidates": [{
        "booking_id": r["booking"].id, "ticket_no": r["booking"].ticket_no, "name": r["person"].name,
        "id_number": r["person"].masked_id_number, "state": r["state"], "state_name": r["state_name"],
        "checked_in_at": iso(r["booking"].checked_in_at)} for r in rows]}


@api.get("/proctor/sessions")
@proctor_required
def api_proctor_sessions() -> Any:
    """The sessions I am assigned to proctor, in time order."""
    rows = get_session().scalars(
        select(ExamSession).join(ProctorAssignment, ProctorAssignment.session_id == ExamSession.id)
        .where(ProctorAssignment.proctor_id == current_user.id).order_by(ExamSession.starts_at)).all()
    return {"sessions": [session_json(x) for x in rows]}


@api.get("/proctor/sessions/<int:session_id>")
@proctor_required
def api_proctor_session(session_id: int) -> Any:
    """An assigned session's roster (ID numbers masked) and counts; 404 for a session not assigned to me."""
    return _roster_json(_assigned_session(session_id))


@api.post("/proctor/sessions/<int:session_id>/check-in")
@proctor_required
def api_check_in(session_id: int) -> Any:
    """Check a candidate in by ticket number (spaces allowed) and the last four characters of the ID number."""
    session = _assigned_session(session_id)
    data = json_object()
    ticket_no, id_last = data.get("ticket_no"), data.get("id_last")
    problems = {k: message for k, v, message in (("ticket_no", ticket_no, "请填写准考证号"),
                                                 ("id_last", id_last, "请填写身份证号后四位"))
                if not isinstance(v, str) or not v.strip() or len(v) > 40}
    if problems:
        raise InvalidFields(problems)
    assert isinstance(ticket_no, str) and isinstance(id_last, str)
    with transaction() as s:
        b = check_in(s, current_user, session, ticket_no, id_last, settings(), ip=ip())
        out = {"booking_id": b.id, "ticket_no": b.ticket_no, "name": b.person.name,
               "id_number": b.person.masked_id_number, "state": b.status, "checked_in_at": iso(b.checked_in_at)}
    return out
