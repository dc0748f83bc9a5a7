"""The claimant's region, industry and employer carried on each claim (lms/claims/claimant.py): the reviewers' queues
count and select by them, so they must be the person's and their current employment's at every moment — after a
claim is filed, after a person moves employer, county or industry, after an employer records that someone left —
and a queue's figures must equal a direct count over the claims joined to their persons."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text, update

from lms import clock
from lms.accounts.models import Person
from lms.claims.models import HourClaim
from lms.orgs.models import Employment
from tests.claims.test_claims import employ
from tests.claims.test_queues import _claim
from tests.conftest import make_uscc


def copies(db: Any) -> dict[int, tuple[Any, ...]]:
    db.expire_all()
    return {cid: (r, i, e) for cid, r, i, e in db.execute(select(
        HourClaim.id, HourClaim.claimant_region, HourClaim.claimant_industry, HourClaim.claimant_employer_id))}


def truth(db: Any) -> dict[int, tuple[Any, ...]]:
    """Each claim's claimant as the person and employment rows say."""
    db.expire_all()
    rows = db.execute(select(HourClaim.id, Person.role, Person.region, Person.industry, Employment.org_id)
                      .join(Person, Person.id == HourClaim.person_id)
                      .outerjoin(Employment, (Employment.person_id == Person.id) & (Employment.status == "current")))
    return {cid: (region if role == "practitioner" else None, industry, org) for cid, role, region, industry, org in rows}


def direct(db: Any, actor: Person) -> tuple[int, Counter[str], Counter[int], Counter[int | None]]:
    """What the actor's queue must count, worked out claim by claim the slow way: every claim the actor may decide
    (lms.claims.operations.may_decide) whose claimant — read from the person row — the actor's scope covers, by kind,
    year and the claimant's current employer read from the employment rows."""
    from lms.claims.operations import may_decide
    from lms.orgs.scope import covers_person
    db.expire_all()
    kinds: Counter[str] = Counter()
    years: Counter[int] = Counter()
    employers: Counter[int | None] = Counter()
    for c in db.scalars(select(HourClaim)):
        person = db.get(Person, c.person_id)
        if may_decide(db, actor, c) and covers_person(db, actor, person):
            kinds[c.kind] += 1
            years[c.year] += 1
            employers[db.scalar(select(Employment.org_id).where(Employment.person_id == person.id,
                                                                Employment.status == "current"))] += 1
    return sum(kinds.values()), kinds, years, employers


def assert_queues_agree(app: Any, db: Any, actors: dict[str, Person]) -> None:
    from lms.claims.queues import QueueFilter, queue_for
    assert copies(db) == truth(db)
    for login, actor in actors.items():
        total, kinds, years, employers = direct(db, actor)
        with app.test_request_context():
            q = queue_for(db, actor)
        assert q.total == q.matched == total == len(q.items), login
        assert Counter({k: n for k, _, n in q.kinds}) == kinds, login
        assert Counter(dict(q.years)) == years, login
        assert Counter({oid: n for oid, _, n in q.employers}) == Counter(
            {oid: n for oid, n in employers.items() if oid is not None}), login
        assert Counter(i.employer_id for i in q.items) == employers, login
        if total:
            for emp in employers:
                if emp is not None:
                    with app.test_request_context():
                        only = queue_for(db, actor, QueueFilter(employer_id=emp))
                    assert only.matched == employers[emp] and {i.employer_id for i in only.items} == {emp}, login


@pytest.fixture
def city(app: Any, make: Any, db: Any) -> dict[str, Any]:
    """Wenzhou's 教育 and 卫生健康 authorities (the one step of the Wenzhou chain), 鹿城 and 瓯海 schools, Weihai's
    chain whose first step is the employer's, and claims of practitioners of each."""
    lucheng = make.org("employer", "wenzhou-lucheng", "鹿城一中", industry="教育")
    ouhai = make.org("employer", "wenzhou-ouhai", "瓯海中学", industry="教育")
    huancui = make.org("employer", "weihai-huancui", "环翠一中", industry="教育")
    chen = make.practitioner("陈老师", region="wenzhou-lucheng", industry="教育")
    lin = make.practitioner("林老师", region="wenzhou-lucheng", industry="教育")
    wang = make.practitioner("王医生", region="wenzhou-ouhai", industry="卫生健康")
    sun = make.practitioner("孙老师", region="weihai-huancui", industry="教育")
    employ(make, chen, lucheng)
    employ(make, wang, ouhai)
    employ(make, sun, huancui)
    actors = {
        "jyj": make.staff("authority", "jyj", org=make.org("authority", "wenzhou", "温州市教育局", industry="教育")),
        "wsj": make.staff("authority", "wsj", org=make.org("authority", "wenzhou", "温州市卫生健康委员会",
                                                            industry="卫生健康")),
        "ouhai_admin": make.staff("employer", "ouhai_admin", org=ouhai),
        "huancui_admin": make.staff("employer", "huancui_admin", org=huancui),
    }
    for days, person in enumerate((chen, chen, lin, wang)):
        _claim(db, person, "wenzhou-2020", "default", 1, 0, days=days)
    _claim(db, chen, "wenzhou-2020", "default", 1, 0, status="returned", days=9)
    _claim(db, sun, "weihai-2022", "default", 3, 0, days=4)
    return {"actors": actors, "people": {"chen": chen, "lin": lin, "wang": wang, "sun": sun},
            "orgs": {"lucheng": lucheng, "ouhai": ouhai, "huancui": huancui}}


def test_a_claim_filed_carries_its_claimants_region_industry_and_employer(
        app: Any, db: Any, city: dict[str, Any]) -> None:
    chen, lin = city["people"]["chen"], city["people"]["lin"]
    got = copies(db)
    first = db.scalar(select(HourClaim.id).where(HourClaim.person_id == chen.id).order_by(HourClaim.id))
    lins = db.scalar(select(HourClaim.id).where(HourClaim.person_id == lin.id))
    assert got[first] == ("wenzhou-lucheng", "教育", city["orgs"]["lucheng"].id)
    assert got[lins] == ("wenzhou-lucheng", "教育", None)
    assert_queues_agree(app, db, city["actors"])


def test_the_queues_follow_a_person_who_moves_employer_county_or_industry_or_leaves(
        app: Any, db: Any, city: dict[str, Any]) -> None:
    """Each move through the operation that makes it, and the queues' figures against the slow count after each."""
    from lms.orgs.operations import apply_to_org, confirm_employment, end_employment
    actors, people, orgs = city["actors"], city["people"], city["orgs"]
    chen, wang = people["chen"], people["wang"]
    # 陈老师 changes employer to 瓯海中学: the new employer confirms, and the region becomes 瓯海's (温 第四条).
    application = apply_to_org(db, db.get(Person, chen.id), orgs["ouhai"])
    db.flush()
    assert_queues_agree(app, db, actors)   # an application changes no employer, but the employer now sees him
    confirm_employment(db, actors["ouhai_admin"], application)
    db.commit()
    chens = {cid for cid in copies(db) if db.get(HourClaim, cid).person_id == chen.id}
    assert {copies(db)[cid] for cid in chens} == {("wenzhou-ouhai", "教育", orgs["ouhai"].id)}
    assert_queues_agree(app, db, actors)
    # 瓯海中学 records that he left: his claims name no employer, his region stays.
    end_employment(db, actors["ouhai_admin"], db.scalar(select(Employment).where(
        Employment.person_id == chen.id, Employment.status == "current")))
    db.commit()
    assert {copies(db)[cid] for cid in chens} == {("wenzhou-ouhai", "教育", None)}
    assert_queues_agree(app, db, actors)
    # 王医生 changes industry to 教育 (his claims leave 卫生健康's queue for 教育's), then moves to Tonglu.
    db.get(Person, wang.id).industry = "教育"
    db.commit()
    assert_queues_agree(app, db, actors)
    assert direct(db, actors["wsj"])[0] == 0
    db.execute(update(Person).where(Person.id == wang.id).values(region="tonglu"))
    db.commit()
    assert_queues_agree(app, db, actors)
    # An employment row deleted outright (a correction by hand) and one made current directly.
    db.execute(text("DELETE FROM employment WHERE person_id = :p"), {"p": wang.id})
    db.add(Employment(person_id=chen.id, org_id=orgs["lucheng"].id, status="current", applied_at=clock.now(),
                      region_code="wenzhou-lucheng", started_on=clock.now().date(), confirmed_by_id=chen.id))
    db.commit()
    assert_queues_agree(app, db, actors)


def test_copies_written_by_hand_are_replaced_by_the_persons(app: Any, db: Any, city: dict[str, Any]) -> None:
    """The copies are the database's: an UPDATE of them, or an INSERT with wrong ones, ends with the truth."""
    chen = city["people"]["chen"]
    db.execute(update(HourClaim).values(claimant_region="weihai", claimant_industry="农业", claimant_employer_id=None))
    db.commit()
    assert copies(db) == truth(db)
    db.execute(text("UPDATE hour_claim SET person_id = :p"), {"p": chen.id})
    db.commit()
    assert set(copies(db).values()) == {("wenzhou-lucheng", "教育", city["orgs"]["lucheng"].id)}
    assert_queues_agree(app, db, city["actors"])


def test_a_staff_account_as_claimant_is_in_no_territorys_queue(app: Any, db: Any, city: dict[str, Any]) -> None:
    """person_clause covers practitioners only; so does the queue, by the region copy left empty."""
    admin = city["actors"]["ouhai_admin"]
    claim = _claim(db, admin, "wenzhou-2020", "default", 1, 0)
    assert copies(db)[claim.id][0] is None
    assert_queues_agree(app, db, city["actors"])


def test_the_migration_fills_the_copies_of_claims_made_before_it(backend: str, tmp_path: Any) -> None:
    """A database at the revision before: its claims get their claimants' copies, and the triggers keep them."""
    from alembic import command

    from lms.cli import alembic_config
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'before.db'}"
        admin = None
    else:
        from tests.conftest import PG_ADMIN_URL
        name = f"xst_claimant_{tmp_path.name[-20:].replace('-', '_').lower()}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    cfg = alembic_config(url)
    try:
        command.upgrade(cfg, "0027_exam_plan_region_unique")
        engine = create_engine(url)
        now = clock.now()
        with engine.begin() as c:
            def add(sql: str, **values: Any) -> int:
                return int(c.execute(text(sql + " RETURNING id"), values).scalar_one())
            org = add("INSERT INTO organisation (kind, name, uscc, region_code, status, disabled, created_at) "
                      "VALUES ('employer', '鹿城一中', :u, 'wenzhou-lucheng', 'approved', false, :t)",
                      u=make_uscc(1), t=now)
            people = [add("INSERT INTO person (role, name, id_number, mobile, region, industry, password_hash, active, "
                          "session_version, created_at) VALUES ('practitioner', :n, :i, :m, 'wenzhou-lucheng', '教育', "
                          "'x', true, 1, :t)", n=f"人员{k}", i=f"33030219850612{k:04d}", m=f"1390000000{k}", t=now)
                      for k in range(2)]
            c.execute(text("INSERT INTO employment (person_id, org_id, status, applied_at, started_on, "
                           "confirmed_by_id, region_code) VALUES (:p, :o, 'current', :t, :d, :p, 'wenzhou-lucheng')"),
                      {"p": people[0], "o": org, "t": now, "d": now.date()})
            claims = [add("INSERT INTO hour_claim (person_id, year, policy, kind, kind_label, rule, chain, steps, facts, "
                          "title, hours_claimed, status, step, version, filed_by_id, filed_at, updated_at) VALUES "
                          "(:p, 2026, 'wenzhou-2020', 'training', '培训', '第十二条', 'default', 1, '{}', '培训', 8, "
                          "'pending', 0, 1, :p, :t, :t)", p=p, t=now) for p in people]
        command.upgrade(cfg, "head")
        with engine.begin() as c:
            got = c.execute(text("SELECT id, claimant_region, claimant_industry, claimant_employer_id FROM hour_claim "
                                 "ORDER BY id")).all()
            assert [tuple(r) for r in got] == [(claims[0], "wenzhou-lucheng", "教育", org),
                                               (claims[1], "wenzhou-lucheng", "教育", None)]
            c.execute(text("UPDATE person SET industry = '卫生健康' WHERE id = :p"), {"p": people[1]})
            assert c.execute(text("SELECT claimant_industry FROM hour_claim WHERE id = :c"),
                             {"c": claims[1]}).scalar_one() == "卫生健康"
        command.downgrade(cfg, "0027_exam_plan_region_unique")
        with engine.begin() as c:   # the person's changes write no copies any more, and nothing refuses them
            c.execute(text("UPDATE person SET industry = '教育' WHERE id = :p"), {"p": people[1]})
        engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
