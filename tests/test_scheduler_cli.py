"""The single scheduler process, and the staff command line."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from lms.accounts.models import Person
from lms.scheduler import JOBS, Leadership, close_idle_segments_job
from lms.study.models import StudySegment
from lms.study.operations import StudySettings, heartbeat, start_stream
from tests.conftest import login_id


def test_only_one_scheduler_holds_the_lock_and_a_second_stays_idle(app: Any, make_app: Any) -> None:
    first, second = Leadership(app), Leadership(make_app())
    assert first.try_acquire() is True
    assert second.try_acquire() is False
    if first.conn is not None:
        first.conn.close()
    if first.fh is not None:
        first.fh.close()
    assert second.try_acquire() is True
    if second.conn is not None:
        second.conn.close()
    if second.fh is not None:
        second.fh.close()


def test_jobs_have_fixed_ids_and_the_idle_job_closes_stale_segments(app: Any, db: Any, make: Any,
                                                                    frozen_clock: Any) -> None:
    assert "study.close_idle_segments" in [j.id for j in JOBS]
    person = make.practitioner()
    e = make.enrol(person, make.course())
    settings = StudySettings(30, 5, 300, 0, 60)
    with app.app_context():
        stream = start_stream(db, person, e.id, e.course.chapters[0].id, settings)
        heartbeat(db, person.id, 1, login_id(db, person), stream, 1, None, settings)
        db.commit()
    frozen_clock.advance(400)
    assert close_idle_segments_job(app) == 1
    assert close_idle_segments_job(app) == 0
    db.expire_all()
    assert db.scalars(select(StudySegment.end_reason)).one() == "idle"


def test_create_staff_command_makes_a_bureau_account(app: Any, db: Any) -> None:
    result = app.test_cli_runner().invoke(args=["create-staff", "--username", "clerk2", "--name", "钱科员",
                                                "--password", "Clerk2026ok"])
    assert result.exit_code == 0, result.output
    assert db.scalar(select(Person.role).where(Person.username == "clerk2")) == "bureau"
    again = app.test_cli_runner().invoke(args=["create-staff", "--username", "clerk2", "--name", "钱科员",
                                               "--password", "Clerk2026ok"])
    assert again.exit_code != 0 and "已被使用" in again.output


def test_rules_explain_command_prints_the_evaluation(app: Any, tmp_path: Any) -> None:
    path = tmp_path / "acts.json"
    path.write_text(json.dumps({"year": 2025, "activities": [
        {"kind": "foreign_language_exam", "year": 2025, "grade": "B"}]}), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["rules", "explain", "--policy", "weihai-2022", str(path)])
    assert "20" in result.output and "威人社字〔2022〕2号" in result.output
