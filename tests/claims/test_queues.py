"""Reviewer queues (issue 12 item 10): what waits at the reviewer's step within their scope, oldest first, with its
age and counts; filters by kind, year and employer; a selection approved at once, each claim on its own."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.claims.models import HourClaim
from lms.hours.models import HoursEntry
from lms.messages.models import Message
from tests.claims.test_claims import decide, employ, file, web_login


@pytest.fixture
def world(app: Any, make: Any) -> dict[str, Any]:
    """Two Wenzhou 教育 practitioners of two employers in 鹿城区, the city's 教育 authority (the one step of the
    Wenzhou chain, 温 第十二条), and the 卫生 authority (another industry: another scope)."""
    school = make.org("employer", "wenzhou-lucheng", "鹿城一中", industry="教育")
    other_school = make.org("employer", "wenzhou-lucheng", "鹿城二中", industry="教育")
    a = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    b = make.practitioner("林老师", region="wenzhou-lucheng", industry="教育")
    employ(make, a, school)
    employ(make, b, other_school)
    make.staff("authority", "jyj", org=make.org("authority", "wenzhou", "温州市教育局", industry="教育"))
    make.staff("authority", "wsj", org=make.org("authority", "wenzhou", "温州市卫生健康委员会", industry="卫生"))
    return {"a": a, "b": b, "school": school, "other_school": other_school}


def client_of(app: Any, login: str) -> Any:
    c = app.test_client()
    web_login(c, login)
    return c


def claims(db: Any) -> list[HourClaim]:
    db.rollback()
    db.expire_all()
    return list(db.scalars(select(HourClaim).order_by(HourClaim.id)))


def listed(page: str) -> list[str]:
    """The titles of the queue's list, in order."""
    import re
    body = page.split('id="queue"')[1].split("</ol>")[0]
    return re.findall(r"<strong>([^<]+)</strong>", body)


def file_three(app: Any, world: dict[str, Any], frozen_clock: Any) -> list[HourClaim]:
    a, b = client_of(app, world["a"].id_number), client_of(app, world["b"].id_number)
    assert file(a, "training", start="2026-02-01", hours="8").status_code == 302
    frozen_clock.advance(3 * 86400)
    assert file(b, "paper", start="2025-11-10", hours="10", item_id="doi:10.1/b").status_code == 302
    frozen_clock.advance(2 * 86400)
    assert file(a, "paper", start="2026-01-10", hours="12", item_id="doi:10.1/a").status_code == 302
    frozen_clock.advance(3600)
    return []


def test_the_queue_lists_oldest_first_with_age_counts_and_filters(app: Any, db: Any, world: dict[str, Any],
                                                                  frozen_clock: Any) -> None:
    file_three(app, world, frozen_clock)
    first, second, third = claims(db)
    r = client_of(app, "jyj")
    page = r.get("/claims/review").get_data(as_text=True)
    assert listed(page) == [first.title, second.title, third.title]
    assert "共 <strong>3</strong> 项" in page and "最早的已等待 <strong>5</strong> 天" in page
    ages = [part.split(" 天")[0] for part in page.split('class="age">已等待 ')[1:]]
    assert ages == ["5", "2", "0"]
    by_kind = r.get("/claims/review?kind=paper").get_data(as_text=True)
    assert listed(by_kind) == [second.title, third.title] and "符合筛选条件 <strong>2</strong> 项" in by_kind
    assert listed(r.get("/claims/review?year=2025").get_data(as_text=True)) == [second.title]
    by_employer = r.get(f"/claims/review?employer={world['school'].id}").get_data(as_text=True)
    assert listed(by_employer) == [first.title, third.title]
    assert "鹿城一中（2）" in by_employer and "鹿城二中（1）" in by_employer
    assert listed(r.get("/claims/review?kind=paper&year=2026").get_data(as_text=True)) == [third.title]
    assert r.get("/claims/review?year=abc").status_code == 400
    # Another industry's authority sees none of them; the home page sums the queue up.
    assert listed(client_of(app, "wsj").get("/claims/review").get_data(as_text=True)) == []
    home = r.get("/org").get_data(as_text=True)
    assert 'id="claims-waiting"' in home and "<strong>3</strong> 项等待本机构审核" in home
    assert "最早的已等待 <strong>5</strong> 天" in home


def test_a_claim_that_changed_meanwhile_is_reported_and_the_rest_of_the_selection_is_approved(
        app: Any, db: Any, world: dict[str, Any], frozen_clock: Any) -> None:
    """Each picked claim is decided in its own savepoint with the version the reviewer saw."""
    file_three(app, world, frozen_clock)
    first, second, third = claims(db)
    r = client_of(app, "jyj")
    page = r.get("/claims/review").get_data(as_text=True)
    picks = [f"{c.id}:{c.version}" for c in (first, second, third)]
    assert all(f'value="{p}"' in page for p in picks)
    # Meanwhile a colleague returns the second one.
    assert decide(client_of(app, "jyj"), second, "return", "请补充刊物封面").status_code == 302
    resp = r.post("/claims/review/approve", data={"pick": picks})
    assert resp.status_code == 302
    after = r.get(resp.headers["Location"]).get_data(as_text=True)
    assert "批量审核：2 项已通过，1 项未处理" in after
    assert f"{second.title}：该申报在您查看之后已有变化" in after
    assert f"{first.title}：已认定并登记 8 学时" in after and f"{third.title}：已认定并登记 12 学时" in after
    first, second, third = claims(db)
    assert [c.status for c in (first, second, third)] == ["approved", "returned", "approved"]
    assert db.scalar(select(func.sum(HoursEntry.hours))) == Decimal(20)
    approvals = set(db.scalars(select(AuditEntry.target_id).where(AuditEntry.action == "claim.approve")))
    assert approvals == {str(first.id), str(third.id)}
    subjects = sorted(db.scalars(select(Message.subject)))
    assert subjects == ["学时认证已认定：12 学时", "学时认证已认定：8 学时", "学时认证被退回修改"]
    # The same selection again: nothing is approved twice.
    again = r.get(r.post("/claims/review/approve", data={"pick": picks}).headers["Location"]).get_data(as_text=True)
    assert "批量审核：0 项已通过，3 项未处理" in again
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 2


def test_a_selection_outside_the_reviewers_scope_or_malformed_approves_nothing(
        app: Any, db: Any, world: dict[str, Any], frozen_clock: Any) -> None:
    file_three(app, world, frozen_clock)
    first, _, _ = claims(db)
    w = client_of(app, "wsj")
    page = w.get(w.post("/claims/review/approve", data={"pick": [f"{first.id}:{first.version}"]})
                 .headers["Location"]).get_data(as_text=True)
    assert f"申报 {first.id}：没有找到该申报" in page and first.title not in page
    r = client_of(app, "jyj")
    assert r.post("/claims/review/approve", data={"pick": ["1:x"]}).status_code == 400
    assert r.post("/claims/review/approve", data={"pick": [f"{first.id}:99999999999"]}).status_code == 400
    assert r.post("/claims/review/approve", data={}).status_code == 400
    assert [c.status for c in claims(db)] == ["pending"] * 3
