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
    from lms.accounts.operations import create_staff, register_practitioner
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import add_chapter, create_course, enrol, set_offering_status
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
        (session,) = add_sessions(s, bureau, plan, [SessionSpec(
            "温州市人才市场考点", "市府路 500 号", "第一考场", now - timedelta(minutes=5), now + timedelta(hours=2), 20,
            now - timedelta(days=1), now + timedelta(hours=1), now + timedelta(minutes=30))])
        assign_proctor(s, bureau, session, proctor)
        add_questions(s, bureau, course, DEMO_QUESTIONS)
        s.commit()
        out = {"id_number": person.id_number, "session_id": session.id}
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


def test_a_practitioner_books_is_checked_in_passes_and_sees_18_hours(served: tuple[str, Any]) -> None:
    from playwright.sync_api import sync_playwright
    base, app = served
    facts = arrange(app)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            candidate = browser.new_context(viewport={"width": 390, "height": 844})
            page = candidate.new_page()
            page.on("dialog", lambda d: d.accept())
            log_in(page, base, facts["id_number"])
            page.goto(base + "/exams/")
            page.click(f"tr[data-session='{facts['session_id']}'] button:has-text('报名')")
            page.wait_for_selector("#ticket-no")
            ticket = page.inner_text("#ticket-no")
            assert page.locator(".qr svg").count() == 1

            tablet = browser.new_context(viewport={"width": 820, "height": 1180})
            proctor = tablet.new_page()
            log_in(proctor, base, "proctor1")
            proctor.goto(base + "/exams/proctor")
            proctor.click("table.list a")
            proctor.fill("input[name=ticket_no]", ticket)
            proctor.fill("input[name=id_last]", facts["id_number"][-4:])
            proctor.click("#check-in")
            assert "签到成功" in proctor.inner_text(".flash")

            page.goto(base + "/exams/")
            page.click("text=进入考试")
            page.click("#start-exam")
            page.wait_for_selector("#paper")
            paper_id = int(page.get_attribute("#paper", "data-paper") or 0)
            for pos, key in key_for(app, paper_id).items():
                for idx in key:
                    page.check(f"fieldset[data-position='{pos}'] input[value='{idx}']")
                page.wait_for_selector(f"fieldset[data-position='{pos}'][data-saved='1']")
            page.reload()  # nothing is lost on a reload
            assert page.locator("fieldset.question input:checked").count() >= 10
            page.click("#submit-paper")
            page.wait_for_selector("#result")
            assert page.inner_text("#score") == "100" and "考试合格" in page.inner_text("#verdict")
            page.click("text=查看学时")
            assert page.inner_text("#total-hours") == "18.0"
            assert "还差" in page.inner_text("main")
        finally:
            browser.close()
