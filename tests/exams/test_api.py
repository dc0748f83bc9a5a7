"""The candidate's and the proctor's whole exam through the JSON API alone (docs/api.md): the session list, booking,
my bookings and ticket, check-in by the proctor, starting, answering by the shown options, the result, waiting lists."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from exams.models import Booking, ProctorAssignment, WaitlistEntry
from exams.operations import book_seat
from tests.conftest import START, login

from .conftest import SETTINGS, ExamWorld, correct_answers, wrong_answer


def test_a_candidate_books_is_checked_in_sits_and_passes_through_the_api_alone(app: Any, world: ExamWorld) -> None:
    person = world.candidate(name="李四")
    cand, proctor = app.test_client(), app.test_client()
    login(cand, person.id_number)
    listing = cand.get("/api/v1/exams/sessions").get_json()
    assert listing["plan"]["plan_id"] == world.plan.id and listing["plan"]["pass_mark"] == 60
    assert listing["eligible"] is True and listing["attempts_left"] == 3 and listing["held_booking_id"] is None
    (row,) = listing["sessions"]
    assert row["session_id"] == world.session.id and row["action"] == "book" and row["seats_left"] == 30

    booked = cand.post("/api/v1/exams/bookings", json={"session_id": world.session.id})
    assert booked.status_code == 201
    booking_id, ticket_no = booked.get_json()["booking_id"], booked.get_json()["ticket_no"]
    listing = cand.get("/api/v1/exams/sessions").get_json()
    assert listing["held_booking_id"] == booking_id and listing["sessions"][0]["action"] == "booked_here"
    assert listing["attempts_left"] == 2
    (mine,) = cand.get("/api/v1/exams/bookings").get_json()["bookings"]
    assert (mine["booking_id"], mine["ticket_no"], mine["status"], mine["paper"]) == (booking_id, ticket_no,
                                                                                      "booked", None)
    ticket = cand.get(f"/api/v1/exams/bookings/{booking_id}").get_json()
    assert ticket["name"] == "李四" and ticket["id_number"] == person.masked_id_number
    assert ticket["session"]["venue_name"] == "温州市人才市场考点"

    # not yet checked in: the exam cannot be started
    r = cand.post(f"/api/v1/exams/bookings/{booking_id}/start")
    assert r.status_code == 409 and r.get_json()["error"] == "not_checked_in"

    login(proctor, world.proctor.username)
    (assigned,) = proctor.get("/api/v1/exams/proctor/sessions").get_json()["sessions"]
    assert assigned["session_id"] == world.session.id
    spaced = " ".join(ticket_no[i:i + 4] for i in range(0, len(ticket_no), 4))
    r = proctor.post(f"/api/v1/exams/proctor/sessions/{world.session.id}/check-in",
                     json={"ticket_no": spaced, "id_last": person.id_number[-4:]})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["booking_id"], r.get_json()["state"], r.get_json()["name"]) == (booking_id, "checked_in",
                                                                                         "李四")
    roster = proctor.get(f"/api/v1/exams/proctor/sessions/{world.session.id}").get_json()
    assert roster["counts"]["checked_in"] == 1
    assert [c["ticket_no"] for c in roster["candidates"]] == [ticket_no]
    assert person.id_number not in str(roster)

    started = cand.post(f"/api/v1/exams/bookings/{booking_id}/start")
    assert started.status_code == 201
    paper = started.get_json()
    assert paper["status"] == "open" and len(paper["items"]) == 10 and paper["seconds_left"] == 3600
    again = cand.post(f"/api/v1/exams/bookings/{booking_id}/start")
    assert again.status_code == 200 and again.get_json()["paper_id"] == paper["paper_id"]

    # the answers are indices into each item's options as the paper shows them (its shuffled order): one wrong
    key = correct_answers(world.db, paper["paper_id"])
    for item in paper["items"]:
        pos = item["position"]
        answer = wrong_answer(key[pos]) if pos == 1 else key[pos]
        r = cand.post(f"/api/v1/exams/papers/{paper['paper_id']}/answers", json={"position": pos, "answer": answer})
        assert r.status_code == 200 and r.get_json()["state"] == "saved"
    result = cand.post(f"/api/v1/exams/papers/{paper['paper_id']}/submit").get_json()
    assert (result["score"], result["passed"]) == (90, True)
    (mine,) = cand.get("/api/v1/exams/bookings").get_json()["bookings"]
    assert mine["paper"] == {"paper_id": paper["paper_id"], "status": "submitted", "score": 90, "passed": True}
    assert cand.get("/api/v1/exams/sessions").get_json()["passed"] is True


def test_check_in_through_the_api_refuses_a_wrong_id_and_a_session_not_assigned(app: Any, world: ExamWorld) -> None:
    person = world.candidate()
    booking = book_seat(world.db, person, world.session, SETTINGS)
    world.db.commit()
    other = world.add_session(room="第二考场")
    world.db.execute(delete(ProctorAssignment).where(ProctorAssignment.session_id == other.id))
    world.db.commit()
    proctor = app.test_client()
    login(proctor, world.proctor.username)
    url = f"/api/v1/exams/proctor/sessions/{world.session.id}/check-in"
    wrong = "0000" if not person.id_number.endswith("0000") else "1111"
    r = proctor.post(url, json={"ticket_no": booking.ticket_no, "id_last": wrong})
    assert r.status_code == 409 and r.get_json()["error"] == "check_in_refused"
    assert "身份证号后四位" in r.get_json()["message"]
    r = proctor.post(url, json={"ticket_no": "", "id_last": 1234})
    assert r.status_code == 400 and set(r.get_json()["fields"]) == {"ticket_no", "id_last"}
    r = proctor.post(f"/api/v1/exams/proctor/sessions/{other.id}/check-in",
                     json={"ticket_no": booking.ticket_no, "id_last": person.id_number[-4:]})
    assert r.status_code == 404
    assert proctor.get(f"/api/v1/exams/proctor/sessions/{other.id}").status_code == 404
    world.db.expire_all()
    assert world.db.get(Booking, booking.id).status == "booked"


def test_practitioners_do_not_reach_the_proctor_api_and_proctors_not_the_candidates(app: Any,
                                                                                   world: ExamWorld) -> None:
    person = world.candidate()
    cand, proctor = app.test_client(), app.test_client()
    login(cand, person.id_number)
    login(proctor, world.proctor.username)
    assert cand.get("/api/v1/exams/proctor/sessions").status_code == 403
    r = cand.post(f"/api/v1/exams/proctor/sessions/{world.session.id}/check-in", json={"ticket_no": "1",
                                                                                       "id_last": "1234"})
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    assert proctor.get("/api/v1/exams/sessions").status_code == 403
    assert app.test_client().get("/api/v1/exams/bookings").status_code == 401


def test_another_persons_booking_is_not_found_through_the_api(app: Any, world: ExamWorld) -> None:
    alice, bob = world.candidate(), world.candidate()
    booking = book_seat(world.db, bob, world.session, SETTINGS)
    world.db.commit()
    client = app.test_client()
    login(client, alice.id_number)
    assert client.get(f"/api/v1/exams/bookings/{booking.id}").status_code == 404
    assert client.post(f"/api/v1/exams/bookings/{booking.id}/start").status_code == 404
    assert client.get("/api/v1/exams/bookings").get_json() == {"bookings": []}


def test_the_session_list_says_why_a_candidate_cannot_book(app: Any, world: ExamWorld) -> None:
    unfinished = world.candidate(completed=False)
    client = app.test_client()
    login(client, unfinished.id_number)
    listing = client.get("/api/v1/exams/sessions").get_json()
    assert listing["eligible"] is False and [x["action"] for x in listing["sessions"]] == ["not_eligible"]
    later = world.add_session(opens=START + timedelta(days=1), closes=START + timedelta(days=2),
                              starts=START + timedelta(days=3), room="第三考场")
    holder = world.candidate()
    login(client, holder.id_number)
    client.post("/api/v1/exams/bookings", json={"session_id": world.session.id})
    actions = {x["session_id"]: x["action"] for x in client.get("/api/v1/exams/sessions").get_json()["sessions"]}
    assert actions == {world.session.id: "booked_here", later.id: "booked_elsewhere"}


def test_a_full_sessions_waiting_list_offer_is_taken_through_the_api(app: Any, world: ExamWorld) -> None:
    small = world.add_session(seats=1, room="候补考场", closes=START + timedelta(hours=3),
                              cancel=START + timedelta(hours=3), starts=START + timedelta(hours=4))
    holder, waiter = world.candidate(), world.candidate()
    h, w = app.test_client(), app.test_client()
    login(h, holder.id_number)
    login(w, waiter.id_number)
    held = h.post("/api/v1/exams/bookings", json={"session_id": small.id}).get_json()["booking_id"]
    actions = {x["session_id"]: x["action"] for x in w.get("/api/v1/exams/sessions").get_json()["sessions"]}
    assert actions[small.id] == "join_waitlist"
    joined = w.post(f"/api/v1/exams/sessions/{small.id}/waitlist")
    assert joined.status_code == 201 and joined.get_json()["status"] == "waiting"
    entry_id = joined.get_json()["entry_id"]
    assert [e["entry_id"] for e in w.get("/api/v1/exams/waitlist").get_json()["entries"]] == [entry_id]
    r = w.post(f"/api/v1/exams/waitlist/{entry_id}/accept")
    assert r.status_code == 409 and r.get_json()["error"] == "offer_gone"

    assert h.post(f"/api/v1/exams/bookings/{held}/cancel").get_json() == {"ok": True}
    (entry,) = w.get("/api/v1/exams/waitlist").get_json()["entries"]
    assert entry["status"] == "offered" and entry["offer_expires_at"].endswith("Z")
    notices = w.get("/api/v1/exams/notices").get_json()["notices"]
    assert [n["kind"] for n in notices] == ["waitlist_offer"]
    taken = w.post(f"/api/v1/exams/waitlist/{entry_id}/accept")
    assert taken.status_code == 201 and taken.get_json()["session"]["session_id"] == small.id
    assert w.get("/api/v1/exams/waitlist").get_json() == {"entries": []}
    world.db.expire_all()
    assert world.db.scalar(select(WaitlistEntry.status).where(WaitlistEntry.id == entry_id)) == "accepted"


def test_leaving_a_waiting_list_through_the_api(app: Any, world: ExamWorld) -> None:
    small = world.add_session(seats=1, room="候补考场", closes=START + timedelta(hours=3),
                              cancel=START + timedelta(hours=3), starts=START + timedelta(hours=4))
    book_seat(world.db, world.candidate(), small, SETTINGS)
    world.db.commit()
    waiter = world.candidate()
    client = app.test_client()
    login(client, waiter.id_number)
    entry_id = client.post(f"/api/v1/exams/sessions/{small.id}/waitlist").get_json()["entry_id"]
    assert client.post(f"/api/v1/exams/waitlist/{entry_id}/withdraw").get_json() == {"ok": True}
    assert client.get("/api/v1/exams/waitlist").get_json() == {"entries": []}
