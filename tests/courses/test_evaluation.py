"""Organiser evaluation (浙人社发〔2016〕63号 第十二条; 川人社发〔2016〕20号 七(三)): attendees rate a programme they
attended, once, 1 to 5 with a comment; the competent bureau records inspection notes; the HR bureau sees both beside
the organiser's programmes, the organiser does not."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import clock
from lms.rosters.evaluation import ProgrammeInspection, ProgrammeRating
from lms.rosters.models import Programme, RosterRow, RosterUpload
from tests.conftest import PASSWORD, login


@pytest.fixture
def seminar(app: Any, db: Any, make: Any) -> dict[str, Any]:
    """An approved programme of a Lucheng organiser whose confirmed roster credited one attendee."""
    from lms.orgs.operations import create_staff
    organiser = make.org("organiser", region="wenzhou-lucheng", name="鹿城培训中心")
    with app.app_context():
        teacher = create_staff(db, None, organiser, role="organiser", username="organiser1", name="机构管理员",
                               password=PASSWORD)
        db.commit()
    bureau = make.staff("bureau", region="wenzhou-lucheng")
    attendee, absent = make.practitioner(name="李四"), make.practitioner(name="王五")
    now, today = clock.now(), clock.china_today()
    p = Programme(org_id=organiser.id, title="中小学教师高级研修班", category="professional", industry="教育",
                  starts_on=today - timedelta(days=3), ends_on=today - timedelta(days=1), hours_per_day=Decimal(6),
                  venue="鹿城区某路 1 号", fee=Decimal(0), capacity=50, approval_document="鹿人社〔2026〕1号",
                  status="approved", approved_by_org_id=bureau.org_id, decided_at=now, filed_by_id=teacher.id,
                  created_at=now)
    db.add(p)
    db.flush()
    up = RosterUpload(programme_id=p.id, filename="名单.csv", sha256="0" * 64, status="confirmed", rows_total=2,
                      rows_refused=0, uploaded_by_id=teacher.id, uploaded_at=now, confirmed_by_id=bureau.id,
                      confirmed_at=now, registered=1)
    db.add(up)
    db.flush()
    db.add(RosterRow(upload_id=up.id, line=2, name=attendee.name, id_number=attendee.id_number, days=3,
                     hours=Decimal(18), status="credited", person_id=attendee.id))
    db.add(RosterRow(upload_id=up.id, line=3, name=absent.name, id_number=absent.id_number, days=3,
                     hours=Decimal(18), status="refused", reason="姓名不符", person_id=absent.id))
    from lms.hours.operations import register_hours
    from lms.rosters.operations import SOURCE
    register_hours(db, person_id=attendee.id, year=2026, category="professional", hours=Decimal(18),
                   source_type=SOURCE, source_ref=f"{p.id}:{attendee.id}", title=p.title, org="鹿城区人力资源和社会保障局",
                   rule="温人社发〔2020〕125号 第十三条、第十四条")
    db.commit()
    return {"programme": p, "attendee": attendee, "absent": absent, "bureau": bureau, "teacher": teacher}


def _ratings(db: Any, programme: Any) -> list[ProgrammeRating]:
    db.rollback()
    return list(db.scalars(select(ProgrammeRating).where(ProgrammeRating.programme_id == programme.id)))


def test_an_attendee_rates_the_programme_once_and_the_bureau_sees_it_beside_the_organisers_programmes(
        app: Any, db: Any, seminar: dict[str, Any]) -> None:
    p = seminar["programme"]
    client = app.test_client()
    login(client, seminar["attendee"].id_number)
    assert "提交评价" in client.get(f"/programmes/{p.id}/card").get_data(as_text=True)  # on the 学时登记卡
    r = client.post(f"/programmes/{p.id}/rating", data={"score": "4", "comment": "内容实用"})
    assert r.status_code == 302
    again = client.post(f"/programmes/{p.id}/rating", data={"score": "1", "comment": "改评"}, follow_redirects=True)
    assert "每人只能评价一次" in again.get_data(as_text=True)
    assert [(x.score, x.comment) for x in _ratings(db, p)] == [(4, "内容实用")]
    assert '您已评价：<strong id="my-score">4</strong> 分' in client.get(f"/programmes/{p.id}/card").get_data(as_text=True)
    bureau = app.test_client()
    login(bureau, seminar["bureau"].username)
    r = bureau.post(f"/programmes/{p.id}/inspections", data={"note": "现场检查：签到表与名单一致"})
    assert r.status_code == 302
    listing = bureau.get("/programmes/manage").get_data(as_text=True)
    assert "4.0 分（1 人）" in listing and '<td data-label="检查意见">1</td>' in listing
    page = bureau.get(f"/programmes/{p.id}/manage").get_data(as_text=True)
    assert '<strong id="average">4.0</strong>' in page and "内容实用" in page and "签到表与名单一致" in page
    organiser = app.test_client()
    login(organiser, "organiser1")
    own = organiser.get(f"/programmes/{p.id}/manage").get_data(as_text=True)
    assert "内容实用" not in own and 'id="evaluation"' not in own
    assert "参训评价" not in organiser.get("/programmes/manage").get_data(as_text=True)


@pytest.mark.parametrize("who", ["absent", "stranger"])
def test_only_attendees_credited_by_the_roster_may_rate(app: Any, db: Any, make: Any, seminar: dict[str, Any],
                                                       who: str) -> None:
    person = seminar["absent"] if who == "absent" else make.practitioner(name="赵六")
    client = app.test_client()
    login(client, person.id_number)
    assert client.post(f"/programmes/{seminar['programme'].id}/rating", data={"score": "5"}).status_code == 404
    assert _ratings(db, seminar["programme"]) == []


@pytest.mark.parametrize("score", ["0", "6", "", "五"])
def test_a_score_outside_1_to_5_is_refused_and_nothing_is_saved(app: Any, db: Any, seminar: dict[str, Any],
                                                                score: str) -> None:
    client = app.test_client()
    login(client, seminar["attendee"].id_number)
    r = client.post(f"/programmes/{seminar['programme'].id}/rating", data={"score": score}, follow_redirects=True)
    assert "请选择 1–5 分" in r.get_data(as_text=True)
    assert _ratings(db, seminar["programme"]) == []


def test_the_database_itself_refuses_a_second_rating_and_a_score_out_of_range(db: Any,
                                                                             seminar: dict[str, Any]) -> None:
    p, person = seminar["programme"], seminar["attendee"]
    db.add(ProgrammeRating(programme_id=p.id, person_id=person.id, score=3, comment="", created_at=clock.now()))
    db.commit()
    for score in (5, 9):
        db.add(ProgrammeRating(programme_id=p.id, person_id=person.id if score == 5 else seminar["absent"].id,
                               score=score, comment="", created_at=clock.now()))
        with pytest.raises(IntegrityError):
            db.flush()
        db.rollback()


def test_a_bureau_outside_the_programmes_territory_cannot_record_an_inspection(app: Any, db: Any, make: Any,
                                                                              seminar: dict[str, Any]) -> None:
    outsider = make.staff("bureau", region="weihai")
    client = app.test_client()
    login(client, outsider.username)
    r = client.post(f"/programmes/{seminar['programme'].id}/inspections", data={"note": "越权检查意见"})
    assert r.status_code == 404
    db.rollback()
    assert db.scalars(select(ProgrammeInspection)).all() == []
