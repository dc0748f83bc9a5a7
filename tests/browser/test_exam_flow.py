"""In headless Chromium: book a session, get checked in by the proctor, take the exam, pass, see 18 hours."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from lms import clock, create_app
from lms.db import Base
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, base_config

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    clock.set_source(None)  # the real clock: the browser and the server share time
    app = create_app(base_config(tmp_path) | {"DATABASE_URL": f"sqlite:///{tmp_path / 'browser.db'}",
                                              "WTF_CSRF_ENABLED": True, "SECRET_KEY": uuid.uuid4().hex})
    Base.metadata.create_all(app.extensions["xst_db"].engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join()
    app.extensions["xst_db"].dispose()


def arrange(app: Any) -> dict[str, Any]:
    """A practitioner who finished the online study, a plan with a session open now, a proctor, a bank."""
    from courseware.storage import MediaStore
    from exams.demo import DEMO_QUESTIONS
    from exams.imports import add_questions
    from exams.operations import SessionSpec, add_sessions, assign_proctor, create_plan
    from lms.accounts.operations import register_practitioner
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import add_chapter, create_course, enrol, set_offering_status
    from lms.orgs.operations import create_staff
    from tests.conftest import make_id_number

    with app.app_context():
        s = app.extensions["xst_db"].factory()
        year, now = clock.study_year(), clock.now()
        bureau = create_staff(s, None, role="bureau", username="bureau1", name="王科员", password=PASSWORD)
        proctor = create_staff(s, None, role="proctor", username="proctor1", name="李监考", password=PASSWORD)
        person = register_practitioner(s, name="张三", id_number=make_id_number(7), mobile="13900000007",
                                       region="wenzhou", industry="教育", password=PASSWORD)
        course = create_course(s, bureau, title="习近平新时代中国特色社会主义思想概论", summary="", category="general_public",
                               credited_hours=Decimal(18), year=year)
        add_chapter(s, bureau, MediaStore(app.config["MEDIA_DIR"]), course, title="第1讲", kind="pdf",
                    mime="application/pdf", ext=".pdf", data=b"%PDF-1.4\n%%EOF\n", study_minutes=1)
        set_offering_status(s, bureau, s.get(CourseOffering, (course.id, year)), "published")
        enrolment = enrol(s, person, course.id, year)
        enrolment.completed_at = now
        plan = create_plan(s, bureau, year=year, category="general_public", title="考试", question_count=10)
        (session, later) = add_sessions(s, bureau, plan, [SessionSpec(
            "温州市人才市场考点", "市府路 500 号", "第一考场", now - timedelta(minutes=5), now + timedelta(hours=2), 20,
            now - timedelta(days=1), now + timedelta(hours=1), now + timedelta(minutes=30)), SessionSpec(
            "温州市人才市场考点", "市府路 500 号", "第二考场", now + timedelta(days=2), now + timedelta(days=2, hours=2), 20,
            now - timedelta(days=1), now + timedelta(days=1), now + timedelta(days=1))])
        assign_proctor(s, bureau, session, proctor)
        add_questions(s, bureau, course, DEMO_QUESTIONS)
        s.commit()
        out = {"id_number": person.id_number, "session_id": session.id, "later_id": later.id}
        s.close()
    return out


def key_for(app: Any, paper_id: int) -> dict[int, list[int]]:
    from exams.models import ExamPaper
    with app.app_context():
        s = app.extensions["xst_db"].factory()
        paper = s.get(ExamPaper, paper_id)
        key = {i.position: sorted(i.option_order.index(k) for k in i.question.answer) for i in paper.items}
        s.close()
    return key


def log_in(page: Any, base: str, login: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_load_state()


def explanations(app: Any) -> list[str]:
    from exams.models import Question
    with app.app_context():
        s = app.extensions["xst_db"].factory()
        out = [q.explanation for q in s.query(Question) if q.explanation]
        s.close()
    return out


def test_a_practitioner_books_is_checked_in_sits_the_paper_at_390px_and_passes(served: tuple[str, Any]) -> None:
    """Booking (one session at a time, cancelling asks), check-in, then the paper: one question at a time, an
    answer sheet, a confirmation naming what is unanswered, no site navigation, the key never sent before
    submission, and a result with its review."""
    from playwright.sync_api import sync_playwright
    base, app = served
    facts = arrange(app)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            candidate = browser.new_context(viewport={"width": 390, "height": 844})
            page = candidate.new_page()
            log_in(page, base, facts["id_number"])
            page.goto(base + "/exams/")
            page.click(f"tr[data-session='{facts['session_id']}'] button:has-text('报名')")
            page.wait_for_selector("#ticket-no")
            ticket = page.inner_text("#ticket-no")
            assert page.locator(".qr svg").count() == 1

            # Holding a booking: no other session offers 报名; 取消报名 says what happens and can be called off.
            page.goto(base + "/exams/")
            later = page.locator(f"tr[data-session='{facts['later_id']}']")
            assert later.locator("button").count() == 0 and "改约请先取消" in later.inner_text()
            assert "如需改约" in page.inner_text("#held-note")
            page.click("#my-bookings button:has-text('取消报名')")
            dialog = page.locator("dialog.confirm")
            assert dialog.is_visible() and ticket in dialog.inner_text() and "座位让给其他考生" in dialog.inner_text()
            page.click("#confirm-cancel")
            assert not dialog.is_visible()
            page.reload()
            assert "已报名" in page.inner_text("#my-bookings") and "已取消" not in page.inner_text("#my-bookings")

            tablet = browser.new_context(viewport={"width": 820, "height": 1180})
            proctor = tablet.new_page()
            log_in(proctor, base, "proctor1")
            proctor.goto(base + "/exams/proctor")
            proctor.click("table.list a")
            proctor.fill("input[name=ticket_no]", ticket)
            proctor.fill("input[name=id_last]", facts["id_number"][-4:])
            proctor.click("#check-in")
            assert "签到成功" in proctor.inner_text(".flash")

            # Everything the browser receives about the paper, until it is submitted.
            bodies: list[str] = []
            recording = {"on": True}

            def record(route: Any) -> None:
                response = route.fetch()
                if recording["on"]:
                    bodies.append(response.text())
                route.fulfill(response=response)

            page.route("**/papers/**", record)
            page.goto(base + "/exams/")
            page.click("text=进入考试")
            page.click("#start-exam")
            page.wait_for_selector("#paper")
            assert page.locator("header nav").count() == 0 and page.locator("a[href]").count() == 0
            paper_id = int(page.get_attribute("#paper", "data-paper") or 0)
            key = key_for(app, paper_id)
            assert page.locator("fieldset.question:visible").count() == 1  # one question at a time
            # Positions 1–8 answered (7 and 8 wrong), 9 and 10 left open; 3 flagged.
            for pos in range(1, 9):
                page.click(f"#sheet button[data-go='{pos}']")
                answer = key[pos] if pos < 7 else ([1] if key[pos] != [1] else [0])
                for idx in answer:
                    page.check(f"fieldset[data-position='{pos}'] input[value='{idx}']")
                page.wait_for_selector(f"fieldset[data-position='{pos}'][data-saved='1']")
                if pos == 3:
                    page.click("#flag")
            assert page.inner_text("#answered-n") == "8"
            assert "flagged" in (page.get_attribute("#sheet button[data-go='3']", "class") or "")
            assert "answered" not in (page.get_attribute("#sheet button[data-go='9']", "class") or "")
            page.reload()  # nothing is lost on a reload, flags included
            assert page.locator("fieldset.question input:checked").count() >= 8
            assert page.inner_text("#answered-n") == "8"
            assert "flagged" in (page.get_attribute("#sheet button[data-go='3']", "class") or "")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            shoot(page, "exam-paper-phone")
            page.click("#submit-paper")
            text = page.inner_text("#submit-confirm")
            assert "还有 2 道题未作答：第 9 题、第 10 题" in text and "第 3 题" in text
            page.click("#submit-back")  # back to the first unanswered question
            assert page.locator("fieldset[data-position='9']").is_visible()
            for idx in key[9]:  # every right option: question 9 may be a multiple-choice one
                page.check(f"fieldset[data-position='9'] input[value='{idx}']")
            page.wait_for_selector("fieldset[data-position='9'][data-saved='1']")
            page.click("#submit-paper")
            assert "还有 1 道题未作答：第 10 题" in page.inner_text("#submit-confirm")

            # Before submission no response held the key or anything that comes with it.
            assert bodies
            secret = explanations(app) + ["正确答案", '"key"', "correct", "解析"]
            leaked = [s for s in secret for b in bodies if s in b]
            assert not leaked, leaked
            recording["on"] = False
            page.click("#submit-go")
            page.wait_for_selector("#result")
            assert page.inner_text("#score") == "70" and "考试合格" in page.inner_text("#verdict")
            wrong = page.locator("#review li[data-result='wrong']")
            assert wrong.count() == 2 and page.locator("#review li[data-result='unanswered']").count() == 1
            assert "正确答案和解析将在本场考试结束" in page.inner_text("#key-later")
            assert page.locator("header nav").count() == 1
            shoot(page, "exam-result-phone")
            page.click("text=查看学时")
            assert page.inner_text("#total-hours") == "18.0"
            assert "还差" in page.inner_text("main")
        finally:
            browser.close()
