"""Claim deadlines (issue 12 item 5; 桐人社发〔2018〕26号 第十三条2: within 60 days of the activity's end, December's
by 30 December): said on the form before anyone starts, a reminder exactly ten days before for a returned claim, a
late claim refused with its date, the county HR bureau's grant of one late filing, and a closed year refused."""
from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from lms import clock
from lms.audit import AuditEntry
from lms.claims.grants import LateFilingGrant
from lms.claims.jobs import deadline_reminders_job
from lms.claims.models import HourClaim
from lms.hours.models import HoursCertificate
from lms.messages.models import Message, OutboxMail
from lms.scheduler import JOBS
from tests.claims.test_claims import PDF, decide, employ, file, only_claim, post_multipart, web_login


def at(frozen_clock: Any, day: str) -> None:
    """10:00 China time on day."""
    frozen_clock.current = datetime.fromisoformat(day) + (datetime(2000, 1, 1, 2) - datetime(2000, 1, 1))


@pytest.fixture
def tonglu(app: Any, make: Any) -> dict[str, Any]:
    """A Tonglu practitioner whose employer's administrator files (桐 第十三条), the county authority, the county
    HR bureau (it approves, and grants late filings), and the Hangzhou city bureau above it."""
    employer = make.org("employer", "tonglu", "桐庐某中学", industry="教育")
    p = make.practitioner("吴老师", region="tonglu", industry="教育")
    employ(make, p, employer)
    make.staff("employer", "tlschool", org=employer)
    make.staff("authority", "tledu", org=make.org("authority", "tonglu", "桐庐县教育局", industry="教育"))
    make.staff("bureau", "tlhr", region="tonglu")
    make.staff("bureau", "hzhr", region="hangzhou")
    return {"p": p}


def client_of(app: Any, login: str) -> Any:
    c = app.test_client()
    web_login(c, login)
    return c


def file_for(admin: Any, person: Any, end: str) -> Any:
    """The employer's administrator files a one-day professional training that ended on end."""
    return post_multipart(admin, f"/org/people/{person.id}/claims/new?kind=training", {
        "start": end, "subject": "professional", "days": "1", "evidence": [(io.BytesIO(PDF), "证书.pdf")]})


def problems(resp: Any) -> str:
    page = resp.get_data(as_text=True)
    return page.split('id="problems"')[1].split("</div>")[0] if 'id="problems"' in page else ""


def claim_count(db: Any) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(HourClaim)) or 0)


# ---- said before anyone starts -------------------------------------------------------------------------------

def test_the_deadline_and_decembers_reading_are_said_before_the_practitioner_starts(
        app: Any, tonglu: dict[str, Any], make: Any) -> None:
    c = client_of(app, tonglu["p"].id_number)
    page = c.get("/me/claims").get_data(as_text=True)
    assert 'id="deadline"' in page and "第十三条2" in page and "60天之内" in page
    assert "今天结束的活动，申报截止日期为 2026-05-01" in page  # 2 March + 60 days
    assert "一律在当年 12 月 30 日截止" in page and "12 月 31 日结束的活动在当年已无法申报" in page
    admin = client_of(app, "tlschool")
    form = admin.get(f"/org/people/{tonglu['p'].id}/claims/new?kind=training").get_data(as_text=True)
    assert 'id="deadline-december"' in form
    wenzhou = make.practitioner("陈老师", region="wenzhou-lucheng")
    assert 'id="deadline"' not in client_of(app, wenzhou.id_number).get("/me/claims").get_data(as_text=True)


# ---- refused after the deadline, at the edges ---------------------------------------------------------------

@pytest.mark.parametrize(("today", "end", "last_day"), [
    ("2026-04-30", "2026-03-01", None),            # the 60th day after the end: the last day allowed
    ("2026-05-01", "2026-03-01", "2026-04-30"),    # the 61st
    ("2026-12-30", "2026-12-30", None),            # December's close on 30 December: on the day itself
    ("2026-12-31", "2026-12-30", "2026-12-30"),
    ("2026-12-31", "2026-12-31", "2026-12-30"),    # an activity of 31 December closed before it ended
    ("2026-03-02", "2025-12-31", "2025-12-30"),    # last year's December
])
def test_a_late_claim_is_refused_with_its_date_at_the_edges(app: Any, db: Any, tonglu: dict[str, Any],
                                                            frozen_clock: Any, today: str, end: str,
                                                            last_day: str | None) -> None:
    at(frozen_clock, today)
    resp = file_for(client_of(app, "tlschool"), tonglu["p"], end)
    if last_day is None:
        assert resp.status_code == 302, problems(resp)
        assert claim_count(db) == 1
    else:
        said = problems(resp)
        assert f"已于 {last_day} 截止" in said and "第十三条2" in said and "申请准予逾期申报" in said
        assert claim_count(db) == 0


# ---- the reminder --------------------------------------------------------------------------------------------

def test_a_returned_claim_is_reminded_exactly_ten_days_before_its_deadline_and_only_once(
        app: Any, db: Any, tonglu: dict[str, Any], frozen_clock: Any) -> None:
    assert "claims.deadline_reminders" in [j.id for j in JOBS]
    p = tonglu["p"]
    p.email = "wu@example.com"
    db.commit()
    at(frozen_clock, "2026-03-02")
    assert file_for(client_of(app, "tlschool"), p, "2026-03-01").status_code == 302  # closes 2026-04-30
    decide(client_of(app, "tledu"), only_claim(db), "return", "请补充培训通知")
    db.rollback()
    before = db.scalar(select(func.count()).select_from(Message))
    at(frozen_clock, "2026-04-19")  # eleven days before
    assert deadline_reminders_job(app) == 0
    at(frozen_clock, "2026-04-20")  # exactly ten
    assert deadline_reminders_job(app) == 1
    db.rollback()
    told = db.scalars(select(Message).where(Message.kind == "claim.deadline").order_by(Message.id)).all()
    admin_id = db.scalar(select(HourClaim.filed_by_id))
    assert [m.person_id for m in told] == [p.id, admin_id]  # the claimant, and the administrator who files
    assert "2026-04-30 前修改后重新提交" in told[0].body and "还有 10 天" in told[0].body
    assert told[0].link == f"/claims/{only_claim(db).id}"
    assert db.scalars(select(OutboxMail.to_address).where(OutboxMail.subject == "学时申报即将截止")).all() == [
        "wu@example.com"]
    at(frozen_clock, "2026-04-25")
    assert deadline_reminders_job(app) == 0
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Message)) == before + 2


def test_no_reminder_for_a_claim_under_review_or_past_its_deadline(app: Any, db: Any, tonglu: dict[str, Any],
                                                                    frozen_clock: Any) -> None:
    at(frozen_clock, "2026-03-02")
    assert file_for(client_of(app, "tlschool"), tonglu["p"], "2026-03-01").status_code == 302
    at(frozen_clock, "2026-04-20")
    assert deadline_reminders_job(app) == 0  # pending: filed in time, nothing to do
    decide(client_of(app, "tledu"), only_claim(db), "return", "请补充培训通知")
    at(frozen_clock, "2026-05-01")
    assert deadline_reminders_job(app) == 0  # already past


# ---- the county bureau's grant -------------------------------------------------------------------------------

def test_the_county_bureau_grants_one_late_filing_with_a_reason_and_it_serves_one_claim(
        app: Any, db: Any, tonglu: dict[str, Any], frozen_clock: Any) -> None:
    p = tonglu["p"]
    admin = client_of(app, "tlschool")
    assert "已于 2025-12-30 截止" in problems(file_for(admin, p, "2025-12-31"))
    city = client_of(app, "hzhr")
    assert city.post("/claims/late-filing", data={"id_number": p.id_number, "activity_end": "2025-12-31",
                                                  "reason": "因病住院"}).status_code == 403
    county = client_of(app, "tlhr")
    refused = county.post("/claims/late-filing", data={"id_number": p.id_number, "activity_end": "2026-02-01",
                                                       "reason": "因病住院"})
    assert refused.status_code == 400 and "尚未逾期" in refused.get_data(as_text=True)
    assert county.post("/claims/late-filing", data={"id_number": p.id_number, "activity_end": "2025-12-31",
                                                    "reason": "x"}).status_code == 400
    resp = county.post("/claims/late-filing", data={"id_number": p.id_number, "activity_end": "2025-12-31",
                                                    "reason": "12月31日培训结束，学习年度截止前无法申报"})
    assert resp.status_code == 302
    assert "12月31日培训结束" in county.get("/claims/late-filing").get_data(as_text=True)
    db.rollback()
    grant = db.scalars(select(LateFilingGrant)).one()
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "claim.late_grant")).one()
    assert entry.detail_dict["reason"].startswith("12月31日") and entry.detail_dict["deadline"] == "2025-12-30"
    assert db.scalars(select(Message.subject).where(Message.person_id == p.id)).all() == ["已准予逾期申报学时"]
    assert file_for(admin, p, "2025-12-31").status_code == 302
    claim = only_claim(db)
    db.refresh(grant)
    assert grant.claim_id == claim.id and grant.used_at is not None
    # One grant, one claim: a second filing for the same activity's day is late again.
    assert "已于 2025-12-30 截止" in problems(file_for(admin, p, "2025-12-31"))
    assert claim_count(db) == 1


def test_a_returned_claim_past_its_deadline_is_refiled_only_with_a_grant(
        app: Any, db: Any, tonglu: dict[str, Any], frozen_clock: Any) -> None:
    p = tonglu["p"]
    admin = client_of(app, "tlschool")
    at(frozen_clock, "2026-03-02")
    assert file_for(admin, p, "2026-03-01").status_code == 302
    decide(client_of(app, "tledu"), only_claim(db), "return", "请补充培训通知")
    at(frozen_clock, "2026-05-01")
    claim = only_claim(db)

    def refile() -> Any:
        return post_multipart(admin, f"/claims/{claim.id}/resubmit", {
            "version": str(claim.version), "start": "2026-03-01", "subject": "professional", "days": "1",
            "evidence": [(io.BytesIO(PDF), "通知.pdf")]})

    assert "已于 2026-04-30 截止" in refile().get_data(as_text=True)
    assert only_claim(db).status == "returned"
    county = client_of(app, "tlhr")
    assert county.post("/claims/late-filing", data={"id_number": p.id_number, "activity_end": "2026-03-01",
                                                    "reason": "补充材料需主办单位盖章，耗时较长"}).status_code == 302
    assert refile().status_code == 302
    claim = only_claim(db)
    assert claim.status == "pending"
    assert db.scalar(select(LateFilingGrant.claim_id)) == claim.id


# ---- a closed year -------------------------------------------------------------------------------------------

def test_an_activity_in_a_year_whose_certificate_was_issued_is_refused_until_it_is_revoked(
        app: Any, db: Any, make: Any) -> None:
    employer = make.org("employer", "wenzhou-lucheng", "鹿城某中学", industry="教育")
    p = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    employ(make, p, employer)
    cert = HoursCertificate(person_id=p.id, year=2025, code="XST-2025-CLOSED", total_hours=Decimal(90),
                            general_public=Decimal(18), industry_public=Decimal(0), professional=Decimal(72),
                            policy="wenzhou-2020", issued_at=datetime(2026, 1, 5, 2))
    db.add(cert)
    db.commit()
    c = client_of(app, p.id_number)
    said = problems(file(c, "training", start="2025-11-01", hours="8"))
    assert "2025 年度的学时已于 2026-01-05 出具电子证书" in said and "不能再申报该年度的活动" in said
    assert claim_count(db) == 0
    assert file(c, "training", start="2026-02-01", hours="8").status_code == 302  # this year is open
    db.rollback()
    cert.revoked_at = clock.now()
    db.commit()
    assert file(c, "training", start="2025-11-01", hours="8").status_code == 302
    assert claim_count(db) == 2


# ---- who grants is the policy's -----------------------------------------------------------------------------

@pytest.mark.parametrize(("region", "granter"), [
    pytest.param("tonglu", "tonglu", id="tonglu 第十三条1、2: the county bureau"),
    pytest.param("tonglu", "hangzhou", id="tonglu: not the city bureau above it"),
    pytest.param("wenzhou-lucheng", "wenzhou-lucheng", id="wenzhou: no deadline, no grant"),
    pytest.param("hangzhou", "hangzhou", id="zhejiang: no deadline, no grant"),
    pytest.param("weihai-huancui", "weihai-huancui", id="weihai: no deadline, no grant"),
    pytest.param("chengdu-wuhou", "chengdu-wuhou", id="sichuan: no deadline, no grant"),
])
def test_who_may_grant_a_late_filing_is_read_from_the_persons_policy(
        app: Any, db: Any, make: Any, frozen_clock: Any, region: str, granter: str) -> None:
    from lms.regions import policy_of
    from rules import load_policy
    at(frozen_clock, "2026-03-02")
    p = make.practitioner("吴老师", region=region)
    make.staff("bureau", "clerk", region=granter)
    clerk = client_of(app, "clerk")
    step = load_policy(policy_of(region) or "").late_filing
    page = clerk.get("/claims/late-filing").get_data(as_text=True)
    resp = clerk.post("/claims/late-filing", data={"id_number": p.id_number, "activity_end": "2025-12-31",
                                                   "reason": "因病住院，未能按期申报"})
    if step is None:
        # The four documents without a deadline: nothing is late, so no one grants, and the bureau is told why.
        assert 'id="grant-form"' not in page
        # (Hangzhou's city bureau is told who grants in Tonglu, the one county of its territory with a deadline.)
        said = "逾期申报由所在地的县级人力资源社会保障部门批准" if region == "hangzhou" else "没有规定申报期限和逾期申报许可"
        assert resp.status_code == 403 and said in resp.get_data(as_text=True)
    elif granter == region:
        assert (step.acts, step.level, step.rule) == (("hr_bureau",), "county", "桐人社发〔2018〕26号 第十三条1、2")
        assert 'id="grant-form"' in page and "县级人力资源社会保障部门准予（桐人社发〔2018〕26号 第十三条1、2）" in page
        assert resp.status_code == 302
    else:
        assert 'id="grant-form"' not in page and resp.status_code == 403
        assert "逾期申报由所在地的县级人力资源社会保障部门批准" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(LateFilingGrant)) == (1 if step and granter == region else 0)


def test_a_late_tonglu_claim_says_who_grants_as_the_policy_names_it(
        app: Any, tonglu: dict[str, Any], frozen_clock: Any) -> None:
    at(frozen_clock, "2026-03-02")
    said = problems(file_for(client_of(app, "tlschool"), tonglu["p"], "2025-12-31"))
    assert "请向所在地的县级人力资源社会保障部门申请准予逾期申报" in said
    page = client_of(app, tonglu["p"].id_number).get("/me/claims").get_data(as_text=True)
    assert "可向所在地的县级人力资源社会保障部门申请准予逾期申报" in page
