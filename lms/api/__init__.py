"""JSON API /api/v1 for everything a learner does (documented in docs/api.md)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from .. import clock
from ..accounts.sessions import checked_login, sign_in, sign_out
from ..catalogue.models import Enrolment
from ..catalogue.operations import catalogue_for, enrol
from ..db import get_session, transaction
from ..errors import InvalidInput, NotFound
from ..hours.summary import year_summary
from ..security import login_rate_limit, practitioner_required, session_account
from ..study.models import StudyClock
from ..study.operations import (
    StudySettings,
    answer_prompt,
    check_beat_input,
    course_progress,
    end_stream,
    heartbeat,
    start_stream,
)
from ..study.record import study_record
from ..validation import id_field, json_object

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def settings() -> StudySettings:
    cached: StudySettings | None = current_app.extensions.get("xst_study_settings")
    if cached is None:
        cached = StudySettings.from_config(current_app.config)
        current_app.extensions["xst_study_settings"] = cached
    return cached


def person_json(p: Any) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "role": p.role, "id_number": p.masked_id_number, "region": p.region}


@bp.get("/auth/csrf")
def csrf_token() -> Any:
    """Return a CSRF token for the page scripts' and API clients' POST requests."""
    return jsonify(csrf_token=generate_csrf())


@bp.post("/auth/login")
@login_rate_limit()
def api_login() -> Any:
    """Log in with an ID number, mobile or username and a password."""
    data = json_object()
    login, password = data.get("login"), data.get("password")
    if not isinstance(login, str) or not isinstance(password, str):
        raise InvalidInput("请提供账号 login 和密码 password")
    person = checked_login(login, password)  # LoginThrottled (429) while the account must wait
    if person is None:
        return jsonify(error="bad_credentials", message="账号或密码不正确，或账号已停用"), 401
    sign_in(person)
    return jsonify(person=person_json(person), csrf_token=generate_csrf())


@bp.post("/auth/logout")
def api_logout() -> Any:
    """Log out (stopping the study clock)."""
    if current_user.is_authenticated:
        with transaction() as s:
            clk = s.get(StudyClock, current_user.id)
            if clk is not None:
                end_stream(s, current_user, clk.stream)
        sign_out(current_user.id)
    return jsonify(ok=True)


@bp.get("/me")
@practitioner_required
def me() -> Any:
    """The logged-in practitioner and this year's hours against the requirement."""
    year = clock.study_year()
    summary = year_summary(get_session(), current_user, year)
    return jsonify(person=person_json(current_user), year=year, hours={
        "totals": {k: str(v) for k, v in summary["totals"].items()}, "total": str(summary["total"]),
        "requirements": [{"label": b["label"], "minimum": str(b["minimum"]), "credited": str(b["credited"]),
                          "short": str(b["short"])} for b in summary["bars"]],
        "complete": summary["complete"]})


@bp.get("/courses")
@practitioner_required
def courses() -> Any:
    """This year's general public courses and whether each can be chosen."""
    year = clock.study_year()
    rows = catalogue_for(get_session(), current_user, year)
    return jsonify(year=year, courses=[{
        "course_id": r["course"].id, "title": r["course"].title, "summary": r["course"].summary,
        "credited_hours": str(r["course"].credited_hours), "required_minutes": r["course"].required_minutes,
        "state": r["state"], "studied_year": r["studied_year"]} for r in rows])


@bp.post("/enrolments")
@practitioner_required
def create_enrolment() -> Any:
    """Choose this year's general public course (409 for an earlier year's course)."""
    course_id = id_field(json_object(), "course_id")
    with transaction() as s:
        e = enrol(s, current_user, course_id, clock.study_year())
        out = {"enrolment_id": e.id, "course_id": e.course_id, "year": e.year}
    return jsonify(out), 201


def _own(enrolment_id: int) -> Enrolment:
    e = get_session().get(Enrolment, enrolment_id)
    if e is None or e.person_id != current_user.id:
        raise NotFound("没有找到您的这门课程")
    return e


def _progress_json(p: dict[str, Any]) -> dict[str, Any]:
    return {"percent": p["percent"], "complete": p["complete"], "credited_seconds": p["credited_seconds"],
            "required_seconds": p["required_seconds"], "chapters": [{
                "chapter_id": r["chapter"].id, "title": r["chapter"].title, "kind": r["chapter"].kind,
                "credited_seconds": r["credited_seconds"], "required_seconds": r["required_seconds"],
                "percent": r["percent"], "complete": r["complete"], "furthest_position": r["furthest_position"]}
                for r in p["chapters"]]}


@bp.get("/enrolments")
@practitioner_required
def my_enrolments() -> Any:
    """我的课程: my enrolments with progress."""
    s = get_session()
    rows = s.scalars(select(Enrolment).where(Enrolment.person_id == current_user.id)
                     .order_by(Enrolment.year.desc())).all()
    return jsonify(enrolments=[{"enrolment_id": e.id, "course_id": e.course_id, "title": e.course.title,
                                "year": e.year, "completed_at": e.completed_at and e.completed_at.isoformat() + "Z",
                                "progress": _progress_json(course_progress(s, e))} for e in rows])


@bp.get("/enrolments/<int:enrolment_id>/progress")
@practitioner_required
def progress(enrolment_id: int) -> Any:
    """Progress per chapter and for the course."""
    return jsonify(_progress_json(course_progress(get_session(), _own(enrolment_id))))


@bp.get("/enrolments/<int:enrolment_id>/record")
@practitioner_required
def record(enrolment_id: int) -> Any:
    """My study record for one course: segments and presence prompts."""
    rec = study_record(get_session(), _own(enrolment_id))

    def iso(dt: Any) -> str | None:
        return None if dt is None else dt.isoformat() + "Z"

    return jsonify(total_seconds=rec["total_seconds"],
                   segments=[{k: iso(v) if k.endswith("_at") else v for k, v in seg.items()}
                             for seg in rec["segments"]],
                   prompts=[{k: iso(v) if k.endswith("_at") or k == "deadline" else v for k, v in p.items()}
                            for p in rec["prompts"]])


@bp.post("/study/streams")
@practitioner_required
def open_stream() -> Any:
    """Start studying a chapter: this page takes the person's one clock."""
    data = json_object()
    with transaction() as s:
        token = start_stream(s, current_user, id_field(data, "enrolment_id"), id_field(data, "chapter_id"),
                             settings())
    cfg = current_app.config
    return jsonify(stream=token, heartbeat_seconds=cfg["HEARTBEAT_SECONDS"],
                   idle_timeout_seconds=cfg["IDLE_TIMEOUT_SECONDS"]), 201


def stream_field(data: dict[str, Any]) -> str:
    """The `stream` of a JSON body, checked as a heartbeat's is (1–32 characters)."""
    stream = data.get("stream")
    if not isinstance(stream, str) or not 1 <= len(stream) <= 32:
        raise InvalidInput("缺少学习流标识 stream")
    return stream


@bp.post("/study/streams/end")
@practitioner_required
def close_stream() -> Any:
    """Stop the clock of a stream (leaving the player)."""
    stream = stream_field(json_object())
    with transaction() as s:
        end_stream(s, current_user, stream)
    return jsonify(ok=True)


@bp.post("/study/heartbeat")
def beat() -> Any:
    """Accept a heartbeat. Hot path: the account comes from the signed session, checked in the same query."""
    person_id, version, login_id = session_account()
    stream, seq, position = check_beat_input(request.get_json(silent=True))
    with transaction() as s:
        result = heartbeat(s, person_id, version, login_id, stream, seq, position, settings(),
                           ip=request.remote_addr, device=request.user_agent.string)
    return jsonify(result)


@bp.post("/study/prompts/<int:prompt_id>/answer")
@practitioner_required
def answer(prompt_id: int) -> Any:
    """Confirm presence (人机交互): the clock restarts."""
    stream = stream_field(json_object())
    with transaction() as s:
        out = answer_prompt(s, current_user, prompt_id, stream, settings())
    return jsonify(out)


@bp.get("/ping")
def ping() -> Any:
    """A trivial endpoint of the same app: the ceiling the heartbeat benchmark compares against."""
    return jsonify(ok=True)


# the rest of the API, on the same blueprint (imported last: they import bp from here)
from . import accounts, description, hours  # noqa: E402,F401
