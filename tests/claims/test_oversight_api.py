"""The oversight of hours through the API (docs/api.md "Oversight of hours"; issue 12 items 5–8 and 11): late filing
granted by the county HR bureau, corrections by two clerks, findings of forged evidence and what the person reads of
them, standing for HR and the employer, and the random audit — each the page's operation, on SQLite and
PostgreSQL: the happy path, the refusal by role or scope (404 outside it), and bad input answered 4xx in Chinese."""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from lms.api.description import openapi
from lms.audit import AuditEntry
from lms.claims.audits import ClaimAudit, ClaimAuditItem
from lms.claims.corrections import HoursCorrection
from lms.claims.findings import ClaimFinding
from lms.claims.grants import LateFilingGrant
from lms.messages.models import Message
from tests.claims.test_audits import claims  # noqa: F401  (fixture)
from tests.claims.test_claims import PDF, PNG, decide, file, only_claim
from tests.claims.test_claims_api import refused, signed_in
from tests.claims.test_deadlines import tonglu  # noqa: F401  (fixture)
from tests.claims.test_findings import client_of, record, wenzhou, year_total  # noqa: F401  (wenzhou: fixture)
from tests.claims.test_reform import bank, lucheng  # noqa: F401  (lucheng: fixture)

API = "/api/v1"
TOO_BIG = 2**31
SPEC = openapi()


def described(resp: Any, status: int, schema: str) -> Any:
    """The JSON answer, checked against its schema in lms/api/openapi.yaml (Schemathesis calls as a practitioner and
    never reaches a clerk's answers: they are checked here)."""
    body = resp.get_json()
    assert resp.status_code == status, (resp.status_code, body)
    Draft202012Validator({"$ref": f"#/components/schemas/{schema}", "components": SPEC["components"]}).validate(body)
    return body


def count(db: Any, model: Any) -> int:
    db.rollback()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def actions(db: Any, action: str) -> list[AuditEntry]:
    db.rollback()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# ---- late filing (桐人社发〔2018〕26号 第十三条) -------------------------------------------------------------------

def test_the_county_bureau_grants_a_late_filing_through_the_api_and_the_practitioner_is_told(
        app: Any, db: Any, make: Any, tonglu: dict[str, Any]) -> None:  # noqa: F811
    p = tonglu["p"]
    make.staff("bureau", "whhr", region="weihai")
    county = signed_in(app, "tlhr")
    resp = county.post(f"{API}/claims/late-filing", json={
        "id_number": p.id_number, "activity_end": "2025-12-31", "reason": "12月31日培训结束，学习年度截止前无法申报"})
    grant = described(resp, 201, "LateFilingGrant")
    assert grant["person"] == {"id": p.id, "name": p.name, "id_number": p.masked_id_number}
    assert (grant["activity_end"], grant["claim_id"], grant["used_at"]) == ("2025-12-31", None, None)
    assert grant["valid_until"] == "2026-04-01" and grant["org_name"] and grant["granted_at"].endswith("Z")
    assert described(county.get(f"{API}/claims/late-filing"), 200, "LateFilingGrants")["grants"] == [grant]
    entry, = actions(db, "claim.late_grant")
    assert entry.detail_dict["deadline"] == "2025-12-30" and entry.actor_id is not None
    assert db.scalars(select(Message.subject).where(Message.person_id == p.id)).all() == ["已准予逾期申报学时"]
    # The practitioner reads it among their messages.
    assert signed_in(app, p.id_number).get(f"{API}/messages").get_json()["messages"][0]["subject"] == "已准予逾期申报学时"
    # The city bureau above reads the grant but does not grant; a bureau elsewhere sees none of it.
    city = signed_in(app, "hzhr")
    assert [g["id"] for g in city.get(f"{API}/claims/late-filing").get_json()["grants"]] == [grant["id"]]
    assert signed_in(app, "whhr").get(f"{API}/claims/late-filing").get_json()["grants"] == []


def test_a_late_filing_is_granted_only_by_the_county_bureau_for_a_person_it_covers(
        app: Any, db: Any, make: Any, tonglu: dict[str, Any]) -> None:  # noqa: F811
    p = tonglu["p"]
    body = {"id_number": p.id_number, "activity_end": "2025-12-31", "reason": "因病住院，未能按期申报"}
    assert refused(signed_in(app, "hzhr").post(f"{API}/claims/late-filing", json=body), 403)["message"]
    assert refused(signed_in(app, "tlschool").post(f"{API}/claims/late-filing", json=body), 403, "forbidden")
    assert refused(signed_in(app, p.id_number).post(f"{API}/claims/late-filing", json=body), 403, "forbidden")
    # A practitioner of another county is not in this bureau's area: named in fields, not granted.
    far = make.practitioner("威海人员", region="weihai-huancui")
    got = refused(signed_in(app, "tlhr").post(f"{API}/claims/late-filing", json={**body, "id_number": far.id_number}),
                  400, "invalid_input")
    assert "管辖范围内没有" in got["fields"]["id_number"]
    assert count(db, LateFilingGrant) == 0


def test_a_late_filing_body_of_wrong_types_or_bad_values_is_refused_by_field(
        app: Any, db: Any, tonglu: dict[str, Any]) -> None:  # noqa: F811
    p = tonglu["p"]
    county = signed_in(app, "tlhr")
    got = refused(county.post(f"{API}/claims/late-filing", json={"id_number": p.id_number, "activity_end": 20251231,
                                                                  "reason": ["因病"]}), 400, "invalid_input")
    assert set(got["fields"]) == {"activity_end", "reason"} and got["fields"]["reason"] == "应为字符串"
    got = refused(county.post(f"{API}/claims/late-filing", json={"id_number": p.id_number, "activity_end": "2025-13-01",
                                                                  "reason": "x"}), 400)
    assert set(got["fields"]) == {"activity_end", "reason"}
    assert "尚未逾期" in refused(county.post(f"{API}/claims/late-filing", json={
        "id_number": p.id_number, "activity_end": "2026-02-01", "reason": "因病住院"}), 400)["fields"]["activity_end"]
    assert "至多 500 字" in refused(county.post(f"{API}/claims/late-filing", json={
        "id_number": p.id_number, "activity_end": "2025-12-31", "reason": "因" * 501}), 400)["fields"]["reason"]
    # Not a JSON object at all: every field is missing.
    assert set(refused(county.post(f"{API}/claims/late-filing", data="x"), 400)["fields"]) == {
        "id_number", "activity_end", "reason"}
    assert count(db, LateFilingGrant) == 0


# ---- corrections by two clerks ---------------------------------------------------------------------------------

def test_a_correction_filed_through_the_api_counts_once_another_clerk_approves_it(
        app: Any, db: Any, lucheng: dict[str, Any]) -> None:  # noqa: F811
    p, entry = lucheng["p"], lucheng["entry"]
    a, b = signed_in(app, "lca"), signed_in(app, "lcb")
    got = described(a.get(f"{API}/people/{p.id}/corrections"), 200, "CorrectableEntries")
    assert got["person"]["id"] == p.id and [(e["entry_id"], e["hours"], e["remaining"]) for e in got["entries"]] == [
        (entry.id, "18.00", "18.00")]
    resp = a.post(f"{API}/people/{p.id}/corrections", json={"entry_id": entry.id, "hours": "2.5",
                                                            "reason": "考试成绩登记重复，核减"})
    c = described(resp, 201, "Correction")
    assert (c["status"], c["hours"], c["entry_id"], c["may_decide"]) == ("pending", "-2.50", entry.id, False)
    assert "另一名工作人员" in c["refusal"] or "自己" in c["refusal"]
    assert bank(db, p) == Decimal(18)
    # The clerk who filed it may not approve it; the city's clerk is of another organisation.
    assert "两人核批" in refused(a.post(f"{API}/corrections/{c['id']}/decision", json={"decision": "approve"}),
                             403)["message"]
    assert refused(signed_in(app, "wzc").post(f"{API}/corrections/{c['id']}/decision", json={"decision": "approve"}),
                   403)["message"]
    listed = described(b.get(f"{API}/corrections"), 200, "Corrections")["corrections"]
    assert [(x["id"], x["may_decide"], x["refusal"]) for x in listed] == [(c["id"], True, None)]
    done = b.post(f"{API}/corrections/{c['id']}/decision", json={"decision": "approve"})
    assert described(done, 200, "Correction")["status"] == "approved"
    assert bank(db, p) == Decimal("15.5")
    assert [e.actor_id for e in actions(db, "hours.correction_file")] == [lucheng["a"].id]
    assert [e.actor_id for e in actions(db, "hours.correction_approve")] == [lucheng["b"].id]
    # Decided once: a second decision is a conflict, and the bank is lowered once.
    assert refused(b.post(f"{API}/corrections/{c['id']}/decision", json={"decision": "approve"}), 409)["message"]
    assert bank(db, p) == Decimal("15.5")


def test_corrections_outside_the_scope_are_not_found_and_other_roles_are_refused(
        app: Any, db: Any, make: Any, lucheng: dict[str, Any]) -> None:  # noqa: F811
    p, entry = lucheng["p"], lucheng["entry"]
    a = signed_in(app, "lca")
    c = a.post(f"{API}/people/{p.id}/corrections", json={"entry_id": entry.id, "hours": "2",
                                                         "reason": "考试成绩登记重复，核减"}).get_json()
    make.staff("bureau", "whc", region="weihai")
    far = signed_in(app, "whc")
    assert refused(far.get(f"{API}/people/{p.id}/corrections"), 404, "not_found")
    assert refused(far.post(f"{API}/people/{p.id}/corrections", json={"entry_id": entry.id, "hours": "1",
                                                                      "reason": "登记有误核减"}), 404)
    assert refused(far.post(f"{API}/corrections/{c['id']}/decision", json={"decision": "approve"}), 404)
    assert far.get(f"{API}/corrections").get_json() == {"corrections": []}
    me = signed_in(app, p.id_number)
    assert refused(me.get(f"{API}/corrections"), 403, "forbidden")
    assert refused(me.post(f"{API}/people/{p.id}/corrections", json={"entry_id": entry.id, "hours": "1",
                                                                     "reason": "登记有误核减"}), 403)
    assert count(db, HoursCorrection) == 1 and bank(db, p) == Decimal(18)


def test_a_correction_body_of_wrong_types_or_ids_past_the_range_is_refused_by_field(
        app: Any, db: Any, lucheng: dict[str, Any]) -> None:  # noqa: F811
    p, entry = lucheng["p"], lucheng["entry"]
    a = signed_in(app, "lca")
    url = f"{API}/people/{p.id}/corrections"
    reason = "考试成绩登记重复，核减"
    for bad in (TOO_BIG, str(entry.id), True, None, 1.5):
        got = refused(a.post(url, json={"entry_id": bad, "hours": "1", "reason": reason}), 400, "invalid_input")
        assert "entry_id" in got["fields"], bad
    assert "hours" in refused(a.post(url, json={"entry_id": entry.id, "hours": 1.5, "reason": reason}), 400)["fields"]
    for hours in ("abc", "0", "-1", "18.01", "NaN", "1e400", "0.001"):
        got = refused(a.post(url, json={"entry_id": entry.id, "hours": hours, "reason": reason}), 400)
        assert "hours" in got["fields"], hours
    assert "reason" in refused(a.post(url, json={"entry_id": entry.id, "hours": "1", "reason": "短"}), 400)["fields"]
    assert refused(a.post(url, data="x"), 400, "invalid_input")["message"]
    assert refused(a.get(f"{API}/people/{TOO_BIG}/corrections"), 404)
    c = a.post(url, json={"entry_id": entry.id, "hours": 1, "reason": reason}).get_json()  # an integer is fine
    assert c["hours"] == "-1.00"
    b = signed_in(app, "lcb")
    decision = f"{API}/corrections/{c['id']}/decision"
    assert refused(b.post(decision, json={"decision": "maybe"}), 400)["message"] == "复核意见无效"
    assert "reason" in refused(b.post(decision, json={"decision": "reject"}), 400)["fields"]
    assert refused(b.post(decision, json={"decision": ["approve"]}), 400)["fields"]["decision"] == "应为字符串"
    assert refused(b.post(f"{API}/corrections/{TOO_BIG}/decision", json={"decision": "approve"}), 404)
    assert count(db, HoursCorrection) == 1 and bank(db, p) == Decimal(18)


# ---- findings of forged evidence (温 第十五条, 浙 第十六条) and what the person reads ----------------------------------

def finding(c: Any, claim_id: int, *args: Any, **kw: Any) -> Any:
    return record(c, claim_id, *args, prefix=API, **kw)


def test_a_finding_recorded_through_the_api_reverses_the_claim_and_the_person_reads_the_sanction(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:  # noqa: F811
    p = wenzhou["p"]
    me = client_of(app, p.id_number)
    assert file(me, "training", start="2026-02-01", end="2026-02-03", hours="20").status_code == 302
    claim = only_claim(db)
    assert decide(client_of(app, "jyj"), claim, "approve").status_code == 302
    before = year_total(db, p)
    reviewer = signed_in(app, "jyj")
    resp = finding(reviewer, claim.id, files=[(PNG, "核实函.png")])
    got = described(resp, 201, "Finding")
    assert (got["outcome"], got["reversed_hours"], got["claim_id"], got["person_id"]) == (
        "reversed", "20.00", claim.id, p.id)
    assert got["evidence"]["mime"] == "image/png" and got["evidence"]["url"] == f"/claims/{claim.id}/finding/evidence"
    assert year_total(db, p) == before - Decimal(20)
    assert {e.action for e in actions(db, "claim.finding") + actions(db, "person.sanction")} == {
        "claim.finding", "person.sanction"}
    # Recorded once.
    assert refused(finding(reviewer, claim.id, "再次记录：材料系伪造"), 409)["message"]
    assert year_total(db, p) == before - Decimal(20)
    # The person reads the finding and the sanction with its article; the evidence file is theirs to download.
    mine = signed_in(app, p.id_number)
    assert mine.get(f"{API}/claims/{claim.id}/finding").get_json() == got
    sanctions = described(mine.get(f"{API}/me/sanctions"), 200, "MySanctions")
    assert sanctions["findings"] == [got]
    (sanction,) = sanctions["sanctions"]
    assert (sanction["kind"], sanction["rule"], sanction["org_name"]) == (
        "no_title_application", "温人社发〔2020〕125号 第十五条", "温州市教育局")
    ev = mine.get(got["evidence"]["url"])
    assert ev.get_data() == PNG and ev.headers["X-Content-Type-Options"] == "nosniff"
    ev.close()
    # HR and the employer read it with the person's standing.
    for who in ("lchr", "school"):
        body = described(signed_in(app, who).get(f"{API}/people/{p.id}/standing"), 200, "PersonStanding")
        assert body["person"]["id"] == p.id and body["sanctions"] == [sanction], who
        assert body["standing"]["year"] == 2025 and "title_year_choices" in body["standing"]


def test_a_finding_is_refused_to_the_claimant_and_not_found_outside_the_chain_or_scope(
        app: Any, db: Any, make: Any, wenzhou: dict[str, Any]) -> None:  # noqa: F811
    p = wenzhou["p"]
    make.staff("bureau", "whf", region="weihai")
    other = make.practitioner("李老师", region="wenzhou-lucheng")
    file(client_of(app, p.id_number), "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    assert refused(finding(signed_in(app, p.id_number), claim.id), 403, "forbidden")
    assert refused(finding(signed_in(app, "wsj"), claim.id), 404, "not_found")  # another industry's authority
    far = signed_in(app, "whf")
    assert refused(finding(far, claim.id), 404) and refused(far.get(f"{API}/claims/{claim.id}/finding"), 404)
    assert refused(far.get(f"{API}/people/{p.id}/standing"), 404)
    assert refused(signed_in(app, other.id_number).get(f"{API}/claims/{claim.id}/finding"), 404)
    assert refused(signed_in(app, p.id_number).get(f"{API}/people/{p.id}/standing"), 403)
    assert refused(signed_in(app, "lchr").get(f"{API}/me/sanctions"), 403, "forbidden")  # one's own, a person's
    assert signed_in(app, p.id_number).get(f"{API}/me/sanctions").get_json() == {"sanctions": [], "findings": []}
    # No finding yet: the claim's own reviewer reads a 404 that says so.
    assert "没有查实" in refused(signed_in(app, "jyj").get(f"{API}/claims/{claim.id}/finding"), 404)["message"]
    assert count(db, ClaimFinding) == 0 and only_claim(db).status == "pending"


def test_a_finding_without_its_text_or_with_a_file_not_an_image_or_pdf_stores_nothing(
        app: Any, db: Any, wenzhou: dict[str, Any]) -> None:  # noqa: F811
    p = wenzhou["p"]
    file(client_of(app, p.id_number), "training", start="2026-02-01", hours="8")
    claim = only_claim(db)
    hr = signed_in(app, "lchr")
    assert "finding" in refused(finding(hr, claim.id, ""), 400, "invalid_input")["fields"]
    got = refused(finding(hr, claim.id, files=[(b"MZ\x90\x00 not a pdf", "核实函.pdf")]), 400)
    assert "evidence" in got["fields"]
    assert "evidence" in refused(finding(hr, claim.id, files=[(PDF, "a.pdf"), (PNG, "b.png")]), 400)["fields"]
    assert refused(hr.post(f"{API}/claims/{claim.id}/finding", json={"finding": "材料系伪造，已核实"}), 400)["fields"]
    assert refused(finding(hr, TOO_BIG), 404)
    assert refused(hr.get(f"{API}/people/{p.id}/standing?title_years=²"), 400, "invalid_input")["message"]
    assert refused(hr.get(f"{API}/people/{p.id}/standing?title_years=" + "9" * 5000), 400)["message"]
    assert count(db, ClaimFinding) == 0 and only_claim(db).status == "pending"


# ---- the random audit ------------------------------------------------------------------------------------------

def test_a_bureau_draws_a_reproducible_sample_through_the_api_and_records_each_outcome(
        app: Any, db: Any, claims: dict[str, Any]) -> None:  # noqa: F811
    clerk = signed_in(app, "lcaudit")
    resp = clerk.post(f"{API}/claims/audits", json={"year": 2025, "percent": "25", "seed": "424242"})
    a = described(resp, 201, "ClaimAuditDetail")
    expected = sorted(random.Random(424242).sample(sorted(claims["lucheng"]), 5))
    assert (a["year"], a["percent"], a["seed"], a["population"], a["sample_size"], a["mine"]) == (
        2025, "25.00", "424242", 20, 5, True)
    assert [i["claim_id"] for i in a["items"]] == expected
    assert a["counts"] == {"pending": 5, "confirmed": 0, "finding": 0}
    # The same seed as an integer over the same claims draws the same sample.
    again = clerk.post(f"{API}/claims/audits", json={"year": 2025, "percent": 25, "seed": 424242}).get_json()
    assert [i["claim_id"] for i in again["items"]] == expected and again["population_digest"] == a["population_digest"]
    # A seed as large as the column holds comes back exactly, as a string.
    big = clerk.post(f"{API}/claims/audits", json={"year": 2025, "percent": "10", "seed": str(2**62 - 1)}).get_json()
    assert big["seed"] == str(2**62 - 1)
    assert [x["id"] for x in described(clerk.get(f"{API}/claims/audits"), 200, "ClaimAudits")["audits"]] == [big["id"], again["id"], a["id"]]
    item = a["items"][0]
    # A colleague of the same bureau confirms; the city bureau above reads it but does not re-check it.
    colleague = signed_in(app, "lcaudit2")
    confirm = f"{API}/claims/audits/{a['id']}/items/{item['id']}/confirm"
    city = signed_in(app, "wzaudit")
    assert city.get(f"{API}/claims/audits/{a['id']}").get_json()["mine"] is False
    assert "办理" in refused(city.post(confirm, json={"note": "复查无误"}), 403)["message"]
    done = colleague.post(confirm, json={"note": "已电话核实培训机构"})
    assert described(done, 200, "ClaimAuditItem")["outcome"] == "confirmed"
    assert done.get_json()["note"] == "已电话核实培训机构"
    assert refused(colleague.post(confirm), 409)["message"]  # no body is fine; a second outcome is not
    detail = described(clerk.get(f"{API}/claims/audits/{a['id']}"), 200, "ClaimAuditDetail")
    assert detail["counts"] == {"pending": 4, "confirmed": 1, "finding": 0}
    assert len(actions(db, "claim.audit_draw")) == 3 and len(actions(db, "claim.audit_confirm")) == 1


def test_audits_are_not_found_outside_the_bureaus_scope_and_drawn_only_by_bureau_staff(
        app: Any, db: Any, make: Any, claims: dict[str, Any]) -> None:  # noqa: F811
    a = signed_in(app, "lcaudit").post(f"{API}/claims/audits", json={"year": 2025, "percent": "50"}).get_json()
    assert a["seed"].isdigit()  # drawn at random and recorded
    make.staff("bureau", "ohaudit", region="wenzhou-ouhai")
    neighbour = signed_in(app, "ohaudit")
    assert refused(neighbour.get(f"{API}/claims/audits/{a['id']}"), 404, "not_found")
    item = a["items"][0]
    assert refused(neighbour.post(f"{API}/claims/audits/{a['id']}/items/{item['id']}/confirm"), 404)
    assert neighbour.get(f"{API}/claims/audits").get_json() == {"audits": []}
    me = signed_in(app, claims["person"].id_number)
    assert refused(me.get(f"{API}/claims/audits"), 403, "forbidden")
    assert refused(me.post(f"{API}/claims/audits", json={"year": 2025, "percent": "50"}), 403)
    assert count(db, ClaimAudit) == 1


def test_a_draw_of_wrong_types_or_values_is_refused_by_field_and_nothing_is_drawn(
        app: Any, db: Any, claims: dict[str, Any]) -> None:  # noqa: F811
    clerk = signed_in(app, "lcaudit")
    url = f"{API}/claims/audits"
    cases = [({"year": "²", "percent": "10"}, "year"), ({"year": "9" * 5000, "percent": "10"}, "year"),
             ({"year": True, "percent": "10"}, "year"), ({"year": 1999, "percent": "10"}, "year"),
             ({"year": 2025, "percent": 10.5}, "percent"), ({"year": 2025, "percent": "0"}, "percent"),
             ({"year": 2025, "percent": "100.01"}, "percent"), ({"year": 2025, "percent": "NaN"}, "percent"),
             ({"year": 2025, "percent": "10", "seed": str(2**62)}, "seed"),
             ({"year": 2025, "percent": "10", "seed": "²"}, "seed"), ({"year": 2025, "percent": "10", "seed": -1}, "seed"),
             ({"year": 2025, "percent": "10", "seed": 10**30}, "seed"), ({"year": 2025}, "percent")]
    for body, field in cases:
        got = refused(clerk.post(url, json=body), 400, "invalid_input")
        assert field in got["fields"], (body, got)
    assert refused(clerk.post(url, data="x"), 400)["message"]
    assert refused(clerk.get(f"{url}/{TOO_BIG}"), 404)
    a = clerk.post(url, json={"year": 2025, "percent": "10", "seed": 1}).get_json()
    confirm = f"{url}/{a['id']}/items/{a['items'][0]['id']}/confirm"
    assert "note" in refused(clerk.post(confirm, json={"note": "长" * 501}), 400)["fields"]
    assert refused(clerk.post(confirm, json={"note": 5}), 400)["fields"]["note"] == "应为字符串"
    assert refused(clerk.post(confirm, json=["复查无误"]), 400)["message"]
    assert refused(clerk.post(f"{url}/{a['id']}/items/{TOO_BIG}/confirm"), 404)
    db.rollback()
    assert count(db, ClaimAudit) == 1
    assert db.scalar(select(func.count()).select_from(ClaimAuditItem).where(ClaimAuditItem.outcome.is_not(None))) == 0
