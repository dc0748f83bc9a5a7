"""Access control: every role against every other's pages and API ids; CSRF; rate limits; error pages."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD, login

PRACTITIONER_PAGES = ["/home", "/enrol", "/my/courses"]
BUREAU_PAGES = ["/admin/", "/admin/courses", "/admin/courses/new", "/admin/courses/upload", "/admin/people",
                "/admin/staff", "/admin/audit"]


@pytest.fixture
def world(app: Any, make: Any) -> Any:
    alice, bob = make.practitioner("李明"), make.practitioner("赵敏")
    course = make.course()
    ea, eb = make.enrol(alice, course), make.enrol(bob, course)
    bureau, proctor = make.staff("bureau"), make.staff("proctor")
    return {"alice": alice, "bob": bob, "course": course, "ea": ea, "eb": eb, "bureau": bureau, "proctor": proctor}


def web_login(client: Any, who: Any) -> None:
    name = who.username or who.id_number
    resp = client.post("/login", data={"login": name, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)


@pytest.mark.parametrize("url", PRACTITIONER_PAGES + BUREAU_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, world: Any, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("url", BUREAU_PAGES)
@pytest.mark.parametrize("role", ["alice", "proctor"])
def test_only_bureau_staff_reach_bureau_pages(client: Any, world: Any, url: str, role: str) -> None:
    web_login(client, world[role])
    resp = client.get(url)
    assert resp.status_code == 403
    assert "没有权限" in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", PRACTITIONER_PAGES)
@pytest.mark.parametrize("role", ["bureau", "proctor"])
def test_staff_do_not_reach_practitioner_pages(client: Any, world: Any, url: str, role: str) -> None:
    web_login(client, world[role])
    assert client.get(url).status_code == 403


def test_bureau_staff_reach_their_pages(client: Any, world: Any) -> None:
    web_login(client, world["bureau"])
    for url in BUREAU_PAGES + [f"/admin/records/{world['ea'].id}", f"/admin/people/{world['alice'].id}"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", ["/study/{eb}", "/study/{eb}/record", "/study/{eb}/record.csv",
                                  "/api/v1/enrolments/{eb}/progress", "/api/v1/enrolments/{eb}/record"])
def test_a_practitioner_cannot_read_another_persons_study(client: Any, world: Any, path: str) -> None:
    login(client, world["alice"].id_number)
    resp = client.get(path.format(eb=world["eb"].id))
    assert resp.status_code == 404


def test_a_practitioner_cannot_start_a_stream_on_another_persons_enrolment(client: Any, world: Any) -> None:
    login(client, world["alice"].id_number)
    resp = client.post("/api/v1/study/streams", json={"enrolment_id": world["eb"].id,
                                                      "chapter_id": world["course"].chapters[0].id})
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"


def test_chapter_media_is_served_only_to_enrolled_learners_and_staff(app: Any, make: Any, world: Any) -> None:
    other = make.course(title="另一门课程")
    client = app.test_client()
    login(client, world["alice"].id_number)
    resp = client.get(f"/media/chapters/{world['course'].chapters[0].id}")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    resp.close()
    assert client.get(f"/media/chapters/{other.chapters[0].id}").status_code == 404
    client.post("/api/v1/auth/logout")
    assert client.get(f"/media/chapters/{other.chapters[0].id}").status_code == 302


@pytest.mark.parametrize("body", [None, "not json", [], {"stream": 5, "seq": 1}, {"stream": "x", "seq": "1"},
                                  {"stream": "x", "seq": -1}, {"stream": "x", "seq": 1, "position": "far"}])
def test_malformed_heartbeats_get_a_4xx_json_error(client: Any, world: Any, body: Any) -> None:
    login(client, world["alice"].id_number)
    if isinstance(body, str):
        resp = client.post("/api/v1/study/heartbeat", data=body, content_type="application/json")
    else:
        resp = client.post("/api/v1/study/heartbeat", json=body)
    assert 400 <= resp.status_code < 500
    assert resp.get_json()["error"]


def test_heartbeat_without_an_open_stream_or_login_adds_no_time(client: Any, world: Any) -> None:
    resp = client.post("/api/v1/study/heartbeat", json={"stream": "a" * 32, "seq": 1})
    assert resp.status_code == 401
    login(client, world["alice"].id_number)
    resp = client.post("/api/v1/study/heartbeat", json={"stream": "a" * 32, "seq": 1})
    assert resp.status_code == 409 and resp.get_json()["error"] == "not_studying"


def test_heartbeat_with_another_persons_stream_token_is_refused(app: Any, world: Any) -> None:
    bob = app.test_client()
    login(bob, world["bob"].id_number)
    stream = bob.post("/api/v1/study/streams", json={"enrolment_id": world["eb"].id,
                                                     "chapter_id": world["course"].chapters[0].id}).get_json()["stream"]
    alice = app.test_client()
    login(alice, world["alice"].id_number)
    alice.post("/api/v1/study/streams", json={"enrolment_id": world["ea"].id,
                                              "chapter_id": world["course"].chapters[0].id})
    resp = alice.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1})
    assert resp.status_code == 409 and resp.get_json()["error"] == "paused_elsewhere"


def test_practitioners_cannot_self_register_as_staff_and_staff_need_an_administrator(client: Any) -> None:
    resp = client.post("/register", data={"name": "王五", "id_number": "11010519491231002X", "mobile": "13800000000",
                                          "region": "wenzhou", "industry": "教育", "password": "Passw0rd!",
                                          "confirm": "Passw0rd!", "role": "bureau"})
    assert resp.status_code == 302
    assert client.get("/admin/").status_code == 403


def test_registration_rejects_a_wrong_id_check_digit_with_a_clear_message(client: Any) -> None:
    resp = client.post("/register", data={"name": "王五", "id_number": "110105194912310021", "mobile": "13800000000",
                                          "region": "wenzhou", "industry": "教育", "password": "Passw0rd1",
                                          "confirm": "Passw0rd1"})
    assert resp.status_code == 200
    assert "校验位不正确" in resp.get_data(as_text=True)


def test_the_id_number_is_shown_masked(client: Any, world: Any) -> None:
    web_login(client, world["alice"])
    html = client.get("/profile").get_data(as_text=True)
    assert world["alice"].id_number not in html and world["alice"].masked_id_number in html


def test_forms_and_api_calls_without_a_csrf_token_are_refused(make_app: Any, make: Any) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    person = make.practitioner()
    client = app.test_client()
    resp = client.post("/login", data={"login": person.id_number, "password": PASSWORD})
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    resp = client.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD})
    assert resp.status_code == 400 and resp.get_json()["error"] == "csrf"
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    resp = client.post("/api/v1/auth/login", json={"login": person.id_number, "password": PASSWORD},
                       headers={"X-CSRFToken": token})
    assert resp.status_code == 200


def test_login_attempts_are_rate_limited(make_app: Any, make: Any) -> None:
    app = make_app(LOGIN_RATE_LIMIT="3 per minute")
    person = make.practitioner()
    client = app.test_client()
    codes = [client.post("/api/v1/auth/login", json={"login": person.id_number, "password": "wrong"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # the login page and the API count in one bucket (lms.security.login_rate_limit): the page is refused too
    web = [client.post("/login", data={"login": person.id_number, "password": "wrong"}) for _ in range(2)]
    assert [r.status_code for r in web] == [429, 429]


def test_unknown_pages_get_a_chinese_error_page_and_api_gets_json(client: Any) -> None:
    resp = client.get("/no/such/page")
    assert resp.status_code == 404 and "没有找到" in resp.get_data(as_text=True)
    resp = client.get("/api/v1/no-such")
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"


def test_an_oversized_upload_gets_a_413_page(make_app: Any, make: Any) -> None:
    app = make_app(MAX_CONTENT_LENGTH=1024)
    staff = make.staff()
    client = app.test_client()
    web_login(client, staff)
    resp = client.post("/admin/courses/upload", data={"package": (__import__("io").BytesIO(b"x" * 4096), "a.zip")},
                       content_type="multipart/form-data")
    assert resp.status_code == 413 and "文件过大" in resp.get_data(as_text=True)


def test_disabling_an_account_ends_its_sessions_and_is_audited(app: Any, db: Any, world: Any) -> None:
    from sqlalchemy import select

    from lms.audit import AuditEntry
    alice = app.test_client()
    login(alice, world["alice"].id_number)
    assert alice.get("/api/v1/me").status_code == 200
    staff = app.test_client()
    web_login(staff, world["bureau"])
    assert staff.post(f"/admin/people/{world['alice'].id}/active/0").status_code == 302
    assert alice.get("/api/v1/me").status_code == 401
    actions = db.scalars(select(AuditEntry.action)).all()
    assert "account.deactivate" in actions
