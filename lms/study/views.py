from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..catalogue.models import Chapter, Enrolment
from ..db import get_or_404, get_session
from ..errors import NotFound
from ..exports import Column, csv_response
from ..hours.operations import years_of
from ..hours.standing import person_standing
from ..hours.summary import year_summary
from ..security import practitioner_required
from .operations import course_progress
from .record import study_record

bp = Blueprint("study", __name__)


def own_enrolment(enrolment_id: int) -> Enrolment:
    """Load an enrolment of the current practitioner; anyone else's is 'not found'."""
    enrolment = get_session().get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.person_id != current_user.id:
        raise NotFound("没有找到您的这门课程")
    return enrolment


@bp.get("/home")
@practitioner_required
def home() -> Any:
    """The practitioner's home: this year's hours bank against the requirement, and current courses."""
    s = get_session()
    year = clock.study_year()
    enrolments = s.scalars(select(Enrolment).where(Enrolment.person_id == current_user.id)
                           .order_by(Enrolment.year.desc())).all()
    current = [e for e in enrolments if e.year == year]
    progress = {e.id: course_progress(s, e) for e in current}
    history = [year_summary(s, current_user, y) | {"year": y} for y in years_of(s, current_user.id) if y < year]
    return render_template("study/home.html", summary=year_summary(s, current_user, year), current=current,
                           progress=progress, year=year, history=history, standing=person_standing(s, current_user))


@bp.get("/my/courses")
@practitioner_required
def my_courses() -> Any:
    """我的课程: every enrolment with its progress."""
    s = get_session()
    enrolments = s.scalars(select(Enrolment).where(Enrolment.person_id == current_user.id)
                           .order_by(Enrolment.year.desc())).all()
    return render_template("study/my_courses.html", rows=[(e, course_progress(s, e)) for e in enrolments],
                           year=clock.study_year())


@bp.get("/study/<int:enrolment_id>")
@practitioner_required
def player(enrolment_id: int) -> Any:
    """在线学习: the player, with chapters and progress; heartbeats are sent by the page script."""
    s = get_session()
    enrolment = own_enrolment(enrolment_id)
    progress = course_progress(s, enrolment)
    chapter_id = request.args.get("chapter", type=int)
    chapters = [r["chapter"] for r in progress["chapters"]]
    chapter = next((c for c in chapters if c.id == chapter_id), None)
    if chapter is None:
        chapter = next((r["chapter"] for r in progress["chapters"] if not r["complete"]),
                       chapters[0] if chapters else None)
    current_row = next((r for r in progress["chapters"] if chapter and r["chapter"].id == chapter.id), None)
    at = chapters.index(chapter) if chapter else 0
    # "下一章": the next chapter in order; once this one is complete the page offers it (and, when that one is
    # already complete too, the first chapter still incomplete, so the learner never walks through done ones).
    later = [r for r in progress["chapters"][at + 1:] + progress["chapters"][:at] if not r["complete"]]
    cfg = current_app.config
    return render_template("study/player.html", enrolment=enrolment, progress=progress, chapter=chapter,
                           row=current_row, year=clock.study_year(),
                           prev_chapter=chapters[at - 1] if chapter and at > 0 else None,
                           next_chapter=chapters[at + 1] if chapter and at + 1 < len(chapters) else None,
                           next_todo=later[0]["chapter"] if later else None,
                           settings={"heartbeat": cfg["HEARTBEAT_SECONDS"], "idle": cfg["IDLE_TIMEOUT_SECONDS"],
                                     "interactionWindow": min(cfg["IDLE_TIMEOUT_SECONDS"],
                                                              cfg["HEARTBEAT_SECONDS"] * 4)})


@bp.get("/study/<int:enrolment_id>/record")
@practitioner_required
def record(enrolment_id: int) -> Any:
    """The practitioner's own study record for a course."""
    enrolment = own_enrolment(enrolment_id)
    return render_template("study/record.html", enrolment=enrolment, record=study_record(get_session(), enrolment),
                           csv_url=request.path + ".csv", back="study.my_courses")


@bp.get("/study/<int:enrolment_id>/record.csv")
@practitioner_required
def record_csv(enrolment_id: int) -> Any:
    """Download the practitioner's own study record as CSV."""
    enrolment = own_enrolment(enrolment_id)
    return record_csv_response(study_record(get_session(), enrolment), enrolment)


RECORD_COLUMNS = [Column("类型"), Column("编号", numeric=True), Column("章节", width=24), Column("开始（北京时间）", width=20),
                  Column("结束（北京时间）", width=20), Column("计入学时（秒）", numeric=True), Column("结束原因"),
                  Column("IP 地址", width=16), Column("设备", width=24), Column("状态"),
                  Column("User-Agent", width=40)]


def record_csv_response(rec: dict[str, Any], enrolment: Enrolment) -> Response:
    """Render a study record as a CSV download (lms.exports: cells a spreadsheet would evaluate are neutralised)."""
    fmt = "%Y-%m-%d %H:%M:%S"
    rows: list[list[Any]] = [
        ["学习时段", seg["id"], seg["chapter"], _t(seg["started_at"], fmt), _t(seg["ended_at"], fmt),
         Decimal(f"{seg['credited_seconds']:.3f}"), seg["end_reason_text"], seg["ip"], seg["device_label"], "",
         seg["device"]]
        for seg in rec["segments"]]
    rows += [["人机交互确认", p["id"], p["chapter"], _t(p["shown_at"], fmt), _t(p["answered_at"], fmt), None, "", "", "",
              p["status_text"], ""] for p in rec["prompts"]]
    name = f"study-record-{enrolment.person_id}-{enrolment.course_id}-{enrolment.year}"
    return csv_response(name, RECORD_COLUMNS, rows)


def _t(dt: Any, fmt: str) -> str:
    return "" if dt is None else (clock.china(dt) or dt).strftime(fmt)


__all__ = ["bp", "Chapter", "get_or_404"]
