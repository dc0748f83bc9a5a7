"""Platform courses: how a course studied on the platform earns its hours, per category and region.

The documents differ: Wenzhou registers 18 general public hours after an on-site exam, one course a year, never one
studied before (温 第八条、第十条); Tonglu credits a course's set credits on completion, no exam (桐 第八条); Weihai's
public courses need the exam but have no one-course limit (威 二(一)1), its professional courses count the recorded
time (二(二)1(2)); Sichuan counts the actual study time in 45-minute hours (川 二(二)). A policy's
``platform_courses:`` says so per category; :meth:`Policy.course_rule` reads it and :meth:`Policy.course_credit`
gives the hours with their article, so that app code never asks which region it is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .loading import PolicyError
from .model import CATEGORIES

__all__ = ["COMPLETIONS", "REGISTRARS", "CourseFiling", "CourseRule", "parse_course_filing", "parse_course_rules"]

COMPLETIONS: Mapping[str, str] = {"exam": "考试（考核）合格后登记", "study": "完成学习即登记"}
HOURS: Mapping[str, str] = {"course": "课程设定的学时", "recorded": "系统记录的学习时间折算"}
REGISTRARS: Mapping[str, str] = {
    "hr_bureau": "人力资源社会保障部门",
    "industry_authority": "行业主管部门",
    "organiser": "施教机构",
    "system": "系统自动登记",
}
KEYS = frozenset(
    {"completion", "hours", "per_year", "never_again", "registered_by", "level", "on_platform", "limit_rule", "rule",
     "note",
     "_document"}
)
LEVELS = frozenset({"city", "county"})


@dataclass(frozen=True, slots=True)
class CourseRule:
    """How a platform course of one category earns its hours under one policy."""

    category: str
    completion: str
    """``exam``: hours only after the exam (assessment) is passed; ``study``: completing the study is enough."""
    hours: str
    """``course``: the course's hours through the platform_course rule (Wenzhou's general public: fixed 18);
    ``recorded``: the recorded study time through the study_minutes rule (Sichuan: minutes ÷ 45)."""
    per_year: int | None
    """At most this many courses of the category a year (温 第八条: one); None: no limit stated."""
    never_again: bool
    """A course studied in an earlier year cannot be chosen again (温 第八条)."""
    registered_by: str
    level: str | None
    """The level of the registering body (``city``: the city's bureau or authority registers every county's
    practitioners, 温 第十条、第十一条); None: the body of the practitioner's own region (属地)."""
    rule: str
    note: str | None = None
    limit_rule: str = ""
    """The article of per_year and never_again (温 第八条); the rule's own article where the file names none."""
    on_platform: bool = True
    """Whether practitioners choose and study courses of the category on the platform (温 第十二条: Wenzhou's
    professional subjects are registered by the industry authorities' rules, not studied here)."""


def parse_course_rules(
    policy_id: str, raw: Mapping[str, Any], covered: Mapping[str, frozenset[str]]
) -> dict[str, CourseRule]:
    """Validate ``platform_courses`` against the conversions (``covered``: kind -> categories it converts)."""
    out: dict[str, CourseRule] = {}
    for category, spec in raw.items():
        where = f"{policy_id}: platform_courses.{category}"
        if category not in CATEGORIES or not isinstance(spec, Mapping) or set(spec) - KEYS:
            raise PolicyError(f"{where}: a category with keys {sorted(KEYS - {'_document'})}")
        completion, hours, registrar = spec.get("completion"), spec.get("hours"), spec.get("registered_by")
        if completion not in COMPLETIONS or hours not in HOURS or registrar not in REGISTRARS:
            raise PolicyError(
                f"{where}: completion in {sorted(COMPLETIONS)}, hours in {sorted(HOURS)}, "
                f"registered_by in {sorted(REGISTRARS)}"
            )
        kind = "platform_course" if hours == "course" else "study_minutes"
        if category not in covered.get(kind, frozenset()):
            raise PolicyError(f"{where}: hours {hours!r} needs a {kind} rule for {category}")
        level, on_platform = spec.get("level"), spec.get("on_platform", True)
        if level is not None and level not in LEVELS or not isinstance(on_platform, bool):
            raise PolicyError(f"{where}: level in {sorted(LEVELS)} or absent, on_platform true or false")
        per_year = spec.get("per_year")
        if per_year is not None and (isinstance(per_year, bool) or not isinstance(per_year, int) or per_year < 1):
            raise PolicyError(f"{where}: per_year must be a positive integer")
        out[category] = CourseRule(
            category,
            str(completion),
            str(hours),
            per_year,
            bool(spec.get("never_again", False)),
            str(registrar),
            level,
            f"{spec['_document']} {spec['rule']}",
            spec.get("note"),
            f"{spec['_document']} {spec.get('limit_rule') or spec['rule']}",
            on_platform,
        )
    return out


@dataclass(frozen=True, slots=True)
class CourseFiling:
    """Who reviews and files a course another body (an industry authority) adds to the platform before it goes online
    with its credits and category fixed (桐 第九条: 市、县两级组织人社部门审核备案; 温 第十一条: 会同市人力社保局)."""

    levels: tuple[str, ...]
    """The HR bureaus' levels that file it, each once: ``county`` (the body's county) and/or ``city``."""
    rule: str


def parse_course_filing(policy_id: str, raw: Mapping[str, Any] | None) -> CourseFiling | None:
    """Validate ``course_filing`` (None where the document says nothing)."""
    if not raw:
        return None
    levels = raw.get("levels")
    if (not isinstance(levels, list) or not levels or len(set(levels)) != len(levels)
            or any(level not in LEVELS for level in levels) or not raw.get("rule")):
        raise PolicyError(f"{policy_id}: course_filing needs levels (a list of {sorted(LEVELS)}) and a rule")
    return CourseFiling(tuple(str(level) for level in levels), f"{raw['_document']} {raw['rule']}")
