"""Transfer-in of hours from another region in every region (issue 12 item 6; 威人社字〔2022〕2号 三, and the platform's
reading where a document is silent): filed by the practitioner with the former region's certificate, verified by one
clerk of the HR bureau and approved by another clerk of the same bureau, merged once per certificate number — in the
operation and in the schema — on SQLite and PostgreSQL."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from lms.claims.models import ClaimStep, HourClaim
from lms.errors import NotAllowed
from lms.hours.models import HoursEntry
from tests.claims.test_claims import PDF, post_multipart, web_login

REGIONS = [
    pytest.param("wenzhou-lucheng", "学时", "浙人社发〔2016〕63号 第十三条、第八条", id="wenzhou"),
    pytest.param("hangzhou", "学时", "浙人社发〔2016〕63号 第十三条、第八条", id="zhejiang"),
    pytest.param("tonglu", "学分", "桐人社发〔2018〕26号 第七条", id="tonglu"),
    pytest.param("weihai-huancui", "学时", "威人社字〔2022〕2号 三", id="weihai"),
    pytest.param("chengdu-wuhou", "学时", "川人社发〔2016〕20号 二(二)、二(三)", id="sichuan"),
]


def client(app: Any, login: str) -> Any:
    c = app.test_client()
    web_login(c, login)
    return c


def file_transfer(c: Any, number: str, hours: str = "24") -> Any:
    # The certificate covers January: in Tonglu it is long past 第十三条2's 60 days, which bind activities only.
    return post_multipart(c, "/me/claims/new?kind=transfer_in", {
        "start": "2026-01-05", "end": "2026-01-20", "subject": "professional", "hours": hours, "item_id": number,
        "evidence": [(io.BytesIO(PDF), "调出地继续教育学时证明.pdf")]})


def approve(c: Any, claim: HourClaim) -> Any:
    return c.post(f"/claims/{claim.id}/decide", data={"decision": "approve", "reason": "", "version": claim.version})


def fresh(db: Any, claim_id: int) -> HourClaim:
    db.rollback()
    claim = db.get(HourClaim, claim_id)
    assert claim is not None
    return claim


@pytest.mark.parametrize(("region", "unit", "hours_rule"), REGIONS)
def test_each_region_merges_a_transfer_verified_and_approved_by_two_clerks_of_one_bureau_once_per_certificate(
        app: Any, db: Any, make: Any, region: str, unit: str, hours_rule: str) -> None:
    p = make.practitioner("孙医生", region=region)
    first, second = make.staff("bureau", "hra", region=region), make.staff("bureau", "hrb", region=region)
    me = client(app, p.id_number)
    assert "外地调入合并" in me.get("/me/claims").get_data(as_text=True)
    form = me.get("/me/claims/new?kind=transfer_in").get_data(as_text=True)
    assert "调出地学时证明编号" in form and "另一名工作人员" in form and f"认定数额（{unit}）" in form
    assert file_transfer(me, "外省-2026-00017").status_code == 302
    db.rollback()
    claim = db.scalars(select(HourClaim)).one()
    assert (claim.kind, claim.chain, claim.steps, claim.item_id) == ("transfer_in", "transfer_in", 2, "外省-2026-00017")
    a, b = client(app, "hra"), client(app, "hrb")
    assert approve(a, claim).status_code == 302  # step 1: the first clerk verifies the certificate
    claim = fresh(db, claim.id)
    assert (claim.status, claim.step) == ("pending", 1)
    # The same clerk is refused at the second step: by the page (not in the queue, no form, nothing changes) ...
    assert claim.title not in a.get("/claims/review").get_data(as_text=True).split('id="queue"')[1]
    assert "提交审核意见" not in a.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert approve(a, claim).status_code == 302
    claim = fresh(db, claim.id)
    assert (claim.status, claim.step) == ("pending", 1)
    # ... and by the operation, whatever calls it.
    from lms.claims.operations import decide
    with app.test_request_context(), pytest.raises(NotAllowed, match="两人核批"):
        decide(db, first, claim.id, version=claim.version, decision="approve")
    claim = fresh(db, claim.id)
    assert db.scalar(select(func.count()).select_from(HoursEntry).where(HoursEntry.person_id == p.id)) == 0
    # Another clerk of the same bureau approves: merged, in the bureau's name, with the article the hours count under.
    assert approve(b, claim).status_code == 302
    claim = fresh(db, claim.id)
    assert (claim.status, claim.credited_hours) == ("approved", Decimal(24))
    entry = db.scalars(select(HoursEntry).where(HoursEntry.person_id == p.id)).one()
    assert (entry.hours, entry.category, entry.registered_by_id) == (Decimal(24), "professional", second.id)
    assert hours_rule in (entry.rule or "")
    steps = db.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version)).all()
    assert [(s.decision, s.actor_id, s.follows_actor_id) for s in steps] == [
        ("submit", p.id, None), ("approve", first.id, p.id), ("approve", second.id, first.id)]
    # The same certificate number is merged once, whoever files it again.
    other = make.practitioner("钱医生", region=region)
    again = file_transfer(client(app, other.id_number), "外省-2026-00017", hours="30")
    assert "同一证明只能合并一次" in again.get_data(as_text=True)
    assert "同一证明只能合并一次" in file_transfer(me, "外省-2026-00017").get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 1
    assert db.scalar(select(func.sum(HoursEntry.hours)).where(HoursEntry.person_id == p.id)) == Decimal(24)


def test_the_schema_refuses_an_approval_by_the_account_it_follows_or_naming_a_step_that_is_not_there(
        app: Any, db: Any, make: Any) -> None:
    """claim_step.four_eyes and fk_claim_step_follows: an approval on a four-eyes chain names the row it follows;
    the database proves that row's actor is real and differs from the approver."""
    p = make.practitioner("孙医生", region="chengdu-wuhou")
    first, second = make.staff("bureau", "hra", region="chengdu-wuhou"), make.staff("bureau", "hrb", region="chengdu-wuhou")
    assert file_transfer(client(app, p.id_number), "外省-2026-9").status_code == 302
    db.rollback()
    claim = db.scalars(select(HourClaim)).one()
    assert approve(client(app, "hra"), claim).status_code == 302
    db.rollback()
    step = db.scalars(select(ClaimStep).where(ClaimStep.decision == "approve")).one()
    assert (step.follows_version, step.follows_actor_id) == (1, p.id)
    bad = {
        "the approver is the one it follows": "actor_id = follows_actor_id",
        "it names someone who did not act there": f"follows_actor_id = {second.id}",
        "it names a version that is not the one before": "follows_version = 2",
        "a filing names a row": "decision = 'submit', facts = '{}'",
    }
    for why, change in bad.items():
        with pytest.raises(IntegrityError):
            db.execute(text(f"UPDATE claim_step SET {change} WHERE id = :id"), {"id": step.id})
            db.flush()
        db.rollback()
        assert db.get(ClaimStep, step.id).actor_id == first.id, why
