"""The clerk's pages for people and courses: recent practitioners before any search, a person's contact, employer
and exam results, a course previewed as a learner sees it (nothing recorded), chapters reordered (audited), the
courseware package format as a page, and a warning when a course is published with too small a question bank."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.operations import create_plan
from lms.audit import AuditEntry
from lms.catalogue.models import Chapter
from lms.study.models import StudyClock, StudySegment
from tests.test_access import web_login


@pytest.fixture
def clerk(app: Any, make: Any) -> Any:
    client = app.test_client()
    web_login(client, make.staff(username="zhangke"))
    return client


def names_listed(page: str) -> list[str]:
    return re.findall(r'<li class="person"><a href="/admin/people/\d+"><strong>(.*?)</strong>', page)


def test_the_people_list_shows_recent_practitioners_before_any_search_twenty_a_page(
        app: Any, make: Any, clerk: Any, frozen_clock: Any) -> None:
    for n in range(23):
        make.practitioner(f"学员{n:02d}号")
        frozen_clock.advance(60)
    make.staff()  # staff are not practitioners
    first = clerk.get("/admin/people").get_data(as_text=True)
    assert "共 23 名专业技术人员，最近注册的在前" in first and "第 1 / 2 页" in first
    assert names_listed(first)[:2] == ["学员22号", "学员21号"] and len(names_listed(first)) == 20
    assert "139****0023" in first  # mobiles masked
    second = clerk.get("/admin/people?page=2").get_data(as_text=True)
    assert names_listed(second) == ["学员02号", "学员01号", "学员00号"]
    found = clerk.get("/admin/people?q=学员1").get_data(as_text=True)
    assert "“学员1”找到 10 人" in found and set(names_listed(found)) == {f"学员1{n}号" for n in range(10)}
    assert names_listed(clerk.get("/admin/people?q=%25").get_data(as_text=True)) == []  # % is a character here


def test_the_person_page_shows_masked_phone_employer_and_exam_results(app: Any, db: Any, make: Any,
                                                                       clerk: Any) -> None:
    from exams.operations import ExamSettings, SessionSpec, add_sessions, book_seat
    person = make.practitioner("赵敏", mobile="13912345678")
    person.employer = "温州市第一中学"
    db.commit()
    course = make.course()
    enrolment = make.enrol(person, course)
    enrolment.completed_at = enrolment.created_at
    bureau = make.staff()
    with app.app_context():
        plan = create_plan(db, bureau, year=2026, category="general_public", title="考试")
        start = enrolment.created_at + timedelta(days=3)
        (session,) = add_sessions(db, bureau, plan, [SessionSpec(
            "人才市场考点", "市府路", "第一考场", start, start + timedelta(hours=1), 10, start - timedelta(days=5),
            start - timedelta(days=1), start - timedelta(days=1))])
        booking = book_seat(db, person, session, ExamSettings())
        db.commit()
    page = clerk.get(f"/admin/people/{person.id}").get_data(as_text=True)
    facts = re.sub(r"<[^>]+>", " ", page[page.index('id="person-facts"'):page.index("</dl>")])
    assert "手机号 139****5678" in re.sub(r"\s+", " ", facts) and "13912345678" not in page
    assert "工作单位 温州市第一中学" in re.sub(r"\s+", " ", facts)
    results = page[page.index('id="exam-results"'):]
    assert f"准考证号 {booking.ticket_no}" in results and "已报名" in results
    assert f'href="/exams/admin/sessions/{session.id}"' in results
    assert f'href="/admin/audit?target=Person:{person.id}"' in page


def test_a_preview_shows_the_course_as_a_learner_sees_it_and_records_nothing(app: Any, db: Any, make: Any,
                                                                              clerk: Any) -> None:
    course = make.course(chapters=3)
    second = course.chapters[1]
    page = clerk.get(f"/admin/courses/{course.id}/preview?chapter={second.id}").get_data(as_text=True)
    assert "预览不计时、不记录任何学习" in page and "第 2 章 · 第2讲" in page
    assert f'src="/media/chapters/{second.id}"' in page and "player.js" not in page
    assert all(f"?chapter={ch.id}" in page for ch in course.chapters)
    first = clerk.get(f"/admin/courses/{course.id}/preview").get_data(as_text=True)
    assert "第 1 章 · 第1讲" in first
    assert clerk.get(f"/admin/courses/{course.id}/preview?chapter=abc").status_code == 400
    assert db.scalar(select(func.count()).select_from(StudySegment)) == 0
    assert db.scalar(select(func.count()).select_from(StudyClock)) == 0


def test_chapters_move_up_and_down_with_an_audit_entry_and_not_past_the_ends(app: Any, db: Any, make: Any,
                                                                             clerk: Any) -> None:
    course = make.course(chapters=3)
    a, b, c = course.chapters
    r = clerk.post(f"/admin/chapters/{c.id}/move/up", follow_redirects=True)
    assert "已调整章节顺序：“第3讲”上移一位" in r.get_data(as_text=True)
    db.rollback()
    order = db.scalars(select(Chapter.title).where(Chapter.course_id == course.id).order_by(Chapter.position)).all()
    assert order == ["第1讲", "第3讲", "第2讲"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "chapter.reorder")).one()
    assert (entry.target_type, entry.target_id) == ("Course", str(course.id))
    assert entry.detail_dict == {"title": "第3讲", "order": ["第1讲", "第3讲", "第2讲"]}
    r = clerk.post(f"/admin/chapters/{a.id}/move/up", follow_redirects=True)
    assert "该章节已是第一章" in r.get_data(as_text=True)
    clerk.post(f"/admin/chapters/{a.id}/move/down")
    db.rollback()
    assert db.scalars(select(Chapter.position).where(Chapter.id.in_([a.id, b.id, c.id])).order_by(Chapter.id)
                      ).all() == [2, 3, 1]
    assert clerk.post(f"/admin/chapters/{a.id}/move/sideways").status_code == 404
    log = clerk.get("/admin/audit?action=chapter.reorder").get_data(as_text=True)
    assert "调整章节顺序" in log and "新顺序" in log


def test_the_courseware_package_format_is_a_page_linked_from_the_upload_form(clerk: Any) -> None:
    upload = clerk.get("/admin/courses/upload").get_data(as_text=True)
    assert 'href="/admin/courseware-format"' in upload
    page = clerk.get("/admin/courseware-format").get_data(as_text=True)
    assert "<h1>课件包格式 <code>xueshitong-courseware/1</code></h1>" in page
    assert '<table class="list">' in page and "manifest.json" in page  # the app's tables: cards on a phone


def test_publishing_warns_when_the_bank_cannot_fill_a_paper(app: Any, db: Any, make: Any, clerk: Any) -> None:
    empty = make.course(title="题库为空的课程", publish=False)
    r = clerk.post(f"/admin/courses/{empty.id}/offerings/2026/published", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "已发布" in page and "《题库为空的课程》的题库还没有试题" in page and "每卷 20 题" in page
    few = make.course(title="题量不足的课程", publish=False)
    bureau = make.staff()
    with app.app_context():
        create_plan(db, bureau, year=2026, category="general_public", title="考试", question_count=10)
        add_questions(db, bureau, few, DEMO_QUESTIONS[:3])
        db.commit()
    page = clerk.post(f"/admin/courses/{few.id}/offerings/2026/published", follow_redirects=True).get_data(
        as_text=True)
    assert "题库只有 3 题，2026 年度考试每卷需要 10 题：试卷将只有 3 题" in page
    course_page = clerk.get(f"/admin/courses/{few.id}").get_data(as_text=True)
    assert "题库只有 3 题" in course_page and 'id="bank-total">3<' in course_page  # it stays said
    with app.app_context():
        add_questions(db, bureau, few, DEMO_QUESTIONS[3:10])
        db.commit()
    page = clerk.post(f"/admin/courses/{few.id}/offerings/2026/published", follow_redirects=True).get_data(
        as_text=True)
    assert "题库只有" not in page and "还没有试题" not in page  # exactly enough: 10 of 10
    professional = make.course(title="专业科目课程", publish=False, category="professional")
    page = clerk.post(f"/admin/courses/{professional.id}/offerings/2026/published",
                      follow_redirects=True).get_data(as_text=True)
    assert re.findall(r'class="flash warning"', page) == []  # no exam for professional courses: no bank to fill
