"""Courses under each region's rules: helpers shared by the region tests."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import Factory


def course_of(make: Factory, *, category: str = "general_public", hours: str = "18", region: str = "wenzhou",
              industry: str | None = None, chapters: int = 1, minutes: int = 1, title: str | None = None,
              org: Any = None, role: str = "bureau") -> Any:
    """A published course of this year made by a staff account of org (default: region's HR bureau)."""
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import add_chapter, create_course, set_offering_status
    from lms.filestore import file_store
    app, s = make.app, make.s
    with app.app_context():
        actor = make.staff(role=role, org=org, region=region)
        c = create_course(s, actor, title=title or f"{category}课程{make.n}", summary="简介", category=category,
                          credited_hours=Decimal(hours), year=2026, industry=industry)
        store = file_store("media", app)
        for i in range(chapters):
            add_chapter(s, actor, store, c, title=f"第{i + 1}讲", kind="pdf", mime="application/pdf", ext=".pdf",
                        data=b"%PDF-1.4\n% chapter " + str(i).encode() + b"\n%%EOF\n", study_minutes=minutes)
        set_offering_status(s, actor, s.get(CourseOffering, (c.id, 2026)), "published")
        s.commit()
    return c
