"""消息: a person's messages (the header shows how many are unread), and their e-mail address on the profile."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..db import get_session, transaction
from ..errors import InvalidFields, InvalidInput
from .operations import inbox, mark_all_read, mark_read, set_email, unread_count

bp = Blueprint("messages", __name__)


@bp.app_context_processor
def unread_messages() -> dict[str, Any]:
    """unread_messages(): the signed-in account's unread count, for the page header (asked only by pages that show
    the header to someone signed in)."""
    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return unread_count(get_session(), current_user.id)
    return {"unread_messages": count}


def _checked() -> None:
    if not FlaskForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")


@bp.get("/messages")
@login_required
def inbox_page() -> Any:
    """The account's messages, unread first."""
    s = get_session()
    return render_template("messages/inbox.html", messages=inbox(s, current_user.id), form=FlaskForm())


@bp.post("/messages/<int:message_id>/read")
@login_required
def read(message_id: int) -> Any:
    """Mark one message read; then open what it is about when asked (?open=1)."""
    _checked()
    with transaction() as s:
        msg = mark_read(s, current_user, message_id)
        link = msg.link
    if request.form.get("open") == "1" and link:
        return redirect(link)
    return redirect(url_for("messages.inbox_page"))


@bp.post("/messages/read-all")
@login_required
def read_all() -> Any:
    """Mark every message read."""
    _checked()
    with transaction() as s:
        n = mark_all_read(s, current_user)
    flash(f"已将 {n} 条消息标为已读" if n else "没有未读消息", "success")
    return redirect(url_for("messages.inbox_page"))


@bp.post("/profile/email")
@login_required
def email() -> Any:
    """Set or remove one's e-mail address (messages are also sent there; a password can be reset through it)."""
    _checked()
    try:
        with transaction() as s:
            stored = set_email(s, current_user, request.form.get("email", ""))
    except InvalidFields as exc:
        flash(exc.message, "error")
    else:
        flash(f"电子邮箱已设置为 {stored}" if stored else "已删除电子邮箱", "success")
    return redirect(url_for("accounts.profile"))
