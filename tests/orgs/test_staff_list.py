"""An employer's staff list (桐人社发〔2018〕26号 第十二条, 第十四条) measures all its staff at once: each row must say
what the person's own hours page and standing say — this year's hours against their own region's policy, last
year's consequences under it — and the number of statements must not grow with the staff (issue 14's lists
target: an employer of a few hundred staff at the year-end peak)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from lms.hours.standing import person_standing
from lms.hours.summary import year_summary
from lms.orgs.models import Organisation
from lms.orgs.operations import apply_to_org, confirm_employment
from lms.orgs.staff import staff_rows
from tests.test_hours import give

YEAR = 2026  # the frozen clock's study year; 2025 is the last completed one

# hours per year and category: complete, short in one category, short two years running, hours only in a year
# before the person registered (a transfer-in: their first year is then that one), none at all
STAFF: list[dict[int, dict[str, int]]] = [
    {2025: {"general_public": 18, "professional": 72}, 2026: {"general_public": 18}},
    {2024: {"general_public": 18, "professional": 40}, 2025: {"general_public": 18, "professional": 71}},
    {2023: {"professional": 90}, 2024: {"general_public": 18, "professional": 72},
     2025: {"general_public": 18, "professional": 72}, 2026: {"general_public": 30, "professional": 90}},
    {2025: {"general_public": 29, "professional": 61}, 2026: {"general_public": 30, "professional": 60}},
    {2025: {"general_public": 24, "industry_public": 12, "professional": 54}, 2026: {"industry_public": 6}},
    {2019: {"professional": 30}},
    {},
]
# a confirmed employee's region, and so their policy, is the employer's (lms/orgs/operations.confirm_employment)
REGIONS = ("wenzhou-ruian", "tonglu", "weihai", "chengdu")


def employ(app: Any, db: Any, make: Any, org: Any, admin: Any, hours: dict[int, dict[str, int]], n: int) -> Any:
    person = make.practitioner(region=org.region_code, name=f"员工{n:02d}")
    with app.app_context():
        confirm_employment(db, admin, apply_to_org(db, person, db.get(Organisation, org.id)))
        db.commit()
    for year, cats in hours.items():
        for category, h in cats.items():
            give(app, db, person, year, category, h, f"{category}-{person.id}-{year}")
    return person


@contextmanager
def counted(db: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_each_staff_row_says_what_the_persons_own_summary_and_standing_say_under_each_regions_policy(
        app: Any, db: Any, make: Any) -> None:
    for region in REGIONS:
        org = make.org(region=region)
        admin = make.staff("employer", org=org, region=region)
        people = [employ(app, db, make, org, admin, hours, n) for n, hours in enumerate(STAFF)]
        with app.app_context():
            rows = {r.person.id: r for r in staff_rows(db, org.id, YEAR)}
            assert sorted(rows) == sorted(p.id for p in people)
            for p in people:
                row, own = rows[p.id], year_summary(db, p, YEAR)
                assert (row.total, row.short, row.complete, row.unit) == (
                    own["total"], max(b["short"] for b in own["bars"]), own["complete"], own["unit"]), region
                assert row.required == max(b["minimum"] for b in own["bars"])
                alone = person_standing(db, p, YEAR - 1)
                assert (row.prior.year, row.prior.policy.id, row.prior.standing, row.prior.choices) == (
                    alone.year, alone.policy.id, alone.standing, alone.choices), region
            # the cases are really there: someone complete this year, someone short; nothing judged for the person
            # with no hours (registered in 2026), a judgement for the transfer-in whose first year is 2019
            assert rows[people[2].id].complete and not rows[people[4].id].complete
            assert rows[people[6].id].prior.standing is None and rows[people[6].id].total == 0
            assert rows[people[5].id].prior.standing is not None
            if region == "tonglu":  # two short years in a row: 桐 第十四条 and 第十五条
                kinds = {c.kind for c in rows[people[1].id].prior.standing.consequences}
                assert kinds >= {"excellent", "title"}, kinds


def test_the_staff_list_takes_the_same_statements_for_two_staff_as_for_seven(app: Any, db: Any, make: Any) -> None:
    small, large = make.org(region="wenzhou-lucheng"), make.org(region="wenzhou-lucheng")
    small_admin, large_admin = make.staff("employer", org=small), make.staff("employer", org=large)
    for n, hours in enumerate(STAFF[:2]):
        employ(app, db, make, small, small_admin, hours, n)
    for n, hours in enumerate(STAFF):
        employ(app, db, make, large, large_admin, hours, 10 + n)
    with app.app_context():
        counts = []
        for org_id, size in ((small.id, 2), (large.id, len(STAFF))):
            db.expire_all()
            with counted(db) as statements:
                assert len(staff_rows(db, org_id, YEAR)) == size
            counts.append(len([x for x in statements if x.startswith("SELECT")]))
        assert counts[0] == counts[1] == 4, counts
