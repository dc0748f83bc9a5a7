"""What other domains add to the bureau's pages, without lms importing them (STYLE: exams → lms, never back).

The exams domain adds a person's exam results to the person page, a course's question bank to the course page,
and a warning when a course is published with a bank too small for a paper (exams/admin_sections.py registers
them when the exams pages are registered).
"""
from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..catalogue.models import Course, CourseOffering

# (session, the person) -> HTML of a section of the person page
PERSON_SECTIONS: list[Callable[[Session, Person], Markup]] = []
# (session, the course) -> HTML of a section of the course page
COURSE_SECTIONS: list[Callable[[Session, Course], Markup]] = []
# (session, the offering just published) -> a warning for the clerk, or None
PUBLISH_WARNINGS: list[Callable[[Session, CourseOffering], str | None]] = []


def person_sections(s: Session, person: Person) -> list[Markup]:
    return [section(s, person) for section in PERSON_SECTIONS]


def course_sections(s: Session, course: Course) -> list[Markup]:
    return [section(s, course) for section in COURSE_SECTIONS]


def publish_warnings(s: Session, offering: CourseOffering) -> list[str]:
    return [w for check in PUBLISH_WARNINGS if (w := check(s, offering))]
