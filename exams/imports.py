"""Bulk uploads: exam sessions and question banks from CSV or XLSX, all rows or none.

Rows are numbered as the clerk sees them in a spreadsheet (the header is line 1), so every
problem reads "第 N 行：…" and can be fixed in the file.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import audit, clock
from lms.accounts.models import Person
from lms.catalogue.models import Course
from lms.errors import InvalidInput, NotAllowed
from lms.spreadsheets import ImportProblems, _pick, read_table

from .models import ExamPlan, ExamSession, Question
from .operations import SessionSpec, add_sessions, session_problems

# Reading a table is shared with the organisation import (lms/spreadsheets.py); kept importable from here.
__all__ = ["ImportProblems", "read_table"]


# ---- sessions ---------------------------------------------------------------------------------------------

SESSION_COLUMNS = ("考点名称", "考点地址", "考场", "考试日期", "开始时间", "结束时间", "座位数", "报名开始", "报名截止",
                   "取消截止", "IP范围")


def parse_china_datetime(value: str) -> datetime:
    """Parse 'YYYY-MM-DD HH:MM' (China time) into naive UTC."""
    value = value.strip().replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value, fmt) - clock.CHINA
        except ValueError:
            continue
    raise ValueError(value)


def parse_session_rows(rows: Iterable[tuple[int, dict[str, str]]], year: int | None = None) -> list[SessionSpec]:
    """Turn upload rows into session specs, or raise ImportProblems listing every problem of every bad row."""
    specs, problems = [], []
    for n, row in rows:
        row_problems: list[str] = []

        def when(label: str, raw: str, problems: list[str] = row_problems) -> datetime | None:
            try:
                return parse_china_datetime(raw)
            except ValueError:
                problems.append(f"{label}“{raw.strip()}”应写成 2026-03-10 09:00 的格式")
                return None

        day = _pick(row, "考试日期", "date")
        starts = ends = None
        try:
            datetime.strptime(day.strip().replace("/", "-"), "%Y-%m-%d")
        except ValueError:
            row_problems.append(f"考试日期“{day}”应写成 2026-03-10 的格式")
        else:
            starts = when("开始时间", f"{day} {_pick(row, '开始时间', 'start')}")
            ends = when("结束时间", f"{day} {_pick(row, '结束时间', 'end')}")
        opens = when("报名开始", _pick(row, "报名开始", "booking_opens"))
        closes = when("报名截止", _pick(row, "报名截止", "booking_closes"))
        cancel = when("取消截止", _pick(row, "取消截止", "cancel_deadline"))
        raw_seats = _pick(row, "座位数", "seats")
        seats: int | None
        try:
            seats = int(raw_seats)
        except ValueError:
            row_problems.append(f"座位数“{raw_seats}”应为整数")
            seats = None
        venue, address, room = _pick(row, "考点名称", "venue_name"), _pick(row, "考点地址", "venue_address"), \
            _pick(row, "考场", "room")
        cidrs = _pick(row, "IP范围", "cidrs").replace(";", "\n")
        # Every check that the readable cells allow, so that one upload reports the whole row.
        row_problems.extend(session_problems(venue_name=venue, room=room, seats=seats, starts_at=starts, ends_at=ends,
                                             booking_opens_at=opens, booking_closes_at=closes, cancel_deadline=cancel,
                                             allowed_cidrs=cidrs, year=year))
        if not row_problems:
            assert starts and ends and opens and closes and cancel and seats is not None
            specs.append(SessionSpec(venue_name=venue, venue_address=address, room=room, starts_at=starts,
                                     ends_at=ends, seats=seats, booking_opens_at=opens, booking_closes_at=closes,
                                     cancel_deadline=cancel, allowed_cidrs=cidrs))
        problems.extend(f"第 {n} 行：{p}" for p in row_problems)
    if problems:
        raise ImportProblems(problems)
    return specs


def import_sessions(s: Session, actor: Person, plan: ExamPlan, filename: str, stream: IO[bytes],
                    ip: str | None = None) -> list[ExamSession]:
    """Import a plan's sessions from a CSV or XLSX file: every row or none."""
    specs = parse_session_rows(read_table(filename, stream), year=plan.year)
    return add_sessions(s, actor, plan, specs, ip=ip)


# ---- question banks ---------------------------------------------------------------------------------------

QUESTION_COLUMNS = ("题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析")
KIND_ALIASES = {"单选": "single", "单选题": "single", "single": "single", "多选": "multiple", "多选题": "multiple",
                "multiple": "multiple", "判断": "truefalse", "判断题": "truefalse", "truefalse": "truefalse"}
TRUE_FALSE = ["正确", "错误"]
LETTERS = "ABCDEF"


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    stem: str
    options: list[str]
    answer: list[int]
    explanation: str = ""


def parse_question_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> list[QuestionSpec]:
    """Turn upload rows into questions, or raise ImportProblems listing every bad row."""
    specs, problems, seen = [], [], set()
    for n, row in rows:
        bad: list[str] = []
        raw_kind = _pick(row, "题型", "kind")
        kind = KIND_ALIASES.get(raw_kind.lower())
        stem = _pick(row, "题干", "stem")
        raw_answer = _pick(row, "答案", "answer").upper().replace(",", "").replace("，", "").replace(" ", "")
        if kind is None:
            bad.append(f"题型“{raw_kind}”无效，应为 单选 / 多选 / 判断")
        if not stem:
            bad.append("题干不能为空")
        elif len(stem) > 500:
            bad.append("题干超过 500 字")
        elif stem in seen:
            bad.append("题干与前面的行重复")
        options: list[str] = []
        answer: list[int] = []
        if kind == "truefalse":
            options = list(TRUE_FALSE)
            mapping = {"正确": 0, "对": 0, "√": 0, "T": 0, "TRUE": 0, "A": 0,
                       "错误": 1, "错": 1, "×": 1, "F": 1, "FALSE": 1, "B": 1}
            if raw_answer in mapping:
                answer = [mapping[raw_answer]]
            else:
                bad.append(f"判断题答案“{raw_answer}”无效，应为 正确 / 错误")
        elif kind is not None:
            options = [o for o in (_pick(row, f"选项{c}", c) for c in LETTERS)]
            while options and not options[-1]:
                options.pop()
            if len(options) < 2 or any(not o for o in options):
                bad.append("至少需要连续填写选项A、选项B")
            letters = sorted(set(raw_answer))
            if not letters or any(c not in LETTERS[:len(options)] for c in letters):
                bad.append(f"答案“{raw_answer}”无效，应为已填写选项的字母，如 A 或 AC")
            else:
                answer = [LETTERS.index(c) for c in letters]
                if kind == "single" and len(answer) != 1:
                    bad.append("单选题只能有一个答案")
                if kind == "multiple" and len(answer) < 2:
                    bad.append("多选题应有两个或以上答案")
        if bad:
            problems.extend(f"第 {n} 行：{p}" for p in bad)
        else:
            seen.add(stem)
            specs.append(QuestionSpec(kind or "single", stem, options, answer, _pick(row, "解析", "explanation")))
    if problems:
        raise ImportProblems(problems)
    return specs


def add_questions(s: Session, actor: Person | None, course: Course, specs: list[QuestionSpec],
                  ip: str | None = None) -> tuple[int, int]:
    """Add questions to a course's bank; a question whose stem is already there is left as it is."""
    existing = set(s.scalars(select(Question.stem).where(Question.course_id == course.id)))
    added = 0
    for spec in specs:
        if spec.stem in existing:
            continue
        s.add(Question(course_id=course.id, kind=spec.kind, stem=spec.stem, options_json=json.dumps(
            spec.options, ensure_ascii=False), answer_json=json.dumps(spec.answer), explanation=spec.explanation,
            created_at=clock.now()))
        existing.add(spec.stem)
        added += 1
    s.flush()
    if added:  # an import that adds nothing changes nothing, and the audit log is kept for changes
        audit.record(s, actor, "exam.questions.import", course, ip=ip, added=added, skipped=len(specs) - added)
    return added, len(specs) - added


def import_questions(s: Session, actor: Person, course: Course, filename: str, stream: IO[bytes],
                     ip: str | None = None) -> tuple[int, int]:
    """Import a course's question bank from a CSV or XLSX file: every row or none.

    An HR bureau clerk imports for the courses its view shows it; an industry authority's clerk only for its own
    industry public subject's courses, the ones its exam examines (温人社发〔2020〕125号 第十一条)."""
    if actor.role == "authority":
        if course.owner_org_id is None or course.owner_org_id != actor.org_id:
            raise NotAllowed("行业主管部门只能为本部门发布的课程导入题库（温人社发〔2020〕125号 第十一条）")
        if course.category != "industry_public":
            raise NotAllowed("行业主管部门组织的是本行业公需科目的考试（温人社发〔2020〕125号 第十一条），只能为本部门的"
                             "行业公需科目课程导入题库")
    elif actor.role != "bureau":
        raise InvalidInput("只有人社局或行业主管部门的工作人员可以导入题库")
    return add_questions(s, actor, course, parse_question_rows(read_table(filename, stream)), ip=ip)
