"""The audit log as a clerk reads it: filters, Chinese action names, objects by name with links, details laid out.

Entries are stored as codes and ids (lms/audit.py); this module turns a page of them into words. Objects are
looked up once per kind and page (never one query per row). A domain outside lms (exams) registers the kinds of
object it records with register_target(), so the import direction stays exams → lms.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session
from wtforms import DateField, StringField, ValidationError
from wtforms.validators import Length, Optional

from .. import clock
from ..accounts.models import ROLE_NAMES, Person
from ..audit import ACTION_NAMES, TARGET_NAMES, AuditEntry, action_name
from ..catalogue.models import Chapter, Course, Enrolment
from ..hours.models import HoursCertificate, HoursEntry
from ..regions import CATEGORY_NAMES
from ..validation import Form

PAGE_SIZE = 20


@dataclass(frozen=True)
class Link:
    """An object as the log shows it: its name, and its page when it has one."""
    label: str
    url: str | None = None


# kind of object -> loader: (session, ids as stored in target_id) -> {id: Link}
TargetLoader = Callable[[Session, set[str]], dict[str, Link]]
TARGET_LOADERS: dict[str, TargetLoader] = {}


def register_target(kind: str) -> Callable[[TargetLoader], TargetLoader]:
    """Declare how entries about objects of one kind are named and linked."""
    def put(loader: TargetLoader) -> TargetLoader:
        TARGET_LOADERS[kind] = loader
        return loader
    return put


def int_ids(ids: Iterable[str]) -> list[int]:
    """The ids among ids that are integers (entries store them as text)."""
    out = []
    for i in ids:
        try:
            out.append(int(i))
        except (TypeError, ValueError):
            continue
    return out


# ---- the objects of the lms domains --------------------------------------------------------------------------

def person_link(p: Person) -> Link:
    if p.role == "practitioner":
        return Link(f"{p.name}（{p.masked_id_number}）", url_for("admin.person", person_id=p.id))
    return Link(f"{p.name}（{p.role_name} {p.username}）", url_for("admin.staff"))


@register_target("Person")
def _people(s: Session, ids: set[str]) -> dict[str, Link]:
    return {str(p.id): person_link(p) for p in s.scalars(select(Person).where(Person.id.in_(int_ids(ids))))}


@register_target("Course")
def _courses(s: Session, ids: set[str]) -> dict[str, Link]:
    return {str(c.id): Link(f"《{c.title}》", url_for("admin.course", course_id=c.id))
            for c in s.scalars(select(Course).where(Course.id.in_(int_ids(ids))))}


@register_target("CourseOffering")
def _offerings(s: Session, ids: set[str]) -> dict[str, Link]:
    # stored as "course_id/year"
    pairs = {i: i.split("/", 1) for i in ids if "/" in i}
    courses = _courses(s, {c for c, _y in pairs.values()})
    return {i: Link(f"{courses[c].label} {y} 年度", courses[c].url) for i, (c, y) in pairs.items() if c in courses}


@register_target("Chapter")
def _chapters(s: Session, ids: set[str]) -> dict[str, Link]:
    rows = s.execute(select(Chapter.id, Chapter.title, Course.id, Course.title).join(Course)
                     .where(Chapter.id.in_(int_ids(ids)))).all()
    return {str(cid): Link(f"“{title}”（《{ctitle}》）", url_for("admin.course", course_id=course_id))
            for cid, title, course_id, ctitle in rows}


@register_target("Enrolment")
def _enrolments(s: Session, ids: set[str]) -> dict[str, Link]:
    rows = s.execute(select(Enrolment.id, Enrolment.year, Person.name, Course.title)
                     .join(Person, Person.id == Enrolment.person_id).join(Course, Course.id == Enrolment.course_id)
                     .where(Enrolment.id.in_(int_ids(ids)))).all()
    return {str(eid): Link(f"{name} {year} 年度《{title}》", url_for("admin.record", enrolment_id=eid))
            for eid, year, name, title in rows}


@register_target("HoursEntry")
def _hours(s: Session, ids: set[str]) -> dict[str, Link]:
    rows = s.execute(select(HoursEntry.id, HoursEntry.title, HoursEntry.hours, Person.id, Person.name)
                     .join(Person, Person.id == HoursEntry.person_id).where(HoursEntry.id.in_(int_ids(ids)))).all()
    return {str(hid): Link(f"{name}：{title}（{Decimal(hours).normalize():f} 学时）",
                           url_for("admin.person", person_id=pid)) for hid, title, hours, pid, name in rows}


@register_target("HoursCertificate")
def _certificates(s: Session, ids: set[str]) -> dict[str, Link]:
    rows = s.execute(select(HoursCertificate.id, HoursCertificate.year, Person.id, Person.name)
                     .join(Person, Person.id == HoursCertificate.person_id)
                     .where(HoursCertificate.id.in_(int_ids(ids)))).all()
    return {str(cid): Link(f"{name} {year} 年度", url_for("admin.person", person_id=pid))
            for cid, year, pid, name in rows}


# ---- details ----------------------------------------------------------------------------------------------------

# detail key -> (label, the kind of object its value refers to, if any)
DETAIL_FIELDS: dict[str, tuple[str, str | None]] = {
    "title": ("名称", None), "year": ("年度", None), "category": ("科目类别", None), "pass_mark": ("合格分数", None),
    "sessions": ("场次", "ExamSession"), "session_id": ("考试场次", "ExamSession"),
    "proctor_id": ("监考员", "Person"), "person_id": ("人员", "Person"), "booking_id": ("考试报名", "Booking"),
    "course_id": ("课程", "Course"), "from_course": ("原课程", "Course"), "to_course": ("新课程", "Course"),
    "media": ("课件文件", None), "minutes": ("学习时长（分钟）", None), "before": ("修改前", None),
    "after": ("修改后", None), "role": ("角色", None), "username": ("用户名", None), "added": ("新增试题", None),
    "skipped": ("已存在未重复导入", None), "hours": ("学时", None), "source": ("来源", None),
    "reason": ("原因", None), "code": ("验证码", None), "total": ("总学时", None), "by": ("交卷方式", None),
    "score": ("成绩", None), "passed": ("是否合格", None), "changes": ("修改内容", None),
    "notified": ("已通知考生", None), "order": ("新顺序", None),
}

VALUE_NAMES: dict[str, dict[str, str]] = {
    "category": CATEGORY_NAMES,
    "role": ROLE_NAMES,
    "by": {"candidate": "考生交卷", "timeout": "到时自动交卷"},
}


@dataclass
class DetailLine:
    """One line of an entry's details: a label and either text, links, or nested lines (before/after)."""
    label: str
    text: str = ""
    links: list[Link] = field(default_factory=list)
    lines: list[DetailLine] = field(default_factory=list)


def _text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "（空）"
    if isinstance(value, list):
        return "、".join(_text(key, v) for v in value)
    names = VALUE_NAMES.get(key)
    if names is not None and str(value) in names:
        return names[str(value)]
    return str(value)


def _refs(key: str, value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v is not None and not isinstance(v, dict | list)]


def detail_lines(detail: dict[str, Any], links: dict[tuple[str, str], Link]) -> list[DetailLine]:
    """Lay an entry's details out as labelled lines, resolving the ids they mention."""
    out = []
    for key, value in detail.items():
        label, kind = DETAIL_FIELDS.get(key, (key, None))
        if isinstance(value, dict):
            out.append(DetailLine(label, lines=detail_lines(value, links)))
        elif kind is not None:
            refs = _refs(key, value)
            out.append(DetailLine(label, links=[links.get((kind, r), Link(f"{TARGET_NAMES.get(kind, kind)} #{r}"))
                                                for r in refs]))
        else:
            out.append(DetailLine(label, text=_text(key, value)))
    return out


def _wanted(detail: dict[str, Any], into: dict[str, set[str]]) -> None:
    for key, value in detail.items():
        if isinstance(value, dict):
            _wanted(value, into)
            continue
        kind = DETAIL_FIELDS.get(key, ("", None))[1]
        if kind is not None:
            into.setdefault(kind, set()).update(_refs(key, value))


# ---- a page of the log ------------------------------------------------------------------------------------------

@dataclass
class ShownEntry:
    entry: AuditEntry
    action: str
    actor: Link | None  # None: the system (a job, the demo)
    actor_name: str
    actor_account: str  # role and username, or the masked ID number of a practitioner
    target: Link
    details: list[DetailLine]


def parse_detail(raw: str | None) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {"内容": raw}
    return value if isinstance(value, dict) else {"内容": value}


def show(s: Session, entries: Sequence[AuditEntry]) -> list[ShownEntry]:
    """Turn entries into what the page and the export show, with one query per kind of object."""
    details = [parse_detail(e.detail) for e in entries]
    actors = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_({e.actor_id for e in entries
                                                                              if e.actor_id})))}
    wanted: dict[str, set[str]] = {}
    for e, d in zip(entries, details, strict=True):
        wanted.setdefault(e.target_type, set()).add(e.target_id)
        _wanted(d, wanted)
    links: dict[tuple[str, str], Link] = {}
    for kind, ids in wanted.items():
        loader = TARGET_LOADERS.get(kind)
        if loader is not None and ids:
            links.update({(kind, i): link for i, link in loader(s, ids).items()})
    out = []
    for e, d in zip(entries, details, strict=True):
        kind_name = TARGET_NAMES.get(e.target_type, e.target_type)
        found = links.get((e.target_type, e.target_id))
        # an object deleted since (a released enrolment, an unassigned proctor) keeps its kind and id
        target = Link(f"{kind_name} {found.label}", found.url) if found else Link(f"{kind_name} #{e.target_id}")
        p = actors.get(e.actor_id) if e.actor_id else None
        account = "" if p is None else p.masked_id_number if p.role == "practitioner" else f"{p.role_name} {p.username}"
        out.append(ShownEntry(e, action_name(e.action), person_link(p) if p else None, p.name if p else "系统",
                              account, target, detail_lines(d, links)))
    return out


def flat_details(lines: list[DetailLine]) -> str:
    """Details as one text, for a spreadsheet cell."""
    parts = []
    for line in lines:
        if line.lines:
            parts.append(f"{line.label}：{{{flat_details(line.lines)}}}")
        elif line.links:
            parts.append(f"{line.label}：{'、'.join(link.label for link in line.links)}")
        else:
            parts.append(f"{line.label}：{line.text}")
    return "；".join(parts)


# ---- filters ----------------------------------------------------------------------------------------------------

class AuditFilterForm(Form):
    """Filters of the audit log, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField("操作人", validators=[Optional(), Length(max=50, message="操作人最多 50 个字")],
                        description="姓名、用户名或身份证号")
    org = StringField("操作人所属机构", validators=[Optional(), Length(max=50, message="机构最多 50 个字")],
                      description="机构名称的一部分")
    level = StringField("层级", validators=[Optional()])
    action = StringField("操作", validators=[Optional()])
    since = DateField("起始日期", validators=[Optional()])
    until = DateField("截止日期", validators=[Optional()])
    target = StringField("对象", validators=[Optional(), Length(max=100)])

    def validate_level(self, field: StringField) -> None:
        if field.data and field.data not in ROLE_NAMES:
            raise ValidationError("没有这一层级")

    def validate_action(self, field: StringField) -> None:
        if field.data and field.data not in ACTION_NAMES:
            raise ValidationError("没有这种操作")

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("截止日期不能早于起始日期")


# The action select's groups, by the first part of the code.
ACTION_GROUPS = {"account": "账号", "course": "课程", "chapter": "课程", "enrolment": "学习", "hours": "学时",
                 "certificate": "学时", "exam": "考试", "org": "单位与机构", "employment": "人员匹配"}


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every action as (group, [(code, name)]), for the filter's select."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in ACTION_NAMES.items():
        groups.setdefault(ACTION_GROUPS.get(code.split(".", 1)[0], "其他"), []).append((code, name))
    return list(groups.items())


def _day_start(d: date) -> datetime:
    """00:00 China time of a date, as naive UTC."""
    return datetime.combine(d, datetime.min.time()) - clock.CHINA


def filters(s: Session, form: AuditFilterForm) -> list[ColumnElement[bool]]:
    """The WHERE clauses a valid filter form asks for."""
    where: list[ColumnElement[bool]] = []
    actor = (form.actor.data or "").strip()
    if actor:
        if actor in ("系统", "system"):
            where.append(AuditEntry.actor_id.is_(None))
        else:
            who = select(Person.id).where(or_(Person.name.like(f"%{actor}%"), Person.username == actor,
                                              Person.id_number == actor.upper(), Person.mobile == actor))
            where.append(AuditEntry.actor_id.in_(who))
    org = (form.org.data or "").strip()
    if org:  # the actor's organisation when they acted (温人社发〔2020〕125号 第十六条)
        from ..orgs.models import Organisation
        where.append(AuditEntry.actor_org_id.in_(select(Organisation.id).where(
            Organisation.name.contains(org, autoescape=True))))
    if form.level.data:
        where.append(AuditEntry.actor_role == form.level.data)
    if form.action.data:
        where.append(AuditEntry.action == form.action.data)
    if form.since.data:
        where.append(AuditEntry.at >= _day_start(form.since.data))
    if form.until.data:
        where.append(AuditEntry.at < _day_start(form.until.data + timedelta(days=1)))
    target = (form.target.data or "").strip()
    if ":" in target:
        kind, tid = target.split(":", 1)
        where.append(and_(AuditEntry.target_type == kind, AuditEntry.target_id == tid))
    return where


def query(where: list[ColumnElement[bool]]) -> Select[tuple[AuditEntry]]:
    return select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())


def count(s: Session, where: list[ColumnElement[bool]]) -> int:
    return int(s.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0)
