"""Check-in, the paper, time limits, grading and the exactly-once registration of 18 hours (第十条)."""
from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from exams.models import Booking, ExamPaper
from exams.operations import (
    CheckInRefused,
    ExamNotOpen,
    NotCheckedIn,
    OutsideVenue,
    TooManyAttempts,
    book_seat,
    check_in,
    register_exam_hours,
    start_exam,
    submit_expired_papers,
    submit_paper,
)
from lms.db import transaction
from lms.errors import AlreadyStudied, NotAllowed
from lms.hours.models import HoursEntry
from tests.conftest import START, login

from .conftest import SETTINGS, ExamWorld, correct_answers, run_threads, wrong_answer


def booked(world: ExamWorld, session: Any = None, person: Any = None) -> tuple[Any, Booking]:
    person = person or world.candidate()
    booking = book_seat(world.db, person, session or world.session, SETTINGS)
    world.db.commit()
    return person, booking


def checked_in(world: ExamWorld, session: Any = None) -> tuple[Any, Booking]:
    person, booking = booked(world, session)
    check_in(world.db, world.proctor, booking.session, booking.ticket_no, person.id_number[-4:], SETTINGS)
    world.db.commit()
    return person, booking


def sit(world: ExamWorld, client: Any, *, right: bool, wrong_at: frozenset[int] = frozenset()) -> tuple[Any, int]:
    """Check in, start through the page, answer every item through the API (all right or all wrong; the positions
    in wrong_at wrong either way); return person and paper id."""
    person, booking = checked_in(world)
    login(client, person.id_number)
    r = client.post(f"/exams/bookings/{booking.id}/start")
    assert r.status_code == 302, r.get_data(as_text=True)
    paper_id = int(r.location.rsplit("/", 1)[1])
    for pos, key in correct_answers(world.db, paper_id).items():
        answer = key if right and pos not in wrong_at else wrong_answer(key)
        assert client.post(f"/api/v1/exams/papers/{paper_id}/answers",
                           json={"position": pos, "answer": answer}).status_code == 200
    return person, paper_id


def hours_of(world: ExamWorld, person: Any) -> list[HoursEntry]:
    world.db.rollback()
    return list(world.db.scalars(select(HoursEntry).where(HoursEntry.person_id == person.id)))


# ---- check-in ---------------------------------------------------------------------------------------------

def test_proctor_checks_a_candidate_in_by_ticket_and_last_four_id_digits(world: ExamWorld, client: Any) -> None:
    person, booking = booked(world)
    login(client, world.proctor.username)
    r = client.post(f"/exams/proctor/sessions/{world.session.id}",
                    data={"ticket_no": booking.ticket_no, "id_last": person.id_number[-4:]}, follow_redirects=True)
    assert "签到成功" in r.get_data(as_text=True)
    world.db.refresh(booking)
    assert booking.status == "checked_in" and booking.checked_in_by_id == world.proctor.id


def test_a_ticket_number_typed_in_groups_checks_in_and_the_field_brings_up_the_number_pad(world: ExamWorld,
                                                                                          client: Any) -> None:
    person, booking = booked(world)
    login(client, world.proctor.username)
    page = client.get(f"/exams/proctor/sessions/{world.session.id}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="ticket_no"[^>]*>', page)
    assert field and 'inputmode="numeric"' in field.group(0)
    typed = f" {booking.ticket_no[:2]} {booking.ticket_no[2:6]} {booking.ticket_no[6:]} "
    r = client.post(f"/exams/proctor/sessions/{world.session.id}",
                    data={"ticket_no": typed, "id_last": person.id_number[-4:]}, follow_redirects=True)
    assert "签到成功" in r.get_data(as_text=True)
    r = client.post(f"/exams/proctor/sessions/{world.session.id}",
                    data={"ticket_no": booking.ticket_no + "A", "id_last": person.id_number[-4:]})
    assert "准考证号为数字" in r.get_data(as_text=True)


def test_check_in_with_wrong_id_digits_is_refused_with_a_reason(world: ExamWorld, client: Any) -> None:
    person, booking = booked(world)
    login(client, world.proctor.username)
    wrong = "0000" if not person.id_number.endswith("0000") else "1111"
    r = client.post(f"/exams/proctor/sessions/{world.session.id}", data={"ticket_no": booking.ticket_no,
                                                                         "id_last": wrong})
    assert r.status_code == 200 and "身份证号后四位与准考证不符" in r.get_data(as_text=True)
    r = client.post(f"/exams/proctor/sessions/{world.session.id}", data={"ticket_no": "1", "id_last": "12"})
    assert "请输入身份证号后四位" in r.get_data(as_text=True)


def test_a_ticket_of_another_session_cannot_be_checked_in_here(world: ExamWorld) -> None:
    other = world.add_session(room="第二考场")
    person, booking = booked(world, other)
    with pytest.raises(CheckInRefused, match="不属于本场次"):
        check_in(world.db, world.proctor, world.session, booking.ticket_no, person.id_number[-4:], SETTINGS)


def test_a_proctor_not_assigned_to_the_session_cannot_check_in(world: ExamWorld) -> None:
    person, booking = booked(world)
    stranger = world.make.staff("proctor")
    with pytest.raises(NotAllowed):
        check_in(world.db, stranger, world.session, booking.ticket_no, person.id_number[-4:], SETTINGS)


def test_check_in_opens_an_hour_before_the_start(world: ExamWorld) -> None:
    later = world.add_session(starts=START + timedelta(hours=2), closes=START + timedelta(hours=1),
                              cancel=START + timedelta(hours=1))
    person, booking = booked(world, later)
    with pytest.raises(CheckInRefused, match="考前 60 分钟"):
        check_in(world.db, world.proctor, later, booking.ticket_no, person.id_number[-4:], SETTINGS)


# ---- starting the exam ------------------------------------------------------------------------------------

def test_only_a_checked_in_candidate_can_start(world: ExamWorld) -> None:
    person, booking = booked(world)
    with pytest.raises(NotCheckedIn):
        start_exam(world.db, person, booking)


def test_the_exam_cannot_start_before_or_after_the_session_window(world: ExamWorld, frozen_clock: Any) -> None:
    later = world.add_session(starts=START + timedelta(minutes=30), minutes=60, closes=START + timedelta(minutes=10),
                              cancel=START + timedelta(minutes=10))
    person, booking = checked_in(world, later)
    with pytest.raises(ExamNotOpen):
        start_exam(world.db, person, booking)
    world.db.rollback()
    frozen_clock.advance(90 * 60)
    with pytest.raises(ExamNotOpen):
        start_exam(world.db, person, booking)


def test_the_exam_starts_only_from_the_venue_networks_when_they_are_set(world: ExamWorld) -> None:
    venue = world.add_session(cidrs="10.8.0.0/16\n192.168.5.0/24", room="机房")
    person, booking = checked_in(world, venue)
    with pytest.raises(OutsideVenue):
        start_exam(world.db, person, booking, ip="203.0.113.9")
    world.db.rollback()
    paper = start_exam(world.db, person, booking, ip="10.8.3.4")
    assert paper.start_ip == "10.8.3.4"


def test_each_candidate_gets_a_random_paper_with_shuffled_options_and_starting_twice_keeps_it(
        world: ExamWorld) -> None:
    """Each paper draws its questions and shuffles the options of every choice question (not 判断's 正确/错误):
    with this seed, some four-option item shows its options in another order than the bank's."""
    (p1, b1), (p2, b2) = checked_in(world), checked_in(world)
    paper1 = start_exam(world.db, p1, b1, rng=random.Random(2026))
    paper2 = start_exam(world.db, p2, b2, rng=random.Random(2027))
    world.db.commit()
    assert len(paper1.items) == len(paper2.items) == 10
    items = paper1.items + paper2.items
    four = [i for i in items if len(i.question.options) == 4]
    assert four and any(i.option_order != [0, 1, 2, 3] for i in four)
    for i in items:
        assert sorted(i.option_order) == list(range(len(i.question.options)))
        assert i.shown_options() == [i.question.options[k] for k in i.option_order]
        if i.question.kind == "truefalse":
            assert i.option_order == [0, 1]
    assert [i.question_id for i in paper1.items] != [i.question_id for i in paper2.items]
    assert start_exam(world.db, p1, b1).id == paper1.id


WRONG_AT = frozenset({2, 5, 7})


def test_the_answer_key_never_reaches_the_browser(world: ExamWorld, client: Any) -> None:
    """A paper answered partly wrong: what the browser gets back for each item is the candidate's own choice —
    the wrong ones too — never the key, in any positions."""
    _person, paper_id = sit(world, client, right=True, wrong_at=WRONG_AT)
    key = correct_answers(world.db, paper_id)
    data = client.get(f"/api/v1/exams/papers/{paper_id}").json
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    assert set(data["items"][0]) == {"position", "kind", "stem", "options", "answer"}
    shown = {i["position"]: i["answer"] for i in data["items"]}
    assert shown == {p: wrong_answer(k) if p in WRONG_AT else k for p, k in key.items()}
    assert all(shown[p] != key[p] for p in WRONG_AT)
    for text in (str(data), page):
        assert "answer_json" not in text and "explanation" not in text and "correct" not in text
    assert data["status"] == "open" and data["score"] is None


def test_saved_answers_survive_a_reload(world: ExamWorld, client: Any) -> None:
    """Answers partly wrong come back exactly as given, on the API and checked on the page."""
    _person, paper_id = sit(world, client, right=True, wrong_at=WRONG_AT)
    key = correct_answers(world.db, paper_id)
    given_answers = {p: wrong_answer(k) if p in WRONG_AT else k for p, k in key.items()}
    again = client.get(f"/api/v1/exams/papers/{paper_id}").json
    assert {i["position"]: i["answer"] for i in again["items"]} == given_answers
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    assert page.count(" checked") == sum(len(a) for a in given_answers.values())


def test_invalid_answers_are_refused_with_a_message(world: ExamWorld, client: Any) -> None:
    _person, paper_id = sit(world, client, right=True)
    r = client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": 1, "answer": [9]})
    assert r.status_code == 400 and r.json["message"] == "选项无效"
    r = client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": 1, "answer": "A"})
    assert r.status_code == 400
    r = client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": 99, "answer": [0]})
    assert r.status_code == 404


# ---- time limits ------------------------------------------------------------------------------------------

def test_an_answer_after_the_time_limit_finds_the_paper_submitted(world: ExamWorld, client: Any,
                                                                 frozen_clock: Any) -> None:
    _person, paper_id = sit(world, client, right=True)
    frozen_clock.advance(60 * 60)
    r = client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": 1, "answer": [0]})
    assert r.status_code == 409 and r.json["error"] == "time_up" and r.json["result"]["score"] == 100
    r = client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": 1, "answer": [0]})
    assert r.status_code == 409 and r.json["error"] == "paper_submitted"
    world.db.rollback()
    paper = world.db.get(ExamPaper, paper_id)
    assert paper.submitted_by == "timeout" and paper.passed


def test_the_job_submits_papers_whose_time_ran_out(world: ExamWorld, client: Any, frozen_clock: Any) -> None:
    person, paper_id = sit(world, client, right=True)
    frozen_clock.advance(59 * 60)
    assert submit_expired_papers(world.db) == 0
    frozen_clock.advance(60)
    assert submit_expired_papers(world.db) == 1
    world.db.commit()
    assert submit_expired_papers(world.db) == 0
    assert len(hours_of(world, person)) == 1
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    assert "系统已自动交卷" in page


def test_the_deadline_is_never_later_than_the_session_end(world: ExamWorld, frozen_clock: Any) -> None:
    short = world.add_session(minutes=20, room="短场", closes=START + timedelta(minutes=10),
                              cancel=START + timedelta(minutes=10))
    person, booking = checked_in(world, short)
    paper = start_exam(world.db, person, booking)
    assert paper.deadline == START + timedelta(minutes=20)


# ---- grading and the 18 hours -----------------------------------------------------------------------------

def test_passing_registers_the_course_hours_in_the_city_bureau_name_and_shows_them_at_home(
        world: ExamWorld, client: Any) -> None:
    person, paper_id = sit(world, client, right=True)
    r = client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    assert r.json == {"paper_id": paper_id, "status": "submitted", "score": 100, "passed": True, "pass_mark": 60,
                      "submitted_by": "candidate"}
    assert "考试合格" in client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    (entry,) = hours_of(world, person)
    assert (entry.hours, entry.year, entry.category) == (Decimal(18), 2026, "general_public")
    assert entry.registered_by_org == "温州市人力资源和社会保障局" and entry.rule == "温人社发〔2020〕125号 第十条"
    assert entry.source_ref == f"enrolment:{world.enrolment_of(person).id}"
    home = client.get("/home").get_data(as_text=True)
    assert '<strong id="total-hours">18.0</strong>' in home and "还差" in home


def test_a_failed_paper_registers_nothing_and_the_candidate_may_book_again(world: ExamWorld, client: Any) -> None:
    person, paper_id = sit(world, client, right=False)
    r = client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    assert r.json["passed"] is False and r.json["score"] < 60
    assert hours_of(world, person) == []
    assert "考试未合格" in client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    other = world.add_session(room="补考场")
    assert client.post("/api/v1/exams/bookings", json={"session_id": other.id}).status_code == 201


def test_a_score_exactly_at_the_pass_mark_passes_and_registers_the_hours(world: ExamWorld, client: Any) -> None:
    """第十条: 60 of 100 is a pass (6 of 10 right); 50 is not."""
    person, paper_id = sit(world, client, right=True, wrong_at=frozenset({1, 2, 3, 4}))
    r = client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    assert (r.json["score"], r.json["pass_mark"], r.json["passed"]) == (60, 60, True)
    assert [e.hours for e in hours_of(world, person)] == [Decimal(18)]
    other = world.app.test_client()
    person, paper_id = sit(world, other, right=True, wrong_at=frozenset({1, 2, 3, 4, 5}))
    r = other.post(f"/api/v1/exams/papers/{paper_id}/submit")
    assert (r.json["score"], r.json["passed"]) == (50, False)
    assert hours_of(world, person) == []


def test_the_pass_mark_is_the_plan_s(world: ExamWorld, client: Any) -> None:
    world.plan.pass_mark = 100
    world.db.commit()
    _person, paper_id = sit(world, client, right=True)
    client.post(f"/api/v1/exams/papers/{paper_id}/answers", json={"position": 1, "answer": wrong_answer(
        correct_answers(world.db, paper_id)[1])})
    r = client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    assert r.json["score"] == 90 and r.json["passed"] is False


def test_a_passed_candidate_cannot_book_again(world: ExamWorld, client: Any) -> None:
    _person, paper_id = sit(world, client, right=True)
    client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    r = client.post("/api/v1/exams/bookings", json={"session_id": world.add_session(room="再考").id})
    assert r.status_code == 409 and r.json["error"] == "already_passed"


def test_attempts_per_year_are_limited_by_exam_max_attempts(world: ExamWorld) -> None:
    settings = type(SETTINGS)(max_attempts=2)
    person = world.candidate()
    for room in ("一", "二"):
        session = world.add_session(room=room)
        booking = book_seat(world.db, person, session, settings)
        world.db.commit()
        check_in(world.db, world.proctor, session, booking.ticket_no, person.id_number[-4:], settings)
        paper = start_exam(world.db, person, booking)
        submit_paper(world.db, paper.id, by="candidate", person=person)
        world.db.commit()
    with pytest.raises(TooManyAttempts, match="2 次"):
        book_seat(world.db, person, world.add_session(room="三"), settings)


def test_the_config_key_exam_max_attempts_reaches_the_booking_api(make_app: Any, world: ExamWorld) -> None:
    app = make_app(EXAM_MAX_ATTEMPTS=0)
    person = world.candidate()
    client = app.test_client()
    login(client, person.id_number)
    r = client.post("/api/v1/exams/bookings", json={"session_id": world.session.id})
    assert r.status_code == 409 and r.json["error"] == "too_many_attempts"


def _submit_in_thread(app: Any, paper_id: int, by: str) -> str:
    with app.app_context():
        s = app.extensions["xst_db"].factory()
        try:
            with transaction(s):
                return submit_paper(s, paper_id, by=by).status
        finally:
            s.close()


def test_racing_submits_and_the_timeout_job_leave_exactly_one_hours_entry(world: ExamWorld, client: Any,
                                                                          frozen_clock: Any) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    person, paper_id = sit(world, client, right=True)
    frozen_clock.advance(60 * 60)  # the candidate's last click and the job arrive together
    results = run_threads(10, lambda i: _submit_in_thread(world.app, paper_id, "timeout" if i % 2 else "candidate"))
    assert results == ["submitted"] * 10, results
    assert len(hours_of(world, person)) == 1


def test_two_app_servers_registering_the_same_pass_leave_one_entry(world: ExamWorld, client: Any) -> None:
    """On SQLite the threads queue for the database's one write lock (BEGIN IMMEDIATE) and do not race: that run
    checks the outcome when they are serialised; the PostgreSQL run is the race."""
    person, paper_id = sit(world, client, right=True)
    client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    booking_id = world.db.get(ExamPaper, paper_id).booking_id

    def again(_i: int) -> None:
        with world.app.app_context():
            s = world.app.extensions["xst_db"].factory()
            with transaction(s):
                register_exam_hours(s, s.get(Booking, booking_id))
            s.close()

    run_threads(6, again)
    assert len(hours_of(world, person)) == 1
    assert world.db.scalar(select(func.count()).select_from(HoursEntry)) == 1


def test_study_by_heartbeats_then_a_pass_keeps_the_course_blocked_in_later_years(world: ExamWorld, client: Any,
                                                                                  frozen_clock: Any) -> None:
    from lms import clock
    from lms.catalogue.models import CourseOffering
    from lms.catalogue.operations import enrol, offer_again, set_offering_status
    from tests.test_study import Learner

    person = world.candidate(completed=False)
    enrolment = world.enrolment_of(person)
    for chapter in world.course.chapters:
        learner = Learner(world.db, person, enrolment, chapter.id)
        learner.open()
        for _ in range(5):
            frozen_clock.advance(30)
            learner.beat()
    world.db.refresh(enrolment)
    assert enrolment.completed_at is not None
    booking = book_seat(world.db, person, world.session, SETTINGS)
    world.db.commit()
    check_in(world.db, world.proctor, world.session, booking.ticket_no, person.id_number[-4:], SETTINGS)
    paper = start_exam(world.db, person, booking)
    world.db.commit()
    login(client, person.id_number)
    for pos, key in correct_answers(world.db, paper.id).items():
        client.post(f"/api/v1/exams/papers/{paper.id}/answers", json={"position": pos, "answer": key})
    assert client.post(f"/api/v1/exams/papers/{paper.id}/submit").json["passed"] is True
    world.db.rollback()
    offer_again(world.db, world.bureau, world.course, 2027)
    set_offering_status(world.db, world.bureau, world.db.get(CourseOffering, (world.course.id, 2027)), "published")
    world.db.commit()
    clock.set_source(lambda: START.replace(year=2027))
    with pytest.raises(AlreadyStudied):
        enrol(world.db, person, world.course.id, 2027)
