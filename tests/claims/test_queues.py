"""Reviewer queues (issue 12 item 10): what waits at the reviewer's step within their scope, oldest first, with its
age and counts; filters by kind, year and employer; a selection approved at once, each claim on its own."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.claims.models import HourClaim
from lms.hours.models import HoursEntry
from lms.messages.models import Message
from lms.orgs.models import Organisation
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


# ---- the queue is exactly what the reviewer may decide --------------------------------------------------------

def _claim(db: Any, person: Any, policy: str, chain: str, steps: int, step: int, status: str = "pending",
           kind: str = "training", days: int = 0, history: tuple[tuple[str, Any, int], ...] = ()) -> HourClaim:
    """A claim straight into the database at a step of its chain, with its filing and decisions (decision, actor,
    step) as ClaimStep rows, one version each."""
    from lms import clock
    from lms.claims.models import ClaimStep
    at = clock.now() - timedelta(days=days)
    c = HourClaim(person_id=person.id, year=2026, policy=policy, kind=kind, kind_label=kind, rule="第十二条",
                  chain=chain, steps=steps, facts="{}", title=f"{policy}-{chain}-{step}-{status}-{person.name}-{days}",
                  hours_claimed=Decimal(8), status=status, step=step, version=1 + len(history),
                  credited_hours=Decimal(8) if status == "approved" else None, filed_by_id=person.id,
                  filed_at=at, updated_at=at)
    db.add(c)
    db.flush()
    rows = history or (("submit", person, 0),)
    for version, (decision, actor, at_step) in enumerate(rows, start=1):
        follows = rows[version - 2][1] if decision == "approve" else None  # a four-eyes approval names the row before
        db.add(ClaimStep(claim_id=c.id, version=version, step=at_step, level="审核", decision=decision,
                         reason="请补充" if decision in ("return", "reject") else None, actor_id=actor.id,
                         org_id=actor.org_id, org_name=None, facts="{}" if decision in ("submit", "resubmit") else None,
                         at=at, follows_version=version - 1 if follows else None,
                         follows_actor_id=follows.id if follows else None))
        db.flush()
    db.commit()
    return c


@pytest.fixture
def chains(app: Any, make: Any, db: Any) -> dict[str, Any]:
    """Claims of three regions' chains at every step, in and out of each reviewer's scope, pending or not, and
    Weihai's transferred hours (four eyes) before and after a clerk's first approval and a return and refiling."""
    wz = make.practitioner("温教", region="wenzhou-lucheng", industry="教育")
    wz_health = make.practitioner("温卫", region="wenzhou-lucheng", industry="卫生健康")
    tl = make.practitioner("桐教", region="tonglu", industry="教育")
    tl_health = make.practitioner("桐卫", region="tonglu", industry="卫生健康")
    wh = make.practitioner("威环", region="weihai-huancui", industry="教育")
    wh_other = make.practitioner("威文", region="weihai-wendeng", industry="教育")
    employ(make, wh, make.org("employer", "weihai-huancui", "环翠一中", industry="教育"))
    who = {
        "jyj": make.staff("authority", "jyj", org=make.org("authority", "wenzhou", "温州市教育局", industry="教育")),
        "wsj": make.staff("authority", "wsj", org=make.org("authority", "wenzhou", "温州市卫生健康委员会",
                                                            industry="卫生健康")),
        "wzhr": make.staff("bureau", "wzhr", region="wenzhou"),
        "tljy": make.staff("authority", "tljy", org=make.org("authority", "tonglu", "桐庐县教育局", industry="教育")),
        "tlhr": make.staff("bureau", "tlhr", region="tonglu"),
        "whjy": make.staff("authority", "whjy", org=make.org("authority", "weihai", "威海市教育局", industry="教育")),
        "whemp": make.staff("employer", "whemp", org=db.scalar(select(Organisation).where(
            Organisation.name == "环翠一中"))),
        "whhr1": make.staff("bureau", "whhr1", region="weihai"),
        "whhr2": make.staff("bureau", "whhr2", region="weihai"),
        "hchr": make.staff("bureau", "hchr", region="weihai-huancui"),
    }
    c = {
        "wz": _claim(db, wz, "wenzhou-2020", "default", 1, 0, days=9),
        "wz_health": _claim(db, wz_health, "wenzhou-2020", "default", 1, 0, days=8),
        "wz_returned": _claim(db, wz, "wenzhou-2020", "default", 1, 0, status="returned", days=7),
        "wz_approved": _claim(db, wz, "wenzhou-2020", "default", 1, 1, status="approved", days=6),
        "tl_0": _claim(db, tl, "tonglu-2018", "default", 2, 0, days=5),
        "tl_1": _claim(db, tl, "tonglu-2018", "default", 2, 1, days=4),
        "tl_health_0": _claim(db, tl_health, "tonglu-2018", "default", 2, 0, days=3),
        "wh_0": _claim(db, wh, "weihai-2022", "default", 3, 0, days=2),
        "wh_other_0": _claim(db, wh_other, "weihai-2022", "default", 3, 0, days=2),
        "wh_1": _claim(db, wh, "weihai-2022", "default", 3, 1, days=1),
        "wh_other_2": _claim(db, wh_other, "weihai-2022", "default", 3, 2, days=1),
        "tr_0": _claim(db, wh, "weihai-2022", "transfer_in", 2, 0, kind="transfer_in"),
        "tr_1": _claim(db, wh, "weihai-2022", "transfer_in", 2, 1, kind="transfer_in",
                       history=(("submit", wh, 0), ("approve", who["whhr1"], 0))),
        "tr_refiled": _claim(db, wh, "weihai-2022", "transfer_in", 2, 1, kind="transfer_in",
                             history=(("submit", wh, 0), ("approve", who["whhr1"], 0), ("return", who["whhr2"], 1),
                                      ("resubmit", wh, 0), ("approve", who["whhr2"], 0))),
    }
    return {"who": who, "claims": c}


def test_the_queue_holds_exactly_the_claims_at_the_reviewers_step_within_scope(
        app: Any, db: Any, chains: dict[str, Any]) -> None:
    """Step by step and scope by scope: each reviewer's queue is its step's pending claims of persons it covers, no
    more (another industry, another county, a claim before or past its step, returned or approved, a four-eyes claim
    whose earlier step the reviewer took or another bureau took), and it agrees on every claim with what the queue
    was before it became one query: the claims of persons in scope that may_decide lets the reviewer decide."""
    from lms.accounts.models import Person
    from lms.claims.operations import may_decide
    from lms.claims.queues import queue_for
    from lms.orgs.scope import covers_person
    expected = {
        "jyj": {"wz"}, "wsj": {"wz_health"}, "wzhr": set(),
        "tljy": {"tl_0"}, "tlhr": {"tl_1"},
        "whemp": {"wh_0"}, "whjy": {"wh_1"},
        # 威 三: the HR bureau of the territory takes both steps of a transfer, two different clerks of one bureau.
        "whhr1": {"wh_other_2", "tr_0", "tr_refiled"},
        "whhr2": {"wh_other_2", "tr_0", "tr_1"},
        "hchr": {"tr_0"},
    }
    claims = chains["claims"]
    name_of = {c.id: name for name, c in claims.items()}
    every = db.scalars(select(HourClaim)).all()
    for login, want in expected.items():
        actor = chains["who"][login]
        with app.test_request_context():
            q = queue_for(db, actor)
            decidable = {name_of[c.id] for c in every
                         if may_decide(db, actor, c) and covers_person(db, actor, db.get(Person, c.person_id))}
        got = [name_of[i.claim.id] for i in q.items]
        assert set(got) == want == decidable, login
        assert q.total == q.matched == len(want) and len(got) == len(set(got)), login
        assert got == sorted(got, key=lambda n: (claims[n].updated_at, claims[n].id)), login
        assert sum(n for _, _, n in q.kinds) == sum(n for _, n in q.years) == len(want), login
    whhr1 = chains["who"]["whhr1"]
    with app.test_request_context():
        kinds = queue_for(db, whhr1).kinds
    assert sorted((k, n) for k, _, n in kinds) == [("training", 1), ("transfer_in", 2)]


def test_the_queue_turns_pages_of_its_oldest_first_and_counts_them_all(
        app: Any, db: Any, chains: dict[str, Any], monkeypatch: Any) -> None:
    from lms.claims import queues
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    whhr1 = chains["who"]["whhr1"]
    claims = chains["claims"]
    with app.test_request_context():
        first, second, past = (queues.queue_for(db, whhr1, page=n) for n in (1, 2, 99))
    oldest = sorted(("wh_other_2", "tr_0", "tr_refiled"), key=lambda n: (claims[n].updated_at, claims[n].id))
    assert [i.claim.id for i in first.items] == [claims[n].id for n in oldest[:2]]
    assert [i.claim.id for i in second.items] == [claims[oldest[2]].id]
    assert (past.page, [i.claim.id for i in past.items]) == (2, [claims[oldest[2]].id])
    assert first.total == first.matched == 3 and first.pages == 2
    c = client_of(app, "whhr1")
    page = c.get("/claims/review?page=2").get_data(as_text=True)
    assert listed(page) == [claims[oldest[2]].title] and "第 2 / 2 页" in page
    assert c.get("/api/v1/claims/review?page=2").get_json()["count"] == 3
