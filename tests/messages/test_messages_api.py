"""One's messages through the API (/api/v1/messages, docs/api.md): the inbox page's operations, for any signed-in
account, on SQLite and PostgreSQL; someone else's message is a 404 and stays unread."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.messages.models import Message
from tests.claims.test_oversight_api import described
from tests.conftest import login
from tests.messages.test_messages import tell

API = "/api/v1"


def signed_in(app: Any, name: str) -> Any:
    c = app.test_client()
    assert login(c, name).status_code == 200
    return c


def test_the_inbox_lists_unread_first_with_the_count_and_reading_lowers_it(app: Any, db: Any, make: Any,
                                                                           frozen_clock: Any) -> None:
    p = make.practitioner("陈老师")
    first = tell(app, db, p, subject="审核通过", link="/me/claims")
    frozen_clock.advance(60)
    second = tell(app, db, p, subject="退回修改", link=None)
    assert first is not None and second is not None
    me = signed_in(app, p.id_number)
    body = described(me.get(f"{API}/messages"), 200, "Messages")
    assert body["unread"] == 2
    assert [m["subject"] for m in body["messages"]] == ["退回修改", "审核通过"]  # newest first among the unread
    assert body["messages"][1] == {"id": first.id, "kind": "notice", "subject": "审核通过", "body": "您的申报已审核通过。",
                                   "link": "/me/claims", "created_at": body["messages"][1]["created_at"],
                                   "read_at": None}
    assert body["messages"][1]["created_at"].endswith("Z")
    got = me.post(f"{API}/messages/{second.id}/read")
    assert described(got, 200, "MessageRead")["unread"] == 1
    assert got.get_json()["message"]["read_at"].endswith("Z")
    # Read again: harmless, the time it was first read stays.
    again = me.post(f"{API}/messages/{second.id}/read").get_json()
    assert again["message"]["read_at"] == got.get_json()["message"]["read_at"] and again["unread"] == 1
    # The read one moves behind the unread one.
    assert [m["id"] for m in me.get(f"{API}/messages").get_json()["messages"]] == [first.id, second.id]
    assert described(me.post(f"{API}/messages/read-all"), 200, "MessagesReadAll") == {"marked": 1, "unread": 0}
    assert me.post(f"{API}/messages/read-all").get_json() == {"marked": 0, "unread": 0}


def test_staff_read_their_own_messages_too(app: Any, db: Any, make: Any) -> None:
    clerk = make.staff("bureau", "lcmsg", region="wenzhou-lucheng")
    tell(app, db, clerk, subject="有新的申报待审核")
    body = signed_in(app, "lcmsg").get(f"{API}/messages").get_json()
    assert body["unread"] == 1 and body["messages"][0]["subject"] == "有新的申报待审核"


def test_someone_elses_message_is_not_found_and_stays_unread(app: Any, db: Any, make: Any) -> None:
    owner, other = make.practitioner("陈老师"), make.practitioner("李老师")
    msg = tell(app, db, owner)
    assert msg is not None
    intruder = signed_in(app, other.id_number)
    resp = intruder.post(f"{API}/messages/{msg.id}/read")
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found" and resp.get_json()["message"]
    assert intruder.get(f"{API}/messages").get_json() == {"unread": 0, "messages": []}
    assert intruder.post(f"{API}/messages/read-all").get_json()["marked"] == 0
    db.rollback()
    assert db.scalar(select(Message.read_at).where(Message.id == msg.id)) is None
    anon = app.test_client()
    assert anon.get(f"{API}/messages").status_code == 401
    assert anon.post(f"{API}/messages/{msg.id}/read").get_json()["error"] == "login_required"


def test_a_message_id_past_the_column_range_or_not_a_number_is_a_404_not_a_500(app: Any, make: Any) -> None:
    p = make.practitioner("陈老师")
    me = signed_in(app, p.id_number)
    for raw in ("2147483648", "99999999999999999999", "0", "-1", "abc"):
        resp = me.post(f"{API}/messages/{raw}/read")
        assert resp.status_code == 404, raw
        assert resp.get_json()["error"] == "not_found"
    # A body that claims to be JSON and is not: a 400 in Chinese, nothing marked.
    bad = me.post(f"{API}/messages/read-all", data="not json", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_input" and "JSON" in bad.get_json()["message"]
