"""Preparing an exam: the question bank as staff see it (with the key; never a candidate or proctor), and the
upload templates, which the importers read back as they are downloaded."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from exams.imports import QUESTION_COLUMNS, SESSION_COLUMNS
from exams.models import ExamSession, Question
from exams.operations import create_plan
from tests.conftest import START, login
from tests.exams.test_imports_access import upload

from .conftest import ExamWorld


def test_the_bank_viewer_shows_every_question_with_its_key_to_bureau_staff_only(world: ExamWorld,
                                                                               client: Any) -> None:
    login(client, world.bureau.username)
    page = client.get(f"/exams/admin/courses/{world.course.id}/questions").get_data(as_text=True)
    n = world.db.scalar(select(func.count()).select_from(Question).where(Question.course_id == world.course.id))
    assert f'id="bank-total">{n}<' in page and len(re.findall(r'<li class="question"', page)) == n
    q = world.db.scalars(select(Question).where(Question.course_id == world.course.id, Question.kind == "multiple")
                         .order_by(Question.id)).first()
    keys = re.findall(r'<li class="key">([A-F])\.', page[page.index(f'data-question="{q.id}"'):].split(
        '<li class="question"')[0])
    assert keys == ["ABCDEF"[i] for i in q.answer]
    for who in (world.proctor.username, world.candidate().id_number):
        other = world.app.test_client()
        login(other, who)
        assert other.get(f"/exams/admin/courses/{world.course.id}/questions").status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_sessions_template_imports_as_downloaded_into_its_plan(world: ExamWorld, client: Any,
                                                                   fmt: str) -> None:
    plan = create_plan(world.db, world.bureau, year=2027, category="general_public", title="2027 年度考试")
    world.db.commit()
    login(client, world.bureau.username)
    resp = client.get(f"/exams/admin/plans/{plan.id}/sessions-template.{fmt}")
    assert resp.status_code == 200 and f"sessions-template-2027.{fmt}" in resp.headers["Content-Disposition"]
    if fmt == "xlsx":
        rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows()]
    else:
        rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert tuple(rows[0]) == SESSION_COLUMNS and rows[1][3] == "2027-06-10"
    r = upload(client, f"/exams/admin/plans/{plan.id}/sessions/import", f"sessions.{fmt}", resp.data)
    assert r.status_code == 302, r.get_data(as_text=True)
    made = world.db.scalars(select(ExamSession).where(ExamSession.plan_id == plan.id)).one()
    assert made.seats == 40 and made.cidr_list == ["10.1.2.0/24", "10.1.3.0/24"]
    assert made.starts_at == START.replace(year=2027, month=6, day=10, hour=1)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_questions_template_imports_as_downloaded(world: ExamWorld, client: Any, fmt: str) -> None:
    course = world.make.course(title="另一门课程")
    login(client, world.bureau.username)
    resp = client.get(f"/exams/admin/questions-template.{fmt}")
    assert resp.status_code == 200
    if fmt == "csv":
        assert resp.get_data(as_text=True).lstrip("\ufeff").startswith(",".join(QUESTION_COLUMNS))
    r = upload(client, "/exams/admin/questions", f"bank.{fmt}", resp.data, course_id=str(course.id))
    assert r.status_code == 302, r.get_data(as_text=True)
    world.db.rollback()
    kinds = sorted(world.db.scalars(select(Question.kind).where(Question.course_id == course.id)))
    assert kinds == ["multiple", "single", "truefalse"]
    page = client.get("/exams/admin/questions").get_data(as_text=True)
    assert 'href="/exams/admin/questions-template.xlsx"' in page
    assert f'href="/exams/admin/courses/{course.id}/questions">3 题</a>' in page
