"""How the audit log names and links the exam objects it mentions (plans, sessions, bookings, papers)."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import clock
from lms.accounts.models import Person
from lms.admin.audit_log import Link, int_ids, register_target

from .models import Booking, ExamPaper, ExamPlan, ExamSession


def session_label(x: ExamSession) -> str:
    return f"{x.venue_name} {x.room} {clock.china(x.starts_at):%Y-%m-%d %H:%M}"


@register_target("ExamPlan")
def _plans(s: Session, ids: set[str]) -> dict[str, Link]:
    return {str(p.id): Link(p.title, url_for("exams.admin_plan", plan_id=p.id))
            for p in s.scalars(select(ExamPlan).where(ExamPlan.id.in_(int_ids(ids))))}


@register_target("ExamSession")
def _sessions(s: Session, ids: set[str]) -> dict[str, Link]:
    return {str(x.id): Link(session_label(x), url_for("exams.admin_session", session_id=x.id))
            for x in s.scalars(select(ExamSession).where(ExamSession.id.in_(int_ids(ids))))}


@register_target("Booking")
def _bookings(s: Session, ids: set[str]) -> dict[str, Link]:
    rows = s.execute(select(Booking.id, Booking.ticket_no, Booking.session_id, Person.name)
                     .join(Person, Person.id == Booking.person_id).where(Booking.id.in_(int_ids(ids)))).all()
    return {str(bid): Link(f"{name}（准考证号 {ticket}）", url_for("exams.admin_session", session_id=sid))
            for bid, ticket, sid, name in rows}


@register_target("ExamPaper")
def _papers(s: Session, ids: set[str]) -> dict[str, Link]:
    rows = s.execute(select(ExamPaper.id, ExamPaper.session_id, Person.name, Booking.ticket_no)
                     .join(Person, Person.id == ExamPaper.person_id).join(Booking, Booking.id == ExamPaper.booking_id)
                     .where(ExamPaper.id.in_(int_ids(ids)))).all()
    return {str(pid): Link(f"{name}（准考证号 {ticket}）", url_for("exams.admin_session", session_id=sid))
            for pid, sid, name, ticket in rows}
