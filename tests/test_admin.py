"""Bureau staff publish courseware: forms, packages (all or nothing), chapter replacement, audit trail."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.catalogue.models import Chapter, Course, CourseOffering
from tests.test_access import web_login

MP4 = (Path(__file__).resolve().parents[1] / "lms" / "demo_media" / "demo-intro.mp4").read_bytes()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = "<!doctype html><html><body><p>依法行政</p></body></html>".encode()


def package(manifest: dict[str, Any], files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
        for name, data in files.items():
            z.writestr(name, data)
    buf.seek(0)
    return buf


GOOD = {"format": "xueshitong-courseware/1", "title": "数字经济与创新驱动发展", "summary": "课程简介",
        "category": "general_public", "credited_hours": 18, "year": 2026,
        "chapters": [{"title": "数字经济概论", "file": "media/01.mp4", "study_minutes": 30},
                     {"title": "数据要素", "file": "media/02.pdf", "study_minutes": 20},
                     {"title": "案例", "file": "media/03.html", "study_minutes": 10}]}
FILES = {"media/01.mp4": MP4, "media/02.pdf": PDF, "media/03.html": HTML}


@pytest.fixture
def clerk(app: Any, make: Any) -> Any:
    client = app.test_client()
    web_login(client, make.staff())
    return client


def media_files(app: Any) -> list[Path]:
    root = Path(app.config["MEDIA_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_good_package_becomes_a_draft_course_with_ordered_chapters(app: Any, db: Any, clerk: Any) -> None:
    resp = clerk.post("/admin/courses/upload", data={"package": (package(GOOD, FILES), "course.zip"), "year": 2026},
                      content_type="multipart/form-data")
    assert resp.status_code == 302
    course = db.scalars(select(Course)).one()
    assert [(c.title, c.kind, c.study_minutes) for c in course.chapters] == [
        ("数字经济概论", "video", 30), ("数据要素", "pdf", 20), ("案例", "html", 10)]
    assert course.required_minutes == 60
    assert db.get(CourseOffering, (course.id, 2026)).status == "draft"
    assert len(media_files(app)) == 3
    page = clerk.get(f"/admin/courses/{course.id}").get_data(as_text=True)
    assert "导入成功" in page or "数字经济概论" in page


@pytest.mark.parametrize("manifest,files,message", [
    (GOOD, {k: v for k, v in FILES.items() if k != "media/02.pdf"}, "media/02.pdf"),
    (GOOD, FILES | {"media/01.mp4": b"this is not a video"}, "media/01.mp4"),
    # a picture renamed to .mp4: the page names the chapter, the file, and what the file really is
    (GOOD, FILES | {"media/01.mp4": bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 64},
     "第 1 章“数字经济概论”：文件 media/01.mp4 的扩展名是 .mp4，应为 MP4 视频，但内容实际是 PNG 图片，已拒绝"),
    (GOOD | {"category": "entertainment"}, FILES, "类别"),
    (GOOD | {"chapters": []}, FILES, "章"),
])
def test_a_bad_package_is_refused_with_the_reason_and_nothing_is_stored(app: Any, db: Any, clerk: Any,
                                                                       manifest: Any, files: Any,
                                                                       message: str) -> None:
    resp = clerk.post("/admin/courses/upload", data={"package": (package(manifest, files), "course.zip")},
                      content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "课件包未导入" in html and message in html
    assert db.scalar(select(func.count()).select_from(Course)) == 0
    assert media_files(app) == []


def test_a_file_that_is_not_a_zip_is_refused(db: Any, clerk: Any) -> None:
    resp = clerk.post("/admin/courses/upload", data={"package": (io.BytesIO(b"%PDF-1.4 hello"), "course.zip")},
                      content_type="multipart/form-data")
    assert "课件包未导入" in resp.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Course)) == 0


def test_course_created_in_the_form_gets_chapters_and_is_published_with_an_audit_trail(db: Any, clerk: Any) -> None:
    resp = clerk.post("/admin/courses/new", data={"title": "法治政府建设", "summary": "简介", "category": "general_public",
                                                  "credited_hours": "18", "year": 2026})
    course_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    resp = clerk.post(f"/admin/courses/{course_id}/offerings/2026/published")
    # a course without chapters cannot be published: refused (409) with the reason, and it stays a draft
    assert resp.status_code == 409 and "课程还没有章节，不能发布" in resp.get_data(as_text=True)
    assert db.get(CourseOffering, (course_id, 2026)).status == "draft"
    db.rollback()  # end this read, so that the next one sees what the app commits
    clerk.post(f"/admin/courses/{course_id}/chapters", data={"title": "宪法精神", "study_minutes": 15,
                                                             "media": (io.BytesIO(PDF), "ch1.pdf")},
               content_type="multipart/form-data")
    clerk.post(f"/admin/courses/{course_id}/offerings/2026/published")
    db.expire_all()
    assert db.get(CourseOffering, (course_id, 2026)).status == "published"
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["course.create", "chapter.add", "course.publish"]


def test_a_chapter_upload_with_the_wrong_content_type_is_refused(db: Any, clerk: Any, make: Any) -> None:
    course = make.course(chapters=1)
    resp = clerk.post(f"/admin/courses/{course.id}/chapters", data={
        "title": "伪装的视频", "study_minutes": 5, "media": (io.BytesIO(b"MZ\x90\x00 not a video"), "lesson.mp4")},
        content_type="multipart/form-data", follow_redirects=True)
    assert resp.status_code == 200
    assert db.scalar(select(func.count()).select_from(Chapter).where(Chapter.course_id == course.id)) == 1


def test_replacing_a_chapters_media_bumps_its_version_and_is_audited(db: Any, clerk: Any, make: Any) -> None:
    course = make.course(chapters=1)
    ch = course.chapters[0]
    resp = clerk.post(f"/admin/chapters/{ch.id}/edit", data={"title": "第1讲（修订）", "study_minutes": 3,
                                                             "media": (io.BytesIO(HTML), "new.html")},
                      content_type="multipart/form-data")
    assert resp.status_code == 302
    db.expire_all()
    ch = db.get(Chapter, ch.id)
    assert (ch.version, ch.kind, ch.title) == (2, "html", "第1讲（修订）")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "chapter.replace")).one()
    assert entry.detail_dict["before"]["title"] == "第1讲"


def test_bureau_creates_a_proctor_account_and_the_proctor_can_log_in(app: Any, db: Any, clerk: Any) -> None:
    resp = clerk.post("/admin/staff", data={"role": "proctor", "username": "jiankao7", "name": "刘监考",
                                            "region": "wenzhou", "password": "Proctor2026"})
    assert resp.status_code == 302
    other = app.test_client()
    assert other.post("/login", data={"login": "jiankao7", "password": "Proctor2026"}).status_code == 302


def test_bureau_staff_find_a_practitioner_and_export_the_study_record_csv(db: Any, clerk: Any, make: Any) -> None:
    person = make.practitioner(name="孙丽")
    e = make.enrol(person, make.course())
    assert "孙丽" in clerk.get("/admin/people?q=孙").get_data(as_text=True)
    resp = clerk.get(f"/admin/records/{e.id}.csv")
    assert resp.mimetype == "text/csv"
    assert resp.get_data(as_text=True).lstrip("\ufeff").startswith("类型,编号,章节,开始")
