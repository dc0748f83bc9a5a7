"""Forged evidence (issue 12, item 7; 温人社发〔2020〕125号 第十五条, 浙人社发〔2016〕63号 第十六条): the finding rejects or
reverses the claim once, the bank stays append-only, the sanction is recorded where the document imposes one, and
the person, their employer and the HR bureau see it — on SQLite and PostgreSQL."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.audit import AuditEntry
from lms.claims.findings import ClaimFinding, PersonSanction
from lms.claims.models import ClaimStep, HourClaim
from lms.hours.models import HoursEntry
from lms.hours.operations import totals
from tests.claims.test_claims import PNG, decide, file, only_claim, post_multipart, web_login


def client_of(app: Any, login: str) -> Any:
    c = app.test_client()
    web_login(c, login)
    return c


def record(c: Any, claim: HourClaim | int, finding: str = "论文经期刊编辑部核实并未刊发，所附录用通知系伪造",
           files: list[tuple[bytes, str]] | None = None, prefix: str = "") -> Any:
    """Record a finding through the claim's page (or, with prefix="/api/v1", the API)."""
    data: dict[str, Any] = {"finding": finding}
    if files:
        data["evidence"] = [(io.BytesIO(b), n) for b, n in files]
    claim_id = claim if isinstance(claim, int) else claim.id
    return post_multipart(c, f"{prefix}/claims/{claim_id}/finding", data)


@pytest.fixture
def wenzhou(app: Any, make: Any) -> dict[str, Any]:
    from tests.claims.test_claims import employ
    employer = make.org("employer", "wenzhou-lucheng", "鹿城某中学", industry="教育")
    p = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", "wenzhou", "温州市教育局", industry="教育")
    other = make.org("authority", "wenzhou", "温州市卫生健康委员会", industry="卫生健康")
    return {"p": p, "reviewer": make.staff("authority", "jyj", org=authority),
            "other": make.staff("authority", "wsj", org=other),
            "employer_admin": make.staff("employer", "school", org=employer),
            "hr": make.staff("bureau", "lchr", region="wenzhou-lucheng")}


def year_total(db: Any, person: Any) -> Decimal:
    db.rollback()
    return sum(totals(db, person.id, 2026).values(), Decimal(0))


def test_forged_evidence_on_a_credited_claim_reverses_it_once_and_withdraws_the_title_application(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    p = wenzhou["p"]
    me = client_of(app, p.id_number)
    assert file(me, "training", start="2026-02-01", end="2026-02-03", hours="20").status_code == 302
    claim = only_claim(db)
    reviewer = client_of(app, "jyj")
    assert decide(reviewer, claim, "approve").status_code == 302
    claim = only_claim(db)
    assert claim.credited_hours == Decimal(20)
    before = db.scalars(select(HoursEntry).order_by(HoursEntry.id)).all()
    originals = [(e.id, e.hours, e.source_type, e.source_ref) for e in before]
    total_before = year_total(db, p)
    # Neither the claimant nor another industry's authority may record a finding.
    assert record(me, claim).status_code == 403
    assert record(client_of(app, "wsj"), claim).status_code == 404
    assert record(reviewer, claim, files=[(PNG, "核实函.png")]).status_code == 302
    db.rollback()
    found = db.scalars(select(ClaimFinding)).one()
    assert (found.outcome, found.reversed_hours, found.actor_id, found.evidence_mime) == (
        "reversed", Decimal(20), wenzhou["reviewer"].id, "image/png")
    # Append-only: every earlier entry is untouched; one negative entry takes back exactly the claim's hours.
    after = db.scalars(select(HoursEntry).order_by(HoursEntry.id)).all()
    assert [(e.id, e.hours, e.source_type, e.source_ref) for e in after[:len(before)]] == originals
    reversal = after[len(before):]
    assert [(e.hours, e.source_type, e.source_ref) for e in reversal] == [
        (Decimal(-20), "finding", f"{found.id}:professional")]
    assert year_total(db, p) == total_before - claim.credited_hours
    assert "第十五条" in (reversal[0].rule or "")
    # Recorded once: a second finding on the claim changes nothing.
    assert record(reviewer, claim, "再次记录").status_code == 302
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ClaimFinding)) == 1
    assert year_total(db, p) == total_before - Decimal(20)
    sanction = db.scalars(select(PersonSanction)).one()
    assert (sanction.person_id, sanction.kind, sanction.actor_id, sanction.org_name) == (
        p.id, "no_title_application", wenzhou["reviewer"].id, "温州市教育局")
    assert sanction.rule == "温人社发〔2020〕125号 第十五条" and "取消其职称申报资格" in sanction.text
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"claim.finding", "person.sanction"} <= actions
    steps = db.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version)).all()
    assert steps[-1].decision == "reject" and "虚假材料" in (steps[-1].reason or "")
    # The person, their employer and the HR bureau see it; the claim page shows the finding.
    assert "取消职称申报资格" in me.get("/hours").get_data(as_text=True)
    employer = client_of(app, "school")
    assert "已取消职称申报资格" in employer.get("/org/staff").get_data(as_text=True)
    assert "取消职称申报资格" in employer.get(f"/org/people/{p.id}").get_data(as_text=True)
    hr = client_of(app, "lchr")
    assert "温人社发〔2020〕125号 第十五条" in hr.get(f"/admin/people/{p.id}").get_data(as_text=True)
    page = hr.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "查实提供虚假材料" in page and "核实函.png" in page
    ev = hr.get(f"/claims/{claim.id}/finding/evidence")
    body = ev.get_data()
    ev.close()
    assert ev.status_code == 200 and body == PNG and ev.headers["X-Content-Type-Options"] == "nosniff"
    # A correction cannot lower what the finding already took back.
    from lms.claims.corrections import correctable_entries
    assert all(e.source_type != "claim" for e, _ in correctable_entries(db, p))


def test_the_registration_sheet_prints_the_sanction_and_a_new_sanction_changes_the_sheet(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    from lms.hours.sheets import issue_sheet, sheet_changed
    p = wenzhou["p"]
    me = client_of(app, p.id_number)
    file(me, "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    with app.test_request_context():
        sheet, summary = issue_sheet(db, p, 2026)
        db.commit()
    assert not any("取消职称申报资格" in line for line in summary["standing"])
    assert record(client_of(app, "lchr"), claim).status_code == 302  # HR, though not in Wenzhou's chain
    db.rollback()
    assert db.scalar(select(HourClaim.status)) == "rejected"
    assert db.scalars(select(ClaimFinding)).one().outcome == "rejected"
    with app.test_request_context():
        assert sheet_changed(db, sheet, p)
        _sheet, summary = issue_sheet(db, p, 2026)
        db.rollback()
    printed = [line for line in summary["standing"] if "取消职称申报资格" in line]
    assert len(printed) == 1 and "温人社发〔2020〕125号 第十五条" in printed[0] and "王科员" in printed[0]
    pdf = me.get("/hours/2026/sheet.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    from pypdf import PdfReader
    textual = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "取消职称申报资格" in textual and "第十五条" in textual


def test_a_reversed_claim_no_longer_fills_the_years_cap_and_weihai_records_no_sanction_it_does_not_impose(
        app: Any, db: Any, make: Any) -> None:
    """威人社字〔2022〕2号 二(二)4: papers ≤ 30 a year; the notice states no consequence of forged evidence."""
    from lms.claims.findings import record_finding
    from lms.claims.operations import Upload, file_claim
    from lms.claims.operations import decide as decide_op
    from tests.claims.test_claims import PDF, employ
    employer = make.org("employer", "weihai-huancui", "环翠某中学", industry="教育")
    p = make.practitioner("刘老师", region="weihai-huancui", industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", "weihai", "威海市教育局", industry="教育")
    chain = [make.staff("employer", "hcschool", org=employer), make.staff("authority", "whjy", org=authority),
             make.staff("bureau", "hchr", region="weihai-huancui")]
    ids = []
    with app.test_request_context():
        for n in range(4):
            c = file_claim(db, p, p, "paper", {"start": f"2026-01-{10 + n}", "item_id": f"ISSN 3000-000{n}"},
                           [Upload("论文.pdf", PDF + bytes([n]))])
            db.commit()
            ids.append(c.id)
        for claim_id in ids[:3]:
            for who in chain:
                c = db.get(HourClaim, claim_id)
                decide_op(db, who, claim_id, version=c.version, decision="approve")
                db.commit()
        assert year_total(db, p) == Decimal(30)
        row = record_finding(db, chain[2], ids[0], finding="论文系他人所作，冒名申报")
        db.commit()
        assert (row.outcome, row.reversed_hours) == ("reversed", Decimal(10))
        assert year_total(db, p) == Decimal(20)
        for who in chain:
            c = db.get(HourClaim, ids[3])
            decide_op(db, who, ids[3], version=c.version, decision="approve")
            db.commit()
    assert db.get(HourClaim, ids[3]).credited_hours == Decimal(10)  # the reversed paper left the cap
    assert year_total(db, p) == Decimal(30)
    assert db.scalar(select(func.count()).select_from(PersonSanction)) == 0


def test_the_schema_holds_one_finding_per_claim(app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    p = wenzhou["p"]
    file(client_of(app, p.id_number), "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    hr = wenzhou["hr"]

    def row() -> ClaimFinding:
        return ClaimFinding(claim_id=claim.id, person_id=p.id, finding="伪造", outcome="rejected", actor_id=hr.id,
                            org_id=hr.org_id, org_name="鹿城区人社局", at=clock.now())

    db.add(row())
    db.commit()
    db.add(row())
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_a_finding_with_a_file_that_is_not_pdf_jpeg_or_png_stores_nothing_and_a_rejected_claim_still_sanctions(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    p = wenzhou["p"]
    file(client_of(app, p.id_number), "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    reviewer = client_of(app, "jyj")
    refused = record(reviewer, claim, files=[(b"MZ\x90\x00 not a document", "核实函.pdf")])
    assert refused.status_code == 302
    db.rollback()
    assert db.scalars(select(ClaimFinding)).all() == [] and db.scalars(select(PersonSanction)).all() == []
    assert db.scalar(select(HourClaim.status)) == "pending"
    assert decide(reviewer, only_claim(db), "reject", "证书与活动不符").status_code == 302
    assert record(reviewer, only_claim(db), "复核发现证书系伪造").status_code == 302
    db.rollback()
    assert db.scalars(select(ClaimFinding)).one().outcome == "already_rejected"
    assert db.scalars(select(PersonSanction)).one().rule == "温人社发〔2020〕125号 第十五条"
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 0
