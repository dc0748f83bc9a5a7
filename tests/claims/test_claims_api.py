"""The claim API under /api/v1 (issue 12, docs/api.md): every call a practitioner, the administrator who files for
them and the reviewers make, on SQLite and PostgreSQL; refusals are 4xx JSON {"error", "message"}, never 500."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.audit import AuditEntry
from lms.claims.models import ClaimEvidence, HourClaim
from lms.hours.models import HoursEntry
from tests.claims.test_claims import PDF, PNG, employ, post_multipart
from tests.conftest import login

API = "/api/v1"


def signed_in(app: Any, name: str) -> Any:
    c = app.test_client()
    assert login(c, name).status_code == 200
    return c


def file(client: Any, kind: str, files: list[tuple[bytes, str]] | None = None, **fields: str) -> Any:
    data: dict[str, Any] = {"kind": kind, **fields}
    data["evidence"] = [(io.BytesIO(b), n) for b, n in (files if files is not None else [(PDF, "证书.pdf")])]
    return post_multipart(client, f"{API}/claims", data)


def download(client: Any, url: str) -> Any:
    """A file answer, read whole and closed (send_file's answer holds the file open until then)."""
    resp = client.get(url)
    resp.get_data()
    resp.close()
    return resp


def refused(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = resp.get_json()
    assert resp.status_code == status, (resp.status_code, body)
    assert set(body) >= {"error", "message"} and body["message"]
    if code is not None:
        assert body["error"] == code
    return body


@pytest.fixture
def wz(app: Any, make: Any) -> dict[str, Any]:
    """A Wenzhou practitioner of 教育 with an employer, the city's 教育 authority and one of another industry."""
    employer = make.org("employer", "wenzhou-lucheng", "鹿城某中学", industry="教育")
    p = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    employ(make, p, employer)
    make.staff("authority", "jyj", org=make.org("authority", "wenzhou", "温州市教育局", industry="教育"))
    make.staff("authority", "wsj", org=make.org("authority", "wenzhou", "温州市卫生健康委员会", industry="卫生"))
    make.staff("bureau", "wzhr")
    return {"p": p, "me": signed_in(app, p.id_number), "employer": employer}


def test_kinds_are_the_policys_with_their_fields_chain_and_deadline(app: Any, wz: dict[str, Any]) -> None:
    body = wz["me"].get(f"{API}/claims/kinds").get_json()
    assert body["policy"]["id"] == "wenzhou-2020" and body["policy"]["unit"] == "学时"
    assert body["may_file"] is True and body["person"]["id"] == wz["p"].id
    assert [s["label"] for s in body["chain"]["steps"]] == ["市级行业主管部门审批并登记专业科目学时"]
    paper = next(k for k in body["kinds"] if k["id"] == "paper")
    assert "第十二条" in paper["rule"]
    names = [f["name"] for f in paper["fields"]]
    assert names[:2] == ["start", "end"] and "item_id" in names
    assert paper["fields"][0] == {"name": "start", "label": "开始日期", "type": "date", "required": True,
                                  "choices": []}
    assert refused(app.test_client().get(f"{API}/claims/kinds"), 401)["error"] == "login_required"
    assert refused(signed_in(app, "jyj").get(f"{API}/claims/kinds"), 403)["error"] == "forbidden"


def test_preview_gives_the_hours_each_line_with_its_article_and_the_deadline_and_stores_nothing(
        app: Any, db: Any, wz: dict[str, Any]) -> None:
    me = wz["me"]
    body = me.post(f"{API}/claims/preview", json={"kind": "training", "facts": {
        "start": "2026-02-01", "end": "2026-02-03", "hours": "20"}}).get_json()
    assert (body["hours"], body["unit"], body["year"]) == ("20.00", "学时", 2026)
    assert body["lines"] and all("温人社发〔2020〕125号" in line["rule"] for line in body["lines"])
    assert body["lines"][0]["category"] == "professional" and body["lines"][0]["hours"] == "20.00"
    bad = refused(me.post(f"{API}/claims/preview", json={"kind": "training", "facts": {
        "start": "2026-02-31", "hours": 12.5}}), 400, "invalid_input")
    assert set(bad["fields"]) == {"hours"}  # a JSON decimal is refused: decimals are strings
    bad = refused(me.post(f"{API}/claims/preview", json={"kind": "training", "facts": {
        "start": "2026-02-31", "hours": "12"}}), 400, "invalid_input")
    assert "start" in bad["fields"]
    refused(me.post(f"{API}/claims/preview", json={"kind": "nonsense", "facts": {}}), 404, "not_found")
    refused(me.post(f"{API}/claims/preview", json={"facts": {}}), 400, "invalid_input")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 0


def test_tonglu_preview_says_the_deadline_of_the_activity(app: Any, make: Any) -> None:
    """桐人社发〔2018〕26号 第十三条: claims close 60 days after the activity; December's on 30 December."""
    p = make.practitioner("吴老师", region="tonglu", industry="教育")
    me = signed_in(app, p.id_number)
    body = me.post(f"{API}/claims/preview", json={"kind": "training", "facts": {
        "start": "2026-02-01", "subject": "professional", "days": "1"}}).get_json()
    assert body["deadline"]["last_day"] == "2026-04-02" and "第十三条" in body["deadline"]["rule"]
    assert body["unit"] == "学分"


def test_filing_stores_the_claim_with_its_evidence_and_refuses_bad_files_at_once(
        app: Any, db: Any, wz: dict[str, Any]) -> None:
    me = wz["me"]
    bad = refused(file(me, "paper", files=[(b"MZ not a pdf", "证书.pdf"), (b"", "空.png")], start="2026-01-10",
                       hours="12", item_id="doi:10.1000/api"), 400, "invalid_input")
    assert "不是 PDF、JPEG 或 PNG" in bad["fields"]["evidence"] and "0 字节" in bad["fields"]["evidence"]
    assert "请上传佐证材料" in refused(file(me, "paper", files=[], start="2026-01-10", hours="12",
                                         item_id="doi:10.1000/api"), 400)["fields"]["evidence"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 0
    resp = file(me, "paper", files=[(PNG, "../../证书.png")], start="2026-01-10", hours="12",
                item_id="doi:10.1000/api")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["status"], body["hours_claimed"], body["version"], body["waiting_at"]) == (
        "pending", "12.00", 1, "市级行业主管部门审批并登记专业科目学时")
    assert [e["filename"] for e in body["evidence"]] == ["证书.png"]
    assert body["history"][0]["decision"] == "submit" and body["history"][0]["by_claimant"] is True
    assert {"name": "item_id", "label": body["facts"][-1]["label"], "value": "doi:10.1000/api"} in body["facts"]
    again = file(me, "paper", start="2026-01-11", hours="12", item_id="doi:10.1000/api")
    assert "正在审核" in refused(again, 400)["fields"]["item_id"]
    listed = me.get(f"{API}/claims").get_json()["claims"]
    assert [c["id"] for c in listed] == [body["id"]]
    assert me.get(f"{API}/claims/{body['id']}").get_json()["may_resubmit"] is False


def test_a_reviewer_sees_the_queue_in_scope_opens_the_evidence_and_approves_lowered_hours(
        app: Any, db: Any, wz: dict[str, Any]) -> None:
    me = wz["me"]
    claim = file(me, "training", start="2026-02-01", end="2026-02-03", hours="20").get_json()
    cid, ev = claim["id"], claim["evidence"][0]
    jyj, wsj, hr = signed_in(app, "jyj"), signed_in(app, "wsj"), signed_in(app, "wzhr")
    q = jyj.get(f"{API}/claims/review").get_json()
    assert q["count"] == q["total"] == 1 and q["claims"][0]["id"] == cid and q["claims"][0]["waiting_days"] == 0
    assert (q["claims"][0]["person_name"], q["claims"][0]["employer"]) == ("陈老师", "鹿城某中学")
    assert jyj.get(f"{API}/claims/review?employer={wz['employer'].id}").get_json()["count"] == 1
    other = jyj.get(f"{API}/claims/review?employer={wz['employer'].id + 1000}").get_json()
    assert (other["count"], other["total"]) == (0, 1)
    assert jyj.get(f"{API}/claims/review?year=2025").get_json()["count"] == 0
    assert jyj.get(f"{API}/claims/review?kind=paper").get_json()["count"] == 0
    assert wsj.get(f"{API}/claims/review").get_json()["count"] == 0       # another industry's authority
    assert hr.get(f"{API}/claims/review").get_json()["count"] == 0        # not a step of Wenzhou's chain
    refused(me.get(f"{API}/claims/review"), 403, "forbidden")
    refused(wsj.get(f"{API}/claims/{cid}"), 404, "not_found")
    assert jyj.get(f"{API}/claims/{cid}").get_json()["may_decide"] is True
    # the evidence: for the claimant and the reviewer in scope, a private download
    for who in (me, jyj):
        resp = download(who, ev["url"])
        assert resp.status_code == 200 and resp.data == PDF and resp.mimetype == "application/pdf"
        assert resp.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in resp.headers["Cache-Control"]
        assert resp.headers["Content-Disposition"].startswith("attachment")
    assert download(jyj, ev["url"] + "?inline=1").headers["Content-Disposition"].startswith("inline")
    refused(wsj.get(ev["url"]), 404)
    refused(app.test_client().get(ev["url"]), 401)
    # lowering needs a reason and never goes above what the rules give; nothing is decided meanwhile
    v = claim["version"]
    assert "不能高于" in refused(jyj.post(f"{API}/claims/{cid}/decision", json={
        "version": v, "decision": "approve", "hours": "20.01", "reason": "多给"}), 400)["fields"]["hours"]
    assert "理由" in refused(jyj.post(f"{API}/claims/{cid}/decision", json={
        "version": v, "decision": "approve", "hours": "18"}), 400)["fields"]["reason"]
    refused(jyj.post(f"{API}/claims/{cid}/decision", json={
        "version": v, "decision": "approve", "hours": "1E+999999", "reason": "很大"}), 400)
    refused(me.post(f"{API}/claims/{cid}/decision", json={"version": v, "decision": "approve"}), 403)
    refused(wsj.post(f"{API}/claims/{cid}/decision", json={"version": v, "decision": "approve"}), 404)
    done = jyj.post(f"{API}/claims/{cid}/decision", json={
        "version": v, "decision": "approve", "hours": "18", "reason": "证书所载18学时"})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["credited_hours"], body["may_decide"]) == ("approved", "18.00", False)
    assert body["history"][-1] | {"at": None} == {
        "version": 2, "step": 0, "level": "市级行业主管部门审批并登记专业科目学时", "decision": "approve", "decision_name": "审核通过",
        "reason": "证书所载18学时", "org_name": "温州市教育局", "hours": "18.00", "at": None, "by_claimant": False}
    refused(jyj.post(f"{API}/claims/{cid}/decision", json={"version": v, "decision": "approve"}), 409)
    db.rollback()
    entry = db.scalars(select(HoursEntry)).one()
    assert (entry.hours, entry.registered_by_org, entry.source_ref) == (
        Decimal(18), "温州市教育局", f"{cid}:professional")
    assert "温人社发〔2020〕125号" in (entry.rule or "")
    hours = me.get(f"{API}/hours/2026").get_json()
    assert hours["totals"]["professional"] == "18.00"


def test_a_returned_claim_gets_more_evidence_and_is_filed_again_then_rejected_with_a_reason(
        app: Any, db: Any, wz: dict[str, Any]) -> None:
    me, jyj = wz["me"], signed_in(app, "jyj")
    claim = file(me, "training", start="2026-02-01", hours="8").get_json()
    cid = claim["id"]
    assert "原因" in refused(jyj.post(f"{API}/claims/{cid}/decision", json={
        "version": claim["version"], "decision": "return"}), 400)["fields"]["reason"]
    refused(jyj.post(f"{API}/claims/{cid}/decision", json={"version": "1", "decision": "return"}), 400)
    refused(jyj.post(f"{API}/claims/{cid}/decision", json={"version": 1, "decision": "maybe"}), 400)
    back = jyj.post(f"{API}/claims/{cid}/decision", json={
        "version": claim["version"], "decision": "return", "reason": "请补充培训通知"}).get_json()
    assert back["status"] == "returned"
    mine = me.get(f"{API}/claims/{cid}").get_json()
    assert mine["may_resubmit"] is True and mine["history"][-1]["reason"] == "请补充培训通知"
    # more evidence on the returned claim (the version it was returned at), then the corrected facts
    v = mine["version"]
    refused(post_multipart(me, f"{API}/claims/{cid}/evidence", {"version": str(v - 1),
                                                                 "evidence": [(io.BytesIO(PDF), "x.pdf")]}), 409)
    refused(post_multipart(me, f"{API}/claims/{cid}/evidence", {"version": str(v)}), 400)
    added = post_multipart(me, f"{API}/claims/{cid}/evidence", {
        "version": str(v), "evidence": [(io.BytesIO(PNG), "通知.png")]})
    assert added.status_code == 201, added.get_json()
    assert [e["filename"] for e in added.get_json()["evidence"]] == ["证书.pdf", "通知.png"]
    refused(post_multipart(jyj, f"{API}/claims/{cid}/evidence", {
        "version": str(v), "evidence": [(io.BytesIO(PNG), "x.png")]}), 403)
    again = post_multipart(me, f"{API}/claims/{cid}/resubmit", {"version": str(v), "start": "2026-02-01",
                                                                "hours": "6"})
    assert again.status_code == 200, again.get_json()
    body = again.get_json()
    assert (body["status"], body["hours_claimed"], body["version"]) == ("pending", "6.00", v + 1)
    assert [h["decision"] for h in body["history"]] == ["submit", "return", "resubmit"]
    refused(post_multipart(me, f"{API}/claims/{cid}/resubmit", {"version": str(v + 1), "start": "2026-02-01",
                                                                "hours": "6"}), 409)
    refused(post_multipart(me, f"{API}/claims/{cid}/evidence", {
        "version": str(v + 1), "evidence": [(io.BytesIO(PNG), "x.png")]}), 409)
    no = jyj.post(f"{API}/claims/{cid}/decision", json={"version": body["version"], "decision": "reject",
                                                        "reason": "培训与本专业无关"}).get_json()
    assert (no["status"], no["history"][-1]["reason"]) == ("rejected", "培训与本专业无关")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HoursEntry)) == 0
    assert db.scalar(select(func.count()).select_from(ClaimEvidence)) == 2
    assert "claim.evidence" in set(db.scalars(select(AuditEntry.action)))


def test_in_tonglu_the_employers_administrator_files_for_the_practitioner_through_the_api(
        app: Any, db: Any, make: Any) -> None:
    """桐人社发〔2018〕26号 第十三条: 单位管理员申报; the practitioner cannot, another employer sees nobody."""
    employer = make.org("employer", "tonglu", "桐庐某中学", industry="教育")
    p = make.practitioner("吴老师", region="tonglu", industry="教育")
    employ(make, p, employer)
    make.staff("employer", "tlschool", org=employer)
    make.staff("employer", "tlother", org=make.org("employer", "tonglu", "桐庐另一单位", industry="教育"))
    me, admin, other = signed_in(app, p.id_number), signed_in(app, "tlschool"), signed_in(app, "tlother")
    facts = {"start": "2026-02-01", "subject": "professional", "days": "1"}
    assert me.get(f"{API}/claims/kinds").get_json()["may_file"] is False
    assert "由用人单位申报" in refused(file(me, "training", **facts), 400)["fields"]["form"]
    refused(admin.get(f"{API}/claims/kinds"), 403)  # an administrator says for whom
    kinds = admin.get(f"{API}/claims/kinds?person_id={p.id}").get_json()
    assert kinds["may_file"] is True and kinds["policy"]["unit"] == "学分"
    refused(other.get(f"{API}/claims/kinds?person_id={p.id}"), 404)
    refused(admin.get(f"{API}/claims/kinds?person_id=99999999999"), 400)
    refused(file(other, "training", person_id=str(p.id), **facts), 404)
    resp = file(admin, "training", person_id=str(p.id), **facts)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["person_id"] == p.id and body["steps"] == 2
    assert [c["id"] for c in me.get(f"{API}/claims").get_json()["claims"]] == [body["id"]]
    assert [c["id"] for c in admin.get(f"{API}/claims?person_id={p.id}").get_json()["claims"]] == [body["id"]]
