"""Every review decision tells the claimant (issue 12 item 10): a message in the app and, when they gave an address,
a mail through the outbox that reaches a real SMTP server; every decision is audited."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lms.audit import AuditEntry
from lms.claims.models import HourClaim
from lms.messages.jobs import send_outbox_now
from lms.messages.models import Message, OutboxMail
from tests.claims.test_claims import decide, employ, file, only_claim, web_login
from tests.mailbox import Mailbox


def messages(db: Any, person_id: int) -> list[Message]:
    db.rollback()
    db.expire_all()
    return list(db.scalars(select(Message).where(Message.person_id == person_id).order_by(Message.id)))


def test_each_decision_of_a_weihai_chain_tells_the_claimant_and_the_mail_arrives(
        make_app: Any, db: Any, make: Any, mailbox: Mailbox) -> None:
    app = make_app(SMTP_URL=mailbox.url)
    employer = make.org("employer", "weihai-huancui", "环翠某中学", industry="教育")
    p = make.practitioner("刘老师", region="weihai-huancui", industry="教育")
    p.email = "liu@example.com"
    make.s.commit()
    employ(make, p, employer)
    authority = make.org("authority", "weihai", "威海市教育局", industry="教育")
    make.staff("employer", "hcschool", org=employer)
    make.staff("authority", "whjy", org=authority)
    make.staff("bureau", "hchr", region="weihai-huancui")
    c = app.test_client()
    web_login(c, p.id_number)
    assert file(c, "paper", start="2026-01-10", item_id="ISSN 1000-0001 论文").status_code == 302
    for login in ("hcschool", "whjy", "hchr"):
        r = app.test_client()
        web_login(r, login)
        assert decide(r, only_claim(db), "approve").status_code == 302
    claim = only_claim(db)
    assert claim.status == "approved"
    got = messages(db, p.id)
    assert [m.subject for m in got] == ["学时认证：已通过一级审核", "学时认证：已通过一级审核",
                                        "学时认证已认定：10 学时"]
    assert "环翠某中学" in got[0].body and "转“" in got[0].body and "已认定 10 学时并登记到学时银行" in got[2].body
    assert all(m.link == f"/claims/{claim.id}" for m in got)
    assert 'id="unread-count" title="未读消息">3<' in c.get("/messages").get_data(as_text=True)
    report = send_outbox_now(app)
    assert report is not None and report.sent == 3
    assert [str(m["Subject"]) for m in mailbox.to("liu@example.com")] == [m.subject for m in got]
    assert f"/claims/{claim.id}" in Mailbox.text(mailbox.received[-1])


def test_lowering_returning_and_rejecting_tell_the_reason_and_are_audited(
        app: Any, db: Any, make: Any) -> None:
    employer = make.org("employer", "wenzhou-lucheng", "鹿城某中学", industry="教育")
    p = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    employ(make, p, employer)
    authority = make.org("authority", "wenzhou", "温州市教育局", industry="教育")
    make.staff("authority", "jyj", org=authority)
    c = app.test_client()
    web_login(c, p.id_number)
    r = app.test_client()
    web_login(r, "jyj")
    file(c, "training", start="2026-02-01", hours="12")
    claim = only_claim(db)
    decide(r, claim, "return", "证书照片不清晰")
    file(c, "training", start="2026-02-02", hours="6")
    db.rollback()
    second = db.scalars(select(HourClaim).order_by(HourClaim.id.desc())).first()
    decide(r, second, "reject", "与本人专业无关")
    file(c, "training", start="2026-02-03", hours="12")
    db.rollback()
    third = db.scalars(select(HourClaim).order_by(HourClaim.id.desc())).first()
    r.post(f"/claims/{third.id}/decide", data={"decision": "approve", "hours": "10", "reason": "证书载明10学时",
                                               "version": str(third.version)})
    got = messages(db, p.id)
    assert [m.subject for m in got] == ["学时认证被退回修改", "学时认证未通过", "学时认证已认定：10 学时"]
    assert "证书照片不清晰" in got[0].body and "与本人专业无关" in got[1].body
    assert "低于按规定可得的 12" in got[2].body and "证书载明10学时" in got[2].body
    assert db.scalars(select(OutboxMail)).all() == []  # no address given: the app only
    audits = {(a.action, a.target_id): a.detail_dict for a in db.scalars(select(AuditEntry))}
    assert audits[("claim.return", str(claim.id))]["reason"] == "证书照片不清晰"
    assert audits[("claim.reject", str(second.id))]["reason"] == "与本人专业无关"
    assert audits[("claim.approve", str(third.id))]["lowered_to"] == "10"
    assert Decimal(audits[("claim.approve", str(third.id))]["hours"]) == Decimal(10)
