"""The heartbeat's rules at their exact boundaries, through the API on both databases — on PostgreSQL a steady beat
is decided by one statement (_HEARTBEAT_PG) and everything else by heartbeat()'s Python, so each rule is asked
where both paths would have to agree (温人社发〔2020〕125号 第九条: time counts only while the learner studies)."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lms.accounts.models import Person
from lms.catalogue.models import Chapter
from lms.study.models import ChapterProgress, PresencePrompt
from tests.conftest import login

BEAT = "/api/v1/study/heartbeat"


class Page:
    """One player page of one learner: its stream and its beats."""

    def __init__(self, app: Any, person: Any, enrolment: Any, chapter_id: int) -> None:
        self.client = app.test_client()
        assert login(self.client, person.id_number).status_code == 200
        self.enrolment, self.chapter_id, self.seq = enrolment, chapter_id, 0
        self.stream = self.client.post("/api/v1/study/streams", json={
            "enrolment_id": enrolment.id, "chapter_id": chapter_id}).get_json()["stream"]

    def beat(self, position: float | None = None, seq: int | None = None) -> Any:
        if seq is None:
            self.seq += 1
        return self.client.post(BEAT, json={"stream": self.stream, "seq": seq or self.seq, "position": position})


@pytest.fixture
def learner(app: Any, make: Any) -> Any:
    person = make.practitioner()
    course = make.course(chapters=1, minutes=30)
    enrolment = make.enrol(person, course)
    return app, person, enrolment, course.chapters[0].id


def credited_ms(db: Any, enrolment: Any) -> int:
    db.expire_all()
    return sum(db.scalars(select(ChapterProgress.credited_ms).where(ChapterProgress.enrolment_id == enrolment.id)))


def test_a_beat_exactly_half_an_interval_after_the_last_is_credited_and_one_sooner_is_too_frequent(
        learner: Any, db: Any, frozen_clock: Any) -> None:
    """HEARTBEAT_SECONDS = 30: a beat 15 s after the last accepted one counts, 14.999 s after it does not."""
    page = Page(*learner)
    assert page.beat().get_json()["state"] == "started"
    frozen_clock.advance(14.999)
    r = page.beat()
    assert r.status_code == 429 and r.get_json()["error"] == "too_frequent"
    frozen_clock.advance(0.001)
    r = page.beat()
    assert r.status_code == 200 and r.get_json()["state"] == "credited"
    assert r.get_json()["credited_seconds"] == 15.0 and credited_ms(db, page.enrolment) == 15_000


def test_a_gap_of_exactly_the_idle_timeout_still_credits_and_a_longer_one_starts_a_new_segment(
        learner: Any, db: Any, frozen_clock: Any) -> None:
    """IDLE_TIMEOUT_SECONDS = 300: a beat 300 s after the last one credits the capped 35 s; 300.001 s credits
    nothing and starts a new segment."""
    page = Page(*learner)
    page.beat()
    frozen_clock.advance(300)
    r = page.beat().get_json()
    assert (r["state"], r["credited_seconds"]) == ("credited", 35.0)
    frozen_clock.advance(300.001)
    r = page.beat().get_json()
    assert (r["state"], r["credited_seconds"]) == ("started", 0.0)
    assert credited_ms(db, page.enrolment) == 35_000


def test_the_first_beat_on_a_video_chapter_does_not_move_the_furthest_point_to_the_reported_position(
        learner: Any, db: Any) -> None:
    """Seeking ahead is not trusted: with no time passed, a first beat reporting 600 s leaves the furthest point 0."""
    app, person, enrolment, chapter_id = learner
    db.get(Chapter, chapter_id).kind = "video"
    db.commit()
    page = Page(app, person, enrolment, chapter_id)
    r = page.beat(position=600).get_json()
    assert r["state"] == "started" and r["chapter"]["furthest_position"] == 0
    db.expire_all()
    assert db.scalars(select(ChapterProgress.furthest_position)).one() == 0


def test_an_immediate_replay_of_a_beat_is_refused_as_replayed_not_as_too_frequent(
        learner: Any, db: Any, frozen_clock: Any) -> None:
    """A seq already seen is 409 replayed whatever the gap (on PostgreSQL the statement's own too-frequent answer
    must look at seq too)."""
    page = Page(*learner)
    page.beat()
    frozen_clock.advance(30)
    assert page.beat().get_json()["state"] == "credited"
    r = page.beat(seq=page.seq)
    assert r.status_code == 409 and r.get_json()["error"] == "replayed"
    r = page.beat(seq=page.seq - 1)
    assert r.status_code == 409 and r.get_json()["error"] == "replayed"
    assert credited_ms(db, page.enrolment) == 30_000


def test_a_deactivated_account_with_an_unchanged_session_version_credits_nothing(
        learner: Any, db: Any, frozen_clock: Any) -> None:
    """The heartbeat reads the account from the cookie without loading it: the statement itself must check that
    the account is still active, not only its session version."""
    page = Page(*learner)
    page.beat()
    frozen_clock.advance(30)
    assert page.beat().get_json()["state"] == "credited"
    person = db.get(Person, learner[1].id)
    person.active = False  # as a direct change would leave it: the version is the same
    db.commit()
    frozen_clock.advance(30)
    r = page.beat()
    assert r.status_code == 401 and r.get_json()["error"] == "login_required"
    assert credited_ms(db, page.enrolment) == 30_000


def test_someone_elses_presence_prompt_cannot_be_answered_and_stays_pending(
        app: Any, make: Any, db: Any, frozen_clock: Any) -> None:
    """人机交互 proves that the learner is there: only the learner it was shown to can answer it."""
    course = make.course(chapters=1, minutes=30)
    alice, bob = make.practitioner(), make.practitioner()
    ea, eb = make.enrol(alice, course), make.enrol(bob, course)
    prompted = make_app_with_prompts(app)
    a, b = Page(prompted, alice, ea, course.chapters[0].id), Page(prompted, bob, eb, course.chapters[0].id)
    b.beat()
    frozen_clock.advance(30)
    prompt = b.beat().get_json()["prompt"]
    assert prompt is not None
    a.beat()
    r = a.client.post(f"/api/v1/study/prompts/{prompt['id']}/answer", json={"stream": a.stream})
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"
    db.expire_all()
    assert db.get(PresencePrompt, prompt["id"]).status == "pending"
    r = b.client.post(f"/api/v1/study/prompts/{prompt['id']}/answer", json={"stream": b.stream})
    assert r.get_json() == {"state": "answered"}


def make_app_with_prompts(app: Any) -> Any:
    """The same app with a presence prompt at the first credited beat (the clock reads its settings once)."""
    app.config["PRESENCE_MEAN_SECONDS"] = 1
    app.extensions.pop("xst_study_settings", None)
    return app
