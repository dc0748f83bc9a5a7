"""At 390 px: reading a document chapter keeps the clock running, and the player says what happens.

- activity inside an HTML chapter (a sandboxed frame without scripts) reaches the player;
- a PDF chapter is drawn in the page by PDF.js, and scrolling it counts;
- the chapter completes in front of the learner: "本章已完成", a "下一章" button, the list's percentages current;
- a missed presence prompt never counts down to "0 秒" and leaves a note of the time that was not counted;
- a heartbeat answered 503 is retried a beat later, within the same study segment.
"""
from __future__ import annotations

import io
import random
import time
from decimal import Decimal
from typing import Any

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from courseware.storage import MediaStore
from lms import clock
from lms.accounts.operations import register_practitioner
from lms.catalogue.models import CourseOffering
from lms.catalogue.operations import add_chapter, create_course, enrol, set_offering_status
from lms.orgs.operations import create_staff
from lms.pdf import font_name
from lms.study.models import ChapterProgress, StudySegment
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, make_id_number

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# A script in courseware must never run: the frame is sandboxed without allow-scripts.
HTML = ("<!doctype html><html><head><meta charset='utf-8'><title>宪法精神</title></head><body><h1>宪法精神</h1>"
        + "".join(f"<p>第 {i} 段：依法治国是党领导人民治理国家的基本方略。</p>" for i in range(40))
        + "<script>document.title = 'script ran'; parent.document.body.dataset.owned = '1';</script></body></html>")


def three_page_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for n in range(1, 4):
        c.setFont(font_name(), 18)
        c.drawString(60, 760, f"第 {n} 页 · 行政许可法要点")
        c.showPage()
    c.save()
    return buf.getvalue()


def arrange(srv: Any, done_ms: int = 0) -> dict[str, int]:
    """A course with an HTML, a PDF and a third chapter (1 minute each); a practitioner enrolled in it."""
    year = clock.study_year()
    with srv.app.app_context(), srv.session() as s:
        staff = create_staff(s, None, role="bureau", username="clerk", name="王科员", password=PASSWORD)
        c = create_course(s, staff, title="法治政府建设与依法行政", summary="", category="general_public",
                          credited_hours=Decimal(18), year=year)
        store = MediaStore(srv.app.config["MEDIA_DIR"])
        html = add_chapter(s, staff, store, c, title="宪法精神", kind="html", mime="text/html", ext=".html",
                           data=HTML.encode(), study_minutes=1)
        pdf = add_chapter(s, staff, store, c, title="行政许可法要点", kind="pdf", mime="application/pdf", ext=".pdf",
                          data=three_page_pdf(), study_minutes=1)
        add_chapter(s, staff, store, c, title="学习小结", kind="html", mime="text/html", ext=".html",
                    data="<p>小结</p>".encode(), study_minutes=1)
        set_offering_status(s, staff, s.get(CourseOffering, (c.id, year)), "published")
        person = register_practitioner(s, name="周晓明", id_number=make_id_number(7), mobile="13712345678",
                                       region="wenzhou", industry="教育", password=PASSWORD)
        e = enrol(s, person, c.id, year)
        if done_ms:
            s.add(ChapterProgress(enrolment_id=e.id, chapter_id=pdf.id, credited_ms=done_ms))
        s.commit()
        return {"enrolment": e.id, "html": html.id, "pdf": pdf.id, "person": person.id}


def log_in(page: Any, base: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=login]", "13712345678")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")
    page.wait_for_url("**/home")


def credited_ms(srv: Any, chapter_id: int) -> int:
    with srv.session() as s:
        return int(s.scalar(select(func.coalesce(func.sum(ChapterProgress.credited_ms), 0))
                            .where(ChapterProgress.chapter_id == chapter_id)))


def segments(srv: Any) -> int:
    with srv.session() as s:
        return int(s.scalar(select(func.count()).select_from(StudySegment)))


def wiggle(page: Any, box: dict[str, float], seconds: float, wheel: bool = False) -> None:
    """Move (or scroll) inside one box of the page only, like a reader, for some seconds."""
    end, i = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        i += 1
        page.mouse.move(box["x"] + 20 + (i * 37) % max(1, int(box["width"]) - 40), box["y"] + 30 + (i * 13) % 60)
        if wheel:
            page.mouse.wheel(0, 120 if i % 8 < 4 else -120)
        page.wait_for_timeout(300)


def test_activity_inside_the_html_chapter_keeps_the_clock_running(live: Any, browser: Any) -> None:
    # The page sees activity for 4 s (4 intervals); only movement inside the frame happens here, for 9 s.
    srv = live(HEARTBEAT_SECONDS=1, HEARTBEAT_GRACE_SECONDS=1, IDLE_TIMEOUT_SECONDS=30)
    ids = arrange(srv)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    log_in(page, srv.url)
    page.goto(f"{srv.url}/study/{ids['enrolment']}?chapter={ids['html']}")
    page.wait_for_selector("#status.ok")
    frame = page.locator("#doc")
    assert frame.get_attribute("sandbox") == "allow-same-origin"
    page.wait_for_function("document.getElementById('doc').offsetHeight > 1000")  # sized to its content
    box = frame.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    start = credited_ms(srv, ids["html"])
    wiggle(page, box, 9)
    assert credited_ms(srv, ids["html"]) - start >= 5500  # the page alone would have stopped after 4 s
    assert "计时已暂停" not in page.inner_text("#status")
    # The chapter's script did not run, and the list follows the counter.
    assert page.frame_locator("#doc").locator("h1").inner_text() == "宪法精神"
    assert page.evaluate("document.getElementById('doc').contentDocument.title") == "宪法精神"
    assert page.evaluate("document.body.dataset.owned") is None
    assert int(page.inner_text(f"[data-chapter-percent='{ids['html']}']").rstrip("%")) >= 10  # 6.5 of 60 s
    assert int(page.inner_text("#course-percent")) >= 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "study-html-chapter-phone")
    # With no movement at all the clock stops, as before.
    page.wait_for_function("document.getElementById('status').textContent.includes('计时已暂停')", timeout=10000)


def test_pdf_chapter_is_drawn_in_the_page_scrolling_counts_and_completion_offers_the_next_chapter(
        live: Any, browser: Any) -> None:
    srv = live(HEARTBEAT_SECONDS=1, HEARTBEAT_GRACE_SECONDS=1, IDLE_TIMEOUT_SECONDS=30)
    ids = arrange(srv, done_ms=52_000)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    log_in(page, srv.url)
    page.goto(f"{srv.url}/study/{ids['enrolment']}?chapter={ids['pdf']}")
    page.wait_for_selector("#status.ok")
    assert "本章还需" in page.inner_text("#status")
    page.wait_for_selector(".pdf-page[data-rendered] canvas")
    assert page.get_attribute("#pdf", "data-pages") == "3"
    assert page.locator("iframe").count() == 0
    width = page.evaluate("document.querySelector('.pdf-page canvas').getBoundingClientRect().width")
    assert 300 <= width <= 370  # the column's width, not a desktop page
    box = page.locator("#pdf").bounding_box()
    assert box is not None
    wiggle(page, {"x": box["x"], "y": 200, "width": box["width"]}, 10, wheel=True)
    # 52 s were done; scrolling the PDF for 10 s finishes the minute.
    page.wait_for_selector("#chapter-done", state="visible", timeout=10000)
    assert credited_ms(srv, ids["pdf"]) >= 60_000
    assert "本章已完成" in page.inner_text("#status")
    assert "正在计时 · 本次计入" not in page.inner_text("main")
    nxt = page.locator("#next-chapter")
    assert nxt.is_visible() and "学习小结" in nxt.inner_text()  # the first chapter still to do after this one
    assert page.inner_text(f"[data-chapter-percent='{ids['pdf']}']") == "100% ✓"
    assert page.inner_text("#course-percent") == "33"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "study-pdf-chapter-complete-phone")
    nxt.click()
    page.wait_for_selector("#status.ok")
    assert "学习小结" in page.inner_text("h2")


class OnePromptSoon(random.Random):
    """The first presence prompt after one credited second, the next one far away."""

    def __init__(self) -> None:
        super().__init__(1)
        self.draws = 0

    def expovariate(self, lambd: float) -> float:
        self.draws += 1
        return 0.5 if self.draws <= 2 else 10_000.0  # the stream's draw, then its first segment's


def test_a_missed_presence_prompt_says_what_was_lost_and_the_note_stays(live: Any, browser: Any) -> None:
    srv = live(HEARTBEAT_SECONDS=1, HEARTBEAT_GRACE_SECONDS=1, IDLE_TIMEOUT_SECONDS=30, PRESENCE_MEAN_SECONDS=60,
               PRESENCE_ANSWER_SECONDS=3, STUDY_RNG=OnePromptSoon())
    ids = arrange(srv)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    log_in(page, srv.url)
    page.goto(f"{srv.url}/study/{ids['enrolment']}?chapter={ids['html']}")
    page.wait_for_selector("#presence", state="visible", timeout=15000)
    # Every shown countdown is above zero; at the deadline the dialog says the time is up instead.
    seen = []
    for _ in range(30):
        if page.is_visible("#presence-late"):
            break
        seen.append(page.inner_text("#presence-left"))
        page.wait_for_timeout(200)
    page.wait_for_selector("#presence-late", state="visible")
    assert "0" not in [s.strip() for s in seen if s.strip()]
    assert page.is_hidden("#presence-ask")
    assert "不计入学时" in page.inner_text("#presence-late")
    page.wait_for_timeout(1500)  # the learner comes back late
    page.click("#presence-again")
    page.wait_for_selector("#lost", state="visible")
    note = page.inner_text("#lost")
    assert "未计入学时" in note and "新的学习时段" in note
    # The clock runs again in a new segment, and the note is still there after several beats.
    page.wait_for_function("document.getElementById('status').textContent.includes('新的学习时段')", timeout=5000)
    wiggle(page, {"x": 0, "y": 100, "width": 380}, 3)
    assert page.is_visible("#lost") and page.inner_text("#lost") == note
    assert segments(srv) == 2
    shoot(page, "study-prompt-missed-phone")


def test_a_beat_answered_503_is_retried_a_beat_later_in_the_same_segment(live: Any, browser: Any) -> None:
    srv = live(HEARTBEAT_SECONDS=3, HEARTBEAT_GRACE_SECONDS=1, IDLE_TIMEOUT_SECONDS=20)
    ids = arrange(srv)
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    log_in(page, srv.url)
    page.goto(f"{srv.url}/study/{ids['enrolment']}?chapter={ids['html']}")
    page.wait_for_selector("#status.ok")
    wiggle(page, {"x": 0, "y": 100, "width": 380}, 3)
    refused: list[float] = []

    def unavailable(route: Any) -> None:
        refused.append(time.monotonic())
        route.fulfill(status=503, headers={"Retry-After": "1", "Content-Type": "application/json"},
                      body='{"error": "unavailable", "message": "数据库暂时不可用"}')

    page.route("**/api/v1/study/heartbeat", unavailable)
    wiggle(page, {"x": 0, "y": 100, "width": 380}, 6.5)
    assert "自动重试" in page.inner_text("#status")
    before = credited_ms(srv, ids["html"])
    page.unroute("**/api/v1/study/heartbeat")
    wiggle(page, {"x": 0, "y": 100, "width": 380}, 2.5)
    # Retried after about Retry-After (1 s, jittered), not at the 3-s interval, and the server saw none of them.
    gaps = [b - a for a, b in zip(refused, refused[1:], strict=False)]
    assert len(refused) >= 3 and max(gaps) < 2.2
    assert credited_ms(srv, ids["html"]) > before
    assert segments(srv) == 1  # the outage was shorter than the idle timeout: the same segment goes on
    assert "正在计时" in page.inner_text("#status")
