"""Dashboards of every level (issue 14): each figure equals a direct count over the hours bank, within the account's
scope; drill-downs list exactly the persons behind a figure; anything outside the scope answers 404.

The direct counts judge each person on their own, through the hours bank's own page logic (lms.hours.summary.
year_summary, per person in Python) and sums of hours_entry rows: a different road to the same numbers than the
dashboards' SQL over the refreshed summaries.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms import clock
from lms.accounts.models import Person
from lms.claims.models import HourClaim
from lms.hours.models import HoursEntry
from lms.hours.operations import register_hours
from lms.hours.summary import year_summary
from lms.orgs.models import Employment, Organisation
from lms.orgs.scope import scope_of
from lms.stats.models import SOURCE_TYPES, SOURCES
from lms.stats.operations import refresh_stats, year_end_utc
from lms.stats.queries import (
    NONE,
    Slice,
    by_employer,
    by_industry,
    by_region,
    count_of,
    people_count,
    people_query,
    totals,
)
from tests.test_access import web_login

YEAR = 2026
CATS = ("general_public", "industry_public", "professional")


@dataclass
class World:
    city: Any
    county: Any
    authority: Any
    employer: Any
    empty_employer: Any
    org_a: Any
    org_b: Any
    org_far: Any
    persons: list[Any]


def _hours(s: Any, person: Any, year: int, category: str, hours: str, source: str, n: int) -> None:
    register_hours(s, person_id=person.id, year=year, category=category, hours=Decimal(hours), source_type=source,
                   source_ref=f"t{n}", title="测试登记", org="温州市人力资源和社会保障局")


def seed(make: Any, db: Any) -> World:
    """Wenzhou's 鹿城 and 龙湾 with two industries and three employers, a Tonglu person (学分, another policy), a
    Weihai person outside every Wenzhou scope; hours from every source, this year and the last; open claims."""
    org_a = make.org(region="wenzhou-lucheng", name="鹿城学校", industry="教育")
    org_b = make.org(region="wenzhou-lucheng", name="鹿城医院", industry="卫生健康")
    org_c = make.org(region="wenzhou-longwan", name="龙湾学校", industry="教育")
    org_far = make.org(region="weihai-huancui", name="威海单位", industry="教育")
    empty = make.org(region="wenzhou-lucheng", name="空单位", industry="教育")
    people = []
    plan = [  # region, industry, employer, [(year, category, hours, source)]
        ("wenzhou-lucheng", "教育", org_a, [(YEAR, "general_public", "18", "exam"), (YEAR, "professional", "72", "claim"),
                                           (YEAR - 1, "professional", "30", "roster")]),
        ("wenzhou-lucheng", "教育", org_a, [(YEAR, "general_public", "18", "exam"), (YEAR, "professional", "50", "roster"),
                                           (YEAR, "professional", "12", "transfer_in"),
                                           (YEAR, "industry_public", "10", "manual")]),
        ("wenzhou-lucheng", "卫生健康", org_b, [(YEAR, "professional", "90", "claim"),
                                             (YEAR, "professional", "-5", "correction")]),
        ("wenzhou-lucheng", "卫生健康", None, []),
        ("wenzhou-longwan", "教育", org_c, [(YEAR, "general_public", "18", "course"), (YEAR, "professional", "60", "exam"),
                                           (YEAR, "industry_public", "12", "roster")]),
        ("wenzhou-longwan", "教育", org_c, [(YEAR - 1, "general_public", "18", "exam")]),
        ("tonglu", "教育", None, [(YEAR, "professional", "25", "claim"), (YEAR, "general_public", "10", "exam")]),
        ("weihai-huancui", "教育", org_far, [(YEAR, "professional", "100", "claim")]),
    ]
    n = 0
    for i, (region, industry, org, entries) in enumerate(plan):
        p = make.practitioner(name=f"人员{i}", region=region, industry=industry)
        if org is not None:
            db.add(Employment(person_id=p.id, org_id=org.id, status="current", applied_at=clock.now(),
                              started_on=clock.now().date(), confirmed_by_id=p.id, region_code=org.region_code))
        for year, category, hours, source in entries:
            n += 1
            _hours(db, p, year, category, hours, source, n)
        people.append(p)
    db.commit()
    for i, (status, step, days) in enumerate((("pending", 0, 3), ("pending", 0, 40), ("returned", 0, 100))):
        at = clock.now() - timedelta(days=days)
        db.add(HourClaim(person_id=people[i].id, year=YEAR, policy="wenzhou-2020", kind="training",
                         kind_label="培训", rule="第十二条", chain="default", steps=1, facts="{}", title=f"培训{i}",
                         hours_claimed=Decimal(8), status=status, step=step, filed_by_id=people[i].id, filed_at=at,
                         updated_at=at))
    # 威人社字〔2022〕2号 三: transferred hours come through a transfer_in claim, registered as its "claim" entry
    transfer = HourClaim(person_id=people[5].id, year=YEAR, policy="wenzhou-2020", kind="transfer_in",
                         kind_label="转入学时", rule="三", chain="transfer", steps=1, facts="{}", title="转入",
                         hours_claimed=Decimal(8), credited_hours=Decimal(8), status="approved", step=1,
                         filed_by_id=people[5].id, filed_at=clock.now(), updated_at=clock.now())
    db.add(transfer)
    db.flush()
    register_hours(db, person_id=people[5].id, year=YEAR, category="professional", hours=Decimal(8),
                   source_type="claim", source_ref=f"{transfer.id}:professional", title="转入", org="温州市人社局")
    db.commit()
    authority = make.org(kind="authority", region="wenzhou", name="温州市教育局", industry="教育")
    world = World(city=make.staff("bureau", region="wenzhou"), county=make.staff("bureau", region="wenzhou-lucheng"),
                  authority=make.staff("authority", org=authority), employer=make.staff("employer", org=org_a),
                  empty_employer=make.staff("employer", org=empty), org_a=org_a, org_b=org_b, org_far=org_far,
                  persons=people)
    refresh_stats(db, [YEAR, YEAR - 1])
    db.commit()
    return world


def _covered(db: Any, actor: Any) -> list[Person]:
    """The persons a dashboard of actor counts: its scope's practitioners, an employer's current staff."""
    from lms.orgs.scope import person_clause
    scope = scope_of(db, actor)
    q = select(Person).where(person_clause(scope))
    if scope.members_org is not None:
        q = q.where(Person.id.in_(select(Employment.person_id).where(Employment.org_id == scope.members_org,
                                                                     Employment.status == "current")))
    return list(db.scalars(q))


def direct(app: Any, db: Any, actor: Any, year: int) -> dict[str, Any]:
    """The dashboard's totals counted person by person."""
    out: dict[str, Any] = {k: 0 for k in ("persons", "participants", "complete", "professional_ok", "public_ok")}
    out |= {c: Decimal("0.00") for c in CATS} | {f"src_{x}": Decimal("0.00") for x in SOURCES}
    with app.app_context():
        for p in _covered(db, actor):
            summary = year_summary(db, p, year)
            entries = summary["entries"]
            if p.created_at >= year_end_utc(year) and not entries:
                continue  # registered after that year, with nothing for it: not one of its persons
            out["persons"] += 1
            out["participants"] += bool(entries)
            out["complete"] += summary["complete"]
            req = summary["policy"].annual_requirement
            got = summary["totals"]
            out["professional_ok"] += got.get("professional", 0) >= req.professional
            public = sum((got.get(c, Decimal(0)) for c in req.public_categories), Decimal(0))
            out["public_ok"] += req.public is None or public >= req.public
            for e in entries:
                out[e.category] += e.hours
                src = next((x for x, types in SOURCE_TYPES.items() if e.source_type in types), "other")
                if e.source_type == "claim":
                    ref = e.source_ref.split(":")[0]
                    claim = db.get(HourClaim, int(ref)) if ref.isdigit() else None
                    src = "transfer" if claim is not None and claim.kind == "transfer_in" else "claim"
                out[f"src_{src}"] += e.hours
    return out


@pytest.mark.parametrize("who", ["city", "county", "authority", "employer"])
def test_every_figure_of_each_level_equals_a_direct_count(app: Any, make: Any, db: Any, who: str) -> None:
    w = seed(make, db)
    actor = getattr(w, who)
    for year in (YEAR, YEAR - 1):
        with app.app_context():
            got = totals(db, scope_of(db, actor), year, Slice())
        assert got == direct(app, db, actor, year), (who, year)
    with app.app_context():
        scope = scope_of(db, actor)
        got = totals(db, scope, YEAR, Slice())
        for fn in (by_region, by_industry, by_employer):
            t = fn(db, scope, YEAR, Slice())
            assert sum(r[1] for r in t.rows) == got["persons"] and sum(r[3] for r in t.rows) == got["complete"]
            for row, drill in zip(t.rows, t.drill, strict=True):  # each row's list has exactly its persons
                sl = Slice(region=drill.get("region"), industry=drill.get("industry"),
                           employer_id=drill.get("employer"))
                q = people_query(scope, YEAR, sl, "persons")
                assert q is not None and count_of(db, q) == row[1]
                q = people_query(scope, YEAR, sl, "complete")
                assert q is not None and count_of(db, q) == row[3]
                for measure in ("persons", "short", "participants", "cat_professional", "src_claim"):
                    q = people_query(scope, YEAR, sl, measure)  # the count the list page prints is its length
                    assert q is not None and people_count(db, scope, YEAR, sl, measure) == count_of(db, q), measure


def test_the_city_sees_its_counties_and_neither_tonglu_nor_weihai(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    with app.app_context():
        t = totals(db, scope_of(db, w.city), YEAR, Slice())
        regions = by_region(db, scope_of(db, w.city), YEAR, Slice())
    assert t["persons"] == 6 and t["complete"] == 3  # 人员0 (18+72), 人员1 (18+62+10), 人员4 (18+60+12)
    assert [r[0] for r in regions.rows] == ["温州市鹿城区", "温州市龙湾区"]
    assert t["professional"] == Decimal("72") + Decimal("62") + Decimal("85") + Decimal("60") + Decimal("8")
    assert t["src_transfer"] == Decimal("20") and t["src_other"] == Decimal("5")  # a hand entry 12, a claim 8  # manual 10, correction -5
    assert t["src_study"] == Decimal("18") and t["src_exam"] == Decimal("96")


def test_a_person_exactly_at_the_minimum_meets_it_and_a_hundredth_less_does_not(app: Any, make: Any, db: Any) -> None:
    at, under = make.practitioner(name="刚好", region="wenzhou-lucheng"), make.practitioner(name="差一点",
                                                                                         region="wenzhou-lucheng")
    for i, (p, prof) in enumerate(((at, "60"), (under, "59.99"))):
        _hours(db, p, YEAR, "general_public", "18", "exam", 10 * i + 1)
        _hours(db, p, YEAR, "professional", prof, "claim", 10 * i + 2)
        _hours(db, p, YEAR, "industry_public", "12", "roster", 10 * i + 3)
    db.commit()
    refresh_stats(db, [YEAR])
    db.commit()
    city = make.staff("bureau", region="wenzhou")
    with app.app_context():
        t = totals(db, scope_of(db, city), YEAR, Slice())
        q = people_query(scope_of(db, city), YEAR, Slice(), "complete")
        assert q is not None
        names = [r.name for r in db.execute(q)]
    assert (t["complete"], t["professional_ok"], t["public_ok"]) == (1, 1, 2)
    assert names == ["刚好"]


def test_hours_registered_after_the_refresh_show_at_the_next_one(app: Any, make: Any, db: Any,
                                                                 frozen_clock: Any) -> None:
    w = seed(make, db)
    client = app.test_client()
    web_login(client, w.city)
    page = client.get(f"/stats/{YEAR}").get_data(as_text=True)
    assert "数据截至 2026-03-02 10:00" in page
    _hours(db, w.persons[3], YEAR, "professional", "90", "claim", 999)
    _hours(db, w.persons[3], YEAR, "general_public", "18", "exam", 998)
    db.commit()
    with app.app_context():
        assert totals(db, scope_of(db, w.city), YEAR, Slice())["complete"] == 3
    frozen_clock.advance(900)
    refresh_stats(db, [YEAR])
    db.commit()
    with app.app_context():
        assert totals(db, scope_of(db, w.city), YEAR, Slice())["complete"] == 4
    assert "数据截至 2026-03-02 10:15" in client.get(f"/stats/{YEAR}").get_data(as_text=True)


def test_claims_waiting_are_counted_by_step_and_age(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    client = app.test_client()
    web_login(client, w.county)
    resp = client.get(f"/stats/{YEAR}/claims.xlsx")
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[:6] for r in rows] == [["待第 1 级审核", 2, 1, 0, 1, 0], ["退回待修改", 1, 0, 0, 0, 1]]
    page = client.get(f"/stats/{YEAR}/people?measure=claims&status=pending&step=0").get_data(as_text=True)
    assert "人员0" in page and "人员1" in page and "人员2" not in page


def test_drill_downs_outside_the_scope_answer_404(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    county, authority, employer = (app.test_client() for _ in range(3))
    web_login(county, w.county)
    web_login(authority, w.authority)
    web_login(employer, w.employer)
    for client, url in ((county, f"/stats/{YEAR}?region=wenzhou-longwan"),
                        (county, f"/stats/{YEAR}/people?region=wenzhou"),
                        (county, f"/stats/{YEAR}/people?employer={w.org_far.id}"),
                        (county, f"/stats/{YEAR}/orgs/{w.org_far.id}"),
                        (county, f"/stats/{YEAR}/regions.xlsx?region=weihai"),
                        (authority, f"/stats/{YEAR}?industry=卫生健康"),
                        (authority, f"/stats/{YEAR}/orgs/{w.org_b.id}"),
                        (employer, f"/stats/{YEAR}/people?employer={w.org_b.id}"),
                        (employer, f"/stats/{YEAR}?region=wenzhou-lucheng"),
                        (county, f"/stats/{YEAR}/people?measure=nothing"),
                        (county, f"/stats/{YEAR + 1}")):
        assert client.get(url).status_code == 404, url
    for client, url in ((county, f"/stats/{YEAR}/orgs/{w.org_a.id}"), (authority, f"/stats/{YEAR}/orgs/{w.org_a.id}"),
                        (county, f"/stats/{YEAR}?industry={NONE}"), (employer, f"/stats/{YEAR}?employer={w.org_a.id}")):
        assert client.get(url).status_code == 200, url


def test_the_employer_sees_its_staff_only(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    client = app.test_client()
    web_login(client, w.employer)
    page = client.get(f"/stats/{YEAR}/people?measure=persons").get_data(as_text=True)
    assert "人员0" in page and "人员1" in page and "人员2" not in page and "人员4" not in page
    assert "共 2 人次" in page


def test_a_year_without_data_and_a_scope_without_persons_say_so(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    client = app.test_client()
    web_login(client, w.city)
    assert "本年度的统计尚未汇总" in client.get(f"/stats/{YEAR - 3}").get_data(as_text=True)
    refresh_stats(db, [YEAR - 3])
    db.commit()
    page = client.get(f"/stats/{YEAR - 3}").get_data(as_text=True)
    assert f"{YEAR - 3} 年度本范围内还没有任何学时登记" in page
    empty = app.test_client()
    web_login(empty, w.empty_employer)
    page = empty.get(f"/stats/{YEAR}").get_data(as_text=True)
    assert "本统计范围内没有专业技术人员" in page


def test_every_table_exports_what_the_page_shows(app: Any, make: Any, db: Any) -> None:
    w = seed(make, db)
    client = app.test_client()
    web_login(client, w.city)
    resp = client.get(f"/stats/{YEAR}/regions.xlsx")
    assert resp.status_code == 200
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows()]
    assert rows[0][:4] == ["地区", "人数", "参加学习", "达到要求"]
    assert rows[1][:4] == ["温州市鹿城区", 4, 3, 2] and rows[2][:4] == ["温州市龙湾区", 2, 2, 1]
    resp = client.get(f"/stats/{YEAR}/people.xlsx?measure=short&region=wenzhou-lucheng")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows()]
    assert sorted(r[0] for r in rows[1:]) == ["人员2", "人员3"]


def test_the_entries_the_dashboards_count_are_the_hours_bank(app: Any, make: Any, db: Any) -> None:
    """A cross-check with one SQL sum over hours_entry: the city's professional hours."""
    w = seed(make, db)
    from sqlalchemy import func
    ids = [p.id for p in w.persons[:6]]
    bank = db.scalar(select(func.sum(HoursEntry.hours)).where(HoursEntry.person_id.in_(ids),
                                                               HoursEntry.year == YEAR,
                                                               HoursEntry.category == "professional"))
    with app.app_context():
        assert totals(db, scope_of(db, w.city), YEAR, Slice())["professional"] == bank
    assert db.scalar(select(func.count()).select_from(Organisation)) > 0
