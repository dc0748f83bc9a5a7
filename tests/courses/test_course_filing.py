"""Courses added by an industry authority (桐人社发〔2018〕26号 第九条): the county and the city HR bureaus review and
file them, only then do they go online, and from then on their credits and category are fixed."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from lms.catalogue.filing import submit_course
from lms.catalogue.models import Course, CourseOffering
from lms.catalogue.operations import approve_course, set_offering_status
from lms.errors import Conflict, NotFound
from tests.courses.test_industry_public import _course


def test_a_tonglu_authoritys_course_goes_online_after_the_county_and_the_city_filed_it_with_its_credits_fixed(
        app: Any, db: Any, make: Any) -> None:
    authority = make.org("authority", region="tonglu", industry="教育", name="桐庐县教育局")
    clerk = make.staff("authority", org=authority, region="tonglu")
    course = _course(app, db, clerk, "桐庐县教师专业课程", category="professional")
    county, city = make.staff("bureau", region="tonglu"), make.staff("bureau", region="hangzhou")
    wenzhou = make.staff("bureau", region="wenzhou")

    def publish() -> None:
        set_offering_status(db, clerk, db.get(CourseOffering, (course.id, 2026)), "published")

    with app.app_context():
        with pytest.raises(Conflict, match="县（市、区）、市人力社保部门审核备案.*桐人社发〔2018〕26号 第九条"):
            publish()
        db.rollback()
        with pytest.raises(Conflict, match="尚未提交"):  # nothing is filed before the authority submits it
            approve_course(db, city, db.get(Course, course.id))
        db.rollback()
        submit_course(db, clerk, db.get(Course, course.id))
        db.commit()
        with pytest.raises(NotFound):  # another city's bureau files nothing here
            approve_course(db, wenzhou, db.get(Course, course.id))
        db.rollback()
        approve_course(db, city, db.get(Course, course.id))
        db.commit()
        assert db.get(Course, course.id).filed_at is None
        with pytest.raises(Conflict):  # the county has not filed it yet
            publish()
        db.rollback()
        with pytest.raises(Conflict, match="本级已审核备案"):
            approve_course(db, city, db.get(Course, course.id))
        db.rollback()
        approve_course(db, county, db.get(Course, course.id))
        db.commit()
        filed = db.get(Course, course.id)
        assert (filed.filed_hours, filed.filed_category) == (Decimal(12), "professional")
        publish()
        db.commit()
    for change in ({"credited_hours": Decimal(20)}, {"category": "general_public"}):
        with pytest.raises(IntegrityError):  # 核定学分和科目类别: the schema holds them
            db.execute(update(Course).where(Course.id == course.id).values(**change))
            db.flush()
        db.rollback()


def test_before_filing_the_credits_may_still_change(app: Any, db: Any, make: Any) -> None:
    authority = make.org("authority", region="tonglu", industry="教育", name="桐庐县教育局")
    course = _course(app, db, make.staff("authority", org=authority, region="tonglu"), "草稿课程",
                     category="professional")
    db.execute(update(Course).where(Course.id == course.id).values(credited_hours=Decimal(8)))
    db.commit()
    db.expire_all()
    assert db.get(Course, course.id).credited_hours == Decimal(8)
