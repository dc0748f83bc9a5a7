"""Organisations, employment (人员匹配) and scope: the rules of issue 11, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import Person
from lms.errors import Conflict, InvalidFields, NotFound
from lms.orgs.models import Employment, Organisation
from lms.orgs.operations import (
    apply_to_org,
    confirm_employment,
    decide_org,
    decline_employment,
    region_in,
    register_employer,
    uscc_problem,
)
from lms.orgs.scope import person_clause, scope_of, visible_person
from lms.regions import policy_of
from tests.conftest import PASSWORD, make_id_number, make_uscc
from tests.test_access import web_login


def bad_check_digit(id_number: str) -> str:
    return id_number[:17] + ("1" if id_number[17] != "1" else "2")


def employer_details(n: int = 1, **kw: Any) -> dict[str, Any]:
    details = {"uscc": make_uscc(n), "name": f"温州测试科技有限公司{n}", "region_code": "wenzhou-lucheng",
               "industry": "工程技术", "contact_phone": "0577-88001234", "admin_name": "李管理",
               "admin_id_number": make_id_number(900 + n), "admin_mobile": f"1370000{n:04d}",
               "username": f"corp{n}", "password": PASSWORD}
    return details | kw


def test_uscc_check_character_of_gb_32100_is_checked() -> None:
    good = make_uscc(7)
    assert uscc_problem(good) is None
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert "校验位" in (uscc_problem(wrong) or "")
    assert "18 位" in (uscc_problem(good[:-1]) or "")


def test_an_employer_registers_pending_with_its_first_administrator(app: Any, db: Any) -> None:
    with app.app_context():
        org = register_employer(db, **employer_details())
        db.commit()
        admin = db.scalar(select(Person).where(Person.username == "corp1"))
        assert (org.status, org.kind, admin.role, admin.org_id) == ("pending", "employer", "employer", org.id)


def test_every_problem_of_an_employer_registration_is_reported_at_once(app: Any, db: Any) -> None:
    with app.app_context():
        with pytest.raises(InvalidFields) as exc:
            register_employer(db, **employer_details(uscc="91330300000000001X", region_code="wenzhou",
                                                     admin_id_number=bad_check_digit(make_id_number(5)), password="short"))
        assert {"uscc", "region_code", "admin_id_number", "password"} <= set(exc.value.fields)
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Organisation).where(Organisation.kind == "employer")) == 0


def test_a_duplicate_uscc_is_refused_with_a_message_and_nothing_is_left(app: Any, db: Any) -> None:
    with app.app_context():
        register_employer(db, **employer_details())
        db.commit()
        with pytest.raises(InvalidFields) as exc:
            register_employer(db, **employer_details(2, uscc=make_uscc(1)))
        assert "已注册" in exc.value.fields["uscc"]
        db.rollback()
        assert db.scalar(select(func.count()).select_from(Person).where(Person.username == "corp2")) == 0


def test_the_county_bureau_approves_and_another_county_cannot_see_it(app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    ouhai = make.staff(region="wenzhou-ouhai")
    with app.app_context():
        org = register_employer(db, **employer_details())
        db.commit()
        with pytest.raises(NotFound):
            decide_org(db, ouhai, org, True)
        db.rollback()
        decide_org(db, lucheng, org, True)
        db.commit()
        assert org.status == "approved"
        with pytest.raises(Conflict):
            decide_org(db, lucheng, org, False, "重复审核")


def test_a_rejection_needs_a_reason_and_the_schema_insists(app: Any, db: Any, make: Any) -> None:
    org = make.org(status="pending")
    db.rollback()
    org = db.get(Organisation, org.id)
    org.status = "rejected"
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_a_pending_employer_cannot_be_chosen_nor_confirm(app: Any, db: Any, make: Any) -> None:
    pending = make.org(status="pending")
    person = make.practitioner()
    with app.app_context():
        with pytest.raises(Conflict, match="尚未通过"):
            apply_to_org(db, person, db.get(Organisation, pending.id))


def confirm_as(db: Any, admin: Any, employment: Employment) -> Employment:
    done = confirm_employment(db, admin, employment)
    db.commit()
    return done


def test_choose_confirm_move_and_the_old_period_ends(app: Any, db: Any, make: Any) -> None:
    first, second = make.org(name="甲单位"), make.org(name="乙单位", region="tonglu")
    third = make.org(name="丙单位")
    a1, a2 = make.staff("employer", org=first), make.staff("employer", org=second)
    person = make.practitioner()
    with app.app_context():
        e1 = apply_to_org(db, person, db.get(Organisation, first.id))
        db.commit()
        confirm_as(db, a1, e1)
        db.refresh(person)
        assert person.region == "wenzhou-lucheng" and policy_of(person.region) == "wenzhou-2020"
        e2 = apply_to_org(db, person, db.get(Organisation, second.id))
        db.commit()
        with pytest.raises(Conflict, match="待单位确认"):
            apply_to_org(db, person, db.get(Organisation, third.id))
        db.rollback()
        confirm_as(db, a2, e2)
        db.expire_all()
        rows = {e.org_id: e for e in db.scalars(select(Employment).where(Employment.person_id == person.id))}
        assert rows[first.id].status == "ended" and rows[first.id].ended_on is not None
        assert rows[second.id].status == "current" and rows[second.id].confirmed_by_id == a2.id
        person = db.get(Person, person.id)
        # The move changes the policy from today on (Tonglu's own document).
        assert policy_of(person.region) == "tonglu-2018"


def test_a_move_leaves_last_years_region_where_it_was(app: Any, db: Any, make: Any, frozen_clock: Any) -> None:
    first, second = make.org(), make.org(region="tonglu")
    a1, a2 = make.staff("employer", org=first), make.staff("employer", org=second)
    person = make.practitioner()
    with app.app_context():
        confirm_as(db, a1, apply_to_org(db, person, db.get(Organisation, first.id)))
        frozen_clock.advance(366 * 86400)  # into 2027
        confirm_as(db, a2, apply_to_org(db, person, db.get(Organisation, second.id)))
        person = db.get(Person, person.id)
        assert region_in(db, person, 2026) == "wenzhou-lucheng"
        assert region_in(db, person, 2027) == "tonglu"


def test_the_database_keeps_one_open_application_and_one_current_employer(app: Any, db: Any, make: Any) -> None:
    org1, org2 = make.org(), make.org()
    person = make.practitioner()
    now = make_time()
    db.add(Employment(person_id=person.id, org_id=org1.id, status="applied", applied_at=now,
                      region_code="wenzhou-lucheng"))
    db.commit()
    db.add(Employment(person_id=person.id, org_id=org2.id, status="applied", applied_at=now,
                      region_code="wenzhou-lucheng"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    for org in (org1, org2):
        db.add(Employment(person_id=person.id, org_id=org.id, status="current", applied_at=now,
                          started_on=now.date(), confirmed_by_id=person.id, region_code="wenzhou-lucheng"))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def make_time() -> Any:
    from lms import clock
    return clock.now()


def test_an_administrator_cannot_confirm_an_application_to_another_employer(app: Any, db: Any, make: Any) -> None:
    mine, theirs = make.org(), make.org()
    admin = make.staff("employer", org=mine)
    person = make.practitioner()
    with app.app_context():
        e = apply_to_org(db, person, db.get(Organisation, theirs.id))
        db.commit()
        with pytest.raises(NotFound):
            confirm_employment(db, admin, e)
        db.rollback()
        with pytest.raises(NotFound):  # nor reach the person by id
            visible_person(db, admin, person.id)


def test_a_decline_needs_a_reason_and_is_shown_to_the_applicant(app: Any, db: Any, make: Any) -> None:
    org = make.org()
    admin = make.staff("employer", org=org)
    person = make.practitioner()
    with app.app_context():
        e = apply_to_org(db, person, db.get(Organisation, org.id))
        db.commit()
        with pytest.raises(Exception, match="原因"):
            decline_employment(db, admin, e, " ")
        db.rollback()
        decline_employment(db, admin, db.get(Employment, e.id), "查无此人")
        db.commit()
        assert db.get(Employment, e.id).reason == "查无此人"


def test_two_administrators_confirming_at_once_confirm_once(app: Any, backend: str, make: Any) -> None:
    """On PostgreSQL the two requests really race; SQLite's writers queue (BEGIN IMMEDIATE), so there the second
    simply finds the application already decided."""
    org = make.org()
    admins = [make.staff("employer", org=org) for _ in range(2)]
    person = make.practitioner()
    client = app.test_client()
    web_login(client, person)
    assert client.post(f"/me/employer/{org.id}/apply").status_code == 302
    from lms.db import database
    with app.app_context():
        with database().factory() as s:
            employment_id = s.scalar(select(Employment.id).where(Employment.person_id == person.id))
    results: list[int] = []
    barrier = threading.Barrier(2)

    def confirm(admin: Any) -> None:
        c = app.test_client()
        web_login(c, admin)
        barrier.wait()
        results.append(c.post(f"/org/applications/{employment_id}/confirm").status_code)

    threads = [threading.Thread(target=confirm, args=(a,)) for a in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [302, 409]
    with app.app_context():
        with database().factory() as s:
            assert s.scalar(select(func.count()).select_from(Employment).where(
                Employment.person_id == person.id, Employment.status == "current")) == 1


@pytest.mark.parametrize("where,sees", [("wenzhou", {"lucheng", "ouhai"}), ("wenzhou-lucheng", {"lucheng"}),
                                        ("wenzhou-ouhai", {"ouhai"}), ("weihai", set())])
def test_a_bureau_sees_the_practitioners_of_its_territory_only(app: Any, db: Any, make: Any, where: str,
                                                               sees: set[str]) -> None:
    people = {"lucheng": make.practitioner(region="wenzhou-lucheng"),
              "ouhai": make.practitioner(region="wenzhou-ouhai"),
              "tonglu": make.practitioner(region="tonglu")}
    clerk = make.staff(region=where)
    with app.app_context():
        got = set(db.scalars(select(Person.id).where(person_clause(scope_of(db, clerk)))))
    expected = {people[k].id for k in sees if k in people}
    assert got == expected


def test_an_authority_sees_its_industry_in_its_city_only(app: Any, db: Any, make: Any) -> None:
    authority = make.org("authority", region="wenzhou", industry="卫生健康")
    officer = make.staff("authority", org=authority)
    doctor = make.practitioner(region="wenzhou-ouhai", industry="卫生健康")
    make.practitioner(region="wenzhou-ouhai", industry="教育")
    make.practitioner(region="tonglu", industry="卫生健康")
    with app.app_context():
        got = set(db.scalars(select(Person.id).where(person_clause(scope_of(db, officer)))))
    assert got == {doctor.id}


def test_a_supervisor_reads_the_people_list_but_cannot_disable(app: Any, make: Any) -> None:
    supervisor = make.staff("supervisor")
    person = make.practitioner(name="赵敏")
    client = app.test_client()
    web_login(client, supervisor)
    assert "赵敏" in client.get("/admin/people").get_data(as_text=True)
    assert client.get(f"/admin/people/{person.id}").status_code == 200
    resp = client.post(f"/admin/people/{person.id}/active/0")
    assert resp.status_code == 403 and "只能查看" in resp.get_data(as_text=True)


def test_a_county_clerk_gets_404_for_a_person_of_another_county(app: Any, make: Any) -> None:
    clerk = make.staff(region="wenzhou-ouhai")
    outside = make.practitioner(region="wenzhou-lucheng")
    client = app.test_client()
    web_login(client, clerk)
    assert client.get(f"/admin/people/{outside.id}").status_code == 404
    assert client.post(f"/admin/people/{outside.id}/active/0").status_code == 404
    assert client.get(f"/admin/people/{outside.id}/hours/new").status_code == 404


def test_the_audit_log_shows_a_county_its_territory_and_filters_by_organisation_and_level(
        app: Any, db: Any, make: Any) -> None:
    lucheng = make.staff(region="wenzhou-lucheng")
    city = make.staff(region="wenzhou")
    weihai = make.staff(region="weihai")
    inside, outside = make.practitioner(name="鹿城甲", region="wenzhou-lucheng"), make.practitioner(
        name="威海乙", region="weihai")
    for clerk, person in ((lucheng, inside), (city, inside), (weihai, outside)):
        c = app.test_client()
        web_login(c, clerk)
        assert c.post(f"/admin/people/{person.id}/active/0").status_code == 302
    reader = app.test_client()
    web_login(reader, city)
    page = reader.get("/admin/audit?action=account.deactivate").get_data(as_text=True)
    assert "符合条件的记录 2 条" in page and "威海乙" not in page
    by_org = reader.get("/admin/audit?action=account.deactivate&org=鹿城区").get_data(as_text=True)
    assert "符合条件的记录 1 条" in by_org
    by_level = reader.get("/admin/audit?level=supervisor").get_data(as_text=True)
    assert "符合条件的记录 0 条" in by_level
    county = app.test_client()
    web_login(county, lucheng)
    assert "威海乙" not in county.get("/admin/audit").get_data(as_text=True)


def test_an_employer_resets_its_staff_members_password_after_checking_the_id_card(app: Any, db: Any,
                                                                                 make: Any) -> None:
    org, other = make.org(), make.org()
    admin, stranger = make.staff("employer", org=org), make.staff("employer", org=other)
    person = make.practitioner(name="周工")
    with app.app_context():
        confirm_as(db, admin, apply_to_org(db, person, db.get(Organisation, org.id)))
    boss = app.test_client()
    web_login(boss, admin)
    wrong = boss.post(f"/org/people/{person.id}/password-reset", data={"id_number": make_id_number(99)})
    assert wrong.status_code == 400 and "不符" in wrong.get_data(as_text=True)
    done = boss.post(f"/org/people/{person.id}/password-reset", data={"id_number": person.id_number})
    assert done.status_code == 200 and 'id="temporary-password"' in done.get_data(as_text=True)
    temporary = done.get_data(as_text=True).split('id="temporary-password"><code>')[1].split("<")[0]
    assert app.test_client().post("/login", data={"login": person.id_number, "password": temporary}).status_code == 302
    outsider = app.test_client()
    web_login(outsider, stranger)
    assert outsider.post(f"/org/people/{person.id}/password-reset",
                         data={"id_number": person.id_number}).status_code == 404
