"""Issue 16: the documented API walked as a client written only from docs/api.md would walk it — register, choose
the year's course, study it by heartbeats, book a session, be checked in by the proctor, sit and pass the paper, see
the 18 hours — reading only the fields the description (lms/api/openapi.yaml, each field also in docs/api.md)
names for that answer. Reading an undocumented field fails the test."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.operations import SessionSpec, add_sessions, assign_proctor, create_plan
from lms.api.description import openapi
from tests.conftest import PASSWORD, START, Factory, login, make_id_number

SPEC = openapi()


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        section = "responses" if "/responses/" in schema["$ref"] else "schemas"
        schema = SPEC["components"][section][name]
    return schema


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return [a for alt in schema[key] for a in _alternatives(alt)]
    return [schema]


class Documented:
    """A JSON value read through its documented schema: indexing a key the schema does not name fails."""

    def __init__(self, value: Any, schema: dict[str, Any], where: str) -> None:
        self.value, self.schemas, self.where = value, _alternatives(schema), where

    def __getitem__(self, key: Any) -> Any:
        if isinstance(self.value, list):
            items = [s.get("items", {}) for s in self.schemas if "items" in s]
            assert items, f"{self.where} is not a documented array"
            return _wrap(self.value[key], items[0], f"{self.where}[{key}]")
        props = [s["properties"][key] for s in self.schemas if key in s.get("properties", {})]
        assert props, f"{self.where}: the field {key!r} is not in the description"
        return _wrap(self.value[key], props[0], f"{self.where}.{key}")

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self.value)))

    def __len__(self) -> int:
        return len(self.value)


def _wrap(value: Any, schema: dict[str, Any], where: str) -> Any:
    return Documented(value, schema, where) if isinstance(value, dict | list) else value


def call(client: Any, method: str, path: str, status: int, body: Any = None, **params: Any) -> Any:
    """Call an operation and read its answer through the description of that status."""
    resp = client.open("/api/v1" + path.format(**params), method=method, json=body)
    assert resp.status_code == status, (method, path, resp.status_code, resp.get_json())
    op = SPEC["paths"][path][method.lower()]
    answer = _resolve(op["responses"][str(status)])
    schema = answer["content"]["application/json"]["schema"]
    return _wrap(resp.get_json(), schema, f"{method} {path} {status}")


def test_a_client_of_the_documented_api_registers_studies_passes_the_exam_and_sees_its_hours(
        make_app: Any, db: Any, frozen_clock: Any) -> None:
    app = make_app()
    make = Factory(app, db)
    bureau, proctor = make.staff("bureau"), make.staff("proctor")
    course = make.course(chapters=2, minutes=2)
    with app.app_context():
        plan = create_plan(db, bureau, year=2026, category="general_public", title="2026 年度一般公需科目考试",
                           pass_mark=60, duration_minutes=60, question_count=10)
        add_questions(db, bureau, course, DEMO_QUESTIONS)
        starts = START + timedelta(hours=2)
        spec = SessionSpec("温州市人才市场考点", "温州市鹿城区市府路 500 号", "第一考场", starts,
                           starts + timedelta(minutes=120), 30, START - timedelta(days=1),
                           starts + timedelta(minutes=60), starts - timedelta(minutes=30), "")
        (session,) = add_sessions(db, bureau, plan, [spec])
        assign_proctor(db, bureau, session, proctor)
        db.commit()

    me = app.test_client()
    regions = call(me, "GET", "/regions", 200)
    region = next(r["code"] for r in regions["regions"] if r["level"] == "county" and r["parent"] == "wenzhou")
    id_number = make_id_number(77)
    call(me, "POST", "/auth/register", 201, {"name": "顾客户", "id_number": id_number, "mobile": "13912345678",
                                            "region": region, "industry": regions["industries"][0],
                                            "password": PASSWORD})
    courses = call(me, "GET", "/courses", 200)
    chosen = next(c for c in courses["courses"] if c["state"] == "available")
    enrolled = call(me, "POST", "/enrolments", 201, {"course_id": chosen["course_id"]})
    enrolment_id = enrolled["enrolment_id"]

    progress = call(me, "GET", "/enrolments/{enrolment_id}/progress", 200, enrolment_id=enrolment_id)
    for chapter in progress["chapters"]:
        stream = call(me, "POST", "/study/streams", 201, {"enrolment_id": enrolment_id,
                                                          "chapter_id": chapter["chapter_id"]})
        seconds, seq, done = stream["heartbeat_seconds"], 0, False
        while not done:
            seq += 1
            beat = call(me, "POST", "/study/heartbeat", 200, {"stream": stream["stream"], "seq": seq})
            assert beat["state"] in ("started", "credited"), beat.value
            done = beat.value.get("chapter") is not None and beat["chapter"]["complete"]
            frozen_clock.advance(seconds)
            assert seq < 50
        call(me, "POST", "/study/streams/end", 200, {"stream": stream["stream"]})
    assert call(me, "GET", "/enrolments/{enrolment_id}/progress", 200, enrolment_id=enrolment_id)["complete"]

    sessions = call(me, "GET", "/exams/sessions", 200)
    assert sessions["eligible"] is True
    booked = call(me, "POST", "/exams/bookings", 201, {"session_id": sessions["sessions"][0]["session_id"]})
    ticket = call(me, "GET", "/exams/bookings/{booking_id}", 200, booking_id=booked["booking_id"])
    assert ticket["ticket_no"] == booked["ticket_no"]

    frozen_clock.current = starts + timedelta(minutes=5)
    desk = app.test_client()
    login(desk, proctor.username)
    checked = call(desk, "POST", "/exams/proctor/sessions/{session_id}/check-in", 200,
                   {"ticket_no": booked["ticket_no"], "id_last": id_number[-4:]}, session_id=booked["session_id"])
    assert checked["state"] == "checked_in"

    paper = call(me, "POST", "/exams/bookings/{booking_id}/start", 201, booking_id=booked["booking_id"])
    from exams.models import Question
    with app.app_context():
        keys = {q.stem: (json.loads(q.options_json), json.loads(q.answer_json)) for q in db.scalars(
            select(Question).where(Question.course_id == course.id))}
    for item in paper["items"]:
        options, answer = keys[item["stem"]]
        right = sorted(list(item["options"].value).index(options[i]) for i in answer)
        call(me, "POST", "/exams/papers/{paper_id}/answers", 200, {"position": item["position"], "answer": right},
             paper_id=paper["paper_id"])
    result = call(me, "POST", "/exams/papers/{paper_id}/submit", 200, paper_id=paper["paper_id"])
    assert result["passed"] is True and result["score"] == 100

    year = call(me, "GET", "/hours/{year}", 200, year=2026)
    assert year["totals"]["general_public"] == "18.00"
    assert [e["hours"] for e in year["entries"]] == ["18.00"]
