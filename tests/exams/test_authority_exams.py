"""An industry authority runs the exam of its industry public subject through the staff pages (温人社发〔2020〕125号
第十一条), sees and runs only its own plans, and its plan examines only its own courses; an HR bureau makes a plan for
one region of its territory under the same document (属地, 第十条).

Booking goes through the ASGI front: on PostgreSQL the lane's one statement (_BOOK_PG) books what it may and leaves
the rest to Flask's book_seat(), which refuses with the reason; on SQLite Flask answers everything.
"""
from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions, import_questions
from exams.models import Booking, ExamPlan, ExamSession, ProctorAssignment, Question
from exams.operations import assign_proctor, create_plan
from lms import clock
from lms.audit import AuditEntry
from lms.errors import Conflict, InvalidInput, NotAllowed
from tests.conftest import START, login
from tests.exams.conftest import BOOK, ExamWorld

QUESTIONS_CSV = ("题型,题干,选项A,选项B,选项C,选项D,答案\n"
                 "单选,教师每年应参加的行业公需科目由谁组织考试？,人社局,行业主管部门,学校,个人,B\n"
                 "判断,行业公需科目考试合格后由行业主管部门登记学时。,,,,,正确\n").encode()


def _plan_form(**kw: Any) -> dict[str, Any]:
    return {"year": 2026, "title": "2026 年度教育行业公需科目考试", "pass_mark": 60, "duration_minutes": 60,
            "question_count": 2, **kw}


def _session_form(room: str = "第一考场") -> dict[str, Any]:
    return {"venue_name": "温州市教育考试院", "venue_address": "温州市鹿城区学院路 1 号", "room": room,
            "day": "2026-03-10", "start": "09:00", "end": "10:30", "seats": 30,
            "booking_opens": "2026-03-01T08:00", "booking_closes": "2026-03-09T17:00",
            "cancel_deadline": "2026-03-08T17:00", "allowed_cidrs": ""}


def _upload(client: Any, url: str, name: str, data: bytes, **extra: Any) -> Any:
    return client.post(url, data={"file": (io.BytesIO(data), name), **extra}, content_type="multipart/form-data")


def _plan_with_session(make: Any, db: Any, clerk: Any, category: str, title: str,
                       region: str | None = None) -> tuple[ExamPlan, ExamSession]:
    """A plan made by clerk's organisation with one session open now (the operations, as the pages call them)."""
    from exams.operations import SessionSpec, add_sessions
    with make.app.app_context():
        plan = create_plan(db, clerk, year=2026, category=category, title=title, question_count=10,
                           region_code=region)
        (session,) = add_sessions(db, clerk, plan, [SessionSpec(
            "考点", "某路 1 号", "101", START, START + timedelta(hours=2), 30, START - timedelta(days=1),
            START + timedelta(hours=1), START + timedelta(minutes=30))])
        db.commit()
    return plan, session


@pytest.fixture
def teaching(make: Any) -> Any:
    """The Wenzhou education authority, its clerk, its proctor and its published industry public course."""
    org = make.org("authority", region="wenzhou", industry="教育", name="温州市教育局")
    return (org, make.staff("authority", org=org), make.staff("proctor", org=org),
            make.course("教师职业道德", category="industry_public", owner=org))


def test_an_authority_clerk_makes_its_plan_adds_a_session_imports_its_bank_and_runs_the_roster_all_audited(
        app: Any, db: Any, make: Any, client: Any, teaching: Any) -> None:
    org, clerk, proctor, course = teaching
    city_proctor = make.staff("proctor")  # the city bureau's: not the authority's to assign
    login(client, clerk.username)
    assert "考试计划" in client.get("/org").get_data(as_text=True)  # the link on its home and in its navigation
    page = client.get("/exams/admin/plans").get_data(as_text=True)
    assert 'name="category"' not in page and "科目类别：行业公需科目" in page and 'name="region"' not in page

    # the category is fixed and the region its own, whatever is posted (温 第十一条)
    made = client.post("/exams/admin/plans", data=_plan_form(category="general_public", region="wenzhou-lucheng"))
    assert made.status_code == 302, made.get_data(as_text=True)
    db.rollback()
    plan = db.scalars(select(ExamPlan)).one()
    assert (plan.category, plan.owner_org_id, plan.region_code) == ("industry_public", org.id, "wenzhou")
    assert client.post(f"/exams/admin/plans/{plan.id}", data=_session_form()).status_code == 302
    db.rollback()  # a read left open would not see what the pages committed (SQLite's snapshot)
    session = db.scalars(select(ExamSession).where(ExamSession.plan_id == plan.id)).one()

    bank = client.get("/exams/admin/questions").get_data(as_text=True)
    assert "教师职业道德" in bank
    imported = _upload(client, "/exams/admin/questions", "bank.csv", QUESTIONS_CSV, course_id=course.id)
    assert imported.status_code == 302, imported.get_data(as_text=True)
    db.rollback()
    assert len(db.scalars(select(Question).where(Question.course_id == course.id)).all()) == 2

    roster = client.get(f"/exams/admin/sessions/{session.id}").get_data(as_text=True)
    assert f'value="{proctor.id}"' in roster and f'value="{city_proctor.id}"' not in roster
    assert "审计记录" not in roster  # the audit log is the bureau's page
    refused = client.post(f"/exams/admin/sessions/{session.id}/proctors", data={"proctor_id": city_proctor.id},
                          follow_redirects=True)
    assert "请选择一名监考员" in refused.get_data(as_text=True)
    assert client.post(f"/exams/admin/sessions/{session.id}/proctors",
                       data={"proctor_id": proctor.id}).status_code == 302
    db.rollback()
    assert [a.proctor_id for a in db.scalars(select(ProctorAssignment))] == [proctor.id]
    export = client.get(f"/exams/admin/sessions/{session.id}/roster.csv")
    assert export.status_code == 200 and "准考证号" in export.get_data(as_text=True)
    assert client.post(f"/exams/admin/sessions/{session.id}/proctors/{proctor.id}/remove").status_code == 302

    db.rollback()
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == clerk.id)))
    assert {"exam.plan.create", "exam.session.create", "exam.questions.import", "exam.proctor.assign",
            "exam.proctor.unassign"} <= actions
    # the operation refuses another organisation's proctor, whatever the page offers
    with app.app_context(), pytest.raises(InvalidInput, match="只能指派本考试计划所属"):
        assign_proctor(db, clerk, db.get(ExamSession, session.id), city_proctor)


def test_an_authority_is_refused_another_authoritys_plan_the_bureaus_plan_and_courses_not_its_industry_public(
        app: Any, db: Any, make: Any, client: Any, teaching: Any) -> None:
    org, clerk, _proctor, course = teaching
    health = make.org("authority", region="wenzhou", industry="卫生健康", name="温州市卫生健康委员会")
    health_clerk = make.staff("authority", org=health)
    city = make.staff("bureau")
    own, _own_session = _plan_with_session(make, db, clerk, "industry_public", "教育行业考试")
    general, general_session = _plan_with_session(make, db, city, "general_public", "一般公需科目考试")
    theirs, their_session = _plan_with_session(make, db, health_clerk, "industry_public", "卫生健康行业考试")
    professional = make.course("教育专业课", category="professional", owner=org, publish=False)
    health_course = make.course("医德医风", category="industry_public", owner=health)
    general_course = make.course("一般公需课")

    login(client, clerk.username)
    listing = client.get("/exams/admin/plans").get_data(as_text=True)
    assert "教育行业考试" in listing and "一般公需科目考试" not in listing and "卫生健康行业考试" not in listing
    assert client.get(f"/exams/admin/plans/{own.id}").status_code == 200
    for plan, session in ((general, general_session), (theirs, their_session)):
        for url in (f"/exams/admin/plans/{plan.id}", f"/exams/admin/plans/{plan.id}/sessions-template.csv",
                    f"/exams/admin/sessions/{session.id}", f"/exams/admin/sessions/{session.id}/roster.xlsx",
                    f"/exams/admin/sessions/{session.id}/edit"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/exams/admin/plans/{plan.id}", data=_session_form()).status_code == 404
        assert client.post(f"/exams/admin/sessions/{session.id}/cancel", data={"reason": "改期"}).status_code == 404

    bank = client.get("/exams/admin/questions").get_data(as_text=True)
    assert "教师职业道德" in bank and "教育专业课" not in bank and "医德医风" not in bank
    for other in (general_course, health_course):
        assert _upload(client, "/exams/admin/questions", "bank.csv", QUESTIONS_CSV,
                       course_id=other.id).status_code == 404
    mine = _upload(client, "/exams/admin/questions", "bank.csv", QUESTIONS_CSV, course_id=professional.id)
    assert mine.status_code == 400 and "只能为本部门的行业公需科目课程导入题库" in mine.get_data(as_text=True)
    db.rollback()
    assert db.scalars(select(Question)).all() == []

    with app.app_context():  # the operations say it too, for any caller
        with pytest.raises(NotAllowed, match="只能为本部门发布的课程导入题库"):
            import_questions(db, clerk, db.get(type(health_course), health_course.id), "bank.csv",
                             io.BytesIO(QUESTIONS_CSV))
        with pytest.raises(NotAllowed):
            create_plan(db, clerk, year=2027, category="general_public", title="不行")
        with pytest.raises(InvalidInput, match="不能另选地区"):
            create_plan(db, clerk, year=2027, category="industry_public", title="鹿城", region_code="wenzhou-lucheng")
        db.rollback()


def _complete(db: Any, enrolment: Any) -> Any:
    enrolment.completed_at = clock.now()
    db.commit()
    return enrolment


def test_an_authoritys_plan_examines_only_its_own_course_on_both_paths(
        make: Any, db: Any, front: Any, backend: str, teaching: Any) -> None:
    """温 第十一条: the authority examines its industry public subject's courseware. A teacher who completed the city
    bureau's industry public course of 教育 is not examined by the education authority's plan (its exam, its bank, its
    registration): Flask refuses with the reason on both databases, the lane's statement books nothing; once the
    teacher completes the authority's own course, the lane books it, examining that course."""
    seen, page = front
    org, clerk, _proctor, course = teaching
    plan, session = _plan_with_session(make, db, clerk, "industry_public", "教育行业考试")
    with make.app.app_context():
        add_questions(db, clerk, course, DEMO_QUESTIONS)
        db.commit()
    bureaus = make.course("教育法律法规", category="industry_public")  # the city bureau's, offered to every industry
    teacher = make.practitioner(region="wenzhou-ruian", industry="教育")
    _complete(db, make.enrol(teacher, bureaus))
    candidate = page(teacher)
    refused = candidate.book(session.id)
    assert refused.status_code == 409 and refused.json["error"] == "not_eligible"
    assert refused.json["message"] == (
        "该考试只考核温州市教育局发布的行业公需科目课程（温人社发〔2020〕125号 第十一条）；您完成的《教育法律法规》"
        "不是该部门的课程，请报名该课程所属单位组织的考试")
    assert seen == [BOOK]  # Flask said it on both databases: the lane's statement booked nothing
    db.rollback()
    assert db.scalars(select(Booking)).all() == []
    listing = candidate.client.get("/api/v1/exams/sessions").json
    assert [p["examines"] for p in listing["plans"] if p["plan"]["plan_id"] == plan.id] == [None]

    db.rollback()
    own = _complete(db, make.enrol(teacher, course))
    booked = candidate.book(session.id)
    assert booked.status_code == 201, booked.json
    assert seen == ([BOOK] if backend == "postgresql" else [BOOK, BOOK])  # the lane booked it on PostgreSQL
    db.rollback()
    assert db.scalars(select(Booking.enrolment_id)).one() == own.id


def test_a_city_bureau_makes_a_plan_for_one_county_that_serves_only_that_county_on_both_paths(
        make: Any, db: Any, client: Any, front: Any, backend: str) -> None:
    seen, page = front
    city = make.staff("bureau")
    login(client, city.username)
    form = client.get("/exams/admin/plans").get_data(as_text=True)
    assert 'name="region"' in form and '<option value="wenzhou-lucheng">温州市鹿城区</option>' in form
    assert 'value="weihai' not in form and 'value="tonglu"' not in form
    made = client.post("/exams/admin/plans", data=_plan_form(category="general_public", region="wenzhou-lucheng",
                                                               title="2026 年度鹿城区一般公需科目考试"))
    assert made.status_code == 302, made.get_data(as_text=True)
    db.rollback()
    plan = db.scalars(select(ExamPlan)).one()
    assert (plan.region_code, plan.owner_org_id) == ("wenzhou-lucheng", city.org_id)
    assert "温州市鹿城区" in client.get("/exams/admin/plans").get_data(as_text=True)
    # the city's own plan of the same year and subject is another plan; a second one for the county is refused
    assert client.post("/exams/admin/plans", data=_plan_form(category="general_public")).status_code == 302
    again = client.post("/exams/admin/plans", data=_plan_form(category="general_public", region="wenzhou-lucheng"))
    assert "温州市鹿城区 2026 年度一般公需科目的考试计划已存在" in again.get_data(as_text=True)
    for region, reason in (("weihai", "威海市不在温州市人力资源和社会保障局的辖区内"), ("nowhere", "考试地区无效")):
        refused = client.post("/exams/admin/plans", data=_plan_form(category="general_public", region=region))
        assert refused.status_code == 200 and reason in refused.get_data(as_text=True)
    db.rollback()
    assert len(db.scalars(select(ExamPlan)).all()) == 2

    course = make.course()
    world = ExamWorld(make.app, db, make, city, make.staff("proctor"), course, db.get(ExamPlan, plan.id), None)  # type: ignore[arg-type]
    with make.app.app_context():
        add_questions(db, city, course, DEMO_QUESTIONS)
        db.commit()
    world.session = world.add_session()
    ruian = world.candidate(region="wenzhou-ruian")
    refused = page(ruian).book(world.session.id)
    assert refused.status_code == 409 and refused.json["error"] == "not_eligible"
    assert "只有在温州市鹿城区登记的专业技术人员可以报名" in refused.json["message"]
    assert seen == [BOOK]
    booked = page(world.candidate(region="wenzhou-lucheng")).book(world.session.id)
    assert booked.status_code == 201, booked.json
    assert seen == ([BOOK] if backend == "postgresql" else [BOOK, BOOK])


def test_a_bureau_chooses_only_a_region_of_its_territory_under_its_own_document(app: Any, db: Any, make: Any) -> None:
    hangzhou, county = make.staff("bureau", region="hangzhou"), make.staff("bureau", region="wenzhou-lucheng")
    with app.app_context():
        with pytest.raises(InvalidInput, match="桐庐县施行本地区的继续教育规定"):  # 桐人社发〔2018〕26号 is Tonglu's own
            create_plan(db, hangzhou, year=2026, category="general_public", title="桐庐", region_code="tonglu")
        db.rollback()
        with pytest.raises(InvalidInput, match="温州市瑞安市不在温州市鹿城区人力资源和社会保障局的辖区内"):
            create_plan(db, county, year=2026, category="general_public", title="瑞安", region_code="wenzhou-ruian")
        db.rollback()
        made = create_plan(db, county, year=2026, category="general_public", title="鹿城", region_code="wenzhou-lucheng")
        assert made.region_code == "wenzhou-lucheng"
        db.commit()
        with pytest.raises(Conflict, match="温州市鹿城区 2026 年度一般公需科目的考试计划已存在"):
            create_plan(db, county, year=2026, category="general_public", title="又一个")
        db.rollback()


def test_a_pass_of_an_authoritys_exam_registers_only_its_own_courses_where_the_policy_allows_many(
        make: Any, db: Any, front: Any) -> None:
    """威人社字〔2022〕2号 二(一)1: a pass also registers the other public courses completed before the booking — but an
    authority's exam registers only the authority's courses (温 第十一条), never the city bureau's course beside them."""
    from lms.hours.models import HoursEntry
    from tests.exams.conftest import sit_and_pass
    _seen, page = front
    org = make.org("authority", region="weihai", industry="教育", name="威海市教育局")
    clerk, proctor = make.staff("authority", org=org, region="weihai"), make.staff("proctor", org=org, region="weihai")
    bureaus = make.course("威海教育法规", category="industry_public", region="weihai")
    first = make.course("威海教师职业道德", category="industry_public", region="weihai", owner=org)
    second = make.course("威海教师心理健康", category="industry_public", region="weihai", owner=org)
    with make.app.app_context():
        plan = create_plan(db, clerk, year=2026, category="industry_public", title="威海教育行业考试", question_count=10)
        add_questions(db, clerk, first, DEMO_QUESTIONS)
        db.commit()
    world = ExamWorld(make.app, db, make, clerk, proctor, first, plan, None)  # type: ignore[arg-type]
    world.session = world.add_session()
    teacher = make.practitioner(region="weihai-wendeng", industry="教育")
    for course in (bureaus, first, second):
        _complete(db, make.enrol(teacher, course))
    booked = page(teacher).book(world.session.id)
    assert booked.status_code == 201, booked.json
    sit_and_pass(world, teacher, booked.json, world.session)
    db.rollback()
    titles = sorted(db.scalars(select(HoursEntry.title).where(HoursEntry.person_id == teacher.id)))
    assert titles == ["威海教师心理健康（现场电子化考试合格）", "威海教师职业道德（现场电子化考试合格）"]
