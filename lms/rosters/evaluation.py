"""Evaluating training organisers (浙人社发〔2016〕63号 第十二条: 施教机构的评估; 川人社发〔2016〕20号 七(三): 对施教机构
的监督检查): attendees rate a programme they attended, the competent bureau or authority records inspection notes, and
both are shown to the HR bureau beside the organiser's programmes.

An attendee is a person a confirmed roster credited for the programme (their hours are registered); they rate it once,
1 to 5 with a comment — the unique (programme, person) constraint and the score's CHECK are the guards.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .. import audit, clock
from ..accounts.models import Person
from ..db import Base
from ..errors import Conflict, InvalidFields, NotAllowed, NotFound
from .models import Programme, RosterRow, RosterUpload
from .operations import _competent

COMMENT_MAX = 500
NOTE_MAX = 2000


class ProgrammeRating(Base):
    """An attendee's rating of a programme they attended (浙 第十二条), once per person."""

    __tablename__ = "programme_rating"
    __table_args__ = (
        UniqueConstraint("programme_id", "person_id", name="uq_programme_rating_once"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(String(COMMENT_MAX), default="")
    created_at: Mapped[datetime]


class ProgrammeInspection(Base):
    """An inspection note of the competent bureau or authority on a programme (川 七(三); 浙 第十二条)."""

    __tablename__ = "programme_inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


def attended(s: Session, person: Person, programme_id: int) -> bool:
    """Whether a confirmed roster credited the person for the programme."""
    return s.scalar(select(RosterRow.id).join(RosterUpload, RosterUpload.id == RosterRow.upload_id).where(
        RosterUpload.programme_id == programme_id, RosterRow.person_id == person.id,
        RosterRow.status == "credited").limit(1)) is not None


def rate_programme(s: Session, person: Person, programme_id: int, score: int | None, comment: str,
                   ip: str | None = None) -> ProgrammeRating:
    """Rate a programme one attended, once (1–5, a comment of at most 500 characters)."""
    programme = s.get(Programme, programme_id)
    if programme is None or person.role != "practitioner" or not attended(s, person, programme_id):
        raise NotFound()  # only attendees: for anyone else it does not exist
    comment = comment.strip()
    problems = {}
    if score is None or not 1 <= score <= 5:
        problems["score"] = "请选择 1–5 分"
    if len(comment) > COMMENT_MAX:
        problems["comment"] = f"评价意见不超过 {COMMENT_MAX} 字"
    if problems:
        raise InvalidFields(problems)
    assert score is not None
    rating = ProgrammeRating(programme_id=programme_id, person_id=person.id, score=score, comment=comment,
                             created_at=clock.now())
    s.add(rating)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:
        raise Conflict("您已评价过该培训项目，每人只能评价一次") from exc
    audit.record(s, person, "programme.rate", ("Programme", programme_id), ip=ip, score=score)
    return rating


def record_inspection(s: Session, actor: Person, programme: Programme, note: str,
                      ip: str | None = None) -> ProgrammeInspection:
    """Record an inspection note on a programme of the actor's territory (and industry, for an authority)."""
    scope = _competent(s, actor, programme)
    note = note.strip()
    if not 2 <= len(note) <= NOTE_MAX:
        raise InvalidFields({"note": f"检查意见 2–{NOTE_MAX} 字"})
    if scope.org_id is None:
        raise NotAllowed()
    entry = ProgrammeInspection(programme_id=programme.id, org_id=scope.org_id, recorded_by_id=actor.id, note=note,
                                created_at=clock.now())
    s.add(entry)
    s.flush()
    audit.record(s, actor, "programme.inspect", ("Programme", programme.id), ip=ip)
    return entry


def evaluations(s: Session, programme_ids: list[int]) -> dict[int, dict[str, object]]:
    """Per programme: the number of ratings, their average (one decimal) and the number of inspection notes."""
    out: dict[int, dict[str, object]] = {i: {"ratings": 0, "average": None, "inspections": 0} for i in programme_ids}
    if not programme_ids:
        return out
    for pid, n, avg in s.execute(select(ProgrammeRating.programme_id, func.count(), func.avg(ProgrammeRating.score))
                                 .where(ProgrammeRating.programme_id.in_(programme_ids))
                                 .group_by(ProgrammeRating.programme_id)):
        out[pid].update(ratings=int(n), average=Decimal(str(avg)).quantize(Decimal("0.1")))
    for pid, n in s.execute(select(ProgrammeInspection.programme_id, func.count())
                            .where(ProgrammeInspection.programme_id.in_(programme_ids))
                            .group_by(ProgrammeInspection.programme_id)):
        out[pid]["inspections"] = int(n)
    return out
