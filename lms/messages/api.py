"""JSON API of one's messages (消息) under /api/v1 (docs/api.md): the same operations as the inbox page (views.py),
for every account — a practitioner told of a decision, a reviewer, a clerk."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_login import current_user

from ..api.hours import iso
from ..db import get_session, transaction
from ..security import NotLoggedIn
from .models import Message
from .operations import inbox, mark_all_read, mark_read, unread_count

bp = Blueprint("messages_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _signed_in() -> None:
    """Every call here is about the signed-in account's own messages."""
    if not current_user.is_authenticated:
        raise NotLoggedIn()


def message_json(m: Message) -> dict[str, Any]:
    return {"id": m.id, "kind": m.kind, "subject": m.subject, "body": m.body, "link": m.link,
            "created_at": iso(m.created_at), "read_at": iso(m.read_at)}


@bp.get("/messages")
def messages() -> Any:
    """My messages, unread first, newest first within each, with the unread count (the header's)."""
    s = get_session()
    return jsonify(unread=unread_count(s, current_user.id),
                   messages=[message_json(m) for m in inbox(s, current_user.id)])


@bp.post("/messages/<int:message_id>/read")
def read(message_id: int) -> Any:
    """Mark one of my messages read (someone else's is a 404); again is harmless."""
    with transaction() as s:
        out = message_json(mark_read(s, current_user, message_id))
        unread = unread_count(s, current_user.id)
    return jsonify(message=out, unread=unread)


@bp.post("/messages/read-all")
def read_all() -> Any:
    """Mark every message of mine read; how many were unread."""
    with transaction() as s:
        marked = mark_all_read(s, current_user)
    return jsonify(marked=marked, unread=0)
