"""Demo data: a real-looking catalogue for last year and this year, and demo accounts (idempotent)."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from flask import Flask
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import clock
from .accounts.models import Person
from .accounts.operations import register_practitioner
from .catalogue.models import Course, CourseOffering, Enrolment
from .catalogue.operations import add_chapter, create_course, offer_again, set_offering_status
from .db import Database, transaction
from .filestore import FileStore, file_store
from .hours.operations import register_hours
from .orgs.models import Organisation
from .orgs.operations import create_staff
from .pdf import font_name
from .study.models import ChapterProgress, StudySegment

MEDIA = Path(__file__).parent / "demo_media"
DEMO_PASSWORD = "Demo2026ok"  # demo accounts only; printed by `make run`

COURSES = [
    # (title, summary, chapters: [(title, kind, minutes, text)])
    ("习近平新时代中国特色社会主义思想专题", "系统学习新时代党的创新理论，把握其核心要义和实践要求。", [
        ("导论：新时代的历史方位", "video", 3, ""),
        ("以人民为中心的发展思想", "pdf", 2, "坚持以人民为中心的发展思想，把增进民生福祉作为发展的根本目的。"),
        ("学习小结", "html", 1, "回顾本课程要点：新时代、新思想、新征程。"),
    ]),
    ("法治政府建设与依法行政", "深入理解全面依法治国方略，提升专业技术人员的法治思维和依法办事能力。", [
        ("宪法精神与法治思维", "video", 3, ""),
        ("《行政许可法》要点解读", "pdf", 2, "行政许可的设定应当遵循经济和社会发展规律，有利于发挥公民、法人的积极性、主动性。"),
    ]),
    ("数字经济与创新驱动发展", "了解数字经济发展趋势，增强创新意识，服务高质量发展。", [
        ("数字经济概论", "video", 3, ""),
        ("数据要素市场化配置", "pdf", 2, "数据作为新型生产要素，是数字化、网络化、智能化的基础。"),
        ("案例：浙江数字化改革", "html", 2, "浙江以数字化改革撬动各领域改革，推进整体智治。"),
    ]),
    ("专业技术人员职业道德与诚信建设", "弘扬科学家精神，恪守学术道德，营造诚信的职业环境。", [
        ("科学家精神", "video", 3, ""),
        ("学术诚信与科研伦理", "pdf", 2, "弄虚作假取得学时的，取消当年度职称评审资格（温人社发〔2020〕125号 第十五条）。"),
    ]),
    ("绿色低碳发展与生态文明", "理解“绿水青山就是金山银山”理念，推动绿色低碳转型。", [
        ("生态文明思想", "video", 3, ""),
        ("“双碳”目标与行动", "pdf", 2, "实现碳达峰、碳中和是一场广泛而深刻的经济社会系统性变革。"),
    ]),
]


def demo_pdf(title: str, body: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle(title)
    font = font_name()  # the TrueType CJK font our documents embed (lms/pdf.py)
    c.setFont(font, 20)
    c.drawString(60, 760, title)
    c.setFont(font, 12)
    y = 720
    for i in range(0, len(body), 36):
        c.drawString(60, y, body[i:i + 36])
        y -= 20
    c.drawString(60, y - 20, "（学时通演示课件）")
    c.showPage()
    c.save()
    return buf.getvalue()


def demo_html(title: str, body: str) -> bytes:
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{title}</title>"
            "<style>body{font-family:sans-serif;line-height:1.8;padding:1em;max-width:40em}</style></head>"
            f"<body><h1>{title}</h1><p>{body}</p><p>（学时通演示课件）</p></body></html>").encode()


def _add_course(s: Session, actor: Person, store: FileStore, spec: tuple, year: int, n: int) -> int:
    title, summary, chapters = spec
    course = create_course(s, actor, title=title, summary=summary, category="general_public",
                           credited_hours=Decimal(18), year=year)
    videos = [("video", "video/mp4", ".mp4", (MEDIA / "demo-intro.mp4").read_bytes()),
              ("video", "video/webm", ".webm", (MEDIA / "demo-lesson.webm").read_bytes())]
    for i, (ch_title, kind, minutes, text) in enumerate(chapters):
        if kind == "video":
            k, mime, ext, data = videos[(n + i) % 2]
        elif kind == "pdf":
            k, mime, ext, data = "pdf", "application/pdf", ".pdf", demo_pdf(ch_title, text)
        else:
            k, mime, ext, data = "html", "text/html", ".html", demo_html(ch_title, text)
        add_chapter(s, actor, store, course, title=ch_title, kind=k, mime=mime, ext=ext, data=data,
                    study_minutes=minutes)
    set_offering_status(s, actor, s.get(CourseOffering, (course.id, year)), "published")
    return course.id


AUTHORITY_COURSE = ("教育行业师德师风建设", "教师职业道德规范与师德师风建设的政策要求和典型案例。")


def _authority_course(s: Session, app: Flask, year: int) -> list[str]:
    """Once: the education bureau's industry public course for the year, submitted for the city bureau's review and
    filing (温人社发〔2020〕125号 第十一条), so that the filing queue has a course in it."""
    from .catalogue.filing import submit_course
    author = s.scalar(select(Person).where(Person.username == "jiaoyu"))
    assert author is not None
    title, summary = AUTHORITY_COURSE
    if s.scalar(select(Course.id).where(Course.owner_org_id == author.org_id)) is None:
        course = create_course(s, author, title=title, summary=summary, category="industry_public",
                               credited_hours=Decimal(12), year=year)
        add_chapter(s, author, file_store("media", app), course, title="师德师风建设的政策要求", kind="html",
                    mime="text/html", ext=".html", data=demo_html("师德师风建设的政策要求", summary),
                    study_minutes=20)
        submit_course(s, author, course)
    return [f"  课程审核备案    jiaoyu 已提交行业公需课《{title}》，待 admin 审核备案（课件管理 → 课程审核备案）"]


def _authority_exam(s: Session, year: int) -> list[str]:
    """The education bureau's exam plan of its industry public subject, examining its own course (温人社发〔2020〕125号
    第十一条), where the exams package is installed."""
    try:
        from exams.demo import load_authority_exam_demo
    except ImportError:
        return []
    author = s.scalar(select(Person).where(Person.username == "jiaoyu"))
    assert author is not None
    course = s.scalar(select(Course).where(Course.owner_org_id == author.org_id, Course.category == "industry_public")
                      .order_by(Course.id))
    assert course is not None  # _authority_course made it
    proctor = s.scalar(select(Person).where(Person.username == "proctor2"))
    if proctor is None:   # the city bureau allocates the accounts of the authorities below it (温 第五条)
        admin = s.scalar(select(Person).where(Person.username == "admin"))
        owner = s.get(Organisation, author.org_id)
        assert admin is not None and owner is not None
        proctor = create_staff(s, admin, owner, role="proctor", username="proctor2", name="周监考",
                               password=DEMO_PASSWORD, ip="demo")
    return load_authority_exam_demo(s, author, course, year, proctor)


def load_demo(app: Flask) -> list[str]:
    """Create the demo data once (renewing what must be current: an exam session open today); always return the
    lines describing it, the demo password beside the accounts."""
    db: Database = app.extensions["xst_db"]
    year = clock.study_year()
    last = year - 1
    lines: list[str] = []
    with app.app_context(), db.factory() as s:
        if s.scalar(select(Person.id).where(Person.username == "admin")) is None:
            with transaction(s):
                _create(s, app, year, last)
            lines.append("已载入演示数据。")
        else:
            lines.append("演示数据已存在，未重复载入。")
        try:
            from exams.demo import load_exam_demo
        except ImportError:
            pass
        else:
            with transaction(s):
                bureau = s.scalar(select(Person).where(Person.username == "admin"))
                proctor = s.scalar(select(Person).where(Person.username == "proctor1"))
                assert bureau is not None and proctor is not None
                lines += load_exam_demo(s, bureau, proctor, year)
        from .orgs.demo import load_org_demo
        with transaction(s):
            admin = s.scalar(select(Person).where(Person.username == "admin"))
            assert admin is not None
            org_lines = load_org_demo(s, admin, DEMO_PASSWORD)
        from .rosters.demo import load_roster_demo
        with transaction(s):
            org_lines += load_roster_demo(s, DEMO_PASSWORD)
        from .claims.demo import load_claims_demo
        with transaction(s):
            org_lines += load_claims_demo(s)
        with transaction(s):
            org_lines += _authority_course(s, app, year)
        with transaction(s):
            org_lines += _authority_exam(s, year)
    lines += [
        f"演示账号（密码均为 {DEMO_PASSWORD}）：",
        "  市人社局        用户名 admin（温州市人力资源和社会保障局）",
        "  监考员          用户名 proctor1（市人社局的考试）、proctor2（市教育局的行业公需考试）",
        "  专业技术人员    张伟 手机 13900000001（温州；去年已学并完成 90 学时，可出具证书；本年课程已学完，可报名考试）",
        "  专业技术人员    李娜 手机 13900000002（温州；新用户，可报名学习）",
        "  专业技术人员    王芳 手机 13900000003（威海）",
        *org_lines,
    ]
    return lines


def _create(s: Session, app: Flask, year: int, last: int) -> None:
    store = file_store("media", app)
    admin = create_staff(s, None, role="bureau", username="admin", name="温州市人社局管理员", password=DEMO_PASSWORD)
    create_staff(s, admin, role="proctor", username="proctor1", name="陈监考", password=DEMO_PASSWORD)
    # Last year: courses 0–2; this year: courses 2–4 (course 2 offered again, so it shows as studied before).
    ids = {i: _add_course(s, admin, store, COURSES[i], last, i) for i in (0, 1, 2)}
    ids |= {i: _add_course(s, admin, store, COURSES[i], year, i) for i in (3, 4)}
    offer_again(s, admin, s.get_one(CourseOffering, (ids[2], last)).course, year)
    set_offering_status(s, admin, s.get_one(CourseOffering, (ids[2], year)), "published")

    people = [
        ("张伟", "330302198506120010", "13900000001", "wenzhou", "工程技术"),
        ("李娜", "330302199002280023", "13900000002", "wenzhou", "教育"),
        ("王芳", "371002198811030048", "13900000003", "weihai", "卫生健康"),
    ]
    persons = [register_practitioner(s, name=n, id_number=i, mobile=m, region=r, industry=ind, password=DEMO_PASSWORD,
                                     employer="温州市第一中学" if r == "wenzhou" else "威海市立医院")
               for n, i, m, r, ind in people]
    zhang = persons[0]
    # 张伟 studied course 2 last year and passed: evidence rows plus 18 + 72 registered hours.
    start = clock.now().replace(year=last, month=6, day=10)
    e_last = Enrolment(person_id=zhang.id, course_id=ids[2], year=last, category="general_public", created_at=start,
                       completed_at=start + timedelta(hours=1))
    s.add(e_last)
    s.flush()
    course = s.get_one(CourseOffering, (ids[2], last)).course
    t = start
    for ch in course.chapters:
        ms = ch.study_minutes * 60_000
        s.add(StudySegment(person_id=zhang.id, enrolment_id=e_last.id, chapter_id=ch.id, chapter_version=1,
                           stream="demo", started_at=t, last_beat_at=t + timedelta(milliseconds=ms),
                           ended_at=t + timedelta(milliseconds=ms), end_reason="closed", credited_ms=ms,
                           beats=ch.study_minutes * 2 + 1, ip="127.0.0.1", device="演示数据"))
        s.add(ChapterProgress(enrolment_id=e_last.id, chapter_id=ch.id, credited_ms=ms,
                              completed_at=t + timedelta(milliseconds=ms)))
        t += timedelta(milliseconds=ms + 60_000)
    register_hours(s, person_id=zhang.id, year=last, category="general_public", hours=Decimal(18), source_type="exam",
                   source_ref=f"enrolment:{e_last.id}", title=f"一般公需科目考试合格：{course.title}",
                   org="温州市人力资源和社会保障局", rule="温人社发〔2020〕125号 第十条")
    register_hours(s, person_id=zhang.id, year=last, category="professional", hours=Decimal(72),
                   source_type="manual", source_ref=f"demo-{zhang.id}-{last}", title="专业科目：省级高级研修班",
                   org="温州市人力资源和社会保障局", rule="温人社发〔2020〕125号 第十二条", registered_by=admin)
    # This year 张伟 has finished the online study of course 3, so he can book an exam.
    e_now = Enrolment(person_id=zhang.id, course_id=ids[3], year=year, category="general_public",
                      created_at=clock.now() - timedelta(days=20), completed_at=clock.now() - timedelta(days=1))
    s.add(e_now)
    s.flush()
    t = clock.now() - timedelta(days=2)
    for ch in s.get_one(CourseOffering, (ids[3], year)).course.chapters:
        ms = ch.study_minutes * 60_000
        s.add(StudySegment(person_id=zhang.id, enrolment_id=e_now.id, chapter_id=ch.id, chapter_version=1,
                           stream="demo", started_at=t, last_beat_at=t + timedelta(milliseconds=ms),
                           ended_at=t + timedelta(milliseconds=ms), end_reason="closed", credited_ms=ms,
                           beats=ch.study_minutes * 2 + 1, ip="127.0.0.1", device="演示数据"))
        s.add(ChapterProgress(enrolment_id=e_now.id, chapter_id=ch.id, credited_ms=ms,
                              completed_at=t + timedelta(milliseconds=ms)))
        t += timedelta(milliseconds=ms + 60_000)
    s.flush()
