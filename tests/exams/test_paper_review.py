"""The paper the candidate's browser receives, and the review after submission (温人社发〔2020〕125号 第十条).

While the paper is open the browser gets each question, its shuffled options and exactly what the candidate
chose — never the key, also when the choices are wrong. After submission the candidate sees what was right,
wrong or unanswered; the correct options and explanations only once the session is over; and the attempts left.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import login

from .conftest import ExamWorld, correct_answers, wrong_answer
from .test_exam import checked_in


def sit_partly_wrong(world: ExamWorld, client: Any) -> tuple[Any, int, dict[int, list[int]], dict[int, list[int]]]:
    """Positions 1–4 right, 5–8 wrong, the rest unanswered; return person, paper id, the key and the choices."""
    person, booking = checked_in(world)
    login(client, person.id_number)
    r = client.post(f"/exams/bookings/{booking.id}/start")
    paper_id = int(r.location.rsplit("/", 1)[1])
    key = correct_answers(world.db, paper_id)
    chosen = {pos: (k if pos <= 4 else wrong_answer(k)) for pos, k in key.items() if pos <= 8}
    for pos, answer in chosen.items():
        assert client.post(f"/api/v1/exams/papers/{paper_id}/answers",
                           json={"position": pos, "answer": answer}).status_code == 200
    return person, paper_id, key, chosen


def test_an_open_paper_answered_partly_wrong_sends_the_choices_and_never_the_key(world: ExamWorld, client: Any) -> None:
    _person, paper_id, key, chosen = sit_partly_wrong(world, client)
    data = client.get(f"/api/v1/exams/papers/{paper_id}").json
    for item in data["items"]:
        assert set(item) == {"position", "kind", "stem", "options", "answer"}
        assert item["answer"] == chosen.get(item["position"], [])  # what was chosen, wrong or not
    assert any(chosen[p] != key[p] for p in chosen)  # the arrangement does hold wrong answers
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    for pos, answer in chosen.items():
        checked = [int(v) for v in _checked_values(page, pos)]
        assert checked == answer
    for text in (str(data), page):
        assert "explanation" not in text and "解析" not in text and "correct" not in text and "正确答案" not in text
    # The review waits for the submission.
    r = client.get(f"/api/v1/exams/papers/{paper_id}/review")
    assert r.status_code == 409 and r.json["error"] == "paper_open"


def _checked_values(page: str, pos: int) -> list[str]:
    import re
    return re.findall(rf'name="q{pos}" value="(\d)" checked', page)


def test_after_submission_the_review_says_what_was_wrong_and_the_key_waits_for_the_session_end(
        world: ExamWorld, client: Any, frozen_clock: Any) -> None:
    _person, paper_id, key, chosen = sit_partly_wrong(world, client)
    result = client.post(f"/api/v1/exams/papers/{paper_id}/submit").json
    assert result["score"] == 40 and result["passed"] is False  # 4 of 10
    r = client.get(f"/api/v1/exams/papers/{paper_id}/review").json
    results = {i["position"]: i["result"] for i in r["review"]["items"]}
    assert results == {p: ("right" if p <= 4 else "wrong" if p <= 8 else "unanswered") for p in key}
    assert r["review"]["counts"] == {"right": 4, "wrong": 4, "unanswered": 2}
    assert r["review"]["key_released"] is False and r["attempts_left"] == 2
    assert all("key" not in i and "explanation" not in i for i in r["review"]["items"])
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    assert "本年度还可报名 <strong id=\"attempts-left\">2</strong> 次" in page
    assert "答错 <strong id=\"wrong-count\">4</strong> 题" in page
    assert "正确答案</span>" not in page and "解析：" not in page
    # Once the session is over (every paper of it closed) the key and the explanations are shown.
    frozen_clock.advance(timedelta(minutes=121).total_seconds())
    r = client.get(f"/api/v1/exams/papers/{paper_id}/review").json
    assert r["review"]["key_released"] is True
    assert {i["position"]: i["key"] for i in r["review"]["items"]} == key
    assert all(i["explanation"] for i in r["review"]["items"])
    page = client.get(f"/exams/papers/{paper_id}").get_data(as_text=True)
    assert page.count("正确答案</span>") >= len(key) and "解析：" in page


def test_someone_else_s_review_is_not_found(world: ExamWorld, client: Any, app: Any) -> None:
    _person, paper_id, _key, _chosen = sit_partly_wrong(world, client)
    client.post(f"/api/v1/exams/papers/{paper_id}/submit")
    other = world.candidate()
    stranger = app.test_client()
    login(stranger, other.id_number)
    assert stranger.get(f"/api/v1/exams/papers/{paper_id}/review").status_code == 404
    assert stranger.get(f"/exams/papers/{paper_id}").status_code == 404
