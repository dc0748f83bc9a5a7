"""Hour claims (issue 12): filing with evidence, each region's review chain, crediting by the rules — on SQLite and
PostgreSQL, through the pages."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from lms import clock
from lms.audit import AuditEntry
from lms.claims.models import ClaimEvidence, ClaimStep, HourClaim
from lms.hours.models import HoursEntry
from lms.orgs.models import Employment
from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def web_login(client: Any, login: str) -> None:
    resp = client.post("/login", data={"login": login, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def employ(make: Any, person: Any, org: Any) -> None:
    s = make.s
    s.add(Employment(person_id=person.id, org_id=org.id, status="current", applied_at=clock.now(),
                     region_code=org.region_code, started_on=clock.now().date(), confirmed_by_id=person.id))
    s.commit()


def file(client: Any, kind: str, files: list[tuple[bytes, str]] | None = None, **facts: str) -> Any:
    data: dict[str, Any] = dict(facts)
    data["evidence"] = [(io.BytesIO(b), n) for b, n in (files if files is not None else [(PDF, "证书.pdf")])]
    return post_multipart(client, f"/me/claims/new?kind={kind}", data)


def post_multipart(client: Any, url: str, data: dict[str, Any]) -> Any:
    """POST a form with files, encoded in memory (werkzeug's builder would spool a large body to a temporary file
    that it never closes)."""
    fields = MultiDict()
    for name, value in data.items():
        for v in (value if isinstance(value, list) else [value]):
            fields.add(name, FileStorage(v[0], filename=v[1]) if isinstance(v, tuple) else str(v))
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def decide(client: Any, claim: HourClaim, decision: str, reason: str = "", version: int | None = None) -> Any:
    return client.post(f"/claims/{claim.id}/decide", data={"decision": decision, "reason": reason,
                                                          "version": str(version or claim.version)})


def queue(client: Any) -> str:
    """The list of a reviewer's queue page (without the flashed messages above it)."""
    return str(client.get("/claims/review").get_data(as_text=True).split('id="queue"')[1])


def only_claim(db: Any) -> HourClaim:
    db.rollback()
    return db.scalars(select(HourClaim)).one()


@pytest.fixture
def wenzhou(app: Any, make: Any) -> dict[str, Any]:
    """A Wenzhou practitioner of 教育 in 鹿城区, the city's 教育 authority, and an authority of another industry."""
    employer = make.org("employer", "wenzhou-lucheng", "鹿城某中学", industry="教育")
    p = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", "wenzhou", "温州市教育局", industry="教育")
    other = make.org("authority", "wenzhou", "温州市卫生健康委员会", industry="卫生")
    return {"p": p, "employer": employer, "authority": authority,
            "reviewer": make.staff("authority", "jyj", org=authority),
            "other_reviewer": make.staff("authority", "wsj", org=other),
            "employer_admin": make.staff("employer", "school", org=employer)}


def test_a_wenzhou_paper_is_approved_by_the_city_authority_and_credited_once_in_its_name(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    page = c.get("/me/claims").get_data(as_text=True)
    assert "温人社发〔2020〕125号" in page and "新增认证" in page
    resp = file(c, "paper", start="2026-01-10", hours="12", item_id="doi:10.1000/xyz")
    assert resp.status_code == 302, resp.get_data(as_text=True)
    claim = only_claim(db)
    assert (claim.status, claim.year, claim.hours_claimed, claim.steps) == ("pending", 2026, Decimal(12), 1)
    assert db.scalar(select(func.count()).select_from(ClaimEvidence)) == 1

    r = app.test_client()
    web_login(r, "jyj")
    assert claim.title in r.get("/claims/review").get_data(as_text=True)
    assert "提交审核意见" in r.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert decide(r, claim, "approve").status_code == 302
    claim = only_claim(db)
    assert (claim.status, claim.credited_hours) == ("approved", Decimal(12))
    entry = db.scalars(select(HoursEntry)).one()
    assert (entry.hours, entry.category, entry.source_type, entry.source_ref, entry.registered_by_org) == (
        Decimal(12), "professional", "claim", f"{claim.id}:professional", "温州市教育局")
    assert "第十二条" in (entry.rule or "")
    # The same decision again (a double click, a second tab) changes nothing.
    again = decide(r, claim, "approve", version=claim.version - 1)
    assert again.status_code == 302
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 1
    steps = db.scalars(select(ClaimStep).order_by(ClaimStep.version)).all()
    assert [s.decision for s in steps] == ["submit", "approve"]
    actions = set(db.scalars(select(AuditEntry.action)))
    assert {"claim.submit", "claim.approve", "hours.register"} <= actions
    # The practitioner sees the outcome.
    assert "已认定" in c.get(f"/claims/{claim.id}").get_data(as_text=True)


def test_reviewers_outside_the_step_or_the_scope_neither_see_nor_decide(
        app: Any, db: Any, wenzhou: dict[str, Any], make: Any) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    assert file(c, "training", start="2026-02-01", end="2026-02-03", hours="20").status_code == 302
    claim = only_claim(db)
    for login in ("wsj", "school"):  # another industry's authority; the employer (not a step in Wenzhou)
        r = app.test_client()
        web_login(r, login)
        assert r.get(f"/claims/{claim.id}").status_code == 404, login
        assert decide(r, claim, "approve").status_code == 404, login
        assert claim.title not in r.get("/claims/review").get_data(as_text=True)
        ev = claim.evidence[0]
        assert r.get(f"/claims/{claim.id}/evidence/{ev.id}").status_code == 404
    db.rollback()
    other = make.practitioner("别人", region="wenzhou-lucheng")
    o = app.test_client()
    web_login(o, other.id_number)
    assert o.get(f"/claims/{claim.id}").status_code == 404
    assert only_claim(db).status == "pending"


def test_every_problem_of_a_filing_is_shown_at_once_and_nothing_is_stored(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    text_as_pdf = (b"just some text, renamed", "../../etc/证书.pdf")
    resp = file(c, "training", files=[text_as_pdf, (b"", "空.pdf")], start="2026-05-01", hours="0")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "不是 PDF、JPEG 或 PNG" in page and "空文件" in page and "须为大于0" in page
    assert "../" not in page
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1)
    page = file(c, "training", files=[(big, "大.pdf")], start="2026-02-01", hours="3").get_data(as_text=True)
    assert "超过 10 MB" in page
    page = file(c, "training", files=[], start="2026-02-01", hours="3").get_data(as_text=True)
    assert "请上传佐证材料" in page
    # An activity that has not ended yet (today is 2 March 2026).
    page = file(c, "training", start="2026-03-01", end="2026-03-05", hours="3").get_data(as_text=True)
    assert "尚未结束" in page
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 0
    assert db.scalar(select(func.count()).select_from(ClaimEvidence)) == 0
    # Exactly ten 10 MB files pass; a PNG photo is accepted.
    ok = file(c, "training", files=[(PNG, "照片.png")], start="2026-02-01", hours="3")
    assert ok.status_code == 302
    assert only_claim(db).evidence[0].mime == "image/png"


def test_the_same_item_cannot_be_under_review_twice(app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    assert file(c, "paper", start="2026-01-10", hours="12", item_id="doi:10.1/a").status_code == 302
    page = file(c, "paper", start="2026-01-11", hours="12", item_id="doi:10.1/a").get_data(as_text=True)
    assert "同一成果不能重复申报" in page
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 1


def test_return_and_reject_need_a_reason_the_claimant_reads(app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    file(c, "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    r = app.test_client()
    web_login(r, "jyj")
    resp = decide(r, claim, "return")
    assert "请写明退回或不予认定的原因" in r.get(resp.headers["Location"]).get_data(as_text=True)
    assert only_claim(db).status == "pending"
    decide(r, claim, "return", "证书照片不清晰，请重新上传")
    claim = only_claim(db)
    assert claim.status == "returned"
    assert "证书照片不清晰" in c.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 0


def test_evidence_is_a_private_download_never_cached_or_sniffed(app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    file(c, "training", files=[(PDF, "结业证书.pdf")], start="2026-02-01", hours="8")
    claim = only_claim(db)
    ev = claim.evidence[0]
    assert re.fullmatch(r"[0-9a-f]{64}\.pdf", ev.key)
    resp = c.get(f"/claims/{claim.id}/evidence/{ev.id}")
    body = resp.get_data()
    resp.close()
    assert resp.status_code == 200 and body == PDF
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in resp.headers["Cache-Control"]
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert app.test_client().get(f"/claims/{claim.id}/evidence/{ev.id}").status_code in (302, 401)


@pytest.fixture
def weihai(app: Any, make: Any) -> dict[str, Any]:
    """A Weihai practitioner of 教育 in 环翠区 with an employer; the city's 教育 authority; the county HR bureau."""
    employer = make.org("employer", "weihai-huancui", "环翠某中学", industry="教育")
    p = make.practitioner("刘老师", region="weihai-huancui", industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", "weihai", "威海市教育局", industry="教育")
    return {"p": p, "employer_admin": make.staff("employer", "hcschool", org=employer),
            "reviewer": make.staff("authority", "whjy", org=authority),
            "hr": make.staff("bureau", "hchr", region="weihai-huancui")}


def test_weihai_chain_runs_employer_then_authority_then_hr_and_the_year_cap_holds(
        app: Any, db: Any, weihai: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, weihai["p"].id_number)
    clients = {}
    for login in ("hcschool", "whjy", "hchr"):
        clients[login] = app.test_client()
        web_login(clients[login], login)
    credited = []
    for n in range(4):  # four papers of 10 学时: 威人社字〔2022〕2号 二(二)4 caps them at 30 a year
        assert file(c, "paper", start=f"2026-01-{10 + n}", item_id=f"ISSN 1000-000{n} 论文{n}").status_code == 302
        db.rollback()
        claim = db.scalars(select(HourClaim).order_by(HourClaim.id.desc())).first()
        for i, login in enumerate(("hcschool", "whjy", "hchr")):
            for other in ("hcschool", "whjy", "hchr")[i + 1:]:
                assert claim.title not in queue(clients[other])
            assert claim.title in queue(clients[login]), login
            db.rollback()
            claim = db.get(HourClaim, claim.id)
            assert decide(clients[login], claim, "approve").status_code == 302
        db.rollback()
        claim = db.get(HourClaim, claim.id)
        assert claim.status == "approved"
        credited.append(claim.credited_hours)
    assert credited == [Decimal(10), Decimal(10), Decimal(10), Decimal(0)]
    db.rollback()
    total = db.scalar(select(func.sum(HoursEntry.hours)).where(HoursEntry.person_id == weihai["p"].id))
    assert total == Decimal(30)
    names = set(db.scalars(select(HoursEntry.registered_by_org)))
    assert len(names) == 1 and "人力资源和社会保障局" in names.pop()
    for entry in db.scalars(select(HoursEntry)):  # each posting says its rule: 论文 10 学时, the yearly cap of 30
        assert entry.category == "professional" and "威人社字〔2022〕2号 二(二)4" in (entry.rule or "")


def test_a_returned_claim_is_corrected_and_filed_again_keeping_every_version(
        app: Any, db: Any, wenzhou: dict[str, Any], make: Any) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    file(c, "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    r = app.test_client()
    web_login(r, "jyj")
    decide(r, claim, "return", "学时数与证书不符")
    claim = only_claim(db)
    page = c.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "重新提交" in page and "学时数与证书不符" in page
    # Another practitioner cannot touch it; a wrong fact is reported and changes nothing.
    db.rollback()
    other = make.practitioner("别人", region="wenzhou-lucheng")
    o = app.test_client()
    web_login(o, other.id_number)
    assert o.post(f"/claims/{claim.id}/resubmit", data={"version": claim.version, "start": "2026-02-01",
                                                        "hours": "6"}).status_code == 404
    bad = c.post(f"/claims/{claim.id}/resubmit", data={"version": claim.version, "start": "2026-02-01",
                                                       "hours": "-1"})
    assert "须为大于0" in bad.get_data(as_text=True)
    assert only_claim(db).status == "returned"
    assert post_multipart(c, f"/claims/{claim.id}/resubmit", {
        "version": str(claim.version), "start": "2026-02-01", "hours": "6",
        "evidence": [(io.BytesIO(PNG), "新.png")]}).status_code == 302
    claim = only_claim(db)
    assert (claim.status, claim.step, claim.hours_claimed, len(claim.evidence)) == ("pending", 0, Decimal(6), 2)
    steps = db.scalars(select(ClaimStep).where(ClaimStep.claim_id == claim.id).order_by(ClaimStep.version)).all()
    assert [(s.decision, s.hours) for s in steps] == [("submit", Decimal(8)), ("return", None), ("resubmit", Decimal(6))]
    # A second resubmission of the same (now pending) claim is refused.
    again = c.post(f"/claims/{claim.id}/resubmit", data={"version": claim.version, "start": "2026-02-01", "hours": "5"})
    assert again.status_code == 302
    assert only_claim(db).hours_claimed == Decimal(6)
    assert decide(r, claim, "approve").status_code == 302
    assert only_claim(db).credited_hours == Decimal(6)


def test_two_approvals_of_one_person_year_at_once_cannot_together_pass_a_cap(
        app: Any, db: Any, weihai: dict[str, Any], backend: str) -> None:
    """威人社字〔2022〕2号 二(二)4: papers count at most 30 学时 a year; two last approvals race on PostgreSQL."""
    import threading

    from lms.claims.operations import Upload, file_claim
    from lms.claims.operations import decide as decide_op
    from lms.db import database
    p = weihai["p"]
    ids = []
    with app.app_context():
        for n in range(4):
            claim = file_claim(db, p, p, "paper", {"start": f"2026-01-{10 + n}", "item_id": f"ISSN 2000-000{n}"},
                               [Upload("论文.pdf", PDF + bytes([n]))])
            db.commit()
            for who in ("employer_admin", "reviewer"):
                decide_op(db, weihai[who], claim.id, version=claim.version, decision="approve")
                db.commit()
            ids.append((claim.id, claim.version))
        # Two approved at the last step one after the other: 20 学时.
        for claim_id, version in ids[:2]:
            decide_op(db, weihai["hr"], claim_id, version=version, decision="approve")
            db.commit()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def approve(claim_id: int, version: int) -> None:
        try:
            with app.app_context():
                s = database().factory()
                try:
                    barrier.wait(timeout=10)
                    decide_op(s, weihai["hr"], claim_id, version=version, decision="approve")
                    s.commit()
                finally:
                    s.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=pair) for pair in ids[2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    db.rollback()
    total = db.scalar(select(func.sum(HoursEntry.hours)).where(HoursEntry.person_id == p.id))
    assert total == Decimal(30)
    credited = sorted(db.scalars(select(HourClaim.credited_hours).where(HourClaim.id.in_([i for i, _ in ids[2:]]))))
    assert credited == [Decimal(0), Decimal(10)]


def test_the_form_shows_the_hours_with_their_articles_before_anything_is_filed(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    page = file(c, "paper", action="preview", start="2026-01-10", hours="12", item_id="doi:10.1/p").get_data(
        as_text=True)
    assert "按规定可得 <strong>12 学时</strong>" in page and "温人社发〔2020〕125号 第十二条7" in page
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 0


@pytest.mark.parametrize(("end", "late"), [("2026-01-01", False), ("2025-12-31", True)])
def test_tonglu_claims_close_60_days_after_the_activity_and_december_on_30_december(
        app: Any, end: str, late: bool) -> None:
    """桐人社发〔2018〕26号 第十三条2; today is 2 March 2026: 1 January + 60 days is today, the last day allowed; an
    activity ending 31 December 2025 closed on 30 December 2025 (today's reading of the text)."""
    from lms.claims.operations import check_facts
    from rules import load_policy
    from rules.claims import claim_kind
    policy = load_policy("tonglu-2018")
    with app.app_context():
        got, problems = check_facts(policy, claim_kind(policy, "training"),
                                    {"start": end, "subject": "professional", "days": "1"})
    if late:
        assert got is None and "2025-12-30" in problems["end"] and "第十三条" in problems["end"]
    else:
        assert got is not None and problems == {}


@pytest.mark.parametrize(("county", "city", "article"), [
    ("hangzhou", "hangzhou", "浙人社发〔2016〕63号"),   # 浙 第七、十三条: employer → industry authority
    ("chengdu-wuhou", "chengdu", "川人社"),            # 川 二(三): employer (or organiser) → industry authority
])
def test_zhejiang_and_sichuan_chains_run_employer_then_authority_and_credit_in_the_authoritys_name(
        app: Any, db: Any, make: Any, county: str, city: str, article: str) -> None:
    employer = make.org("employer", county, "某学校", industry="教育")
    p = make.practitioner("周老师", region=county, industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", city, "市教育局", industry="教育")
    make.staff("employer", "school", org=employer)
    make.staff("authority", "edu", org=authority)
    c = app.test_client()
    web_login(c, p.id_number)
    assert file(c, "training", start="2026-02-01", end="2026-02-02", subject="professional",
                hours="16").status_code == 302
    claim = only_claim(db)
    assert claim.steps == 2
    reviewers = {}
    for login in ("school", "edu"):
        reviewers[login] = app.test_client()
        web_login(reviewers[login], login)
    assert claim.title not in queue(reviewers["edu"])
    for login in ("school", "edu"):
        claim = only_claim(db)
        assert claim.title in queue(reviewers[login]), login
        assert decide(reviewers[login], claim, "approve").status_code == 302
    claim = only_claim(db)
    assert (claim.status, claim.credited_hours) == ("approved", Decimal(16))
    entry = db.scalars(select(HoursEntry)).one()
    assert (entry.registered_by_org, entry.category, entry.hours) == ("市教育局", "professional", Decimal(16))
    assert article in (entry.rule or "") or article in entry.note


def test_a_reviewer_may_lower_the_hours_with_a_reason_but_never_raise_them(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:
    c = app.test_client()
    web_login(c, wenzhou["p"].id_number)
    file(c, "training", start="2026-02-01", hours="12")
    claim = only_claim(db)
    r = app.test_client()
    web_login(r, "jyj")

    def approve(hours: str, reason: str = "") -> str:
        resp = r.post(f"/claims/{claim.id}/decide", data={"decision": "approve", "hours": hours, "reason": reason,
                                                          "version": str(claim.version)})
        return str(r.get(resp.headers["Location"]).get_data(as_text=True))

    assert "不能高于按规定可得的 12" in approve("12.01", "多给")
    assert "调低认定学时须写明理由" in approve("10")
    assert only_claim(db).status == "pending"
    approve("10", "证书所载学时为10学时")
    claim = only_claim(db)
    assert (claim.status, claim.credited_hours) == ("approved", Decimal(10))
    entry = db.scalars(select(HoursEntry)).one()
    assert entry.hours == Decimal(10) and "审核认定 10" in entry.note


def test_tonglu_chain_the_employer_files_the_county_authority_checks_the_county_bureau_approves(
        app: Any, db: Any, make: Any) -> None:
    """桐人社发〔2018〕26号 第十三条: 单位管理员申报 → 县行业主管部门核对存档 → 县人社局网上审核 → 系统自动登分."""
    employer = make.org("employer", "tonglu", "桐庐某中学", industry="教育")
    elsewhere = make.org("employer", "tonglu", "桐庐另一单位", industry="教育")
    p = make.practitioner("吴老师", region="tonglu", industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", "tonglu", "桐庐县教育局", industry="教育")
    make.staff("employer", "tlschool", org=employer)
    make.staff("employer", "tlother", org=elsewhere)
    make.staff("authority", "tledu", org=authority)
    make.staff("bureau", "tlhr", region="tonglu")
    me = app.test_client()
    web_login(me, p.id_number)
    page = file(me, "training", start="2026-02-01", subject="professional", days="1").get_data(as_text=True)
    assert "由用人单位申报" in page
    other = app.test_client()
    web_login(other, "tlother")
    assert other.get(f"/org/people/{p.id}/claims").status_code == 404
    admin = app.test_client()
    web_login(admin, "tlschool")
    assert "代为申报" in admin.get(f"/org/people/{p.id}/claims").get_data(as_text=True)
    resp = post_multipart(admin, f"/org/people/{p.id}/claims/new?kind=training", {
        "start": "2026-02-01", "subject": "professional", "days": "1", "evidence": [(io.BytesIO(PNG), "证书.png")]})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    claim = only_claim(db)
    assert (claim.person_id, claim.steps, claim.policy) == (p.id, 2, "tonglu-2018")
    assert admin.get(f"/claims/{claim.id}").status_code == 200
    # The county authority returns it; the administrator who files corrects it (the practitioner cannot).
    edu = app.test_client()
    web_login(edu, "tledu")
    decide(edu, claim, "return", "请补充培训通知")
    claim = only_claim(db)
    assert "重新提交" in admin.get(f"/claims/{claim.id}").get_data(as_text=True)
    def fix() -> dict[str, Any]:
        return {"version": str(claim.version), "start": "2026-02-01", "subject": "professional", "days": "1",
                "evidence": [(io.BytesIO(PDF), "通知.pdf")]}
    assert post_multipart(other, f"/claims/{claim.id}/resubmit", fix()).status_code == 404
    refused = post_multipart(me, f"/claims/{claim.id}/resubmit", fix())
    assert "由用人单位修改后重新提交" in me.get(refused.headers["Location"]).get_data(as_text=True)
    assert only_claim(db).status == "returned"
    assert post_multipart(admin, f"/claims/{claim.id}/resubmit", fix()).status_code == 302
    claim = only_claim(db)
    assert (claim.status, len(claim.evidence)) == ("pending", 2)
    for login in ("tledu", "tlhr"):
        r = app.test_client()
        web_login(r, login)
        claim = only_claim(db)
        assert claim.title in queue(r), login
        assert decide(r, claim, "approve").status_code == 302
    claim = only_claim(db)
    entry = db.scalars(select(HoursEntry)).one()
    # 面授培训 1 天 × 8 学分 (桐人社发〔2018〕26号 第十一条(一)), professional, credited once
    assert (claim.status, claim.credited_hours, entry.hours, entry.category) == (
        "approved", Decimal(8), Decimal(8), "professional")
    assert "桐人社发〔2018〕26号 第十一条(一)" in (entry.rule or "") and "8学分/天" in entry.note
    assert "桐庐县人力资源和社会保障局" in entry.registered_by_org
    assert "学分" in me.get(f"/claims/{claim.id}").get_data(as_text=True)


def test_a_weihai_freelancer_is_reviewed_and_registered_by_their_personnel_agency(
        app: Any, db: Any, make: Any, frozen_clock: Any) -> None:
    """威人社字〔2022〕2号 三: 自由职业者 through the personnel agency or community office, one step."""
    agency = make.org("agency", "weihai-huancui", "环翠人才服务中心", industry="教育")
    p = make.practitioner("自由职业者", region="weihai-huancui", industry="教育")
    employ(make, p, agency)
    make.staff("agency", "hcagency", org=agency)
    make.staff("bureau", "hchr2", region="weihai-huancui")
    c = app.test_client()
    web_login(c, p.id_number)
    assert file(c, "paper", start="2026-01-10", item_id="ISSN 3000-0001 自由").status_code == 302
    claim = only_claim(db)
    assert (claim.chain, claim.steps) == ("freelancer", 1)
    hr = app.test_client()
    web_login(hr, "hchr2")
    assert claim.title not in queue(hr)
    r = app.test_client()
    web_login(r, "hcagency")
    frozen_clock.advance(3 * 86400)
    assert claim.title in queue(r) and "已等待 3 天" in queue(r)
    assert decide(r, claim, "approve").status_code == 302
    db.rollback()
    entry = db.scalars(select(HoursEntry)).one()
    assert (entry.registered_by_org, entry.hours) == ("环翠人才服务中心", Decimal(10))
    assert "威人社字〔2022〕2号 二(二)4" in (entry.rule or "")
