"""Changing a plan's schedule once candidates may have booked: edit or cancel a session, with notice to them.

Each candidate affected hears once per change, through the message outbox (`notify`, kind + ref unique): a
change of time or place tells every candidate with an active booking or an open waiting-list place; a change of
seats or booking times tells nobody (the booking page shows it). A cancellation cancels every active booking and
closes the waiting list; a cancelled booking does not count as an attempt. Neither is possible once the exam has
started: papers would be drawn against the old times.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lms import audit, clock
from lms.accounts.models import Person
from lms.errors import Conflict, InvalidInput

from .models import ACTIVE_BOOKING_STATES, Booking, ExamSession, WaitlistEntry
from .operations import ExamSettings, SessionSpec, _offer_next, _require_plan_owner, _rowcount, _window_state, notify

# What a change to each field is called, in the audit log and the notice.
FIELD_NAMES = {"venue_name": "考点", "venue_address": "考点地址", "room": "考场", "starts_at": "开始时间",
               "ends_at": "结束时间", "seats": "座位数", "booking_opens_at": "报名开始", "booking_closes_at": "报名截止",
               "cancel_deadline": "取消截止", "allowed_cidrs": "允许开考的 IP 范围"}
# Changes the candidates are told about: where and when they sit the exam.
NOTICE_FIELDS = ("venue_name", "venue_address", "room", "starts_at", "ends_at")


class SessionStarted(Conflict):
    code, message = "session_started", "考试已开始，不能再修改或取消该场次"


class SessionCancelled(Conflict):
    code, message = "session_cancelled", "该场次已取消"


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{clock.china(value):%Y-%m-%d %H:%M}"
    return str(value) if value != "" else "（空）"


def _where(x: ExamSession) -> str:
    return f"{clock.china(x.starts_at):%Y年%m月%d日 %H:%M}–{clock.china(x.ends_at):%H:%M} {x.venue_name}（{x.venue_address}）{x.room}"


def _same(before: Any, after: Any) -> bool:
    """Whether a field keeps its value; times are edited to the minute (a session imported or made by the demo
    at 09:00:30 is unchanged by a form that says 09:00)."""
    if isinstance(before, datetime) and isinstance(after, datetime):
        return before.replace(second=0, microsecond=0) == after.replace(second=0, microsecond=0)
    return bool(before == after)


def _check_changeable(session: ExamSession) -> None:
    if session.cancelled_at is not None:
        raise SessionCancelled()
    if clock.now() >= session.starts_at:
        raise SessionStarted()


def candidates(s: Session, session: ExamSession) -> list[int]:
    """The persons holding an active booking or an open waiting-list place in a session, each once."""
    booked = s.scalars(select(Booking.person_id).where(Booking.session_id == session.id,
                                                       Booking.status.in_(ACTIVE_BOOKING_STATES)))
    waiting = s.scalars(select(WaitlistEntry.person_id).where(WaitlistEntry.session_id == session.id,
                                                              WaitlistEntry.status.in_(("waiting", "offered"))))
    return sorted({*booked, *waiting})


@dataclass(frozen=True)
class SessionChange:
    """What an edit changed ({name of the field: (before, after)} as shown) and how many candidates were told."""
    changed: dict[str, tuple[str, str]]
    told: int


def update_session(s: Session, actor: Person, session: ExamSession, spec: SessionSpec, settings: ExamSettings,
                   ip: str | None = None) -> SessionChange:
    """Change a session before it starts; tell its candidates when the time or place changed.

    An edit that changes nothing writes nothing, not even to the audit log.
    """
    _require_plan_owner(actor, session.plan)
    _check_changeable(session)
    problems = spec.problems(year=session.plan.year)
    if not _same(session.starts_at, spec.starts_at) and spec.starts_at <= clock.now():
        problems.append("新的开始时间已经过去")
    if problems:
        raise InvalidInput("；".join(problems))
    new = {f.name: getattr(spec, f.name) for f in fields(spec)}
    new |= {k: v.strip() for k, v in new.items() if isinstance(v, str)}
    changed = {k: (getattr(session, k), v) for k, v in new.items() if not _same(getattr(session, k), v)}
    if not changed:
        return SessionChange({}, 0)
    now = clock.now()
    # The seats are checked against the seats taken in the same statement: a booking arriving meanwhile either
    # counted already or finds the new number.
    done = s.execute(update(ExamSession).where(
        ExamSession.id == session.id, ExamSession.taken <= spec.seats, ExamSession.cancelled_at.is_(None),
    ).values(**{k: new[k] for k in changed}, booking_state=_window_state(spec.booking_opens_at, spec.booking_closes_at,
                                                                        now))
        .execution_options(synchronize_session=False))
    if _rowcount(done) != 1:
        s.refresh(session)
        if session.cancelled_at is not None:
            raise SessionCancelled()
        raise InvalidInput(f"已有 {session.taken} 个座位被报名或为候补保留，座位数不能少于 {session.taken}")
    s.refresh(session)
    # New seats go first to those waiting for one, in order (a held seat counts as taken).
    if "seats" in changed and session.booking_opens_at <= now < session.booking_closes_at:
        while session.taken < session.seats and _offer_next(s, session, now, settings.offer_minutes) is not None:
            s.execute(update(ExamSession).where(ExamSession.id == session.id, ExamSession.taken < ExamSession.seats)
                      .values(taken=ExamSession.taken + 1).execution_options(synchronize_session=False))
            s.refresh(session)
    told = candidates(s, session) if any(k in changed for k in NOTICE_FIELDS) else []
    shown = {FIELD_NAMES[k]: (_shown(a), _shown(b)) for k, (a, b) in changed.items()}
    entry = audit.record(s, actor, "exam.session.update", session, ip=ip,
                         changes={name: f"{a} → {b}" for name, (a, b) in shown.items()}, notified=len(told))
    s.flush()
    what = "；".join(f"{name}由 {a} 改为 {b}" for name, (a, b) in shown.items()
                    if name in {FIELD_NAMES[k] for k in NOTICE_FIELDS})
    for person_id in told:
        notify(s, person_id, "session_changed", f"session-change:{entry.id}:person:{person_id}",
               "您报名的考试场次有变动",
               f"{what}。现在的安排：{_where(session)}。您的报名保持有效，准考证号不变；如不能参加，"
               f"请在 {clock.china(session.cancel_deadline):%m月%d日 %H:%M} 前取消报名。")
    return SessionChange(shown, len(told))


def cancel_session(s: Session, actor: Person, session: ExamSession, reason: str, ip: str | None = None) -> int:
    """Cancel a session before it starts: its bookings are cancelled and its waiting list closed, each candidate
    told once why. Returns the number of candidates told."""
    _require_plan_owner(actor, session.plan)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise InvalidInput("请填写取消原因（不超过 200 字），考生会收到这段说明")
    _check_changeable(session)
    now = clock.now()
    # Taking the row first: a booking racing with this either committed before (and is cancelled below) or finds
    # the session cancelled in its own conditional UPDATE of the seats.
    done = s.execute(update(ExamSession).where(ExamSession.id == session.id, ExamSession.cancelled_at.is_(None))
                     .values(cancelled_at=now, cancelled_by_id=actor.id, cancel_reason=reason, taken=0)
                     .execution_options(synchronize_session=False))
    if _rowcount(done) != 1:
        raise SessionCancelled()
    told = candidates(s, session)
    s.execute(update(Booking).where(Booking.session_id == session.id, Booking.status.in_(ACTIVE_BOOKING_STATES))
              .values(status="cancelled", cancelled_at=now).execution_options(synchronize_session=False))
    s.execute(update(WaitlistEntry).where(WaitlistEntry.session_id == session.id,
                                          WaitlistEntry.status.in_(("waiting", "offered")))
              .values(status="closed", closed_at=now).execution_options(synchronize_session=False))
    s.refresh(session)
    audit.record(s, actor, "exam.session.cancel", session, ip=ip, reason=reason, notified=len(told))
    for person_id in told:
        notify(s, person_id, "session_cancelled", f"session-cancel:{session.id}:person:{person_id}",
               "您报名的考试场次已取消",
               f"{_where(session)} 的考试已取消，原因：{reason}。您在该场次的报名（或候补）已取消，不计入考试次数；"
               "请在考试报名页面另选场次。")
    s.flush()
    return len(told)
