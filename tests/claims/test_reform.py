"""What is left of the hand entry (issue 12, item 6): corrections and transferred hours, each decided by a second
account of the same organisation (four eyes) — on SQLite and PostgreSQL."""
from __future__ import annotations

import io
import re
import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from lms.audit import AuditEntry
from lms.claims.corrections import HoursCorrection
from lms.claims.models import ClaimStep, HourClaim
from lms.hours.models import HoursEntry
from lms.hours.operations import register_hours, totals
from tests.claims.test_claims import PDF, employ, post_multipart, web_login


def bank(db: Any, person: Any) -> Decimal:
    db.rollback()
    return Decimal(db.scalar(select(func.coalesce(func.sum(HoursEntry.hours), 0))
                             .where(HoursEntry.person_id == person.id)))


@pytest.fixture
def lucheng(app: Any, make: Any, db: Any) -> dict[str, Any]:
    """A Wenzhou practitioner with 18 general public hours from the exam; two clerks of 鹿城区, one of the city."""
    p = make.practitioner("赵老师", region="wenzhou-lucheng")
    entry = register_hours(db, person_id=p.id, year=2026, category="general_public", hours=Decimal(18),
                           source_type="exam", source_ref="reform-1", title="一般公需科目考试合格",
                           org="温州市人力资源和社会保障局", rule="温人社发〔2020〕125号 第十条")
    assert entry is not None
    db.commit()
    return {"p": p, "entry": entry, "a": make.staff("bureau", "lca", region="wenzhou-lucheng"),
            "b": make.staff("bureau", "lcb", region="wenzhou-lucheng"),
            "city": make.staff("bureau", "wzc", region="wenzhou")}


def client_of(app: Any, login: str) -> Any:
    c = app.test_client()
    web_login(c, login)
    return c


def file_correction(c: Any, person: Any, entry: Any, hours: str, reason: str = "考试成绩登记重复，核减") -> Any:
    return c.post(f"/admin/people/{person.id}/corrections/new",
                  data={"entry_id": str(entry.id), "hours": hours, "reason": reason})


def decide_correction(c: Any, correction: Any, decision: str = "approve", reason: str = "") -> Any:
    return c.post(f"/admin/corrections/{correction.id}/decide", data={"decision": decision, "reason": reason})


def test_a_correction_counts_only_when_another_clerk_of_the_same_bureau_approves_it(
        app: Any, db: Any, lucheng: dict[str, Any]) -> None:
    p, entry = lucheng["p"], lucheng["entry"]
    a, b, city = (client_of(app, login) for login in ("lca", "lcb", "wzc"))
    assert file_correction(a, p, entry, "6").status_code == 302
    db.rollback()
    c = db.scalars(select(HoursCorrection)).one()
    assert (c.status, c.hours, c.filed_by_id) == ("pending", Decimal(-6), lucheng["a"].id)
    assert bank(db, p) == Decimal(18)  # nothing counts before the second pair of eyes
    # The filer can never approve it; a clerk of another bureau (the city's, above) cannot either.
    assert decide_correction(a, c).status_code == 403
    assert decide_correction(city, c).status_code == 403
    assert "提交更正的人不能复核" in a.get("/admin/corrections").get_data(as_text=True)
    db.rollback()
    assert db.get(HoursCorrection, c.id).status == "pending" and bank(db, p) == Decimal(18)
    # The operation refuses it too, whatever page calls it.
    from lms.claims.corrections import decide_correction as decide_op
    from lms.errors import NotAllowed
    with app.test_request_context(), pytest.raises(NotAllowed, match="两人核批"):
        decide_op(db, lucheng["a"], c.id, decision="approve")
    db.rollback()
    assert decide_correction(b, c).status_code == 302
    db.rollback()
    c = db.get(HoursCorrection, c.id)
    assert (c.status, c.decided_by_id) == ("approved", lucheng["b"].id)
    rows = db.scalars(select(HoursEntry).where(HoursEntry.person_id == p.id).order_by(HoursEntry.id)).all()
    # Append-only: the exam's entry stays as it was, a negative entry beside it.
    assert [(r.hours, r.source_type) for r in rows] == [(Decimal(18), "exam"), (Decimal(-6), "correction")]
    assert rows[1].registered_by_id == lucheng["b"].id and "两名工作人员" in (rows[1].rule or "")
    assert totals(db, p.id, 2026)["general_public"] == Decimal(12)
    actions = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.target_type == "HoursCorrection")
                                            .order_by(AuditEntry.id))]
    assert actions == ["hours.correction_file", "hours.correction_approve"]
    # Decided once: a second approval changes nothing.
    assert decide_correction(b, c).status_code == 302
    assert bank(db, p) == Decimal(12)


def test_a_correction_only_lowers_and_never_below_what_is_left(app: Any, db: Any, lucheng: dict[str, Any]) -> None:
    p, entry = lucheng["p"], lucheng["entry"]
    a, b = client_of(app, "lca"), client_of(app, "lcb")
    for bad in ("-5", "0", "18.01", "1.001"):
        resp = file_correction(a, p, entry, bad)
        assert resp.status_code == 200 and "核减学时" in resp.get_data(as_text=True), bad
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursCorrection)) == 0
    assert file_correction(a, p, entry, "18").status_code == 302  # exactly what is left: the entry withdrawn
    # One correction of an entry waits at a time.
    assert "已有一项更正等待复核" in file_correction(a, p, entry, "1").get_data(as_text=True)
    db.rollback()
    c = db.scalars(select(HoursCorrection)).one()
    assert decide_correction(b, c, "reject").status_code == 302  # a rejection needs its reason
    db.rollback()
    assert db.get(HoursCorrection, c.id).status == "pending"
    assert decide_correction(b, c, "approve").status_code == 302
    assert bank(db, p) == Decimal(0)
    # Nothing is left to lower: the entry is no longer offered, and a filing for it is refused.
    assert "没有可以核减的学时登记" in a.get(f"/admin/people/{p.id}/corrections/new").get_data(as_text=True)
    assert "不能超过该条登记现有的 0" in file_correction(a, p, entry, "1").get_data(as_text=True)


def test_the_schema_refuses_a_correction_decided_by_the_clerk_who_filed_it(
        app: Any, db: Any, lucheng: dict[str, Any]) -> None:
    from lms import clock
    a = lucheng["a"]
    bureau_id = a.org_id
    c = HoursCorrection(person_id=lucheng["p"].id, entry_id=lucheng["entry"].id, year=2026,
                        category="general_public", hours=Decimal(-1), reason="测试更正", org_id=bureau_id,
                        org_name="鹿城区人社局", filed_by_id=a.id, filed_at=clock.now(), status="pending")
    db.add(c)
    db.commit()
    with pytest.raises(IntegrityError):
        db.execute(text("UPDATE hours_correction SET status = 'approved', decided_by_id = filed_by_id, "
                        "decided_at = filed_at WHERE id = :id"), {"id": c.id})
        db.flush()
    db.rollback()


# ---- transferred hours (威人社字〔2022〕2号 三) -------------------------------------------------------------------

@pytest.fixture
def transfer(app: Any, make: Any) -> dict[str, Any]:
    """A Weihai practitioner transferred in from elsewhere; two clerks of 环翠区's HR bureau, one of the city's."""
    employer = make.org("employer", "weihai-huancui", "环翠某医院", industry="教育")
    p = make.practitioner("孙医生", region="weihai-huancui", industry="教育")
    employ(make, p, employer)
    return {"p": p, "employer": make.staff("employer", "hcyy", org=employer),
            "a": make.staff("bureau", "hca", region="weihai-huancui"),
            "b": make.staff("bureau", "hcb", region="weihai-huancui"),
            "c": make.staff("bureau", "hcc", region="weihai-huancui"),
            "city": make.staff("bureau", "whc", region="weihai")}


def file_transfer(c: Any, number: str, hours: str = "24", subject: str = "professional") -> Any:
    return post_multipart(c, "/me/claims/new?kind=transfer_in", {
        "start": "2026-01-05", "end": "2026-01-20", "subject": subject, "hours": hours, "item_id": number,
        "evidence": [(io.BytesIO(PDF), "济南市继续教育学时证明.pdf")]})


def approve(c: Any, claim: HourClaim) -> Any:
    return c.post(f"/claims/{claim.id}/decide", data={"decision": "approve", "reason": "", "version": claim.version})


def test_transferred_hours_are_verified_and_approved_by_two_clerks_and_merged_once_per_certificate(
        app: Any, db: Any, make: Any, transfer: dict[str, Any]) -> None:
    p = transfer["p"]
    me = client_of(app, p.id_number)
    page = me.get("/me/claims/new?kind=transfer_in").get_data(as_text=True)
    assert "调出地学时证明编号" in page and "另一名工作人员" in page
    resp = file_transfer(me, "济南-2026-00017")
    assert resp.status_code == 302, re.findall(r"class=\"(?:error|flash error)[^>]*>([^<]+)", resp.get_data(as_text=True))
    db.rollback()
    claim = db.scalars(select(HourClaim)).one()
    assert (claim.chain, claim.steps, claim.item_id, claim.hours_claimed) == (
        "transfer_in", 2, "济南-2026-00017", Decimal(24))
    a, b, city, employer = (client_of(app, x) for x in ("hca", "hcb", "whc", "hcyy"))
    assert employer.get(f"/claims/{claim.id}").status_code == 404  # HR verifies, not the employer
    assert approve(a, claim).status_code == 302  # step 1: 核验
    db.rollback()
    claim = db.get(HourClaim, claim.id)
    assert (claim.status, claim.step) == ("pending", 1)
    # The clerk who verified cannot also approve; nor can a clerk of another bureau; it is not in their queues.
    for c in (a, city):
        assert claim.title not in c.get("/claims/review").get_data(as_text=True).split('id="queue"')[1]
        assert approve(c, claim).status_code == 302
        assert "提交审核意见" not in c.get(f"/claims/{claim.id}").get_data(as_text=True)
    db.rollback()
    claim = db.get(HourClaim, claim.id)
    assert (claim.status, claim.step) == ("pending", 1) and bank(db, p) == Decimal(0)
    assert claim.title in b.get("/claims/review").get_data(as_text=True)
    assert approve(b, claim).status_code == 302
    db.rollback()
    claim = db.get(HourClaim, claim.id)
    assert (claim.status, claim.credited_hours) == ("approved", Decimal(24))
    entry = db.scalars(select(HoursEntry).where(HoursEntry.person_id == p.id)).one()
    assert (entry.hours, entry.category, entry.registered_by_id) == (Decimal(24), "professional", transfer["b"].id)
    assert "威人社字〔2022〕2号 三" in (entry.rule or "")
    steps = db.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version)).all()
    assert [(s.decision, s.actor_id) for s in steps] == [
        ("submit", p.id), ("approve", transfer["a"].id), ("approve", transfer["b"].id)]
    # The same certificate number again — by the same person or by anyone else — is refused, and nothing is stored.
    again = file_transfer(me, "济南-2026-00017", hours="30")
    assert "同一证明只能合并一次" in again.get_data(as_text=True)
    other = make.practitioner("钱医生", region="weihai-huancui", industry="教育")
    assert "同一证明只能合并一次" in file_transfer(client_of(app, other.id_number), "济南-2026-00017").get_data(
        as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 1
    assert bank(db, p) == Decimal(24)


def test_the_schema_holds_a_transfer_certificate_number_once_whoever_files_it(
        app: Any, db: Any, make: Any, transfer: dict[str, Any]) -> None:
    from lms import clock
    p = transfer["p"]
    other = make.practitioner("钱医生", region="weihai-huancui", industry="教育")

    def row(person: Any, status: str = "pending") -> HourClaim:
        now = clock.now()
        return HourClaim(person_id=person.id, year=2026, policy="weihai-2022", kind="transfer_in",
                         kind_label="外地调入合并学时", rule="三", chain="transfer_in", steps=2, facts="{}",
                         item_id="青岛-2026-001", title="转入", hours_claimed=Decimal(10), status=status, step=0,
                         filed_by_id=person.id, filed_at=now, updated_at=now)

    db.add(row(p))
    db.commit()
    db.add(row(other))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    # A rejected filing frees the number for a corrected one.
    db.execute(text("UPDATE hour_claim SET status = 'rejected'"))
    db.add(row(other))
    db.commit()
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 2


def test_two_clerks_approving_one_transfer_at_the_same_moment_merge_it_once(
        app: Any, db: Any, transfer: dict[str, Any], backend: str) -> None:
    """On PostgreSQL two real transactions race at the last step; SQLite's write transactions queue."""
    from lms.claims.operations import Upload, decide, file_claim
    from lms.db import database
    p = transfer["p"]
    with app.test_request_context():
        claim = file_claim(db, p, p, "transfer_in", {"start": "2026-01-05", "subject": "professional",
                                                     "hours": "30", "item_id": "烟台-2026-42"},
                           [Upload("证明.pdf", PDF)])
        db.commit()
        decide(db, transfer["a"], claim.id, version=claim.version, decision="approve")
        db.commit()
        claim_id, version = claim.id, claim.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve_as(clerk: Any) -> None:
        with app.test_request_context():
            s = database().factory()
            try:
                barrier.wait(timeout=10)
                decide(s, clerk, claim_id, version=version, decision="approve")
                s.commit()
                outcomes.append("approved")
            except Exception as exc:  # the loser's refusal, reported below
                s.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                s.close()

    threads = [threading.Thread(target=approve_as, args=(transfer[k],)) for k in ("b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["Conflict", "approved"]
    assert bank(db, p) == Decimal(30)
    assert db.scalar(select(func.count()).select_from(HoursEntry).where(HoursEntry.person_id == p.id)) == 1


def test_a_correction_is_listed_in_the_persons_claims_as_a_claim_of_its_own_kind_with_filing_and_decision(
        app: Any, db: Any, lucheng: dict[str, Any]) -> None:
    """Issue 12 item 6: a correction "becomes a claim of its own kind that a second staff member of the same
    organisation must approve" — the person reads it among their claims, with who filed and who decided."""
    p, entry = lucheng["p"], lucheng["entry"]
    a, b = client_of(app, "lca"), client_of(app, "lcb")
    me = client_of(app, p.id_number)
    assert 'id="my-corrections"' not in me.get("/me/claims").get_data(as_text=True)
    assert file_correction(a, p, entry, "6", reason="考试成绩重复登记，核减6学时").status_code == 302
    page = me.get("/me/claims").get_data(as_text=True).split('id="my-corrections"')[1]
    assert "更正登记（核减）：一般公需科目考试合格" in page and "待复核" in page and "核减 6" in page
    assert "考试成绩重复登记，核减6学时" in page and "等待本机构另一名工作人员复核" in page
    db.rollback()
    assert decide_correction(b, db.scalars(select(HoursCorrection)).one()).status_code == 302
    page = me.get("/me/claims").get_data(as_text=True).split('id="my-corrections"')[1]
    assert "已复核登记" in page and "提交更正" in page and "复核同意并登记" in page
    assert "等待本机构另一名工作人员复核" not in page
