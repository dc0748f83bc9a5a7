"""Issue 12, "Done when": a practitioner of each of the five regions reaches the full year (90 学时/学分) through the
platform alone — public hours by the course their policy names (with its exam where completion is 'exam', by the
study alone where it is 'study'), professional hours by claims approved at every step of the region's chain — and
every hour in the bank is explained by a rule citing its article and by the body that registered it. On SQLite and
PostgreSQL, through the pages and the API."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from lms.accounts.models import Person
from lms.claims.models import HourClaim
from lms.hours.models import HoursEntry
from lms.hours.summary import year_summary
from lms.orgs.models import Organisation
from tests.claims.test_claims import PDF, decide, employ, file, post_multipart, web_login
from tests.courses.test_completion_rules import study_to_the_end
from tests.courses.test_exam_rules import choose_study_and_pass

ARTICLE = re.compile(r"〔\d{4}〕\d+号 \S")  # a document number followed by the article it names


@dataclass(frozen=True)
class Year:
    """How a practitioner of one region earns a full year on the platform."""

    region: str            # the practitioner's region
    city: str              # the region of the industry authority that reviews their claims
    exam: bool             # public hours: course and exam (completion 'exam') or the study alone ('study')
    course_hours: str      # the public course's hours
    filer: str             # who files a claim: the practitioner ("self") or their employer's administrator
    chain: tuple[str, ...]  # the reviewers of each step, in order (logins made below)
    claims: int            # how many claims of `facts` reach the requirement
    facts: tuple[tuple[str, str], ...]  # the training's facts besides its date

    def activity(self, n: int) -> dict[str, str]:
        return {"start": f"2026-02-{n + 1:02d}", **dict(self.facts)}


YEARS = [
    # 温人社发〔2020〕125号 第六条: 18 一般公需 (第十条: registered by exam) + 60 专业; training 第十二条, city authority.
    pytest.param(Year("wenzhou-lucheng", "wenzhou", True, "18", "self", ("authority",), 6,
                      (("hours", "12"),)), id="wenzhou"),
    # 浙人社发〔2016〕63号 第八条: 90 of which 专业 60 and 公需 18; 第七、十三条: employer → authority.
    pytest.param(Year("hangzhou", "hangzhou", True, "30", "self", ("employer", "authority"), 4,
                      (("end_days", "1"), ("subject", "professional"), ("hours", "16"))), id="zhejiang"),
    # 桐人社发〔2018〕26号 第八条 (study credits the course), 第十一条(一) 8 学分/天, 第十三条 employer files.
    pytest.param(Year("tonglu", "tonglu", False, "30", "employer", ("authority", "bureau"), 8,
                      (("subject", "professional"), ("days", "1"))), id="tonglu"),
    # 威人社字〔2022〕2号: 公需 30 by exam (二(一)1), 专业 60; training ≤ 8/day (二(二)1(1)); 三 three steps.
    pytest.param(Year("weihai-huancui", "weihai", True, "30", "self", ("employer", "authority", "bureau"), 8,
                      (("hours", "8"),)), id="weihai"),
    # 川人社发〔2016〕20号: 90 of which 专业 60; study records the public course (二(二)); 二(三) employer → authority.
    pytest.param(Year("chengdu-wuhou", "chengdu", False, "30", "self", ("employer", "authority"), 6,
                      (("end_days", "1"), ("subject", "professional"), ("hours", "16"))), id="sichuan"),
]


def public_hours(make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any, year: Year) -> Person:
    """A practitioner of the region earns the public hours of a course the way their policy says."""
    if year.exam:
        entries, _seen = choose_study_and_pass(make_app, make, db, through_front, frozen_clock, region=year.region,
                                               hours=year.course_hours)
        person_id = entries[0].person_id
    else:
        enrolment, _seen, last = study_to_the_end(make_app, make, through_front, frozen_clock, region=year.region,
                                                  hours=year.course_hours)
        assert last.json["course_complete"] is True
        person_id = enrolment.person_id
    db.rollback()
    person: Person | None = db.get(Person, person_id)
    assert person is not None
    return person


def reviewers(app: Any, make: Any, person: Person, year: Year) -> dict[str, Any]:
    """The person's employer and a signed-in client for each role of the chain (and the employer's administrator)."""
    employer = make.org("employer", year.region, "某学校", industry="教育")
    employ(make, person, employer)
    authority = make.org("authority", year.city, "某教育局", industry="教育")
    made = {"employer": lambda: make.staff("employer", "school", org=employer),
            "authority": lambda: make.staff("authority", "edu", org=authority),
            "bureau": lambda: make.staff("bureau", "hrclerk", region=year.region)}
    clients = {}
    for role, login in (("employer", "school"), ("authority", "edu"), ("bureau", "hrclerk")):
        if role not in year.chain and role != "employer":
            continue
        made[role]()
        clients[role] = app.test_client()
        web_login(clients[role], login)
    return clients


def file_one(app: Any, db: Any, person: Person, clients: dict[str, Any], year: Year, n: int) -> HourClaim:
    facts = year.activity(n)
    if "end_days" in facts:
        facts["end"] = f"2026-02-{n + 1 + int(facts.pop('end_days')):02d}"
    if year.filer == "self":
        me = app.test_client()
        web_login(me, str(person.id_number))
        resp = file(me, "training", None, **facts)
    else:
        resp = post_multipart(clients["employer"], f"/org/people/{person.id}/claims/new?kind=training",
                              {**facts, "evidence": [(io.BytesIO(PDF), "证书.pdf")]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.rollback()
    claim: HourClaim | None = db.scalars(select(HourClaim).where(HourClaim.person_id == person.id)
                       .order_by(HourClaim.id.desc())).first()
    assert claim is not None and claim.steps == len(year.chain)
    return claim


@pytest.mark.parametrize("year", YEARS)
def test_a_practitioner_of_each_region_reaches_the_full_year_through_the_platform_every_hour_explained(
        app: Any, make_app: Any, make: Any, db: Any, through_front: Any, frozen_clock: Any, year: Year) -> None:
    person = public_hours(make_app, make, db, through_front, frozen_clock, year)
    clients = reviewers(app, make, person, year)
    for n in range(year.claims):
        claim = file_one(app, db, person, clients, year, 3 * n)
        for role in year.chain:
            db.rollback()
            claim = db.get(HourClaim, claim.id)
            assert decide(clients[role], claim, "approve").status_code == 302, role
        db.rollback()
        claim = db.get(HourClaim, claim.id)
        assert claim.status == "approved" and claim.credited_hours > 0

    db.rollback()
    with app.app_context():
        summary = year_summary(db, person, 2026)
    bars = {b["label"]: (b["credited"], b["minimum"]) for b in summary["bars"]}
    assert summary["complete"] is True, bars
    assert all(b["short"] == 0 for b in summary["bars"]), bars
    assert summary["total"] >= Decimal(90) and len(summary["bars"]) >= 2, bars

    entries = list(db.scalars(select(HoursEntry).where(HoursEntry.person_id == person.id, HoursEntry.year == 2026)))
    assert {e.source_type for e in entries} == {"exam" if year.exam else "course", "claim"}
    for e in entries:
        assert e.hours > 0 and ARTICLE.search(e.rule or ""), (e.title, e.rule)
        assert e.registered_by_org.strip(), e.title
        if e.source_type == "claim":  # approved at the chain's last step by a person of the body named
            approver = db.get(Person, e.registered_by_id)
            assert approver is not None and approver.role == year.chain[-1], e.title
            assert db.get(Organisation, approver.org_id).name == e.registered_by_org, e.title
