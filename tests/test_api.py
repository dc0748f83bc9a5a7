"""The learner's JSON API beyond study (docs/api.md): registration, the hours bank, certificates; and what the
heartbeat says about a stream that ended."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.accounts.models import Person
from lms.hours.models import HoursCertificate
from tests.conftest import login, make_id_number
from tests.test_hours import completed_2025, give

NEW = {"name": "王小明", "id_number": make_id_number(901), "mobile": "13912345678", "region": "wenzhou",
       "industry": "教育", "password": "Passw0rd1"}


def test_registering_through_the_api_logs_the_new_practitioner_in(client: Any, db: Any) -> None:
    choices = client.get("/api/v1/regions").get_json()
    assert {"code": "wenzhou", "name": "浙江省温州市", "level": "city", "parent": "zhejiang",
            "bureau": "温州市人力资源和社会保障局"} in choices["regions"]
    assert {"code": "wenzhou-lucheng", "name": "浙江省温州市鹿城区", "level": "county", "parent": "wenzhou",
            "bureau": "温州市鹿城区人力资源和社会保障局"} in choices["regions"]
    assert "shandong" not in {r["code"] for r in choices["regions"]}  # no document of ours covers 山东省 itself
    assert "教育" in choices["industries"]
    r = client.post("/api/v1/auth/register", json=NEW | {"employer": "温州市第一中学"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["person"]["name"] == "王小明" and body["person"]["role"] == "practitioner"
    assert body["person"]["id_number"] != NEW["id_number"] and body["csrf_token"]
    assert client.get("/api/v1/me").get_json()["person"]["id"] == body["person"]["id"]
    person = db.scalars(select(Person).where(Person.id_number == NEW["id_number"])).one()
    assert person.employer == "温州市第一中学" and person.mobile == "13912345678"


def test_registration_through_the_api_names_every_wrong_field_at_once(client: Any, db: Any) -> None:
    bad_check_digit = NEW["id_number"][:-1] + ("0" if NEW["id_number"][-1] != "0" else "1")
    r = client.post("/api/v1/auth/register", json=NEW | {"id_number": bad_check_digit, "mobile": "12345",
                                                         "password": "short", "region": "mars"})
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_input"
    assert set(r.get_json()["fields"]) == {"id_number", "mobile", "password", "region"}
    r = client.post("/api/v1/auth/register", json=NEW | {"name": 5})
    assert r.status_code == 400 and set(r.get_json()["fields"]) == {"name"}
    assert db.scalar(select(Person.id)) is None
    assert client.get("/api/v1/me").status_code == 401


def test_registering_an_id_number_twice_is_refused_as_already_registered(app: Any, client: Any) -> None:
    assert client.post("/api/v1/auth/register", json=NEW).status_code == 201
    r = app.test_client().post("/api/v1/auth/register", json=NEW | {"mobile": "13900000001"})
    assert r.status_code == 409 and r.get_json()["error"] == "already_registered"


def test_the_hours_ledger_lists_each_year_with_its_entries_against_the_policy(app: Any, db: Any, make: Any,
                                                                               client: Any) -> None:
    person = make.practitioner()
    give(app, db, person, 2025, "professional", 80, "p")
    give(app, db, person, 2024, "general_public", 18, "g")
    login(client, person.id_number)
    ledger = client.get("/api/v1/hours").get_json()
    assert ledger["study_year"] == 2026 and [y["year"] for y in ledger["years"]] == [2026, 2025, 2024]
    y2025 = ledger["years"][1]
    assert y2025["totals"] == {"general_public": "0.00", "industry_public": "0.00", "professional": "80.00"}
    assert y2025["total"] == "80.00" and y2025["complete"] is False and y2025["unit"] == "学时"
    assert [(e["category"], e["hours"], e["title"]) for e in y2025["entries"]] == [("professional", "80.00",
                                                                                    "测试来源 p")]
    assert y2025["certificate"] is None and y2025["sheet_url"] == "/hours/2025/sheet.pdf"
    assert any(r["short"] != "0.00" for r in y2025["requirements"])
    assert client.get("/api/v1/hours/2025").get_json() == y2025


def test_a_completed_year_gets_its_certificate_through_the_api_once(app: Any, db: Any, make: Any,
                                                                     client: Any) -> None:
    person = make.practitioner()
    completed_2025(app, db, person)
    login(client, person.id_number)
    assert client.get("/api/v1/hours/2025/certificate").status_code == 404
    made = client.post("/api/v1/hours/2025/certificate")
    assert made.status_code == 201
    cert = made.get_json()
    assert cert["total"] == "90.00" and cert["hours"]["professional"] == "72.00" and cert["revoked"] is False
    assert cert["verify_url"].endswith("/verify/" + cert["code"]) and cert["issuer"] == "温州市人力资源和社会保障局"
    again = client.post("/api/v1/hours/2025/certificate")
    assert again.status_code == 200 and again.get_json() == cert
    assert client.get("/api/v1/hours/2025/certificate").get_json() == cert
    assert client.get("/api/v1/hours/2025").get_json()["certificate"] == cert
    assert len(db.scalars(select(HoursCertificate)).all()) == 1


def test_an_incomplete_year_gets_no_certificate_through_the_api(app: Any, db: Any, make: Any, client: Any) -> None:
    person = make.practitioner()
    give(app, db, person, 2025, "professional", 80, "p")
    login(client, person.id_number)
    r = client.post("/api/v1/hours/2025/certificate")
    assert r.status_code == 409 and r.get_json()["error"] == "not_eligible" and "还差" in r.get_json()["message"]


def test_another_persons_certificate_is_not_found_through_the_api(app: Any, db: Any, make: Any) -> None:
    owner, other = make.practitioner(), make.practitioner()
    completed_2025(app, db, owner)
    mine = app.test_client()
    login(mine, owner.id_number)
    assert mine.post("/api/v1/hours/2025/certificate").status_code == 201
    theirs = app.test_client()
    login(theirs, other.id_number)
    assert theirs.get("/api/v1/hours/2025/certificate").status_code == 404
    assert theirs.get("/api/v1/hours/2025").get_json()["certificate"] is None


def test_a_beat_on_a_stream_the_learner_ended_says_it_ended_not_that_another_page_took_it(
        app: Any, make: Any, client: Any, frozen_clock: Any) -> None:
    person = make.practitioner()
    course = make.course()
    enrolment = make.enrol(person, course)
    login(client, person.id_number)
    body = {"enrolment_id": enrolment.id, "chapter_id": course.chapters[0].id}
    stream = client.post("/api/v1/study/streams", json=body).get_json()["stream"]
    assert client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1}).get_json()["state"] == "started"
    assert client.post("/api/v1/study/streams/end", json={"stream": stream}).get_json() == {"ok": True}
    frozen_clock.advance(30)
    r = client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 2})
    assert r.status_code == 409 and r.get_json()["error"] == "stream_ended"
    # the ended mark itself is no stream: sent as one it credits nothing
    r = client.post("/api/v1/study/heartbeat", json={"stream": "ended-" + stream[:26], "seq": 3})
    assert r.status_code == 409 and r.get_json()["error"] == "paused_elsewhere"
    # a stream that another page took is still told so
    newer = client.post("/api/v1/study/streams", json=body).get_json()["stream"]
    r = client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 4})
    assert r.status_code == 409 and r.get_json()["error"] == "paused_elsewhere"
    assert client.post("/api/v1/study/heartbeat", json={"stream": newer, "seq": 1}).get_json()["state"] == "started"


def test_the_first_beat_of_a_stream_has_seq_1_and_seq_0_is_refused_as_invalid(app: Any, make: Any, client: Any,
                                                                               frozen_clock: Any) -> None:
    person = make.practitioner()
    course = make.course()
    enrolment = make.enrol(person, course)
    login(client, person.id_number)
    stream = client.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                        "chapter_id": course.chapters[0].id}).get_json()["stream"]
    r = client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 0})
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_input"
    assert client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1}).status_code == 200
