"""The courses' pages: each account sees the courses of its territory (lms/orgs/scope.py course_clause, offered_clause);
an industry authority adds a course, submits it, the HR bureaus of the levels its policy names file it or return it
with a reason (温人社发〔2020〕125号 第十一条; 桐人社发〔2018〕26号 第九条), and once filed its credits and category
are shown read-only and cannot change."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.audit import AuditEntry
from lms.catalogue.models import Course
from lms.catalogue.operations import catalogue_for, enrol
from lms.errors import NotFound
from lms.messages.models import Message
from tests.conftest import login
from tests.courses.conftest import course_of

PDF = b"%PDF-1.4\n% one\n%%EOF\n"


def _client(app: Any, who: Any) -> Any:
    c = app.test_client()
    login(c, who.username or who.id_number)
    return c


def _new_course(c: Any, **fields: Any) -> Any:
    data = {"title": "桐庐县中小学教师信息技术应用", "summary": "专业课程", "category": "professional",
            "credited_hours": "12", "year": "2026"} | fields
    return c.post("/admin/courses/new", data=data)


def _course_id(resp: Any) -> int:
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return int(resp.location.rstrip("/").rsplit("/", 1)[1])


def _add_chapter(c: Any, course_id: int) -> None:
    from io import BytesIO
    resp = c.post(f"/admin/courses/{course_id}/chapters", data={
        "title": "第一讲", "study_minutes": "1", "media": (BytesIO(PDF), "01.pdf")}, content_type="multipart/form-data")
    assert resp.status_code == 302


def test_a_practitioner_is_offered_only_the_courses_of_their_region_and_the_regions_above_it(
        app: Any, db: Any, make: Any) -> None:
    wenzhou = course_of(make, title="温州市一般公需课")
    course_of(make, title="威海市公需课", region="weihai")
    lucheng, weihai = make.practitioner(region="wenzhou-lucheng"), make.practitioner(region="weihai-huancui")
    with app.app_context():
        assert [r["course"].title for r in catalogue_for(db, lucheng, 2026)] == ["温州市一般公需课"]
        assert [r["course"].title for r in catalogue_for(db, weihai, 2026)] == ["威海市公需课"]
        try:
            enrol(db, weihai, wenzhou.id, 2026)
        except NotFound as exc:
            assert "不在本年度已发布的课程中" in exc.message
        else:
            raise AssertionError("a Weihai practitioner chose a Wenzhou course")
        db.rollback()
    refused = _client(app, weihai).post("/api/v1/enrolments", json={"course_id": wenzhou.id})
    assert refused.status_code == 404


def test_a_clerk_sees_and_changes_only_the_courses_of_its_territory(app: Any, db: Any, make: Any) -> None:
    course = course_of(make, title="温州市一般公需课")
    weihai, lucheng, city = (make.staff("bureau", region=r) for r in ("weihai", "wenzhou-lucheng", "wenzhou"))
    for clerk in (weihai, lucheng):
        c = _client(app, clerk)
        assert "温州市一般公需课" not in c.get("/admin/courses?year=2026").get_data(as_text=True)
        assert c.get(f"/admin/courses/{course.id}").status_code == 404
        assert c.get(f"/admin/courses/{course.id}/edit").status_code == 404
        assert c.post(f"/admin/courses/{course.id}/offerings", data={"year": "2027"}).status_code == 404
    c = _client(app, city)
    assert "温州市一般公需课" in c.get("/admin/courses?year=2026").get_data(as_text=True)
    assert c.post(f"/admin/courses/{course.id}/edit", data={
        "title": "温州市一般公需课（修订）", "summary": "", "category": "general_public",
        "credited_hours": "18"}).status_code == 302
    db.rollback()  # a read left open would not see what the pages committed (SQLite's snapshot)
    db.expire_all()
    assert db.get(Course, course.id).title == "温州市一般公需课（修订）"


def test_an_authority_may_not_add_a_general_public_course(app: Any, db: Any, make: Any) -> None:
    authority = make.org("authority", region="wenzhou", industry="卫生健康", name="温州市卫生健康委员会")
    c = _client(app, make.staff("authority", org=authority, region="wenzhou"))
    page = _new_course(c, category="general_public")
    assert page.status_code == 200 and "一般公需科目由人力社保部门确定" in page.get_data(as_text=True)
    assert db.scalar(select(Course.id)) is None


def test_a_tonglu_course_filed_by_the_county_and_the_city_through_their_pages(app: Any, db: Any, make: Any) -> None:
    authority = make.org("authority", region="tonglu", industry="教育", name="桐庐县教育局")
    author_account = make.staff("authority", org=authority, region="tonglu")
    author, author_id = _client(app, author_account), author_account.id
    county_clerk, city_clerk = make.staff("bureau", region="tonglu"), make.staff("bureau", region="hangzhou")
    county, city = _client(app, county_clerk), _client(app, city_clerk)
    wenzhou_clerk = make.staff("bureau", region="wenzhou")
    wenzhou = _client(app, wenzhou_clerk)
    course_id = _course_id(_new_course(author))
    flashed = author.post(f"/admin/courses/{course_id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "课程还没有章节" in flashed
    _add_chapter(author, course_id)
    assert "提交审核备案" in author.get(f"/admin/courses/{course_id}").get_data(as_text=True)
    assert author.post(f"/admin/courses/{course_id}/submit").status_code == 302
    # Under review nothing of it changes.
    page = author.post(f"/admin/courses/{course_id}/edit", data={
        "title": "改名", "summary": "", "category": "professional", "credited_hours": "20"})
    assert "正在审核备案中" in page.get_data(as_text=True)

    for clerk in (county, city):
        assert "桐庐县中小学教师信息技术应用" in clerk.get("/admin/course-filing").get_data(as_text=True)
    assert "桐庐县中小学教师信息技术应用" not in wenzhou.get("/admin/course-filing").get_data(as_text=True)
    supervisor = _client(app, make.staff("supervisor", region="hangzhou"))  # reads the city's queue, files nothing
    assert "桐庐县中小学教师信息技术应用" in supervisor.get("/admin/course-filing").get_data(as_text=True)
    assert supervisor.post(f"/admin/courses/{course_id}/file").status_code == 403
    assert wenzhou.post(f"/admin/courses/{course_id}/file").status_code == 404
    # The bureau reads the course; changing it is its authority's.
    assert city.get(f"/admin/courses/{course_id}/edit").status_code == 403
    # The county returns it with its reason: the authority reads it and amends the credits.
    returned = county.post(f"/admin/courses/{course_id}/return", data={"reason": "请按实际课时核减学分"},
                           follow_redirects=True)
    assert "已退回行业主管部门修改" in returned.get_data(as_text=True)
    assert "请按实际课时核减学分" in author.get(f"/admin/courses/{course_id}").get_data(as_text=True)
    home = author.get("/org").get_data(as_text=True)
    assert '<strong id="count-courses-returned">1</strong>' in home
    assert '<strong id="count-courses-submitted">0</strong>' in home
    assert "桐庐县中小学教师信息技术应用" not in county.get("/admin/course-filing").get_data(as_text=True)
    assert author.post(f"/admin/courses/{course_id}/edit", data={
        "title": "桐庐县中小学教师信息技术应用", "summary": "", "category": "professional",
        "credited_hours": "8"}).status_code == 302
    assert author.post(f"/admin/courses/{course_id}/submit").status_code == 302

    assert city.post(f"/admin/courses/{course_id}/file").status_code == 302
    assert "桐庐县中小学教师信息技术应用" not in city.get("/admin/course-filing").get_data(as_text=True)
    db.rollback()  # a read left open would not see what the pages committed (SQLite's snapshot)
    db.expire_all()
    assert db.get(Course, course_id).filed_at is None  # the county has yet to file it
    published = author.post(f"/admin/courses/{course_id}/offerings/2026/published", follow_redirects=True)
    assert "县（市、区）、市人力社保部门审核备案后才能发布" in published.get_data(as_text=True)
    assert county.post(f"/admin/courses/{course_id}/file").status_code == 302
    db.rollback()  # a read left open would not see what the pages committed (SQLite's snapshot)
    db.expire_all()
    filed = db.get(Course, course_id)
    assert (filed.filed_hours, filed.filed_category) == (Decimal(8), "professional")

    # Filed: credits and category read-only, and a post that changes them is refused with the article.
    form = author.get(f"/admin/courses/{course_id}/edit").get_data(as_text=True)
    assert "已核定" in form and 'id="credited_hours"' not in form
    refused = author.post(f"/admin/courses/{course_id}/edit", data={
        "title": "桐庐县中小学教师信息技术应用", "summary": "新简介", "category": "professional", "credited_hours": "12"})
    assert "认定学时和科目类别已核定，不能修改（桐人社发〔2018〕26号 第九条）" in refused.get_data(as_text=True)
    assert author.post(f"/admin/courses/{course_id}/edit", data={
        "title": "桐庐县中小学教师信息技术应用", "summary": "新简介", "category": "professional",
        "credited_hours": "8"}).status_code == 302
    assert author.post(f"/admin/courses/{course_id}/offerings/2026/published").status_code == 302

    db.rollback()
    teacher = make.practitioner(region="tonglu")
    with app.app_context():
        assert [r["course"].id for r in catalogue_for(db, teacher, 2026)] == [course_id]
    # Each step is told to the other side (消息): the filing levels of a submission, the authority of a return and
    # of each level's filing.
    told = {(m.person_id, m.subject) for m in db.scalars(select(Message).where(Message.kind == "course.filing"))}
    title = "桐庐县中小学教师信息技术应用"
    for clerk in (county_clerk, city_clerk):
        assert (clerk.id, f"课程待审核备案：《{title}》") in told
    assert {(author_id, f"课程被退回修改：《{title}》"), (author_id, f"课程已审核备案：《{title}》")} <= told
    assert "请按实际课时核减学分" in db.scalar(select(Message.body).where(Message.person_id == author_id,
                                                                   Message.subject.startswith("课程被退回")))
    assert not any(who == wenzhou_clerk.id for who, _ in told)
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "Course",
                                                         AuditEntry.target_id == str(course_id))
                         .order_by(AuditEntry.id)).all()
    assert actions == ["course.create", "course.submit", "course.return", "course.update", "course.submit",
                       "course.approve", "course.approve", "course.update"]
