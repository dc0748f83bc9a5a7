"""The random audit of approved claims (issue 12, item 11): a reproducible sample of a year's approved claims in the
bureau's scope, its seed and population recorded, each outcome recorded — on SQLite and PostgreSQL."""
from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from lms import clock
from lms.audit import AuditEntry
from lms.claims.audits import ClaimAudit, ClaimAuditItem, sample_ids
from lms.claims.models import HourClaim
from tests.claims.test_claims import web_login


def test_the_same_seed_draws_the_same_sample_of_claims_ordered_by_id() -> None:
    population = list(range(5, 405, 4))  # 100 claim ids
    first = sample_ids(population, Decimal(10), 20261130)
    assert len(first) == 10 and first == sorted(first) and set(first) <= set(population)
    # The order the ids come in does not matter: the draw runs over them in ascending order.
    assert sample_ids(list(reversed(population)), Decimal(10), 20261130) == first
    assert first == sorted(random.Random(20261130).sample(sorted(population), 10))
    assert sample_ids(population, Decimal(10), 20261131) != first
    # ceil of the share: 10.01 % of 100 is 11 claims; 100 % is all of them; nothing drawn from nothing.
    assert len(sample_ids(population, Decimal("10.01"), 1)) == 11 == math.ceil(Decimal("10.01"))
    assert sample_ids(population, Decimal(100), 1) == population
    assert sample_ids([], Decimal(50), 1) == []
    assert len(sample_ids([7], Decimal("0.01"), 1)) == 1


def approved(make: Any, person: Any, year: int, n: int, status: str = "approved") -> list[int]:
    """Claims straight into the database (the chains are tested on their own)."""
    s = make.s
    now = clock.now()
    ids = []
    for i in range(n):
        c = HourClaim(person_id=person.id, year=year, policy="wenzhou-2020", kind="training", kind_label="培训",
                      rule="第十二条", chain="default", steps=1, facts='{"hours": "8", "start": "2025-02-01"}',
                      title=f"培训{i}", hours_claimed=Decimal(8), status=status,
                      step=1 if status == "approved" else 0,
                      credited_hours=Decimal(8) if status == "approved" else None, filed_by_id=person.id,
                      filed_at=now, updated_at=now)
        s.add(c)
        s.flush()
        ids.append(c.id)
    s.commit()
    return ids


@pytest.fixture
def claims(app: Any, make: Any) -> dict[str, Any]:
    """Approved 2025 claims of two practitioners of 鹿城区, one of 瓯海区 and one of Weihai; pending ones too."""
    inside = make.practitioner("鹿城甲", region="wenzhou-lucheng")
    inside2 = make.practitioner("鹿城乙", region="wenzhou-lucheng")
    ouhai = make.practitioner("瓯海丙", region="wenzhou-ouhai")
    far = make.practitioner("威海丁", region="weihai-huancui")
    ids = approved(make, inside, 2025, 12) + approved(make, inside2, 2025, 8)
    others = approved(make, ouhai, 2025, 5) + approved(make, far, 2025, 5) + approved(make, inside, 2024, 3)
    approved(make, inside, 2025, 4, status="pending")
    return {"lucheng": ids, "others": others, "clerk": make.staff("bureau", "lcaudit", region="wenzhou-lucheng"),
            "colleague": make.staff("bureau", "lcaudit2", region="wenzhou-lucheng"),
            "city": make.staff("bureau", "wzaudit", region="wenzhou"), "person": inside}


def client_of(app: Any, login: str) -> Any:
    c = app.test_client()
    web_login(c, login)
    return c


def test_a_bureau_draws_a_reproducible_sample_of_its_approved_claims_and_records_each_outcome(
        app: Any, db: Any, claims: dict[str, Any]) -> None:
    clerk = client_of(app, "lcaudit")
    page = clerk.get("/claims/audits").get_data(as_text=True)
    assert "2025 年度本机构范围内已认定的申报共 20 项" in page
    resp = clerk.post("/claims/audits", data={"year": "2025", "percent": "25", "seed": "424242"})
    assert resp.status_code == 302
    db.rollback()
    a = db.scalars(select(ClaimAudit)).one()
    assert (a.year, a.percent, a.seed, a.population, a.sample_size) == (2025, Decimal(25), 424242, 20, 5)
    items = db.scalars(select(ClaimAuditItem).order_by(ClaimAuditItem.claim_id)).all()
    expected = sorted(random.Random(424242).sample(sorted(claims["lucheng"]), 5))
    assert [i.claim_id for i in items] == expected  # only the bureau's territory, only approved, only 2025
    # The same seed over the same claims draws the same sample again.
    assert clerk.post("/claims/audits", data={"year": "2025", "percent": "25", "seed": "424242"}).status_code == 302
    db.rollback()
    second = db.scalars(select(ClaimAudit).order_by(ClaimAudit.id.desc())).first()
    assert second.population_digest == a.population_digest
    assert [i.claim_id for i in db.scalars(select(ClaimAuditItem).where(ClaimAuditItem.audit_id == second.id)
                                           .order_by(ClaimAuditItem.claim_id))] == expected
    # No seed given: one is drawn and recorded, and it reproduces the sample it drew.
    assert clerk.post("/claims/audits", data={"year": "2025", "percent": "25", "seed": ""}).status_code == 302
    db.rollback()
    third = db.scalars(select(ClaimAudit).order_by(ClaimAudit.id.desc())).first()
    drawn = [i.claim_id for i in db.scalars(select(ClaimAuditItem).where(ClaimAuditItem.audit_id == third.id))]
    assert sorted(drawn) == sample_ids(claims["lucheng"], Decimal(25), third.seed)
    listing = clerk.get("/claims/audits").get_data(as_text=True)
    assert "随机种子 424242" in listing and f"随机种子 {third.seed}" in listing
    # Outcomes: one confirmed, one found forged (item 7) — each recorded with who and when.
    first, second_item = items[0], items[1]
    assert clerk.post(f"/claims/audits/{a.id}/items/{first.id}/confirm", data={"note": "原件核对无误"}).status_code == 302
    colleague = client_of(app, "lcaudit2")
    found = colleague.post(f"/claims/{second_item.claim_id}/finding", data={"finding": "培训证明系伪造，主办方出具说明"})
    assert found.status_code == 302
    db.rollback()
    first, second_item = db.get(ClaimAuditItem, first.id), db.get(ClaimAuditItem, second_item.id)
    assert (first.outcome, first.note, first.decided_by_id) == ("confirmed", "原件核对无误", claims["clerk"].id)
    assert (second_item.outcome, second_item.decided_by_id) == ("finding", claims["colleague"].id)
    assert second_item.finding_id is not None
    # Decided once; the audit page shows the counts.
    assert clerk.post(f"/claims/audits/{a.id}/items/{first.id}/confirm", data={}).status_code == 302
    page = clerk.get(f"/claims/audits/{a.id}").get_data(as_text=True)
    assert "复查无误 1" in page and "查实虚假材料 1" in page and "待复查 3" in page and "424242" in page
    # The claim found forged leaves the population of later draws.
    assert "已认定的申报共 19 项" in clerk.get("/claims/audits").get_data(as_text=True)
    actions = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.action.like("claim.audit%")))]
    assert actions.count("claim.audit_draw") == 3 and actions.count("claim.audit_confirm") == 1


def test_another_bureau_reads_but_does_not_decide_a_draw_and_bad_draws_are_refused(
        app: Any, db: Any, claims: dict[str, Any]) -> None:
    clerk = client_of(app, "lcaudit")
    for bad in ({"year": "2025", "percent": "0", "seed": ""}, {"year": "2025", "percent": "100.01", "seed": ""},
                {"year": "1999", "percent": "10", "seed": ""}, {"year": "2025", "percent": "10", "seed": "-1"},
                {"year": "2025", "percent": "NaN", "seed": "abc"}):
        resp = clerk.post("/claims/audits", data=bad)
        assert resp.status_code == 200 and 'class="error"' in resp.get_data(as_text=True), bad
    db.rollback()
    assert db.scalars(select(ClaimAudit)).all() == []
    assert clerk.post("/claims/audits", data={"year": "2025", "percent": "100", "seed": "1"}).status_code == 302
    db.rollback()
    a = db.scalars(select(ClaimAudit)).one()
    assert a.sample_size == 20
    item = db.scalars(select(ClaimAuditItem)).first()
    city = client_of(app, "wzaudit")  # the city's bureau reads the county's draw, but the county re-checks it
    assert city.get(f"/claims/audits/{a.id}").status_code == 200
    assert city.post(f"/claims/audits/{a.id}/items/{item.id}/confirm", data={}).status_code == 403
    db.rollback()
    assert db.get(ClaimAuditItem, item.id).outcome is None
