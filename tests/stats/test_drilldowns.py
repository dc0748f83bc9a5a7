"""The exams and funding tables of the dashboards drill down to the persons behind each figure (issue 14 item 1):
the list of a row holds exactly the papers and attendances its figures count, within the account's scope (404
outside it), and exports as XLSX — on SQLite and PostgreSQL."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from exams.models import Booking, ExamPaper, ExamPlan, ExamSession
from lms import clock
from lms.catalogue.models import Enrolment
from lms.orgs.scope import hr_bureau_of, scope_of
from lms.rosters.models import Programme, RosterRow, RosterUpload
from lms.stats.queries import Slice, count_of, exam_papers_query, exams, fees_query, funding
from tests.stats.test_dashboards import YEAR, World, seed
from tests.test_access import web_login


def _exam(make: Any, db: Any, w: World, region: str, sat: list[tuple[Any, bool | None]]) -> ExamPlan:
    """An exam plan of the region's bureau with one session; each (person, passed) booked and sat it (passed None:
    the paper is still open)."""
    now = clock.now()
    owner = hr_bureau_of(db, region)
    course = make.course(title=f"{region}公需课", year=YEAR)
    plan = ExamPlan(year=YEAR, category="general_public", title=f"{region}公需科目考试", owner_org_id=owner.id, region_code=owner.region_code,
                    created_at=now)
    db.add(plan)
    db.flush()
    starts = now - timedelta(days=2)
    sess = ExamSession(plan_id=plan.id, venue_name="考点", venue_address="某路 1 号", room="101", starts_at=starts,
                       ends_at=starts + timedelta(hours=1), seats=30, taken=len(sat),
                       booking_opens_at=starts - timedelta(days=20), booking_closes_at=starts - timedelta(days=1),
                       cancel_deadline=starts - timedelta(days=2), created_at=now)
    db.add(sess)
    db.flush()
    for i, (person, passed) in enumerate(sat):
        # Straight into the database: whoever enrols where is the catalogue's business (a Weihai candidate here)
        enrolment = Enrolment(person_id=person.id, course_id=course.id, year=YEAR, category="general_public",
                              completion="exam", created_at=now)
        db.add(enrolment)
        db.flush()
        booking = Booking(person_id=person.id, plan_id=plan.id, session_id=sess.id, enrolment_id=enrolment.id,
                          ticket_no=f"T{plan.id}-{i}", status="finished", created_at=now)
        db.add(booking)
        db.flush()
        db.add(ExamPaper(booking_id=booking.id, person_id=person.id, session_id=sess.id, course_id=course.id,
                         status="open" if passed is None else "submitted", started_at=starts,
                         deadline=starts + timedelta(hours=1), submitted_at=None if passed is None else starts,
                         pass_mark=60, score=None if passed is None else (80 if passed else 40), passed=passed))
    db.commit()
    return plan


def _programme(make: Any, db: Any, fee: str, industry: str | None, attendees: list[tuple[Any, str]],
               starts: date) -> Programme:
    """An approved programme of an organiser at a fee, with a roster of (person, row status)."""
    now = clock.now()
    organiser = make.org("organiser", "wenzhou", "温州培训中心")
    teacher = make.staff("organiser", org=organiser)
    prog = Programme(org_id=organiser.id, title=f"培训班{fee}", category="professional", industry=industry,
                     starts_on=starts, ends_on=starts + timedelta(days=1), hours_per_day=Decimal(6), venue="某路 1 号",
                     fee=Decimal(fee), capacity=50, approval_document="某文〔2026〕1号", status="approved",
                     approved_by_org_id=hr_bureau_of(db, "wenzhou").id, decided_at=now, filed_by_id=teacher.id,
                     created_at=now)
    db.add(prog)
    db.flush()
    up = RosterUpload(programme_id=prog.id, filename="roster.csv", sha256="0" * 64, status="checked",
                      rows_total=len(attendees), rows_refused=0, uploaded_by_id=teacher.id, uploaded_at=now)
    db.add(up)
    db.flush()
    for line, (person, status) in enumerate(attendees, start=2):
        db.add(RosterRow(upload_id=up.id, line=line, name=person.name, id_number=person.id_number, days=2,
                         hours=Decimal(12), status=status, person_id=person.id,
                         reason="身份证号不符" if status == "refused" else None))
    db.commit()
    return prog


def _xlsx(resp: Any) -> list[list[Any]]:
    assert resp.status_code == 200
    return [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(min_row=2)]


def test_each_exam_plans_papers_and_passes_list_exactly_the_scopes_candidates(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    p = w.persons  # 0, 1 鹿城; 4 龙湾; 7 威海 (outside every Wenzhou scope); 2 鹿城 with a paper still open
    plan = _exam(make, db, w, "wenzhou", [(p[0], True), (p[1], False), (p[4], True), (p[7], True), (p[2], None)])
    far = _exam(make, db, w, "weihai", [(p[7], True)])
    for who, sat, ok in ((w.city, {"人员0", "人员1", "人员4"}, {"人员0", "人员4"}),
                         (w.county, {"人员0", "人员1"}, {"人员0"}),
                         (w.employer, {"人员0", "人员1"}, {"人员0"})):
        with app.app_context():
            scope = scope_of(db, who)
            t = exams(db, scope, YEAR, Slice())
            row = next(r for r in t.rows if r[0] == plan.title)
            drill = t.drill[t.rows.index(row)]
            assert drill == {"measure": "exam", "plan": plan.id}
            assert count_of(db, exam_papers_query(scope, YEAR, Slice(), plan.id)) == row[5] == len(sat)
            assert count_of(db, exam_papers_query(scope, YEAR, Slice(), plan.id, passed=True)) == row[6] == len(ok)
        client = app.test_client()
        web_login(client, who)
        page = client.get(f"/stats/{YEAR}/people?measure=exam&plan={plan.id}").get_data(as_text=True)
        assert f"共 {len(sat)} 人次" in page and "只看合格人员" in page
        listed = _xlsx(client.get(f"/stats/{YEAR}/people.xlsx?measure=exam&plan={plan.id}"))
        assert {r[0] for r in listed} == sat and len(listed) == len(sat)
        passed = _xlsx(client.get(f"/stats/{YEAR}/people.xlsx?measure=exam_passed&plan={plan.id}"))
        assert {r[0] for r in passed} == ok and all(r[7] == "是" for r in passed)
        assert client.get(f"/stats/{YEAR}/people?measure=exam&plan={far.id}").status_code == 404, who
    client = app.test_client()
    web_login(client, w.city)
    for bad in ("", "plan=0", f"plan={far.id + 1000}", "plan=x"):
        assert client.get(f"/stats/{YEAR}/people?measure=exam&{bad}").status_code in (400, 404), bad


def test_each_funding_rows_attendees_and_fees_are_the_list_behind_it(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    p = w.persons
    this_year = date(YEAR, 1, 10)
    _programme(make, db, "100", "教育", [(p[0], "ok"), (p[1], "credited"), (p[4], "ok"), (p[7], "ok"),
                                         (p[2], "refused")], this_year)
    _programme(make, db, "50.50", None, [(p[0], "ok")], this_year)
    _programme(make, db, "999", "教育", [(p[0], "ok")], date(YEAR - 1, 12, 31))  # last year's: not this year's fees
    with app.app_context():
        scope = scope_of(db, w.city)
        t = funding(db, scope, YEAR, Slice())
        assert sorted(r[:2] + r[3:] for r in t.rows) == [["温州市鹿城区", "教育", 2, Decimal("200.00")],
                                                         ["温州市鹿城区", "未填写", 1, Decimal("50.50")],
                                                         ["温州市龙湾区", "教育", 1, Decimal("100.00")]]
        for row, drill in zip(t.rows, t.drill, strict=True):
            assert drill is not None and drill["measure"] == "fees"
            rows = list(db.execute(fees_query(scope, YEAR, Slice(), drill["fee_region"], drill["fee_industry"])))
            assert len(rows) == row[3] and sum(r.fee for r in rows) == row[4]
    client = app.test_client()
    web_login(client, w.city)
    listed = _xlsx(client.get(f"/stats/{YEAR}/people.xlsx?measure=fees&fee_region=wenzhou-lucheng&fee_industry=教育"))
    assert sorted((r[0], r[5], r[7]) for r in listed) == [("人员0", "培训班100", 100), ("人员1", "培训班100", 100)]
    page = client.get(f"/stats/{YEAR}/people?measure=fees&fee_region=wenzhou-lucheng&fee_industry=-")
    assert page.status_code == 200 and "共 1 人次" in page.get_data(as_text=True)
    county = app.test_client()
    web_login(county, w.county)
    assert county.get(f"/stats/{YEAR}/people?measure=fees&fee_region=wenzhou-longwan&fee_industry=教育").status_code == 404
    assert county.get(f"/stats/{YEAR}/people?measure=fees&fee_region=weihai-huancui&fee_industry=教育").status_code == 404
    assert county.get(f"/stats/{YEAR}/people?measure=fees&fee_region=nowhere").status_code == 404
    assert county.get(f"/stats/{YEAR}/people?measure=fees&fee_region=wenzhou-lucheng&fee_industry=无").status_code == 404
    # The dashboard's table links each row to its list.
    board = client.get(f"/stats/{YEAR}").get_data(as_text=True)
    assert "measure=fees&amp;fee_region=wenzhou-lucheng" in board or "fee_region=wenzhou-lucheng" in board
