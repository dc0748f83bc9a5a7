"""Hours registered when the study completes a course (lms/study/completion.py), on both heartbeat paths: the whole
path from choosing to hours for the regions whose study earns them (Tonglu, Sichuan, Weihai's professional courses).

The beats go through the ASGI front: on PostgreSQL the lane (lms/study/lane.py) answers the steady beats, the one
that completes the course included; on SQLite Flask's heartbeat() answers every beat. Both must register the same
hours, with the same article and body, exactly once.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask import request
from sqlalchemy import select

from lms.catalogue.models import Enrolment
from lms.hours.models import HoursEntry
from tests.conftest import login
from tests.courses.conftest import course_of
from tests.test_heartbeat_lane import BEAT, Player


def study_to_the_end(make_app: Any, make: Any, through_front: Any, frozen_clock: Any, *, region: str,
                     category: str = "general_public", hours: str = "12", minutes: int = 1) -> tuple[Any, list[str], Any]:
    """A practitioner of region studies a one-chapter course of `minutes` through the front, beat by beat, until the
    course completes; returns the enrolment, the beats Flask answered, and the last answer."""
    app = make_app(WTF_CSRF_ENABLED=True)
    seen: list[str] = []
    app.teardown_request(lambda _exc: seen.append(request.path) if request.path == BEAT else None)
    person = make.practitioner(region=region)
    course = course_of(make, region=region, category=category, hours=hours, minutes=minutes)
    chooser = make.app.test_client()  # 培训报名 through the API, as the practitioner's page does
    assert login(chooser, person.id_number).status_code == 200
    chosen = chooser.post("/api/v1/enrolments", json={"course_id": course.id})
    assert chosen.status_code == 201, chosen.json
    enrolment = make.s.get(Enrolment, chosen.json["enrolment_id"])
    make.s.rollback()  # a read left open would keep seeing the database as it was (SQLite's snapshot)
    page = Player(through_front(app), person, enrolment, course.chapters[0].id)
    last = page.beat()
    for _ in range(minutes * 2):
        frozen_clock.advance(30)
        last = page.beat()
        assert last.status_code == 200, last.json
    return enrolment, seen, last


def _entries(db: Any, enrolment: Any) -> list[HoursEntry]:
    db.rollback()
    return list(db.scalars(select(HoursEntry).where(HoursEntry.person_id == enrolment.person_id)))


def test_tonglu_8_a_course_credits_its_set_credits_when_the_study_completes_without_an_exam(
        make_app: Any, make: Any, db: Any, backend: str, through_front: Any, frozen_clock: Any) -> None:
    enrolment, seen, last = study_to_the_end(make_app, make, through_front, frozen_clock, region="tonglu")
    assert last.json["course_complete"] is True
    assert len(seen) == (1 if backend == "postgresql" else 3)  # the completing beat was the lane's on PostgreSQL
    (entry,) = _entries(db, enrolment)
    assert (entry.hours, entry.category, entry.source_type) == (Decimal(12), "general_public", "course")
    assert entry.rule == "桐人社发〔2018〕26号 第八条"
    assert entry.registered_by_org == "桐庐县人力资源和社会保障局（系统自动登记）"
    assert db.get(Enrolment, enrolment.id).completion == "study"


def test_sichuan_2_2_a_course_counts_its_recorded_minutes_in_45_minute_hours(
        make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any) -> None:
    """川 二(二): 1学时为45分钟 — 45 recorded minutes are 1 hour, whatever hours the course was given (18)."""
    enrolment, _seen, last = study_to_the_end(make_app, make, through_front, frozen_clock, region="chengdu-wuhou",
                                              hours="18", minutes=45)
    assert last.json["course_complete"] is True
    (entry,) = _entries(db, enrolment)
    assert (entry.hours, entry.rule) == (Decimal(1), "川人社发〔2016〕20号 二(二)")
    assert entry.note == "系统记录学习时间 45.0 分钟"


def test_weihai_2_2_1_2_a_professional_course_counts_the_time_the_system_recorded(
        make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any) -> None:
    enrolment, _seen, _last = study_to_the_end(make_app, make, through_front, frozen_clock, region="weihai",
                                               category="professional", hours="20", minutes=6)
    (entry,) = _entries(db, enrolment)
    assert (entry.hours, entry.category, entry.rule) == (Decimal("0.1"), "professional", "威人社字〔2022〕2号 二(二)1(2)")
    assert entry.registered_by_org == "威海市人力资源和社会保障局（系统自动登记）"


@pytest.mark.parametrize("region", ["wenzhou-lucheng", "hangzhou", "weihai"])
def test_where_the_exam_earns_the_hours_completing_the_study_registers_nothing(
        make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any, region: str) -> None:
    enrolment, _seen, last = study_to_the_end(make_app, make, through_front, frozen_clock, region=region)
    assert last.json["course_complete"] is True
    assert _entries(db, enrolment) == []


def test_beats_after_completion_register_nothing_more(make_app: Any, make: Any, db: Any, through_front: Any,
                                                      frozen_clock: Any) -> None:
    enrolment, _seen, _last = study_to_the_end(make_app, make, through_front, frozen_clock, region="tonglu")
    from lms.db import transaction
    from lms.study.operations import refresh_completion
    app = make.app
    with app.app_context(), transaction(db):
        refresh_completion(db, enrolment.id)
    assert len(_entries(db, enrolment)) == 1
