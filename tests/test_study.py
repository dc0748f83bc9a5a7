"""Heartbeat crediting with a controllable clock (温人社发〔2020〕125号 第九条)."""
from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select

from lms.catalogue.models import Enrolment
from lms.errors import TooFrequent
from lms.study.models import ChapterProgress, PresencePrompt, StudySegment
from lms.study.operations import (
    PausedElsewhere,
    Replayed,
    StudySettings,
    answer_prompt,
    close_idle_segments,
    heartbeat,
    start_stream,
)
from tests.conftest import login_id

S = StudySettings(heartbeat_s=30, grace_s=5, idle_s=300, presence_mean_s=0, presence_answer_s=60)


class Learner:
    """Drives one practitioner's stream through the operations, one transaction per call, like the API."""

    def __init__(self, db: Any, person: Any, enrolment: Any, chapter_id: int, settings: StudySettings = S) -> None:
        self.db, self.person, self.enrolment, self.chapter_id, self.settings = db, person, enrolment, chapter_id, settings
        self.seq = 0
        self.stream = ""

    def open(self) -> str:
        self.stream = start_stream(self.db, self.person, self.enrolment.id, self.chapter_id, self.settings)
        self.db.commit()
        self.seq = 0
        return self.stream

    def start(self) -> dict[str, Any]:
        self.open()
        return self.beat()

    def beat(self, seq: int | None = None) -> dict[str, Any]:
        self.seq += 1
        try:
            out = heartbeat(self.db, self.person.id, self.person.session_version, login_id(self.db, self.person),
                            self.stream,
                            seq if seq is not None else self.seq, None, self.settings, ip="10.1.2.3", device="pytest")
            self.db.commit()
            return out
        except Exception:
            self.db.rollback()
            raise

    def beat_until_prompt(self, clock: Any, every: int = 30) -> dict[str, Any]:
        """Beat every `every` seconds until the server shows a presence prompt; return the prompt."""
        while True:
            clock.advance(every)
            prompt = self.beat()["prompt"]
            if prompt is not None:
                return dict(prompt)


def credited(db: Any, enrolment_id: int) -> float:
    db.expire_all()
    return sum(p.credited_ms for p in db.scalars(
        select(ChapterProgress).where(ChapterProgress.enrolment_id == enrolment_id))) / 1000


@pytest.fixture
def setup(app: Any, db: Any, make: Any) -> Any:
    person = make.practitioner()
    course = make.course(chapters=2, minutes=2)
    enrolment = make.enrol(person, course)
    return person, course, enrolment


def test_steady_heartbeats_credit_the_time_between_them(db: Any, setup: Any, frozen_clock: Any) -> None:
    person, course, enrolment = setup
    learner = Learner(db, person, enrolment, course.chapters[0].id)
    learner.open()
    assert learner.beat()["state"] == "started"
    for _ in range(3):
        frozen_clock.advance(30)
        assert learner.beat()["credited_seconds"] == 30
    assert credited(db, enrolment.id) == 90


def test_a_late_beat_is_capped_at_interval_plus_grace(db: Any, setup: Any, frozen_clock: Any) -> None:
    person, course, enrolment = setup
    learner = Learner(db, person, enrolment, course.chapters[0].id)
    learner.start()
    frozen_clock.advance(200)
    assert learner.beat()["credited_seconds"] == 35
    assert credited(db, enrolment.id) == 35


def test_idle_gap_longer_than_timeout_credits_nothing_and_starts_new_segment(db: Any, setup: Any,
                                                                             frozen_clock: Any) -> None:
    person, course, enrolment = setup
    learner = Learner(db, person, enrolment, course.chapters[0].id)
    learner.start()
    frozen_clock.advance(30)
    learner.beat()
    frozen_clock.advance(301)
    out = learner.beat()
    assert out["state"] == "started" and out["credited_seconds"] == 0
    segs = db.scalars(select(StudySegment).order_by(StudySegment.id)).all()
    assert [s.end_reason for s in segs] == ["idle", None]
    assert credited(db, enrolment.id) == 30


def test_too_frequent_beats_are_refused_and_add_no_time(db: Any, setup: Any, frozen_clock: Any) -> None:
    person, course, enrolment = setup
    learner = Learner(db, person, enrolment, course.chapters[0].id)
    learner.start()
    frozen_clock.advance(5)
    with pytest.raises(TooFrequent):
        learner.beat()
    frozen_clock.advance(25)
    assert learner.beat()["credited_seconds"] == 30  # measured from the last accepted beat
    assert credited(db, enrolment.id) == 30


def test_replayed_sequence_numbers_are_refused(db: Any, setup: Any, frozen_clock: Any) -> None:
    person, course, enrolment = setup
    learner = Learner(db, person, enrolment, course.chapters[0].id)
    learner.start()
    frozen_clock.advance(30)
    learner.beat()
    frozen_clock.advance(30)
    with pytest.raises(Replayed):
        learner.beat(seq=2)
    assert credited(db, enrolment.id) == 30


def test_second_tab_takes_the_clock_and_first_is_told_it_was_paused(db: Any, setup: Any, frozen_clock: Any) -> None:
    person, course, enrolment = setup
    tab1 = Learner(db, person, enrolment, course.chapters[0].id)
    tab2 = Learner(db, person, enrolment, course.chapters[1].id)
    tab1.start()
    frozen_clock.advance(30)
    tab1.beat()
    tab2.start()
    for _ in range(2):
        frozen_clock.advance(30)
        with pytest.raises(PausedElsewhere):
            tab1.beat()
        assert tab2.beat()["credited_seconds"] == 30
    assert credited(db, enrolment.id) == 90  # 30 (tab 1) + 60 (tab 2): never double-counted


def test_unanswered_presence_prompt_stops_the_clock_and_ends_the_segment(db: Any, setup: Any,
                                                                         frozen_clock: Any) -> None:
    person, course, enrolment = setup
    settings = StudySettings(30, 5, 300, presence_mean_s=30, presence_answer_s=60, rng=random.Random(1))
    learner = Learner(db, person, enrolment, course.chapters[0].id, settings)
    learner.start()
    prompt = None
    for _ in range(10):
        frozen_clock.advance(30)
        out = learner.beat()
        if out["prompt"]:
            prompt = out["prompt"]
            break
    assert prompt is not None
    before = credited(db, enrolment.id)
    frozen_clock.advance(30)
    assert learner.beat()["state"] == "awaiting_presence"  # clock stopped: nothing credited
    frozen_clock.advance(31)
    assert learner.beat()["state"] == "prompt_missed"
    assert credited(db, enrolment.id) == before
    db.expire_all()
    assert db.get(PresencePrompt, prompt["id"]).status == "missed"
    assert db.scalars(select(StudySegment)).one().end_reason == "prompt_missed"


def test_answered_prompt_restarts_the_clock_from_the_answer(db: Any, setup: Any, frozen_clock: Any) -> None:
    person, course, enrolment = setup
    settings = StudySettings(30, 5, 300, presence_mean_s=30, presence_answer_s=60, rng=random.Random(2))
    learner = Learner(db, person, enrolment, course.chapters[0].id, settings)
    learner.start()
    prompt = learner.beat_until_prompt(frozen_clock)
    before = credited(db, enrolment.id)
    frozen_clock.advance(20)
    answer_prompt(db, person, prompt["id"], learner.stream, settings)
    db.commit()
    frozen_clock.advance(30)
    assert learner.beat()["credited_seconds"] == 30  # the 20 s the prompt was open are not credited
    assert credited(db, enrolment.id) == before + 30
    assert db.get(PresencePrompt, prompt["id"]).status == "answered"


def test_chapter_and_course_complete_when_credited_minutes_reach_study_minutes(db: Any, setup: Any,
                                                                               frozen_clock: Any) -> None:
    person, course, enrolment = setup
    for ch in course.chapters:
        learner = Learner(db, person, enrolment, ch.id)
        learner.start()
        for _ in range(4):  # 4 × 30 s = 2 minutes
            frozen_clock.advance(30)
            out = learner.beat()
        assert out["chapter"]["complete"]
    db.expire_all()
    assert db.get(Enrolment, enrolment.id).completed_at is not None


def test_replacing_a_chapter_keeps_recorded_study_time(app: Any, db: Any, setup: Any, frozen_clock: Any) -> None:
    from courseware.storage import MediaStore
    from lms.catalogue.operations import replace_chapter
    person, course, enrolment = setup
    ch = course.chapters[0]
    learner = Learner(db, person, enrolment, ch.id)
    learner.start()
    frozen_clock.advance(30)
    learner.beat()
    with app.app_context():
        staff = db.get(type(person), course.created_by_id)
        replace_chapter(db, staff, MediaStore(app.config["MEDIA_DIR"]), ch, title="第1讲（2026年修订）",
                        study_minutes=2, media=("pdf", "application/pdf", ".pdf", b"%PDF-1.4\nnew\n%%EOF\n"))
        db.commit()
    frozen_clock.advance(30)
    assert learner.beat()["credited_seconds"] == 30
    assert credited(db, enrolment.id) == 60
    assert db.get(type(ch), ch.id).version == 2


def test_job_closes_segments_whose_heartbeats_stopped_and_is_safe_to_run_twice(db: Any, setup: Any,
                                                                              frozen_clock: Any) -> None:
    person, course, enrolment = setup
    learner = Learner(db, person, enrolment, course.chapters[0].id)
    learner.start()
    frozen_clock.advance(30)
    learner.beat()
    frozen_clock.advance(301)
    assert close_idle_segments(db, S) == 1
    db.commit()
    assert close_idle_segments(db, S) == 0
    db.commit()
    seg = db.scalars(select(StudySegment)).one()
    assert seg.end_reason == "idle" and seg.ended_at == seg.last_beat_at and seg.credited_ms == 30_000


def test_study_record_lists_segments_with_ip_and_device_and_every_prompt(app: Any, db: Any, setup: Any,
                                                                         frozen_clock: Any) -> None:
    from tests.conftest import login
    person, course, enrolment = setup
    settings = StudySettings(30, 5, 300, presence_mean_s=30, presence_answer_s=60, rng=random.Random(3))
    learner = Learner(db, person, enrolment, course.chapters[0].id, settings)
    learner.start()
    learner.beat_until_prompt(frozen_clock)
    frozen_clock.advance(90)
    learner.beat()  # the prompt was missed: segment ends
    client = app.test_client()
    login(client, person.id_number)
    rec = client.get(f"/api/v1/enrolments/{enrolment.id}/record").get_json()
    assert [(s["ip"], s["device"], s["end_reason"]) for s in rec["segments"]] == [("10.1.2.3", "pytest", "prompt_missed")]
    assert [p["status"] for p in rec["prompts"]] == ["missed"]
    assert rec["total_seconds"] == rec["segments"][0]["credited_seconds"] > 0
    csv_text = client.get(f"/study/{enrolment.id}/record.csv").get_data(as_text=True)
    assert "10.1.2.3" in csv_text and "人机交互确认超时" in csv_text and "未确认（超时）" in csv_text


def test_progress_survives_logout_and_a_new_login(app: Any, db: Any, setup: Any, frozen_clock: Any) -> None:
    from tests.conftest import login
    person, course, enrolment = setup
    client = app.test_client()
    login(client, person.id_number)
    ch = course.chapters[0].id
    stream = client.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id, "chapter_id": ch}).get_json()["stream"]
    for seq in (1, 2, 3):
        assert client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": seq}).status_code == 200
        frozen_clock.advance(30)
    client.post("/api/v1/auth/logout")
    assert client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 4}).status_code == 401
    login(client, person.id_number)
    progress = client.get(f"/api/v1/enrolments/{enrolment.id}/progress").get_json()
    assert progress["chapters"][0]["credited_seconds"] == 60
    seg = db.scalars(select(StudySegment)).one()
    assert seg.end_reason == "closed"
