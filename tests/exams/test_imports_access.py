"""Uploads with bad rows, rosters, reminders, the demo, and who may reach which page."""
from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from exams.demo import DEMO_QUESTIONS, load_exam_demo
from exams.models import Booking, ExamPaper, ExamPlan, ExamSession, OutboxMessage, Question
from exams.operations import book_seat, check_in, send_reminders, start_exam
from tests.conftest import PASSWORD, START, login

from .conftest import SETTINGS, ExamWorld

SESSION_HEADER = "考点名称,考点地址,考场,考试日期,开始时间,结束时间,座位数,报名开始,报名截止,取消截止,IP范围\n"


def upload(client: Any, url: str, name: str, data: bytes, **extra: Any) -> Any:
    return client.post(url, data={"file": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data")


def count(world: ExamWorld, model: Any) -> int:
    world.db.rollback()
    return int(world.db.scalar(select(func.count()).select_from(model)))


def test_session_csv_with_bad_rows_reports_line_numbers_and_imports_nothing(world: ExamWorld, client: Any) -> None:
    login(client, world.bureau.username)
    before = count(world, ExamSession)
    csv = (SESSION_HEADER
           + "考点甲,地址,101,2026-03-10,09:00,10:30,30,2026-03-01 08:00,2026-03-09 17:00,2026-03-08 17:00,\n"
           + "考点乙,地址,102,2026-03-10,09:00,08:30,30,2026-03-01 08:00,2026-03-09 17:00,2026-03-08 17:00,\n"
           + "考点丙,地址,103,2026-03-10,09:00,10:30,三十,2026-03-01 08:00,2026-03-09 17:00,2026-03-08 17:00,\n"
           + "考点丁,地址,104,2026-03-10,09:00,10:30,30,2026-03-01 08:00,2026-03-09 17:00,2026-03-08 17:00,10.0.0/99\n")
    r = upload(client, f"/exams/admin/plans/{world.plan.id}/sessions/import", "sessions.csv", csv.encode())
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "第 3 行：结束时间应晚于开始时间" in page and "第 4 行：座位数“三十”应为整数" in page
    assert "第 5 行：IP 范围“10.0.0/99”格式不正确" in page and "第 2 行" not in page
    assert count(world, ExamSession) == before


def test_session_xlsx_imports_every_row(world: ExamWorld, client: Any) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(SESSION_HEADER.strip().split(","))
    for room in ("201", "202"):
        ws.append(["考点甲", "地址", room, "2026-03-10", "09:00", "10:30", 25, "2026-03-01 08:00", "2026-03-09 17:00",
                   "2026-03-08 17:00", "10.1.0.0/16;10.2.0.0/16"])
    buf = io.BytesIO()
    wb.save(buf)
    login(client, world.bureau.username)
    before = count(world, ExamSession)
    r = upload(client, f"/exams/admin/plans/{world.plan.id}/sessions/import", "sessions.xlsx", buf.getvalue())
    assert r.status_code == 302
    assert count(world, ExamSession) == before + 2
    made = world.db.scalar(select(ExamSession).where(ExamSession.room == "202"))
    assert made.starts_at == START.replace(day=10, hour=1) and made.cidr_list == ["10.1.0.0/16", "10.2.0.0/16"]


def test_an_upload_that_is_not_csv_or_xlsx_is_refused_with_a_message(world: ExamWorld, client: Any) -> None:
    login(client, world.bureau.username)
    r = upload(client, f"/exams/admin/plans/{world.plan.id}/sessions/import", "x.pdf", b"%PDF")
    assert r.status_code == 400 and "只支持 .csv 或 .xlsx 文件" in r.get_data(as_text=True)


def test_question_csv_with_bad_rows_reports_line_numbers_and_imports_nothing(world: ExamWorld,
                                                                            client: Any) -> None:
    course = world.make.course(title="另一门课程")
    login(client, world.bureau.username)
    csv = ("题型,题干,选项A,选项B,选项C,选项D,答案\n"
           "单选,每年至少多少学时？,60,72,90,120,C\n"
           "多选,哪些是公需科目？,一般公需,行业公需,专业,,AB\n"
           "判断,1 学时等于 45 分钟（四川）。,,,,,正确\n"
           "填空,这是什么题？,,,,,A\n"
           "单选,答案写错了,甲,乙,,,E\n"
           "多选,多选只有一个答案,甲,乙,丙,,A\n")
    r = upload(client, "/exams/admin/questions", "bank.csv", csv.encode(), course_id=str(course.id))
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "第 5 行：题型“填空”无效" in page and "第 6 行：答案“E”无效" in page and "第 7 行：多选题应有两个或以上答案" in page
    assert world.db.scalar(select(func.count()).select_from(Question).where(Question.course_id == course.id)) == 0
    good = "\n".join(csv.splitlines()[:4]).encode("gb18030")
    r = upload(client, "/exams/admin/questions", "bank.csv", good, course_id=str(course.id))
    assert r.status_code == 302
    world.db.rollback()
    kinds = sorted(world.db.scalars(select(Question.kind).where(Question.course_id == course.id)))
    assert kinds == ["multiple", "single", "truefalse"]


def test_roster_counts_and_exports_as_csv_and_xlsx(world: ExamWorld, client: Any) -> None:
    person = world.candidate(name="李四")
    booking = book_seat(world.db, person, world.session, SETTINGS)
    world.db.commit()
    check_in(world.db, world.proctor, world.session, booking.ticket_no, person.id_number[-4:], SETTINGS)
    world.db.commit()
    login(client, world.bureau.username)
    page = client.get(f"/exams/admin/sessions/{world.session.id}").get_data(as_text=True)
    assert "李四" in page and "已签到" in page
    r = client.get(f"/exams/admin/sessions/{world.session.id}/roster.csv")
    text = r.get_data(as_text=True)
    assert r.mimetype == "text/csv" and booking.ticket_no in text and "已签到" in text
    r = client.get(f"/exams/admin/sessions/{world.session.id}/roster.xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert [c.value for c in ws[2]][:2] == [booking.ticket_no, "李四"]


def test_reminders_go_out_the_day_before_once(world: ExamWorld, frozen_clock: Any) -> None:
    tomorrow = world.add_session(starts=START + timedelta(days=1), closes=START + timedelta(hours=20),
                                 cancel=START + timedelta(hours=20), room="明日考场")
    person = world.candidate()
    book_seat(world.db, person, tomorrow, SETTINGS)
    world.db.commit()
    assert send_reminders(world.db) == 1
    world.db.commit()
    assert send_reminders(world.db) == 0
    msg = world.db.scalar(select(OutboxMessage).where(OutboxMessage.person_id == person.id))
    assert msg.kind == "reminder" and "明天" in msg.subject and msg.sent_at is None


def test_the_demo_loads_idempotently_with_a_bank_of_at_least_thirty_questions(world: ExamWorld,
                                                                            frozen_clock: Any) -> None:
    other = world.make.course(title="demo 课程", year=2027)
    frozen_clock.current = START.replace(year=2027)  # the 2027 demo plan's sessions are dated in 2027
    lines = load_exam_demo(world.db, world.bureau, world.proctor, 2027)
    world.db.commit()
    again = load_exam_demo(world.db, world.bureau, world.proctor, 2027)
    world.db.commit()
    assert len(DEMO_QUESTIONS) >= 30 and lines and again
    plan = world.db.scalar(select(ExamPlan).where(ExamPlan.year == 2027))
    assert len(plan.sessions) == 3
    assert world.db.scalar(select(func.count()).select_from(Question).where(Question.course_id == other.id)) == len(
        DEMO_QUESTIONS)
    now = frozen_clock.current
    open_now = [x for x in plan.sessions if x.booking_opens_at <= now < x.booking_closes_at
                and x.starts_at <= now < x.ends_at]
    assert open_now and all(world.proctor in x.proctors for x in plan.sessions)


# ---- access control ---------------------------------------------------------------------------------------

BUREAU_URLS = ["/exams/admin/plans", "/exams/admin/plans/{plan}", "/exams/admin/sessions/{session}",
               "/exams/admin/sessions/{session}/roster.csv", "/exams/admin/questions"]
PRACTITIONER_URLS = ["/exams/", "/exams/tickets/{booking}", "/exams/bookings/{booking}/exam",
                     "/exams/papers/{paper}", "/api/v1/exams/papers/{paper}"]
PROCTOR_URLS = ["/exams/proctor", "/exams/proctor/sessions/{session}"]


@pytest.fixture
def ids(world: ExamWorld) -> dict[str, Any]:
    person = world.candidate()
    booking = book_seat(world.db, person, world.session, SETTINGS)
    world.db.commit()
    check_in(world.db, world.proctor, world.session, booking.ticket_no, person.id_number[-4:], SETTINGS)
    paper = start_exam(world.db, person, booking)
    world.db.commit()
    return {"plan": world.plan.id, "session": world.session.id, "booking": booking.id, "paper": paper.id,
            "owner": person}


@pytest.mark.parametrize("url", BUREAU_URLS + PROCTOR_URLS)
def test_practitioners_cannot_reach_bureau_or_proctor_pages(world: ExamWorld, ids: Any, client: Any,
                                                           url: str) -> None:
    login(client, ids["owner"].id_number)
    assert client.get(url.format(**ids)).status_code == 403


@pytest.mark.parametrize("url", BUREAU_URLS + PRACTITIONER_URLS)
def test_proctors_cannot_reach_bureau_or_candidate_pages(world: ExamWorld, ids: Any, client: Any, url: str) -> None:
    login(client, world.proctor.username)
    assert client.get(url.format(**ids)).status_code == 403


@pytest.mark.parametrize("url", BUREAU_URLS + PRACTITIONER_URLS + PROCTOR_URLS)
def test_anonymous_visitors_are_sent_to_log_in(world: ExamWorld, ids: Any, client: Any, url: str) -> None:
    r = client.get(url.format(**ids))
    assert r.status_code in (302, 401)
    if r.status_code == 302:
        assert "/login" in r.location


@pytest.mark.parametrize("url", ["/exams/tickets/{booking}", "/exams/bookings/{booking}/exam",
                                 "/exams/papers/{paper}", "/api/v1/exams/papers/{paper}"])
def test_a_candidate_cannot_see_another_candidate_s_ticket_paper_or_answers(world: ExamWorld, ids: Any,
                                                                           client: Any, url: str) -> None:
    login(client, world.candidate().id_number)
    assert client.get(url.format(**ids)).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/exams/papers/{paper}/answers", "/api/v1/exams/papers/{paper}/submit",
                                  "/api/v1/exams/bookings/{booking}/cancel"])
def test_a_candidate_cannot_answer_submit_or_cancel_for_another(world: ExamWorld, ids: Any, client: Any,
                                                                path: str) -> None:
    login(client, world.candidate().id_number)
    r = client.post(path.format(**ids), json={"position": 1, "answer": [0]})
    assert r.status_code == 404
    world.db.rollback()
    paper = world.db.get(ExamPaper, ids["paper"])
    assert paper.status == "open" and all(i.answer_json is None for i in paper.items)
    assert world.db.get(Booking, ids["booking"]).status == "checked_in"


def test_a_proctor_sees_only_assigned_sessions(world: ExamWorld, ids: Any, client: Any) -> None:
    other = world.make.staff("proctor")
    login(client, other.username)
    assert "您还没有被指派监考场次" in client.get("/exams/proctor").get_data(as_text=True)
    assert client.get(f"/exams/proctor/sessions/{world.session.id}").status_code == 404
    r = client.post(f"/exams/proctor/sessions/{world.session.id}", data={"ticket_no": "1", "id_last": "1234"})
    assert r.status_code == 404
    login(client, world.proctor.username)
    assert "考生签到" in client.get(f"/exams/proctor/sessions/{world.session.id}").get_data(as_text=True)


def test_booking_api_needs_the_csrf_header_when_csrf_is_on(make_app: Any, world: ExamWorld) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    person = world.candidate()
    first = client.get("/api/v1/auth/csrf").json["csrf_token"]
    token = client.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                        headers={"X-CSRFToken": first}).json["csrf_token"]
    r = client.post("/api/v1/exams/bookings", json={"session_id": world.session.id})
    assert r.status_code == 400 and r.json["error"] == "csrf"
    r = client.post("/api/v1/exams/bookings", json={"session_id": world.session.id}, headers={"X-CSRFToken": token})
    assert r.status_code == 201
