"""The organisation tree, employment periods and administrator changes."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base

KINDS = ("province_hr", "city_hr", "county_hr", "authority", "employer", "agency", "organiser")
KIND_NAMES = {
    "province_hr": "省人力资源和社会保障厅", "city_hr": "市人力资源和社会保障局", "county_hr": "县（市、区）人力资源和社会保障局",
    "authority": "行业主管部门", "employer": "用人单位", "agency": "人事代理机构 / 社区人力资源服务站",
    "organiser": "施教机构",
}
HR_KINDS = ("province_hr", "city_hr", "county_hr")
LEVEL_KIND = {"province": "province_hr", "city": "city_hr", "county": "county_hr"}
# Organisations whose members are practitioners matched to them (人员匹配, 温 第四条; 威 三、四).
MEMBER_KINDS = ("employer", "agency")
STATUSES = ("pending", "approved", "rejected")
STATUS_NAMES = {"pending": "待审核", "approved": "已通过", "rejected": "未通过"}
EMPLOYMENT_STATUSES = ("applied", "current", "declined", "ended", "withdrawn")
EMPLOYMENT_NAMES = {"applied": "待单位确认", "current": "在职", "declined": "单位未确认", "ended": "已离开",
                    "withdrawn": "已撤回"}


class RegionRow(Base):
    """A region of the tree (lms/regions.py is the data it is seeded from)."""

    __tablename__ = "region"
    __table_args__ = (CheckConstraint("level IN ('province','city','county')", name="level"),)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    policy: Mapped[str | None] = mapped_column(String(40))


class Organisation(Base):
    """An HR bureau, industry authority, employer, personnel agency or training organiser."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("kind IN ('province_hr','city_hr','county_hr','authority','employer','agency','organiser')",
                        name="kind"),
        CheckConstraint("status IN ('pending','approved','rejected')", name="status"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL", name="rejected_with_reason"),
        # A registration waiting for the bureau carries no decision: a rejected one corrected and resubmitted
        # (resubmit_registration) waits afresh, its earlier rejection kept in the audit log only.
        CheckConstraint("status <> 'pending' OR (decided_at IS NULL AND decided_by_id IS NULL "
                        "AND decision_reason IS NULL)", name="pending_undecided"),
        CheckConstraint("submission >= 1", name="submission_counted"),
        CheckConstraint("kind <> 'employer' OR uscc IS NOT NULL", name="employer_uscc"),
        CheckConstraint("kind <> 'authority' OR industry IS NOT NULL", name="authority_industry"),
        # One HR bureau per region (属地): the tree of bureaus is the tree of regions.
        Index("uq_organisation_hr_region", "region_code", unique=True,
              sqlite_where=text("kind IN ('province_hr','city_hr','county_hr')"),
              postgresql_where=text("kind IN ('province_hr','city_hr','county_hr')")),
        # One industry authority per industry and city (温 第二条: the city industry authority).
        Index("uq_organisation_authority", "region_code", "industry", unique=True,
              sqlite_where=text("kind = 'authority'"), postgresql_where=text("kind = 'authority'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)   # 统一社会信用代码 (GB 32100-2015)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    industry: Mapped[str | None] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="approved")
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", use_alter=True))
    decided_at: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # How many times the registration was submitted: 1 at registration, one more for each correction after a
    # rejection (the bureau reads "第 2 次提交"; messages of each round are told once).
    submission: Mapped[int] = mapped_column(default=1, server_default=text("1"))

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def is_hr(self) -> bool:
        return self.kind in HR_KINDS

    @property
    def may_act(self) -> bool:
        """Approved and not disabled: a pending or rejected employer confirms nobody (桐 第十七条)."""
        return self.status == "approved" and not self.disabled


class Employment(Base):
    """A practitioner's period with an employer or agency: applied → current → ended, or declined / withdrawn."""

    __tablename__ = "employment"
    __table_args__ = (
        CheckConstraint("status IN ('applied','current','declined','ended','withdrawn')", name="status"),
        CheckConstraint("status <> 'current' OR (started_on IS NOT NULL AND confirmed_by_id IS NOT NULL)",
                        name="current_confirmed"),
        CheckConstraint("status <> 'ended' OR ended_on IS NOT NULL", name="ended_dated"),
        CheckConstraint("status <> 'declined' OR reason IS NOT NULL", name="declined_with_reason"),
        # At most one current employer and one open application per person (温 第四条), in the schema itself.
        Index("uq_employment_one_current", "person_id", unique=True,
              sqlite_where=text("status = 'current'"), postgresql_where=text("status = 'current'")),
        Index("uq_employment_one_open", "person_id", unique=True,
              sqlite_where=text("status = 'applied'"), postgresql_where=text("status = 'applied'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    applied_at: Mapped[datetime]
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    # The region this period counts in (the employer's when it started): a later move of the employer does not
    # rewrite history.
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    org: Mapped[Organisation] = relationship(foreign_keys=[org_id], lazy="joined")

    @property
    def status_name(self) -> str:
        return EMPLOYMENT_NAMES[self.status]


class AdminChange(Base):
    """A change of an organisation's administrator, reported to the county bureau (桐 第十八条: within 15 days)."""

    __tablename__ = "admin_change"
    __table_args__ = (CheckConstraint("change IN ('added','disabled','enabled')", name="change"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    change: Mapped[str] = mapped_column(String(10))
    on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    acknowledged_at: Mapped[datetime | None]
    org: Mapped[Organisation] = relationship(lazy="joined")


class FeeReport(Base):
    """The continuing-education training fees an employer (or agency) reports for a year: what it spent on its staff's
    training and how many attended (川人社发〔2016〕20号 七(三): HR departments keep statistics of participants, hours
    and funding). One report per organisation and year; a correction replaces it (the audit log keeps each)."""

    __tablename__ = "fee_report"
    __table_args__ = (UniqueConstraint("org_id", "year"),
                      CheckConstraint("amount >= 0 AND amount < 10000000000", name="amount"),
                      CheckConstraint("trained >= 0", name="trained"),
                      CheckConstraint("year >= 2000", name="year"))
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    year: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    trained: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(200))
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    reported_at: Mapped[datetime]


@event.listens_for(Base.metadata, "after_create")
def _seed_after_create(_target: object, connection: object, tables: list[object] | None = None,
                       **_kw: object) -> None:
    """A schema made by create_all (tests, a new SQLite file) gets the regions and bureaus the migration seeds
    (after every table exists: organisation and person refer to each other)."""
    if tables is not None and Organisation.__table__ not in tables:
        return
    from .seed import seed
    seed(connection)  # type: ignore[arg-type]
