"""Training fees reported by employers (川人社发〔2016〕20号 七(三); lms/orgs/fees.py) and the statistics' table that
sums them by region and industry within each scope (lms/stats/queries.employer_funding)."""
from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from lms import clock
from lms.audit import AuditEntry
from lms.orgs.models import FeeReport
from lms.orgs.scope import scope_of
from lms.stats.queries import Slice, employer_funding
from tests.test_access import web_login

YEAR = clock.study_year()


def _post(client: Any, **data: Any) -> Any:
    return client.post("/org/fees", data={"year": str(YEAR), "amount": "0", "trained": "0", **data})


def _reports(db: Any) -> list[tuple[int, int, Decimal, int]]:
    db.rollback()
    return [tuple(r) for r in db.execute(select(FeeReport.org_id, FeeReport.year, FeeReport.amount, FeeReport.trained)
                                         .order_by(FeeReport.org_id, FeeReport.year))]


def test_an_employer_reports_its_years_fees_and_a_second_report_corrects_it_with_both_in_the_audit_log(
        app: Any, make: Any, db: Any) -> None:
    org = make.org(name="甲公司")
    clerk = make.staff("employer", org=org)
    client = app.test_client()
    web_login(client, clerk)
    assert "还没有报告过培训经费" in client.get("/org/fees").get_data(as_text=True)
    resp = _post(client, amount="12,345.60", trained="30", note="新技术培训")
    assert resp.status_code == 302
    assert _reports(db) == [(org.id, YEAR, Decimal("12345.60"), 30)]
    page = client.get("/org/fees").get_data(as_text=True)
    assert "12345.60" in page and "新技术培训" in page and f"{YEAR} 年度培训经费已报告" in page
    assert _post(client, amount="9000", trained="25").status_code == 302
    assert _reports(db) == [(org.id, YEAR, Decimal("9000.00"), 25)]
    details = [(a.action, json.loads(a.detail)) for a in db.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "FeeReport").order_by(AuditEntry.id))]
    actions = [(action, d.get("amount"), d.get("was_amount")) for action, d in details]
    assert actions == [("org.fees.report", "12345.60", None), ("org.fees.correct", "9000.00", "12345.60")]


def test_bad_values_are_each_named_in_chinese_and_nothing_is_saved(app: Any, make: Any, db: Any) -> None:
    clerk = make.staff("employer", org=make.org())
    client = app.test_client()
    web_login(client, clerk)
    cases = [({"amount": "-0.01"}, "培训经费应为不小于 0 的金额"), ({"amount": "1.005"}, "最多两位小数"),
             ({"amount": "NaN"}, "培训经费应为"), ({"amount": "10000000000"}, "培训经费应为"),
             ({"trained": "-1"}, "参训人次应为不小于 0 的整数"), ({"trained": "2.5"}, "参训人次应为"),
             ({"year": str(YEAR + 1)}, f"年度应为 2000 至 {YEAR} 年"), ({"year": "1999"}, "年度应为"),
             ({"note": "说" * 201}, "说明最多 200 字")]
    for data, message in cases:
        resp = _post(client, **data)
        assert resp.status_code == 200 and message in resp.get_data(as_text=True), data
    assert _reports(db) == []
    # at the bounds: 0, the largest amount the column holds, the first year
    assert _post(client, amount="9999999999.99", trained="0", year="2000").status_code == 302
    assert _reports(db)[0][1:] == (2000, Decimal("9999999999.99"), 0)


def test_the_schema_refuses_a_negative_amount_and_a_second_report_of_the_year(app: Any, make: Any, db: Any) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError
    org = make.org()
    clerk = make.staff("employer", org=org)
    row = {"org_id": org.id, "year": YEAR, "trained": 1, "reported_by_id": clerk.id, "reported_at": clock.now()}
    db.add(FeeReport(amount=Decimal("-1"), **row))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    db.add(FeeReport(amount=Decimal("1"), **row))
    db.flush()
    db.add(FeeReport(amount=Decimal("2"), **row))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_a_pending_employer_cannot_report_and_other_roles_are_refused(app: Any, make: Any, db: Any) -> None:
    pending = make.staff("employer", org=make.org(status="pending"))
    client = app.test_client()
    web_login(client, pending)
    resp = _post(client, amount="100")
    assert "只有已审核通过的用人单位" in resp.get_data(as_text=True) and _reports(db) == []
    for who in (make.staff("bureau"), make.practitioner("李四")):
        other = app.test_client()
        web_login(other, who)
        assert other.get("/org/fees").status_code in (403, 404)
        assert _post(other, amount="100").status_code in (403, 404)
    assert _reports(db) == []


def _seed(app: Any, make: Any) -> dict[str, Any]:
    """Reports of four employers: two in 鹿城 (教育, 教育), one in 瓯海 (卫生健康), one in 鹿城 of last year."""
    orgs = {"a": make.org(region="wenzhou-lucheng", name="甲校", industry="教育"),
            "b": make.org(region="wenzhou-lucheng", name="乙校", industry="教育"),
            "c": make.org(region="wenzhou-ouhai", name="丙院", industry="卫生健康"),
            "d": make.org(region="wenzhou-lucheng", name="丁校", industry="教育")}
    for key, (year, amount, trained) in {"a": (YEAR, "1000.50", 10), "b": (YEAR, "2000", 20),
                                         "c": (YEAR, "400", 4), "d": (YEAR - 1, "99", 9)}.items():
        client = app.test_client()
        web_login(client, make.staff("employer", org=orgs[key]))
        assert _post(client, year=str(year), amount=amount, trained=str(trained)).status_code == 302
    return orgs


def test_the_funding_table_sums_the_reports_each_scope_covers_as_direct_sums_do(app: Any, make: Any, db: Any) -> None:
    orgs = _seed(app, make)
    authority = make.org(kind="authority", region="wenzhou", name="温州市教育局", industry="教育")
    viewers = {"city": make.staff("bureau", region="wenzhou"), "county": make.staff("bureau", region="wenzhou-ouhai"),
               "authority": make.staff("authority", org=authority), "employer": make.staff("employer", org=orgs["b"])}
    expected = {
        "city": [["温州市鹿城区", "教育", 2, 30, Decimal("3000.50")], ["温州市瓯海区", "卫生健康", 1, 4, Decimal("400.00")]],
        "county": [["温州市瓯海区", "卫生健康", 1, 4, Decimal("400.00")]],
        "authority": [["温州市鹿城区", "教育", 2, 30, Decimal("3000.50")]],
        "employer": [["温州市鹿城区", "教育", 1, 20, Decimal("2000.00")]]}
    db.rollback()
    with app.app_context():
        for who, person in viewers.items():
            assert employer_funding(db, scope_of(db, person), YEAR, Slice()).rows == expected[who], who
        # a direct sum over every report of the year equals the city's table
        direct = db.execute(select(func.count(), func.sum(FeeReport.trained), func.sum(FeeReport.amount))
                            .where(FeeReport.year == YEAR)).one()
        city = employer_funding(db, scope_of(db, viewers["city"]), YEAR, Slice()).rows
        assert (sum(r[2] for r in city), sum(r[3] for r in city), sum(r[4] for r in city)) == tuple(direct)
        narrowed = employer_funding(db, scope_of(db, viewers["city"]), YEAR, Slice(industry="卫生健康")).rows
        assert narrowed == expected["county"]
        assert employer_funding(db, scope_of(db, viewers["city"]), YEAR - 1, Slice()).rows == [
            ["温州市鹿城区", "教育", 1, 9, Decimal("99.00")]]
    # on the dashboard, and its export lists each employer's report in the scope, nobody else's
    client = app.test_client()
    web_login(client, viewers["county"])
    page = client.get(f"/stats/{YEAR}").get_data(as_text=True)
    assert "培训经费（用人单位报告）" in page and "400.00" in page and "3000.50" not in page
    resp = client.get(f"/stats/{YEAR}/employer_funding.xlsx")
    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["单位", "丙院"] and rows[1][4:6] == (4, 400)


def test_two_first_reports_of_a_year_at_once_one_is_kept_and_the_other_told(app: Any, make: Any, db: Any,
                                                                          backend: str) -> None:
    """Two administrators of one employer report the same year at the same moment: the unique (organisation, year)
    keeps one, and the other gets a Chinese message instead of a 500. (SQLite's writers queue up, so only
    PostgreSQL can interleave them.)"""
    import pytest
    from sqlalchemy import event

    from lms.errors import Conflict
    from lms.orgs.fees import report_fees
    if backend != "postgresql":
        pytest.skip("SQLite takes its write lock at the first statement: two reports cannot interleave")
    org = make.org()
    first, second = make.staff("employer", org=org), make.staff("employer", org=org)

    @event.listens_for(db, "before_flush", once=True)
    def the_other_lands_first(*_args: Any) -> None:   # between this report's lookup and its insert
        with app.extensions["xst_db"].factory() as other:
            other.add(FeeReport(org_id=org.id, year=YEAR, amount=Decimal("100"), trained=1,
                                reported_by_id=first.id, reported_at=clock.now()))
            other.commit()

    with app.app_context():
        with pytest.raises(Conflict, match="刚刚已由本单位其他管理员报告"):
            report_fees(db, second, year=str(YEAR), amount="200", trained="2")
    assert _reports(db) == [(org.id, YEAR, Decimal("100.00"), 1)]
