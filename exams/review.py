"""The result page's review of a submitted paper, and the attempts a candidate has left.

What the candidate sees, and when (the key must not reach a browser while others may still be sitting):
- while the paper is open: the questions, shuffled options and the candidate's own answers (PaperItem.as_json);
- once it is submitted: which questions were right, wrong or unanswered, with the candidate's own choices;
- once the session has ended (every paper of it is then closed): the correct options and the explanation too.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import clock
from lms.accounts.models import Person

from .models import Booking, ExamPaper, ExamPlan
from .operations import ExamSettings
from .standing import attempts_used


def key_released(paper: ExamPaper) -> bool:
    """Whether the paper's key and explanations may be shown: submitted, and its session is over."""
    return paper.status == "submitted" and clock.now() >= paper.booking.session.ends_at


def review(paper: ExamPaper) -> dict[str, Any]:
    """Each item of a submitted paper as the candidate may now see it (nothing before submission)."""
    if paper.status != "submitted":
        raise ValueError("a paper is reviewed only once it is submitted")
    released = key_released(paper)
    items = []
    for item in paper.items:
        entry: dict[str, Any] = {
            "position": item.position, "kind": item.question.kind, "stem": item.question.stem,
            "options": item.shown_options(), "answer": item.chosen,
            "result": "unanswered" if not item.chosen else ("right" if item.correct else "wrong"),
        }
        if released:
            entry["key"] = sorted(item.option_order.index(k) for k in item.question.answer)
            entry["explanation"] = item.question.explanation
        items.append(entry)
    counts = {k: sum(1 for i in items if i["result"] == k) for k in ("right", "wrong", "unanswered")}
    return {"key_released": released, "key_released_at": paper.booking.session.ends_at, "counts": counts,
            "items": items}


def attempts_left(s: Session, person: Person, plan: ExamPlan, settings: ExamSettings) -> int:
    """Bookings of the plan the person may still make (cancelled ones and those before the last pass do not count;
    book_seat() decides)."""
    rows = s.execute(select(Booking.id, Booking.status, ExamPaper.passed)
                     .outerjoin(ExamPaper, ExamPaper.booking_id == Booking.id)
                     .where(Booking.person_id == person.id, Booking.plan_id == plan.id)).all()
    _passed, used = attempts_used([(i, status, passed) for i, status, passed in rows])
    return max(0, settings.max_attempts - used)
